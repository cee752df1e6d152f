// Checks the harness itself, without a box: Chromium starts, and its fake
// camera and microphone play the fixture colour and tone. When the call tests
// fail on colour or tone and this passes, look at the box, not the harness.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeFixtures, removeFixtures, rgbToYcbcr601, ycbcr601ToRgb, SOURCE_RGB } from '../lib/fixtures.mjs';
import { launchBrowser, describePage } from '../lib/browser.mjs';
import { withTimeout } from '../lib/wait.mjs';

const PROBE_PAGE = `<!doctype html><meta charset="utf-8"><title>probe</title>
<video id="v" autoplay muted playsinline></video>
<script>
// Measures what getUserMedia delivers: the mean colour of the centre of the
// picture, the dominant audio frequency and the RMS level.
window.probe = async (audioConstraints) => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: audioConstraints });
  const v = document.getElementById('v');
  v.srcObject = stream;
  await v.play();
  await new Promise((r) => setTimeout(r, 700));
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const px = g.getImageData(c.width / 4, c.height / 4, c.width / 2, c.height / 2).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i += 4) { sum[0] += px[i]; sum[1] += px[i + 1]; sum[2] += px[i + 2]; }
  const n = px.length / 4;
  const ac = new AudioContext();
  const an = ac.createAnalyser();
  an.fftSize = 8192;
  ac.createMediaStreamSource(stream).connect(an);
  await new Promise((r) => setTimeout(r, 500));
  const spec = new Float32Array(an.frequencyBinCount);
  an.getFloatFrequencyData(spec);
  let peak = 0;
  for (let i = 1; i < spec.length; i++) if (spec[i] > spec[peak]) peak = i;
  const wave = new Float32Array(an.fftSize);
  an.getFloatTimeDomainData(wave);
  const rms = Math.sqrt(wave.reduce((a, x) => a + x * x, 0) / wave.length);
  stream.getTracks().forEach((t) => t.stop());
  await ac.close();
  return {
    width: c.width, height: c.height,
    meanRgb: sum.map((s) => Math.round(s / n)),
    audioFrequencyHz: (peak * ac.sampleRate) / an.fftSize,
    audioRms: rms,
  };
};
</script>`;

let fixtures;
let server;
let url;
let browser;

before(async () => {
  fixtures = makeFixtures();
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PROBE_PAGE);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser(fixtures);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  removeFixtures(fixtures);
});

test('the fixture colour survives BT.601 limited range round trip', () => {
  const back = ycbcr601ToRgb(rgbToYcbcr601(SOURCE_RGB));
  back.forEach((v, i) => assert.ok(Math.abs(v - SOURCE_RGB[i]) <= 1.5, `channel ${i}: ${v} vs ${SOURCE_RGB[i]}`));
});

for (const [name, audio] of [
  ['raw', { echoCancellation: false, noiseSuppression: false, autoGainControl: false }],
  ['with default audio processing', true],
]) {
  test(`Chromium's fake devices play the fixtures (${name})`, async () => {
    const page = await browser.newPage(`probe-${name}`);
    try {
      await page.goto(url, { timeout: 10_000 });
      const got = await withTimeout('the probe page to measure', page.evaluate((a) => window.probe(a), audio), 15_000);
      console.log(`measured (${name}): ${JSON.stringify(got)}; expected rgb ${JSON.stringify(fixtures.expectedRgb)}, ${fixtures.toneHz} Hz, rms ${fixtures.toneRms.toFixed(3)}`);
      assert.equal(got.width, fixtures.width);
      assert.equal(got.height, fixtures.height);
      got.meanRgb.forEach((v, i) =>
        assert.ok(Math.abs(v - fixtures.expectedRgb[i]) <= 10, `mean colour ${JSON.stringify(got.meanRgb)} vs ${JSON.stringify(fixtures.expectedRgb)}`),
      );
      assert.ok(Math.abs(got.audioFrequencyHz - fixtures.toneHz) <= 30, `tone at ${got.audioFrequencyHz} Hz`);
      assert.ok(got.audioRms > 0.01, `audio RMS ${got.audioRms}`);
    } catch (err) {
      err.message += `\n${await describePage(browser, page)}`;
      throw err;
    } finally {
      await page.close();
    }
  });
}

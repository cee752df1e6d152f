// Firefox ESR, Debian's package, calls the box: a browser with no H.264
// (its OpenH264 is downloaded at run time, never here), so the box's offer
// must carry VP8 too and send it VP8. Media both ways, with content checks:
// the page decodes the box's test bars in VP8 with their colours right and
// hears the 440 Hz tone; the box decodes Firefox's fake camera and hears its
// fake 1 kHz microphone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startBox } from '../lib/box.mjs';
import { launchFirefox, FIREFOX_FAKE_TONE_HZ } from '../lib/firefox.mjs';
import { hangUp, openCall, waitBoxState, waitBrowserMedia } from '../lib/call.mjs';
import { BOX_TONE_HZ, barColours, barsRight, dominantToneHz, receivedVideoCodec } from '../lib/received.mjs';
import { waitUntil } from '../lib/wait.mjs';

let box;
let firefox;

before(async () => {
  box = await startBox();
  console.log(`box log: ${box.logPath}`);
  firefox = await launchFirefox();
});

after(async () => {
  await firefox?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
});

test('Firefox ESR calls: VP8 and Opus both ways, the picture and tone right on each end', { timeout: 120_000 }, async () => {
  const link = await box.createLink('firefox');
  const firstPage = firefox.pages.length;
  try {
    const page = await openCall(firefox, link, { label: 'firefox', timeoutMs: 30_000 });
    const seen = await waitBrowserMedia(page, { minFrames: 30, width: 640, height: 360, minLevel: 0.01, timeoutMs: 20_000 });
    console.log(`Firefox received: ${JSON.stringify(seen)}`);
    assert.equal(await receivedVideoCodec(page), 'video/VP8', 'Firefox decodes VP8');
    const bars = await waitUntil('the box\'s test bars in their colours on the page', () => barColours(page), barsRight, { timeoutMs: 5000, intervalMs: 200 });
    console.log(`bars on the page: ${JSON.stringify(bars)}`);
    const hz = await waitUntil(`the box's ${BOX_TONE_HZ} Hz tone on the page`, () => dominantToneHz(page), (f) => f !== null && Math.abs(f - BOX_TONE_HZ) <= 10, { timeoutMs: 8000, intervalMs: 100 });
    console.log(`tone on the page: ${hz} Hz`);

    // The box decodes Firefox's fake camera (frames of its picture, not
    // black) and its fake microphone's tone.
    const status = await waitUntil(
      `the box to decode Firefox's picture and its ${FIREFOX_FAKE_TONE_HZ} Hz tone`,
      () => box.status(),
      (s) => {
        const r = s?.remote;
        return s?.state === 'inCall' && !!r && r.videoFrames >= 30 && Array.isArray(r.meanRgb) && Math.max(...r.meanRgb) > 30 && Math.abs(r.audioFrequencyHz - FIREFOX_FAKE_TONE_HZ) <= 30 && r.audioRms > 0.01;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    console.log(`box received: ${JSON.stringify(status.remote)}`);
    const log = fs.readFileSync(box.logPath, 'utf8');
    assert.match(log, /video encode started codec="vp8"/, 'the box started a VP8 encode for Firefox');
    assert.match(log, /sending video .*codec="vp8"/, 'and sends it to Firefox');

    await hangUp(page, { timeoutMs: 5000 });
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await waitUntil('the VP8 encode to stop after the call', () => fs.readFileSync(box.logPath, 'utf8'), (l) => /video encode stopped codec="vp8"/.test(l), { timeoutMs: 10_000, intervalMs: 100 });
  } catch (err) {
    err.message += `\n\n${await firefox.describe({ pages: firefox.pages.slice(firstPage) })}\n\n${await box.describe()}`;
    throw err;
  }
});

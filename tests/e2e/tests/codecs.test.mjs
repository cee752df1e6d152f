// Every browser's codec, in Chromium: a caller whose browser prefers VP8
// (its answer lists only VP8, as a browser without H.264 would) gets the
// box's picture in VP8; with an H.264 caller and a VP8 caller in one group
// call the box runs exactly one encode of each, and the VP8 one stops when
// its caller leaves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, remoteStats } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, openCall, pressCall, pressHangUp, waitBoxState, waitBrowserMedia, waitPageState } from '../lib/call.mjs';
import { barColours, barsRight, receivedVideoCodec } from '../lib/received.mjs';
import { waitUntil } from '../lib/wait.mjs';

let fixtures;
let box;
let browser;
let link;

before(async () => {
  fixtures = makeFixtures();
  box = await startBox({ calls: { max_participants: 3 } });
  console.log(`box log: ${box.logPath}`);
  browser = await launchBrowser(fixtures);
  link = await box.createLink('codecs');
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  removeFixtures(fixtures);
});

// Runs in the page before its scripts: every answer it makes offers to
// receive video in VP8 only (RTCRtpTransceiver.setCodecPreferences).
function preferVp8() {
  const createAnswer = RTCPeerConnection.prototype.createAnswer;
  RTCPeerConnection.prototype.createAnswer = function vp8Answer(...args) {
    const vp8 = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === 'video/VP8');
    for (const t of this.getTransceivers()) {
      if (t.receiver.track && t.receiver.track.kind === 'video' && !t.stopped) t.setCodecPreferences(vp8);
    }
    return createAnswer.apply(this, args);
  };
}

/** Opens the link in a tab whose answers take VP8 only, and waits for the call. */
async function openVp8Call(label) {
  const page = await browser.newPage(label);
  await page.addInitScript(preferVp8);
  await page.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  return page;
}

/** The box log's lines since `offset` (bytes) that match `pattern`. */
function logLines(offset, pattern) {
  return fs
    .readFileSync(box.logPath, 'utf8')
    .slice(offset)
    .split('\n')
    .filter((l) => pattern.test(l));
}

function scenario(name, body) {
  test(name, { timeout: 120_000 }, async () => {
    const firstPage = browser.pages.length;
    const ownPages = () => browser.pages.slice(firstPage);
    box.note(`=== test: ${name}`);
    try {
      await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
      await body(fs.statSync(box.logPath).size);
    } catch (err) {
      err.message += `\n\n${await browser.describe({ pages: ownPages() })}\n\n${await box.describe()}`;
      throw err;
    } finally {
      for (const page of ownPages().reverse()) {
        if (!page.isClosed()) {
          await pressHangUp(page, { timeoutMs: 2000 }).catch(() => {});
          await page.close({ runBeforeUnload: true }).catch(() => {});
        }
      }
      await waitBoxState(box, 'waiting', { timeoutMs: 15_000 }).catch(() => {});
    }
  });
}

scenario('a caller whose browser takes only VP8 gets the picture in VP8, colours right', async () => {
  const page = await openVp8Call('vp8-caller');
  await waitBrowserMedia(page, { minFrames: 30, width: 640, height: 360 });
  assert.equal(await receivedVideoCodec(page), 'video/VP8');
  const bars = await waitUntil('the test bars in their colours', () => barColours(page), barsRight, { timeoutMs: 5000, intervalMs: 200 });
  console.log(`bars on the page (VP8): ${JSON.stringify(bars)}`);
});

scenario('an H.264 caller and a VP8 caller: one encode of each, VP8 stopped after its caller', async (logStart) => {
  const h264 = await openCall(browser, link, { label: 'h264-caller' });
  await waitBrowserMedia(h264, { minFrames: 10 });
  assert.equal(await receivedVideoCodec(h264), 'video/H264');
  const vp8 = await openVp8Call('vp8-caller');
  await waitBrowserMedia(vp8, { minFrames: 10 });
  assert.equal(await receivedVideoCodec(vp8), 'video/VP8');
  await waitUntil('the VP8 caller to see the bars', () => barColours(vp8), barsRight, { timeoutMs: 5000, intervalMs: 200 });
  await waitUntil('the H.264 caller to see the bars', () => barColours(h264), barsRight, { timeoutMs: 5000, intervalMs: 200 });

  const started = logLines(logStart, /video encode started/);
  assert.deepEqual(
    started.map((l) => l.match(/codec="(\w+)"/)?.[1]),
    ['h264', 'vp8'],
    `exactly one encode per codec:\n${started.join('\n')}`,
  );
  const sending = logLines(logStart, /sending video/);
  assert.equal(sending.length, 2, sending.join('\n'));
  assert.match(sending[1], /codec="vp8" encodes=2/);

  // The VP8 caller leaves: its encode stops, the H.264 caller's picture goes on.
  const leaving = fs.statSync(box.logPath).size;
  await pressHangUp(vp8);
  await waitPageState(vp8, 'ended', { timeoutMs: 5000 });
  await waitUntil('the VP8 encode to stop', () => logLines(leaving, /video encode stopped/), (l) => l.length === 1 && /codec="vp8"/.test(l[0]), { timeoutMs: 10_000, intervalMs: 100 });
  const before = (await remoteStats(h264)).video.framesDecoded;
  await waitUntil('the H.264 caller to keep decoding', () => remoteStats(h264), (s) => s.video.framesDecoded >= before + 20, { timeoutMs: 5000, intervalMs: 100 });
  assert.equal((await box.status()).state, 'inCall');
});

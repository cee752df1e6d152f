// Missing and failing hardware: a camera that is not there, or fails, and a
// microphone that does not open never end a call. The box sends a still
// picture and silence instead, says why in its status, and keeps looking
// for the camera. No camera exists here (nor v4l2loopback), so the camera
// is a path that is not a camera, or that is not there and then appears.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, remoteStats } from '../lib/browser.mjs';
import { hangUp, openCall, waitBoxState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';

/** The still picture's colour (capture.rs STILL_COLOUR), as the page shows it. */
const STILL_RGB = [47, 79, 111];
/** How often the box tries a missing or failed camera again (fallback.rs RETRY_EVERY), ms. */
const RETRY_MS = 2000;

let fixtures;
let browser;
let dir;

before(async () => {
  fixtures = makeFixtures();
  browser = await launchBrowser(fixtures);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-hw-'));
});

after(async () => {
  await browser?.close();
  removeFixtures(fixtures);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `body(box, link)` against a box whose camera and microphone are `media`; stops it after. */
async function withBox(media, body) {
  const box = await startBox({ media });
  const firstPage = browser.pages.length;
  try {
    await body(box, await box.createLink('hardware'));
  } catch (err) {
    err.message += `\n\n${await browser.describe({ pages: browser.pages.slice(firstPage) })}\n\n${await box.describe()}`;
    throw err;
  } finally {
    for (const page of browser.pages.slice(firstPage)) await page.close().catch(() => {});
    await box.stop();
  }
}

/** Frames the page has decoded from the box so far. */
async function framesDecoded(page) {
  return (await remoteStats(page))?.video?.framesDecoded ?? 0;
}

/** The mean colour of the box's picture on the page. */
async function remoteRgb(page) {
  return page.evaluate(() => {
    const video = document.getElementById('remote');
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 18;
    const g = canvas.getContext('2d');
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
    return sum.map((s) => Math.round(s / (data.length / 4)));
  });
}

/** Waits until the page shows the still picture, not the test bars. */
async function waitStillPicture(page) {
  await waitUntil('the still picture on the page', () => remoteRgb(page), (rgb) => rgb.every((v, i) => Math.abs(v - STILL_RGB[i]) <= 12), { timeoutMs: 15_000 });
}

/** Waits until the status's camera (or microphone) entry passes `ok`; returns it. */
async function waitInput(box, which, what, ok, timeoutMs = 5000) {
  return waitUntil(`the status's ${which} to be ${what}`, async () => (await box.status()).capture?.[which], (c) => !!c && ok(c), { timeoutMs });
}

test('a camera that is not a camera and a microphone that will not open: the call goes on with a still picture and silence, and the status says why', { timeout: 90_000 }, async () => {
  const camera = path.join(dir, 'video0');
  fs.writeFileSync(camera, 'not a camera\n');
  await withBox({ video_source: camera, audio_source: 'hw:CARD=Nowhere,DEV=0' }, async (box, link) => {
    const waiting = (await box.status()).capture;
    assert.equal(waiting.camera.state, 'idle', JSON.stringify(waiting));
    assert.equal(waiting.camera.device, camera);

    const page = await openCall(browser, link, { label: 'caller' });
    const failed = await waitInput(box, 'camera', 'failed', (c) => c.state === 'failed');
    assert.ok(failed.message.startsWith(`camera ${camera} failed: `), failed.message);
    assert.ok(failed.reason.length > 0 && failed.placeholder, JSON.stringify(failed));
    const mic = await waitInput(box, 'microphone', 'failed', (c) => c.state === 'failed');
    assert.ok(mic.message.startsWith('microphone hw:CARD=Nowhere,DEV=0 failed: '), mic.message);
    await waitStillPicture(page);

    // Across several retries of the camera, the picture keeps coming.
    const before = await framesDecoded(page);
    await sleep(RETRY_MS * 2 + 500);
    const after = await framesDecoded(page);
    assert.ok(after - before >= 60, `frames went from ${before} to ${after} in ${RETRY_MS * 2 + 500} ms`);
    assert.equal((await box.status()).state, 'inCall');

    // The node goes away (unplugged): the status says so, the call goes on.
    fs.rmSync(camera);
    const missing = await waitInput(box, 'camera', 'missing', (c) => c.state === 'missing', RETRY_MS * 3);
    assert.ok(missing.message.includes('is not there'), missing.message);
    const later = await framesDecoded(page);
    await sleep(1000);
    assert.ok((await framesDecoded(page)) - later >= 20, 'frames still come while the camera is missing');
    await hangUp(page);
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  });
});

test('a camera that is not there at start: the call works with the still picture, and the box opens the device once it appears', { timeout: 90_000 }, async () => {
  const camera = path.join(dir, 'video1');
  await withBox({ video_source: camera }, async (box, link) => {
    const page = await openCall(browser, link, { label: 'caller' });
    const missing = await waitInput(box, 'camera', 'missing', (c) => c.state === 'missing');
    assert.equal(missing.device, camera);
    await waitStillPicture(page);
    const mic = (await box.status()).capture.microphone;
    assert.equal(mic.state, 'test', JSON.stringify(mic));

    // The node appears (here a file, so opening it fails, with v4l2's own words):
    // the box tried it within a retry, and the call is still up.
    fs.writeFileSync(camera, 'still not a camera\n');
    const failed = await waitInput(box, 'camera', 'failed', (c) => c.state === 'failed', RETRY_MS * 3);
    assert.ok(failed.message.startsWith(`camera ${camera} failed: `), failed.message);
    const before = await framesDecoded(page);
    await sleep(1000);
    assert.ok((await framesDecoded(page)) - before >= 20, 'frames still come');
    assert.equal((await box.status()).state, 'inCall');
    await hangUp(page);
  });
});

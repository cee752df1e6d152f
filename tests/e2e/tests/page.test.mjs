// The relative's page: ask, then ring (or ring at once where the browser
// will not ask); every camera problem its own sentence
// and a way out; and the TV saying what a call without a picture is. Each
// scenario has a box of its own with the factory's 3 s announcement and a
// name ("Grandma"); what the TV says is read from the box's log (headless).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { boxPerScenario, logCount } from '../lib/scenario-boxes.mjs';
import { pageText, stateHistory } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, pressCall, waitBoxMedia, waitBoxState, waitPageState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';
import { BOX_TONE_HZ, dominantToneHz } from '../lib/received.mjs';

const file = boxPerScenario();

async function boxFor() {
  // Debug lines: a headless box logs what its TV would say.
  const box = await file.box({ calls: { countdown_secs: 3, box_name: 'Grandma' }, env: { RUST_LOG: 'info,homecall::media::tv=debug' } });
  return { box, link: await box.createLink('Anna') };
}

const log = (box) => fs.readFileSync(box.logPath, 'utf8');
const count = (box, pattern) => logCount(box, pattern);
const RINGING = /call ringing/;

/** Waits until the TV's text (as the box logs it) matches `pattern`. */
async function tvSays(box, pattern) {
  return waitUntil(`the TV to say ${pattern}`, () => log(box), (text) => text.split('\n').some((l) => /TV text/.test(l) && pattern.test(l)), {
    timeoutMs: 10_000,
    intervalMs: 100,
  });
}

/** A page whose getUserMedia behaves as `script` (run in the page) says. */
async function pageWith(label, script, arg) {
  const page = await file.browser.newPage(label);
  await page.addInitScript(script, arg);
  return page;
}

test('the page says whom it calls and the TV stays quiet until the person presses Call', { timeout: 60_000 }, async () => {
  const { box, link } = await boxFor();
  const page = await file.browser.newPage('quiet');
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(page, 'start', { timeoutMs: 10_000 });
  await waitUntil('the page to name the box', () => pageText(page), (t) => /Call Grandma/.test(t) && /press Allow/.test(t), { timeoutMs: 5000 });
  // The socket is open and the box has admitted the page: still nothing rings.
  await waitUntil('the box to admit the page', () => log(box), (t) => /call admitted/.test(t), { timeoutMs: 5000 });
  assert.equal(count(box, RINGING), 0, 'nothing announced before the press');
  // The camera and encoder warm up meanwhile (the call's first picture will
  // not wait for them), but nothing shows or rings.
  await waitUntil('the camera to warm up', () => log(box), (t) => /camera and microphone on/.test(t), { timeoutMs: 5000 });
  assert.equal((await box.status()).state, 'waiting');
  await page.click('#status-action');
  await waitPageState(page, 'ringing', { timeoutMs: 10_000, failOn: FINAL_PAGE_STATES });
  assert.equal(count(box, RINGING), 1);
  await waitPageState(page, 'inCall', { timeoutMs: 15_000, failOn: FINAL_PAGE_STATES });
  await page.close();
});

/** In the page: getUserMedia takes `ms` (3 s); `asks`: the browser asks first (its permission is "prompt"). */
function slowCamera({ asks, ms = 3000 }) {
  const original = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function slowly(...args) {
    return new Promise((resolve) => setTimeout(resolve, ms)).then(() => original.apply(this, args));
  };
  if (asks) {
    const query = Permissions.prototype.query;
    Permissions.prototype.query = function asking(descriptor) {
      if (['camera', 'microphone'].includes(descriptor && descriptor.name)) return Promise.resolve({ state: 'prompt' });
      return query.call(this, descriptor);
    };
  }
}

test('a browser slow to answer the camera question rings the TV only once it has', { timeout: 60_000 }, async () => {
  const { box, link } = await boxFor();
  const page = await pageWith('slow prompt', slowCamera, { asks: true });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'asking', { timeoutMs: 2000 });
  await waitUntil('the page to say what to press', () => pageText(page), (t) => /Press Allow/.test(t), { timeoutMs: 2000 });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(count(box, RINGING), 0, 'no ring while the browser asks');
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  assert.equal(count(box, RINGING), 1);
  await page.close();
});

test('a browser that gives the camera without asking rings the TV at the press; the camera follows', { timeout: 60_000 }, async () => {
  const { box, link } = await boxFor();
  // Allowed on an earlier visit: no question, only a camera slow to start
  // (8 s: still not there when the call connects, after the 3 s countdown).
  const page = await pageWith('allowed before', slowCamera, { asks: false, ms: 8000 });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitUntil('the TV to ring', () => count(box, RINGING), (n) => n === 1, { timeoutMs: 2000, intervalMs: 50 });
  assert.equal(await page.evaluate(() => document.getElementById('self').srcObject), null, 'the camera has not come yet');
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  // Capped from the answer on, before the camera comes: it starts under the cap.
  const video = await page.evaluate(() => {
    const transceiver = window.homecall.peer.getTransceivers().find((t) => t.receiver.track.kind === 'video');
    return { maxBitrate: transceiver.sender.getParameters().encodings[0]?.maxBitrate ?? null, hasTrack: transceiver.sender.track !== null };
  });
  assert.deepEqual(video, { maxBitrate: 1_200_000, hasTrack: false });
  // The camera joins the running call: the box receives the caller's picture.
  await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz, timeoutMs: 15_000 });
  assert.equal(count(box, RINGING), 1);
  await page.close();
});

test("the box's picture shows first, and its sound joins the same video right after", { timeout: 60_000 }, async () => {
  const { box, link } = await boxFor();
  // What the box's video held when its first picture was presented.
  const page = await pageWith('picture first', () => {
    window.__atFirstPicture = null;
    addEventListener('DOMContentLoaded', () => {
      const video = document.getElementById('remote');
      const onFrame = () => {
        const stream = video.srcObject;
        if (stream && stream.getVideoTracks().length) window.__atFirstPicture = stream.getTracks().map((t) => t.kind).sort();
        else video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  const first = await waitUntil('the first picture', () => page.evaluate(() => window.__atFirstPicture), (k) => k !== null, { timeoutMs: 10_000 });
  assert.deepEqual(first, ['video'], 'the picture came without waiting for the sound');
  const joined = await waitUntil(
    'the sound to join the video',
    () => page.evaluate(() => document.getElementById('remote').srcObject?.getTracks().map((t) => t.kind).sort() ?? []),
    (kinds) => kinds.length === 2,
    { timeoutMs: 3000 },
  );
  assert.deepEqual(joined, ['audio', 'video']);
  assert.equal(await page.evaluate(() => document.getElementById('remote').paused), false, 'still playing');
  const hz = await waitUntil(`the box's ${BOX_TONE_HZ} Hz tone`, () => dominantToneHz(page), (f) => f !== null && Math.abs(f - BOX_TONE_HZ) <= 10, { timeoutMs: 8000, intervalMs: 100 });
  assert.ok(Math.abs(hz - BOX_TONE_HZ) <= 10, `heard ${hz} Hz`);
  await page.close();
});

for (const [problem, error, words] of [
  ['refused', 'NotAllowedError', /did not give this page the camera and microphone/],
  ['no camera', 'NotFoundError', /No camera found/],
]) {
  test(`camera problem "${problem}": its own sentence, and the call still goes through`, { timeout: 60_000 }, async () => {
    const { box, link } = await boxFor();
    const page = await pageWith(problem, (name) => {
      const original = MediaDevices.prototype.getUserMedia;
      MediaDevices.prototype.getUserMedia = function refuse(constraints) {
        // Refused outright refuses both; a missing camera leaves the microphone.
        if (constraints.video || name === 'NotAllowedError') return Promise.reject(new DOMException('test', name));
        return original.call(this, constraints);
      };
    }, error);
    await page.goto(link, { waitUntil: 'domcontentloaded' });
    await pressCall(page);
    await waitUntil('the sentence', () => pageText(page, 2000), (t) => words.test(t), { timeoutMs: 5000 });
    await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
    await tvSays(box, /Anna\\nVoice call/);
    // The note can be closed.
    await page.click('#note-close');
    assert.equal(await page.isVisible('#note'), false);
    await page.close();
  });
}

test('a camera busy elsewhere: its sentence, and "Try again" puts it on the call without a second ring', { timeout: 90_000 }, async () => {
  const { box, link } = await boxFor();
  const page = await pageWith('busy camera', () => {
    const original = MediaDevices.prototype.getUserMedia;
    let busy = true;
    window.__freeCamera = () => {
      busy = false;
    };
    MediaDevices.prototype.getUserMedia = function maybeBusy(constraints) {
      if (constraints.video && busy) return Promise.reject(new DOMException('in use', 'NotReadableError'));
      return original.call(this, constraints);
    };
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitUntil('the sentence', () => pageText(page, 2000), (t) => /in use by another program/.test(t), { timeoutMs: 5000 });
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await tvSays(box, /Anna\\nVoice call/);
  await page.evaluate(() => window.__freeCamera());
  await page.click('#note-retry');
  await waitUntil('the note to go', () => page.isVisible('#note'), (v) => v === false, { timeoutMs: 5000 });
  // The box now gets the camera's colour, in the same call.
  await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz, timeoutMs: 20_000 });
  await tvSays(box, /Anna\\nConnecting the picture/);
  assert.equal(count(box, RINGING), 1, 'one ring');
  assert.equal(count(box, /call admitted/), 1, 'one call');
  const states = (await stateHistory(page)).map((s) => s.state);
  assert.ok(!states.slice(states.lastIndexOf('inCall')).includes('ringing'), states.join(' → '));
  await page.close();
});

test('a caller who turns the camera off: the TV says so instead of going black', { timeout: 60_000 }, async () => {
  const { box, link } = await boxFor();
  const page = await file.browser.newPage('camera off');
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await page.click('#camera');
  await tvSays(box, /Anna\\nturned the camera off/);
  await page.click('#camera');
  await tvSays(box, /Anna\\nConnecting the picture/);
  await waitBoxState(box, 'inCall');
  await page.close();
});

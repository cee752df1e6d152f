// A call that survives: a reload, the box killed mid-call, and the ends that
// must come quickly and in words (a browser without WebRTC, a browser that
// refuses the box's offer, media that never connects). Each scenario has a
// box of its own, set up as the factory sets it (a 3 s announcement) unless
// it says otherwise; the TV's announcements are counted in the box's log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { boxPerScenario, logCount } from '../lib/scenario-boxes.mjs';
import { pageState, pageText, remoteStats, stateHistory } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, openCall, pressCall, pressHangUp, waitBoxMedia, waitBoxState, waitBrowserMedia, waitPageState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';

const file = boxPerScenario();

/** A box for one scenario: the factory's countdown unless `calls` says otherwise. */
function boxFor(calls = {}) {
  return file.box({ calls: { countdown_secs: 3, ...calls } });
}

const RINGING = /call ringing/;
const CAPTURE_ON = /camera and microphone on/;

/** Waits until the page decodes frames beyond `after` (a count of frames). */
async function framesBeyond(page, after, timeoutMs = 10_000) {
  return waitUntil(
    `video frames beyond ${after}`,
    () => remoteStats(page),
    (s) => s?.video && s.video.framesDecoded > after,
    { timeoutMs, intervalMs: 20 },
  );
}

test('a reload takes the call up: media back, no second announcement, a one-time link not spent', { timeout: 90_000 }, async () => {
  const box = await boxFor();
  const link = await box.createLink('Anna');
  const oneTime = await (async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(box.bin, ['link', 'create', '--config', box.configPath, '--label', 'Anna', '--one-time'], { encoding: 'utf8' });
    return out.trim().split('\n').at(-1);
  })();
  for (const url of [link, oneTime]) {
    const page = await openCall(file.browser, url, { label: 'reloading' });
    await waitBrowserMedia(page, { minFrames: 10 });
    const session = await page.evaluate(() => window.homecall.session);
    assert.equal(logCount(box, RINGING), url === link ? 1 : 2, 'announced once for this call');
    const reloaded = performance.now();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitPageState(page, 'inCall', { timeoutMs: 10_000, failOn: FINAL_PAGE_STATES });
    await framesBeyond(page, 0);
    const ms = Math.round(performance.now() - reloaded);
    console.log(`reload_to_media_ms=${ms} (${url === link ? 'lasting' : 'one-time'} link)`);
    const history = (await stateHistory(page)).map((s) => s.state);
    assert.ok(!history.includes('ringing'), `the reloaded page never rang: ${history.join(' → ')}`);
    assert.equal(await page.evaluate(() => window.homecall.session), session, 'the same call');
    assert.equal(logCount(box, RINGING), url === link ? 1 : 2, 'the TV did not announce the caller again');
    const status = await box.status();
    assert.equal(status.calls.length, 1, JSON.stringify(status));
    await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz });
    await pressHangUp(page);
    await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
    await page.close();
  }
  // The one-time link made its call: it opens no other.
  const again = await file.browser.newPage('one-time-again');
  await again.goto(oneTime, { waitUntil: 'domcontentloaded' });
  await waitPageState(again, 'invalidLink', { timeoutMs: 10_000 });
  await again.close();
});

test('the box killed mid-call is back at once and the page takes the call up unannounced', { timeout: 90_000 }, async () => {
  const box = await boxFor();
  const link = await box.createLink('Anna');
  const page = await openCall(file.browser, link, { label: 'caller' });
  const before = await waitBrowserMedia(page, { minFrames: 10 });
  const mark = fs.statSync(box.logPath).size;
  const killed = performance.now();
  const answeringMs = await box.restart({ signal: 'SIGKILL' });
  await waitPageState(page, 'inCall', { timeoutMs: 15_000, failOn: FINAL_PAGE_STATES });
  await waitUntil('the box to be in the call again', () => box.status(), (s) => s.state === 'inCall', { timeoutMs: 10_000 });
  await framesBeyond(page, 0);
  const mediaMs = Math.round(performance.now() - killed);
  console.log(`kill_to_answering_ms=${Math.round(answeringMs)} kill_to_media_ms=${mediaMs} (frames before: ${before.video.framesDecoded})`);
  assert.equal(logCount(box, RINGING, mark), 0, 'the restarted box did not announce the call again');
  await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz });
  await page.close();
});

test('a page away longer than the grace period (a phone locked) comes back to its call unannounced', { timeout: 90_000 }, async () => {
  const box = await boxFor({ reconnect_grace_secs: 1 });
  const link = await box.createLink('Anna');
  const page = await file.browser.newPage('locked-phone');
  // The page's socket goes through the test: it can be cut, and refused
  // while the phone is "locked".
  let locked = false;
  let current = null;
  await page.routeWebSocket(/\/signal$/, (ws) => {
    if (locked) return ws.close();
    current = ws;
    ws.connectToServer();
    return undefined;
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await framesBeyond(page, 10);
  const session = await page.evaluate(() => window.homecall.session);
  assert.equal(logCount(box, RINGING), 1);
  locked = true;
  await current.close();
  // The box holds the place for a second, then ends the call.
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  locked = false;
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await waitUntil('the box in the call again', () => box.status(), (s) => s.state === 'inCall', { timeoutMs: 15_000 });
  await waitPageState(page, 'inCall', { timeoutMs: 15_000, failOn: FINAL_PAGE_STATES });
  assert.equal(await page.evaluate(() => window.homecall.session), session, 'the same call');
  assert.equal(logCount(box, RINGING), 1, 'the TV did not announce the caller again');
  await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz });
  await page.close();
});

test('a browser without WebRTC is told so, and the box never starts its camera', { timeout: 60_000 }, async () => {
  const box = await boxFor();
  const link = await box.createLink('Anna');
  const page = await file.browser.newPage('no-webrtc');
  await page.addInitScript(() => {
    delete window.RTCPeerConnection;
    delete window.webkitRTCPeerConnection;
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(page, 'error', { timeoutMs: 5000 });
  await waitUntil('the page to say what to do', () => pageText(page), (t) => /cannot make video calls/.test(t) && /Safari or Chrome/.test(t), { timeoutMs: 3000 });
  // Long enough for a retry loop to show itself in the log.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(logCount(box, /call admitted|caller refused/), 0, 'the page never reached the box');
  assert.equal(logCount(box, CAPTURE_ON), 0, 'the camera never started');
  assert.equal((await box.status()).state, 'waiting');
  await page.close();
});

test('a browser that refuses the offer is told so at once, and nothing retries', { timeout: 60_000 }, async () => {
  const box = await boxFor({ countdown_secs: 0 });
  const link = await box.createLink('Anna');
  const page = await file.browser.newPage('incompatible');
  await page.addInitScript(() => {
    RTCPeerConnection.prototype.setRemoteDescription = function refuse() {
      return Promise.reject(new DOMException('no codec in common', 'InvalidAccessError'));
    };
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'error', { timeoutMs: 10_000 });
  await waitUntil('the page to name another browser', () => pageText(page), (t) => /cannot make this call/.test(t) && /Chrome, Safari or Firefox/.test(t), { timeoutMs: 3000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 3000 });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(logCount(box, /call admitted/), 1, 'one call, no retries');
  assert.equal(logCount(box, CAPTURE_ON), 1, 'the camera started once');
  assert.equal(logCount(box, /reason=Incompatible/), 1, 'the box ended it as incompatible');
  await page.close();
});

test('media that never connects ends after three tries with a sentence, the camera kept on meanwhile', { timeout: 90_000 }, async () => {
  const box = await boxFor({ countdown_secs: 0, connect_timeout_secs: 3 });
  const link = await box.createLink('Anna');
  const page = await file.browser.newPage('no-path');
  // Relayed candidates only, and no TURN server: no ICE pair can form.
  await page.addInitScript(() => {
    const Original = RTCPeerConnection;
    window.RTCPeerConnection = function RelayOnly(config) {
      return new Original({ ...config, iceTransportPolicy: 'relay' });
    };
    window.RTCPeerConnection.prototype = Original.prototype;
  });
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'error', { timeoutMs: 30_000, failOn: ['inCall'] });
  await waitUntil('the page to say what to try', () => pageText(page), (t) => /could not be connected/.test(t) && /another network/.test(t), { timeoutMs: 3000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 3000 });
  assert.equal(logCount(box, CAPTURE_ON), 1, 'the camera stayed on across the tries');
  assert.equal(logCount(box, /reason=ConnectionFailed/), 1);
  await page.close();
});

/**
 * A call whose first media try the page is kept from completing in time by
 * `slowDown` (an init script): a box that gives a try 3 s must connect on
 * its second try, in the same call, with nothing of the first taken for it.
 */
async function secondTryConnects(label, slowDown) {
  const box = await boxFor({ countdown_secs: 0, connect_timeout_secs: 3 });
  const link = await box.createLink('Anna');
  const page = await file.browser.newPage(label);
  await page.addInitScript(slowDown);
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await waitBrowserMedia(page, { minFrames: 10 });
  await waitBoxMedia(box, { expectedRgb: file.fixtures.expectedRgb, toneHz: file.fixtures.toneHz });
  assert.equal(logCount(box, /call admitted/), 1, 'one call');
  assert.equal(logCount(box, /call ended/), 0, 'not ended and started again');
  assert.equal(logCount(box, /refused the caller's answer/), 0, 'no answer taken for another try');
  assert.equal(logCount(box, /sending video session="[0-9a-f]+-1-\d+"/), 0, 'the first try got no answer in time');
  assert.equal(logCount(box, /sending video session="[0-9a-f]+-2-\d+"/), 1, 'the second try got its own');
  await pressHangUp(page);
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  await page.close();
}

test('a page slower than the box: the offer the box gave up on goes unanswered, the newer one connects', { timeout: 90_000 }, () =>
  // The page takes 4 s over the box's first offer (a tab the phone froze):
  // the box gives that try up after 3 s and offers anew meanwhile.
  secondTryConnects('slow-answer', () => {
    const native = RTCPeerConnection.prototype.setRemoteDescription;
    let held = false;
    RTCPeerConnection.prototype.setRemoteDescription = async function slowFirstOffer(description, ...rest) {
      if (!held && description && description.type === 'offer') {
        held = true;
        await new Promise((resolve) => setTimeout(resolve, 4000));
      }
      return native.call(this, description, ...rest);
    };
  }),
);

test('an answer still on its way as the box gives its try up is dropped, and the newer try connects', { timeout: 90_000 }, () =>
  // Everything the page sends from its first answer on reaches the box 4 s
  // later, in order (a network that stalls): the box gives the first try
  // up after 3 s and offers anew, and only then gets that try's answer and
  // candidates, ahead of the newer try's.
  secondTryConnects('late-answer', () => {
    const native = WebSocket.prototype.send;
    const held = [];
    let holding = 'not yet';
    WebSocket.prototype.send = function stallFromTheFirstAnswer(data) {
      if (holding === 'not yet' && JSON.parse(data).type === 'answer') {
        holding = 'yes';
        setTimeout(() => {
          holding = 'over';
          for (const [socket, text] of held.splice(0)) if (socket.readyState === WebSocket.OPEN) native.call(socket, text);
        }, 4000);
      }
      if (holding === 'yes') held.push([this, data]);
      else native.call(this, data);
    };
  }),
);

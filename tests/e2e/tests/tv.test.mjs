// The TV: with a display, the box shows "waiting" until a call arrives, then
// the caller's picture full screen, then "waiting" again. Xvfb plays the TV.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures, EXPECTED_RGB } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { hangUp, openCall, waitBoxState } from '../lib/call.mjs';
import { startScreen } from '../lib/screen.mjs';
import { waitUntil } from '../lib/wait.mjs';
import { adminGet, setUpAdmin } from '../lib/admin.mjs';
import { execFileSync } from 'node:child_process';
import { meanOfPpm } from '../lib/screen.mjs';

// The box's TV output is the configured picture size (640x360) at the top left;
// this region is below the "Waiting for a call" text.
const CENTRE = { x: 240, y: 240, w: 160, h: 100 };

let fixtures;
let screen;
let box;
let browser;

before(async () => {
  fixtures = makeFixtures();
  screen = await startScreen();
  box = await startBox({ media: { tv_output: 'window' }, env: { DISPLAY: screen.display } });
  browser = await launchBrowser(fixtures);
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  await screen?.stop();
  removeFixtures(fixtures);
});

const close = (a, b, tolerance = 30) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

test('the TV shows the caller full screen, and waiting before and after', { timeout: 60_000 }, async () => {
  const idle = await waitUntil('the waiting screen', () => screen.meanRgb(CENTRE), (rgb) => rgb.every((v) => v < 40), { timeoutMs: 10_000 });
  assert.ok(idle.every((v) => v < 40), `waiting screen should be dark, was ${idle}`);

  const link = await box.createLink('tv');
  const page = await openCall(browser, link, { label: 'caller' });
  const during = await waitUntil('the caller on the TV', () => screen.meanRgb(CENTRE), (rgb) => close(rgb, EXPECTED_RGB), { timeoutMs: 10_000 });
  assert.ok(close(during, EXPECTED_RGB), `TV showed ${during}, expected the caller's ${EXPECTED_RGB}`);

  // The admin's picture of the TV shows the same.
  const cookie = await setUpAdmin(box);
  const shot = await adminGet(box, cookie, '/api/admin/tv.png');
  assert.equal(shot.status, 200);
  assert.equal(shot.headers.get('content-type'), 'image/png');
  const png = Buffer.from(await shot.arrayBuffer());
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  // A thumbnail: the TV's 640x360, scaled to the admin's 480 pixels wide.
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [480, 270], 'the TV picture size');
  const scale = 480 / 640;
  const [w, h, x, y] = [CENTRE.w, CENTRE.h, CENTRE.x, CENTRE.y].map((v) => Math.round(v * scale));
  // ImageMagick's own convert (a stand-in may shadow it on PATH).
  const ppm = execFileSync('/usr/bin/convert', ['png:-', '-crop', `${w}x${h}+${x}+${y}`, '-depth', '8', 'ppm:-'], { input: png });
  const pictured = meanOfPpm(ppm);
  assert.ok(close(pictured, EXPECTED_RGB), `the snapshot showed ${pictured}, expected ${EXPECTED_RGB}`);

  await hangUp(page);
  await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
  const after = await waitUntil('the waiting screen again', () => screen.meanRgb(CENTRE), (rgb) => rgb.every((v) => v < 40), { timeoutMs: 10_000 });
  assert.ok(after.every((v) => v < 40), `after the call the TV showed ${after}`);
  await page.close();
});

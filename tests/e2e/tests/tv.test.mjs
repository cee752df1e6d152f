// The TV: with a display, the box shows the waiting screen (clock, words
// large enough for a sofa) until a call arrives, then the caller's picture
// with its shape kept (a phone held upright between black bars, placed again
// when it turns) and the box's own camera small in a corner, two callers
// side by side, then waiting again. Xvfb plays the TV.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, openCall, pressCall, waitBoxState, waitPageState } from '../lib/call.mjs';
import { logCount } from '../lib/scenario-boxes.mjs';
import { lightBands, startScreen } from '../lib/screen.mjs';
import { waitUntil } from '../lib/wait.mjs';
import { adminGet, setUpAdmin } from '../lib/admin.mjs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { meanOfPpm } from '../lib/screen.mjs';

// The TV output is the whole Xvfb screen, at its top left.
const TV = { width: 1280, height: 720 };
// Left of every word of the waiting screen, and inside a landscape caller.
const EDGE = { x: 20, y: 300, w: 100, h: 120 };
// The middle: a portrait caller's picture (405 of the 1280 pixels, centred).
const MIDDLE = { x: 560, y: 300, w: 160, h: 120 };
// The middle of each half of the screen: two callers side by side.
const LEFT_HALF = { x: 240, y: 300, w: 160, h: 120 };
const RIGHT_HALF = { x: 880, y: 300, w: 160, h: 120 };
// Inside the self view: the box's own camera (SMPTE bars, the test source),
// 256x144 in the bottom right corner, 18 px from the edges.
const SELF_VIEW = { x: 1030, y: 580, w: 200, h: 100 };

const CALLERS = {
  landscape: { rgb: [40, 90, 200], toneHz: 1000 },
  portrait: { rgb: [40, 180, 60], toneHz: 800, width: 360, height: 640 },
  second: { rgb: [200, 40, 40], toneHz: 600 },
};

let screen;
let box;
const people = {};

before(async () => {
  screen = await startScreen(TV);
  box = await startBox({
    media: { tv_output: 'window', ...TV },
    // Room for two callers at once.
    calls: { max_participants: 3 },
    env: { DISPLAY: screen.display, RUST_LOG: 'info,homecall::media::tv_pictures=debug,homecall::media::tv_screen=debug' },
  });
  for (const [name, spec] of Object.entries(CALLERS)) {
    const fixtures = makeFixtures(undefined, spec);
    people[name] = { fixtures, browser: await launchBrowser(fixtures), link: await box.createLink(name) };
  }
});

after(async () => {
  for (const p of Object.values(people)) {
    await p.browser.close().catch(() => {});
    removeFixtures(p.fixtures);
  }
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  await screen?.stop();
});

const close = (a, b, tolerance = 30) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
const dark = (rgb) => rgb.every((v) => v < 40);

/** Waits until `region` of the TV is `want` (a colour, or a predicate); returns its colour. */
async function waitRegion(what, region, want) {
  const ok = typeof want === 'function' ? want : (rgb) => close(rgb, want);
  try {
    const rgb = await waitUntil(what, () => screen.meanRgb(region), ok, { timeoutMs: 15_000 });
    assert.ok(ok(rgb), `${what}: the TV showed ${rgb} at ${JSON.stringify(region)}`);
    return rgb;
  } catch (err) {
    // What the TV showed, for the person reading the failure.
    const file = path.join(box.dir, `tv-${Date.now()}.png`);
    execFileSync('import', ['-display', screen.display, '-window', 'root', file]);
    err.message += `\nthe TV's screen: ${file}\n${await box.describe(30)}`;
    throw err;
  }
}

/** The caller whose colour is `rgb` is gone: waiting again. */
async function waitingAgain(rgb) {
  await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
  await waitRegion('the waiting screen again', EDGE, dark);
  await waitRegion('the caller gone from the middle', MIDDLE, (seen) => !close(seen, rgb));
}

test('the waiting screen shows the clock and words a twelfth of the screen high', { timeout: 60_000 }, async () => {
  await waitRegion('the waiting screen', EDGE, dark);
  // Lines of text are bands of rows with light pixels: the clock first, at the top.
  const bands = await waitUntil(
    'the clock and the words',
    () => lightBands(screen.ppm({ x: 0, y: 0, w: TV.width, h: TV.height })),
    (b) => b.length >= 3,
    { timeoutMs: 10_000 },
  );
  const twelfth = TV.height / 12;
  const [clock] = bands;
  assert.ok(clock.top < TV.height / 4, `the clock is at the top: ${JSON.stringify(bands)}`);
  assert.ok(clock.height >= twelfth, `the clock's digits are at least ${twelfth} px high: ${JSON.stringify(bands)}`);
  const title = bands.find((b) => b.top <= TV.height / 2 && b.top + b.height >= TV.height / 2 - 20);
  assert.ok(title, `a line of words at the middle ("Waiting for a call"): ${JSON.stringify(bands)}`);
  assert.ok(title.height >= twelfth, `the title is at least ${twelfth} px high: ${JSON.stringify(title)}`);
  const footer = bands.at(-1);
  assert.ok(footer.top > (TV.height * 3) / 4, `a last line at the bottom (name, reach): ${JSON.stringify(bands)}`);
});

test("a page that only asks warms the box's camera unseen: the corner shows it once Call is pressed", { timeout: 60_000 }, async () => {
  const { link, browser, fixtures } = people.landscape;
  await waitRegion('the waiting screen', EDGE, dark);
  const warmed = logCount(box, /camera and microphone on/);
  const page = await browser.newPage('asking');
  await page.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
  await waitPageState(page, 'start', { failOn: FINAL_PAGE_STATES });
  await waitUntil('the box to warm its camera for the page', () => logCount(box, /camera and microphone on/), (n) => n > warmed, { timeoutMs: 10_000 });
  // The self view draws ten pictures a second: a second is ten chances to show.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const corner = await screen.meanRgb(SELF_VIEW);
  assert.ok(dark(corner), `the TV's corner while a page only asks is dark, not the grandparent: ${corner}`);

  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await waitRegion("the box's own camera in the corner once the call is on", SELF_VIEW, (rgb) => !dark(rgb) && !close(rgb, fixtures.expectedRgb));
  await hangUp(page);
  await waitingAgain(fixtures.expectedRgb);
  await page.close();
});

test('the TV shows a landscape caller full screen, and waiting before and after', { timeout: 60_000 }, async () => {
  const { link, browser, fixtures } = people.landscape;
  await waitRegion('the waiting screen', EDGE, dark);
  const page = await openCall(browser, link, { label: 'landscape' });
  await waitRegion('the caller on the TV, edge to edge', EDGE, fixtures.expectedRgb);
  await waitRegion('the caller on the TV, in the middle', MIDDLE, fixtures.expectedRgb);
  await waitRegion("the box's own camera in the corner", SELF_VIEW, (rgb) => !dark(rgb) && !close(rgb, fixtures.expectedRgb));

  // The admin's picture of the TV shows the same.
  const cookie = await setUpAdmin(box);
  const shot = await adminGet(box, cookie, '/api/admin/tv.png');
  assert.equal(shot.status, 200);
  assert.equal(shot.headers.get('content-type'), 'image/png');
  const png = Buffer.from(await shot.arrayBuffer());
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  // A thumbnail: the TV's 1280x720, scaled to the admin's 480 pixels wide.
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [480, 270], 'the TV picture size');
  const scale = 480 / TV.width;
  const [w, h, x, y] = [MIDDLE.w, MIDDLE.h, MIDDLE.x, MIDDLE.y].map((v) => Math.round(v * scale));
  // ImageMagick's own convert (a stand-in may shadow it on PATH).
  const ppm = execFileSync('/usr/bin/convert', ['png:-', '-crop', `${w}x${h}+${x}+${y}`, '-depth', '8', 'ppm:-'], { input: png });
  const pictured = meanOfPpm(ppm);
  assert.ok(close(pictured, fixtures.expectedRgb), `the snapshot showed ${pictured}, expected ${fixtures.expectedRgb}`);

  // The caller turns the phone upright (its camera cropped to 9:16): the
  // TV places the picture again, between bars.
  await page.evaluate(() => {
    const sender = window.homecall.peer.getSenders().find((s) => s.track && s.track.kind === 'video');
    return sender.track.applyConstraints({ width: { exact: 202 }, height: { exact: 360 }, resizeMode: 'crop-and-scale' });
  });
  await waitRegion('the turned picture to leave the edge', EDGE, dark);
  await waitRegion('the turned picture in the middle', MIDDLE, fixtures.expectedRgb);

  await hangUp(page);
  await waitingAgain(fixtures.expectedRgb);
  await waitRegion('the self view gone with the call', SELF_VIEW, dark);
  await page.close();
});

test('a phone held upright is shown between black bars, not stretched', { timeout: 60_000 }, async () => {
  const { link, browser, fixtures } = people.portrait;
  const page = await openCall(browser, link, { label: 'portrait' });
  await waitRegion('the upright caller in the middle', MIDDLE, fixtures.expectedRgb);
  // The bars either side stay the background.
  assert.ok(dark(screen.meanRgb(EDGE)), `left bar: ${screen.meanRgb(EDGE)}`);
  const rightBar = { ...EDGE, x: TV.width - EDGE.x - EDGE.w };
  assert.ok(dark(screen.meanRgb(rightBar)), `right bar: ${screen.meanRgb(rightBar)}`);
  // The picture's edges: 405 px wide (720 × 360/640), centred.
  const inside = { x: 437 + 10, y: 600, w: 20, h: 20 };
  const outside = { x: 437 - 30, y: 600, w: 20, h: 20 };
  assert.ok(close(screen.meanRgb(inside), fixtures.expectedRgb), `just inside the picture: ${screen.meanRgb(inside)}`);
  assert.ok(dark(screen.meanRgb(outside)), `just outside the picture: ${screen.meanRgb(outside)}`);
  await hangUp(page);
  await waitingAgain(fixtures.expectedRgb);
  await page.close();
});

test('two callers are both on the TV, side by side', { timeout: 90_000 }, async () => {
  const first = people.landscape;
  const second = people.second;
  const one = await openCall(first.browser, first.link, { label: 'first' });
  await waitRegion('the first caller', MIDDLE, first.fixtures.expectedRgb);
  const two = await openCall(second.browser, second.link, { label: 'second' });
  await waitRegion('the first caller on the left', LEFT_HALF, first.fixtures.expectedRgb);
  await waitRegion('the second caller on the right', RIGHT_HALF, second.fixtures.expectedRgb);
  // Each landscape picture fits its half: black above and below.
  assert.ok(dark(screen.meanRgb({ x: 240, y: 40, w: 160, h: 80 })), 'above the left picture');
  assert.ok(dark(screen.meanRgb({ x: 760, y: 600, w: 160, h: 80 })), 'below the right picture');
  // One leaves: the other fills the screen again.
  await hangUp(two);
  await waitRegion('the first caller alone, full screen', EDGE, first.fixtures.expectedRgb);
  await waitRegion('the first caller alone, full screen', MIDDLE, first.fixtures.expectedRgb);
  await hangUp(one);
  await waitingAgain(first.fixtures.expectedRgb);
  await one.close();
  await two.close();
});

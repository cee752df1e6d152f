// The call page as an app on the phone, with a real box: the page names its
// link's manifest, the screen stays awake during the call, an iPhone in
// Safari is told once how to add the link to its Home Screen, and what the
// page sends is sized for low-end phones.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { hangUp, openCall, pressCall, waitBoxState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1';

let fixtures;
let box;
let browser;
let link;

before(async () => {
  fixtures = makeFixtures();
  box = await startBox();
  browser = await launchBrowser(fixtures);
  link = await box.createLink('Anna');
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  removeFixtures(fixtures);
});

async function withReport(body) {
  const first = browser.pages.length;
  try {
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await body();
  } catch (err) {
    err.message += `\n\n${await browser.describe({ pages: browser.pages.slice(first) })}\n\n${await box.describe()}`;
    throw err;
  } finally {
    for (const page of browser.pages.slice(first)) await page.close({ runBeforeUnload: true }).catch(() => {});
    await waitBoxState(box, 'waiting', { timeoutMs: 15_000 }).catch(() => {});
  }
}

test('the page names its link manifest; the screen stays awake in the call; capture and bitrate are capped', { timeout: 60_000 }, () =>
  withReport(async () => {
    const page = await openCall(browser, link, { label: 'caller' });
    const href = await page.$eval('link[rel=manifest]', (l) => l.href);
    assert.equal(href, `${link}?manifest`);
    const manifest = await page.evaluate(async (url) => (await fetch(url)).json(), href);
    assert.equal(manifest.start_url, new URL(link).pathname);
    assert.equal(manifest.name, 'Call home (Anna)');

    // Chromium grants the screen wake lock to a visible page.
    await waitUntil('the screen wake lock', () => page.evaluate(() => document.body.dataset.screenAwake ?? null), (v) => v === 'held', {
      timeoutMs: 5000,
    });

    // The camera joins the call when the browser gives it, which may be
    // after the call is up (replaceTrack): its sender is read once it has.
    const sent = await waitUntil(
      "the page's camera on the call",
      () =>
        page.evaluate(() => {
          const pc = window.homecall.peer;
          const video = pc && pc.getSenders().find((s) => s.track && s.track.kind === 'video');
          return video ? { constraints: video.track.getConstraints(), encodings: video.getParameters().encodings } : null;
        }),
      (v) => v !== null && v.encodings.length > 0 && v.encodings[0].maxBitrate !== undefined,
      { timeoutMs: 10_000 },
    );
    assert.equal(sent.constraints.frameRate.max, 30, JSON.stringify(sent));
    // Chromium reports a bare ideal as the number itself.
    const ideal = (c) => (typeof c === 'object' ? c.ideal : c);
    assert.equal(ideal(sent.constraints.width), 1280, JSON.stringify(sent));
    assert.equal(ideal(sent.constraints.height), 720, JSON.stringify(sent));
    assert.equal(sent.encodings[0].maxBitrate, 1_200_000, JSON.stringify(sent));

    await hangUp(page);
    await waitUntil('the wake lock to be let go', () => page.evaluate(() => document.body.dataset.screenAwake ?? null), (v) => v === null, {
      timeoutMs: 5000,
    });
  }),
);

test('Safari on an iPhone is told once how to add the link to the Home Screen', { timeout: 60_000 }, () =>
  withReport(async () => {
    const page = await browser.newPage('iphone');
    // What this page's script reads to recognise Safari on iOS.
    await page.addInitScript((ua) => {
      Object.defineProperty(navigator, 'userAgent', { get: () => ua });
      Object.defineProperty(navigator, 'standalone', { get: () => false });
    }, IPHONE_SAFARI);
    await page.goto(link, { waitUntil: 'domcontentloaded' });
    await pressCall(page);
    await page.waitForSelector('#install-hint', { state: 'visible', timeout: 20_000 });
    assert.match(await page.textContent('#install-hint'), /Add to Home Screen/);
    await page.click('#install-hint-close');
    assert.equal(await page.isVisible('#install-hint'), false);
    await hangUp(page);

    // Once: the next call does not show it again.
    await page.goto(link, { waitUntil: 'domcontentloaded' });
    await pressCall(page);
    await waitUntil('the call', () => page.evaluate(() => document.body.dataset.state), (s) => s === 'inCall', { timeoutMs: 20_000 });
    assert.equal(await page.isVisible('#install-hint'), false);
    await hangUp(page);

    // Not on other browsers (this Chromium, as it is).
    const desktop = await openCall(browser, link, { label: 'desktop' });
    assert.equal(await desktop.isVisible('#install-hint'), false);
    await hangUp(desktop);
  }),
);

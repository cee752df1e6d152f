// A real box and a real browser on loopback: calls, hang-ups, refusals and
// shutdown, seen from both ends. One box serves the whole file; the SIGTERM
// test stops it, so it comes last.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, pageState, pageText, remoteStats, getUserMediaCalls } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, pressHangUp, openCall, waitBoxMedia, waitBoxState, waitBrowserMedia, waitPageState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';

const INVALID_EN = 'This link is not valid';
const INVALID_RU = 'Эта ссылка недействительна';
// The busy sentence is the page's to word; these are the words it must contain.
const BUSY_TEXT = /busy|another call|already in a call|in a call already/i;

let fixtures;
let box;
let browser;
let link;

before(async () => {
  fixtures = makeFixtures();
  box = await startBox();
  console.log(`box log: ${box.logPath}`);
  browser = await launchBrowser(fixtures);
  link = await box.createLink('e2e');
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  removeFixtures(fixtures);
});

/**
 * One test: starts with the box waiting, and on failure appends to the error
 * the state, history, stats and console of the pages it opened, and the box's
 * status, log path and log tail. Afterwards it hangs up and closes its pages.
 */
function scenario(name, body, { timeout = 90_000 } = {}) {
  test(name, { timeout }, async () => {
    const firstPage = browser.pages.length;
    const ownPages = () => browser.pages.slice(firstPage);
    box.note(`=== test: ${name}`);
    try {
      if (box.running) await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
      await body();
    } catch (err) {
      const pages = await browser.describe({ pages: ownPages() });
      err.message += `\n\n${pages}\n\n${await box.describe()}`;
      throw err;
    } finally {
      await cleanUp(ownPages());
      box.note(`=== end of test: ${name}`);
    }
  });
}

async function cleanUp(pages) {
  // Newest first: a page told "busy" retries by itself once the line is free.
  for (const page of [...pages].reverse()) {
    if (page.isClosed()) continue;
    if (['connecting', 'inCall', 'problems'].includes(await pageState(page))) {
      await pressHangUp(page, { timeoutMs: 2000 }).catch(() => {});
    }
    await page.close({ runBeforeUnload: true }).catch(() => {});
  }
  if (box.running) {
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 }).catch((err) => {
      console.error(`cleanup: the box did not return to waiting: ${err.message}`);
    });
  }
}

scenario('a relative calls and media flows both ways', async () => {
  const page = await openCall(browser, link, { label: 'caller' });
  const seen = await waitBrowserMedia(page, { minFrames: 30, width: 640, height: 360, minLevel: 0.01 });
  console.log(`browser received: ${JSON.stringify(seen)}`);
  const status = await waitBoxMedia(box, {
    expectedRgb: fixtures.expectedRgb,
    toneHz: fixtures.toneHz,
  });
  console.log(`box received: ${JSON.stringify(status.remote)}`);
  assert.equal(status.state, 'inCall');
  assert.equal(await pageState(page), 'inCall');
  const firstFrameMs = await page.evaluate(() => window.homecall.firstFrameMs);
  assert.ok(typeof firstFrameMs === 'number' && firstFrameMs > 0, `window.homecall.firstFrameMs is ${firstFrameMs} after frames were decoded`);
});

scenario('hang up returns the box to waiting and the next call works', async () => {
  const first = await openCall(browser, link, { label: 'caller' });
  await waitBrowserMedia(first, { minFrames: 1 });
  await hangUp(first, { timeoutMs: 5000 });
  assert.equal(await pageState(first), 'ended');
  await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
  await first.close();

  const again = await openCall(browser, link, { label: 'caller-again' });
  await waitBrowserMedia(again, { minFrames: 30 });
  await waitBoxState(box, 'inCall', { timeoutMs: 5000 });
});

scenario('pressing Esc asks "End the call?"; a second Esc says no, Yes hangs up', async () => {
  const page = await openCall(browser, link, { label: 'caller' });
  await page.keyboard.press('Escape');
  await page.waitForSelector('#end-ask', { state: 'visible', timeout: 2000 });
  // Focus starts on the safe answer; Esc closes the question, the call goes on.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'end-no');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#end-ask', { state: 'hidden', timeout: 2000 });
  assert.equal(await pageState(page), 'inCall');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'hang-up');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'end-yes');
  await page.keyboard.press('Enter');
  await waitPageState(page, 'ended', { timeoutMs: 5000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
  // The next thing to do has the focus.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'status-action');
  assert.equal(await page.textContent('#status-action'), 'Call again');
});

scenario('closing the tab ends the call after a short hold', async () => {
  const page = await openCall(browser, link, { label: 'caller' });
  await waitBrowserMedia(page, { minFrames: 1 });
  // As a person closing the tab: beforeunload and pagehide run, and the page
  // says it is leaving. The box holds the call a moment (a reload comes back
  // within it), then waits again — well before the full grace period.
  const closed = performance.now();
  await page.close({ runBeforeUnload: true });
  await waitUntil('the page to close', () => page.isClosed(), Boolean, { timeoutMs: 5000 });
  const held = await box.status();
  assert.equal(held.calls.length, 1, `the call is held right after the close: ${JSON.stringify(held)}`);
  await waitBoxState(box, 'waiting', { timeoutMs: 15_000 });
  const seconds = (performance.now() - closed) / 1000;
  assert.ok(seconds < 15, `the box waited again ${seconds.toFixed(1)} s after the tab closed`);
});

scenario('a second caller is told busy', async () => {
  const first = await openCall(browser, link, { label: 'first-caller' });
  const initial = await waitBrowserMedia(first, { minFrames: 1 });

  const second = await browser.newPage('second-caller');
  await second.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
  await waitPageState(second, 'busy', { timeoutMs: 10_000, failOn: FINAL_PAGE_STATES.concat('inCall') });
  await waitUntil('the busy page to say so', () => pageText(second), (t) => BUSY_TEXT.test(t), { timeoutMs: 3000 });

  // The first call is untouched: video still arriving after the refusal
  // (the box refused before the page said busy), and still up on both ends.
  await waitUntil(
    'the first caller to keep decoding video',
    () => remoteStats(first),
    (s) => s?.video && s.video.framesDecoded >= initial.video.framesDecoded + 10,
    { timeoutMs: 5000, intervalMs: 100 },
  );
  assert.equal(await pageState(first), 'inCall');
  const status = await box.status();
  assert.equal(status.state, 'inCall', `box status: ${JSON.stringify(status)}`);
  assert.equal(status.calls.length, 1, `box calls: ${JSON.stringify(status.calls)}`);
});

scenario('an unknown link shows a human page', async () => {
  const url = `${box.url}/r/notavalidtoken`;
  for (const [language, sentence] of [
    ['en-US,en;q=0.9', INVALID_EN],
    ['ru-RU,ru;q=0.9', INVALID_RU],
  ]) {
    const res = await fetch(url, { headers: { 'accept-language': language }, signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    assert.equal(res.status, 404, `GET ${url} (Accept-Language: ${language})`);
    assert.ok(body.includes(sentence), `GET ${url} (Accept-Language: ${language}) should say "${sentence}", got:\n${body.slice(0, 800)}`);
  }

  for (const [language, sentence] of [
    ['en-US,en;q=0.9', INVALID_EN],
    ['ru-RU,ru;q=0.9', INVALID_RU],
  ]) {
    const page = await browser.newPage(`unknown-link-${language.slice(0, 2)}`);
    // The browser's locale is en-US; rewrite the header as another browser would send it.
    await page.route('**/*', (route) => route.continue({ headers: { ...route.request().headers(), 'accept-language': language } }));
    const res = await page.goto(url, { timeout: 10_000 });
    assert.equal(res.status(), 404);
    await waitUntil(`the page to say "${sentence}"`, () => pageText(page), (t) => t.includes(sentence), { timeoutMs: 3000 });
    // Loaded, and without a script: nothing on it can ever ask for media.
    await waitUntil('the page to finish loading', () => page.evaluate(() => document.readyState), (r) => r === 'complete', { timeoutMs: 3000 });
    assert.equal(await page.evaluate(() => document.scripts.length), 0, 'the "not valid" page has no script');
    assert.equal(await getUserMediaCalls(page), 0, 'an invalid link must not open the camera or microphone');
    const state = await pageState(page);
    assert.ok(state === null || state === 'invalidLink', `page state ${JSON.stringify(state)}`);
  }
  assert.equal((await box.status()).state, 'waiting');
});

scenario('SIGTERM ends the call cleanly and the page waits for the box', async () => {
  const page = await openCall(browser, link, { label: 'caller' });
  await waitBrowserMedia(page, { minFrames: 1 });
  const code = await box.stop(5000);
  assert.equal(code, 0, `the box exit code after SIGTERM (exit: ${JSON.stringify(box.exit)})`);
  // The box said `ended {boxShutdown}`: it is restarting, so the page keeps
  // trying (and takes the call up when the box is back: reconnect.test.mjs).
  await waitPageState(page, 'problems', { timeoutMs: 5000, failOn: ['ended', 'error'] });
});

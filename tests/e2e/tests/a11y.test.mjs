// The call page for older eyes and unsure hands, with a real box: axe-core
// finds no violation in any state the page can reach; the buttons say their
// state; hanging up asks once; the single-key shortcuts can be turned off and
// stay off; when the call ends, focus is on "Call again". The box stops in
// the last test (the page then cannot reach it), so that test comes last.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, pageState } from '../lib/browser.mjs';
import { openCall, pressCall, pressHangUp, waitBoxState, waitPageState } from '../lib/call.mjs';
import { assertNoViolations } from '../lib/axe.mjs';
import { waitUntil } from '../lib/wait.mjs';

let fixtures;
let box;
let browser;
let link;

before(async () => {
  fixtures = makeFixtures();
  // A short announcement, so the page's "ringing" state can be checked too.
  box = await startBox({ calls: { countdown_secs: 2 } });
  // axe-core is injected as a script: the test's context bypasses the CSP.
  browser = await launchBrowser(fixtures, { contextOptions: { bypassCSP: true } });
  link = await box.createLink('Anna');
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  removeFixtures(fixtures);
});

/** A test that reports the pages and the box on failure, and closes its pages. */
function scenario(name, body, { timeout = 90_000 } = {}) {
  test(name, { timeout }, async () => {
    const first = browser.pages.length;
    const own = () => browser.pages.slice(first);
    box.note(`=== test: ${name}`);
    try {
      if (box.running) await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
      await body();
    } catch (err) {
      err.message += `\n\n${await browser.describe({ pages: own() })}\n\n${await box.describe()}`;
      throw err;
    } finally {
      for (const page of own().reverse()) {
        if (page.isClosed()) continue;
        if (['ringing', 'connecting', 'inCall', 'problems'].includes(await pageState(page))) {
          await pressHangUp(page, { timeoutMs: 2000 }).catch(() => {});
        }
        await page.close({ runBeforeUnload: true }).catch(() => {});
      }
      if (box.running) await waitBoxState(box, 'waiting', { timeoutMs: 10_000 }).catch(() => {});
    }
  });
}

const focused = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);
const visible = (page, selector) => page.isVisible(selector);

scenario('axe-core finds no violation while connecting, ringing, in a call, asking, ended and busy', async () => {
  // The first screen, "Call", while the box's welcome is held back.
  const held = await browser.newPage('held');
  await held.routeWebSocket(/\/signal$/, () => {});
  await held.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(held, 'start');
  await assertNoViolations(held, 'the first screen');
  await held.close();

  const page = await browser.newPage('caller');
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'ringing', { timeoutMs: 10_000 });
  await assertNoViolations(page, 'ringing');
  await waitPageState(page, 'inCall', { timeoutMs: 20_000 });
  await assertNoViolations(page, 'in call');

  await page.click('#mic');
  assert.ok(await visible(page, '#muted-badge'), 'the muted badge shows');
  await assertNoViolations(page, 'in call, muted');

  // A second caller while the box is in a call: busy.
  const second = await browser.newPage('second');
  await second.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(second, 'busy', { timeoutMs: 10_000 });
  await assertNoViolations(second, 'busy');
  await second.close();

  await page.click('#hang-up');
  assert.ok(await visible(page, '#end-ask'), 'hang-up asks first');
  await assertNoViolations(page, 'asking "End the call?"');
  await page.click('#end-yes');
  await waitPageState(page, 'ended');
  await assertNoViolations(page, 'ended');
});

scenario('axe-core finds no violation on a link that is not valid and on the error states', async () => {
  // The box's own page for an unknown link.
  const unknown = await browser.newPage('unknown link');
  const response = await unknown.goto(new URL('/r/notavalidtoken', link).href);
  assert.equal(response.status(), 404);
  await assertNoViolations(unknown, 'the "not valid" page');

  // The call page told by the box that its link is not valid (as through a
  // relay, which serves the page for any token): the hello carries another token.
  const refused = await browser.newPage('refused');
  await refused.routeWebSocket(/\/signal$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const hello = JSON.parse(message);
      if (hello.type === 'hello') hello.token = 'A'.repeat(43);
      server.send(JSON.stringify(hello));
    });
  });
  await refused.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(refused, 'invalidLink', { timeoutMs: 10_000 });
  await assertNoViolations(refused, 'invalid link (the page)');

  // A browser without WebRTC (an in-app browser).
  const noWebRtc = await browser.newPage('no WebRTC');
  await noWebRtc.addInitScript(() => {
    delete window.RTCPeerConnection;
  });
  await noWebRtc.goto(link, { waitUntil: 'domcontentloaded' });
  await waitPageState(noWebRtc, 'error');
  await assertNoViolations(noWebRtc, 'error (no WebRTC)');
});

scenario('the buttons say their state in 18 px words, and "You are muted" shows while the microphone is off', async () => {
  const page = await openCall(browser, link, { label: 'caller', timeoutMs: 20_000 });
  for (const id of ['mic', 'camera', 'hang-up']) {
    const px = await page.$eval(`#${id}`, (el) => parseFloat(getComputedStyle(el).fontSize));
    assert.ok(px >= 18, `#${id} words are ${px} px`);
  }
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone on');
  assert.equal((await page.textContent('#camera')).trim(), 'Camera on');
  assert.equal(await visible(page, '#muted-badge'), false);
  await page.keyboard.press('m');
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone off');
  assert.equal((await page.textContent('#muted-badge')).trim(), 'You are muted');
  assert.ok(await visible(page, '#muted-badge'));
  await page.click('#camera');
  assert.equal((await page.textContent('#camera')).trim(), 'Camera off');
  await page.keyboard.press('m');
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone on');
  assert.equal(await visible(page, '#muted-badge'), false);
});

scenario('hang up asks once: No keeps the call, Yes ends it and focus goes to "Call again"', async () => {
  const page = await openCall(browser, link, { label: 'caller', timeoutMs: 20_000 });
  await page.click('#hang-up');
  assert.equal((await page.textContent('#end-ask-title')).trim(), 'End the call?');
  assert.equal(await focused(page), 'end-no');
  await page.click('#end-no');
  assert.equal(await visible(page, '#end-ask'), false);
  assert.equal(await pageState(page), 'inCall');
  assert.equal((await box.status()).state, 'inCall');
  await pressHangUp(page);
  await waitPageState(page, 'ended');
  await waitBoxState(box, 'waiting', { timeoutMs: 5000 });
  assert.equal(await focused(page), 'status-action');
  assert.equal((await page.textContent('#status-action')).trim(), 'Call again');
});

scenario('the single-key shortcuts can be turned off, and stay off after a reload', async () => {
  const page = await openCall(browser, link, { label: 'caller', timeoutMs: 20_000 });
  assert.ok(await visible(page, '#shortcuts'), 'the switch is on the page');
  assert.equal(await page.isChecked('#shortcuts'), true);
  assert.equal(await page.getAttribute('#mic', 'aria-keyshortcuts'), 'M');
  await page.uncheck('#shortcuts');
  await page.focus('#hang-up');
  await page.keyboard.press('m');
  await page.keyboard.press('v');
  await page.keyboard.press('Escape');
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone on', 'M does nothing');
  assert.equal((await page.textContent('#camera')).trim(), 'Camera on', 'V does nothing');
  assert.equal(await visible(page, '#end-ask'), false, 'Esc does nothing');
  assert.equal(await page.getAttribute('#mic', 'aria-keyshortcuts'), null);

  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitPageState(page, 'inCall', { timeoutMs: 20_000 });
  assert.equal(await page.isChecked('#shortcuts'), false, 'remembered');
  await page.focus('#hang-up');
  await page.keyboard.press('m');
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone on');

  await page.check('#shortcuts');
  await page.focus('#hang-up');
  await page.keyboard.press('m');
  assert.equal((await page.textContent('#mic')).trim(), 'Microphone off', 'M works again');
});

scenario('axe-core finds no violation when the box cannot be reached', async () => {
  const page = await openCall(browser, link, { label: 'caller', timeoutMs: 20_000 });
  assert.equal(await box.stop(), 0);
  await waitPageState(page, 'unreachable', { timeoutMs: 20_000 });
  await waitUntil('the page to settle', async () => visible(page, '#status-title'), Boolean, { timeoutMs: 2000 });
  await assertNoViolations(page, 'unreachable');
});

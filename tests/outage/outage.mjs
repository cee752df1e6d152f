// The driver of tests/outage/run.sh, run in the box's namespace: the box on
// 10.99.0.1 (HTTPS, its own certificate), Chromium in the phone's namespace
// at 10.99.0.2, and the one link between them taken down and brought back
// mid-call. Prints restore_to_media_ms per outage and their median.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { makeFixtures, removeFixtures } from '../e2e/lib/fixtures.mjs';
import { startBox } from '../e2e/lib/box.mjs';
import { launchBrowser, remoteStats, stateHistory, describePage } from '../e2e/lib/browser.mjs';
import { FINAL_PAGE_STATES, openCall, waitBoxMedia, waitBrowserMedia, waitPageState } from '../e2e/lib/call.mjs';
import { waitUntil } from '../e2e/lib/wait.mjs';
import { median } from '../e2e/lib/figures.mjs';

const OUTAGES = Number(process.env.OUTAGES ?? 1);
const OUTAGE_SECS = Number(process.env.OUTAGE_SECS ?? 15);
const IFACE = process.env.OUTAGE_IFACE ?? 'eth0';
// The box's own certificate: the harness checks the box's status over it.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const link = (state) => execFileSync('ip', ['link', 'set', 'dev', IFACE, state]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const fixtures = makeFixtures();
let box;
let browser;
let page;
let failed = false;
try {
  box = await startBox({ host: '10.99.0.1' });
  browser = await launchBrowser(fixtures, { extraArgs: ['--ignore-certificate-errors'] });
  const url = await box.createLink('Anna');
  page = await openCall(browser, url, { label: 'phone' });
  await waitBrowserMedia(page, { minFrames: 30 });
  await waitBoxMedia(box, { expectedRgb: fixtures.expectedRgb, toneHz: fixtures.toneHz });
  const session = await page.evaluate(() => window.homecall.session);
  const figures = [];
  for (let n = 1; n <= OUTAGES; n++) {
    link('down');
    await sleep(OUTAGE_SECS * 1000);
    const states = (await stateHistory(page)).map((s) => s.state);
    assert.ok(states.includes('problems'), `the page said nothing during the outage: ${states.join(' → ')}`);
    const before = (await remoteStats(page))?.video?.framesDecoded ?? 0;
    const restored = performance.now();
    link('up');
    await waitUntil(
      'video frames after the link came back',
      () => remoteStats(page),
      (s) => s?.video && s.video.framesDecoded > before + 5,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    const ms = Math.round(performance.now() - restored);
    figures.push(ms);
    console.log(`restore_to_media_ms=${ms} (outage ${n} of ${OUTAGE_SECS} s)`);
    await waitPageState(page, 'inCall', { timeoutMs: 10_000, failOn: FINAL_PAGE_STATES });
    assert.equal(await page.evaluate(() => window.homecall.session), session, 'the same call, not a new one');
    const status = await box.status();
    assert.equal(status.state, 'inCall', JSON.stringify(status));
    assert.equal(status.calls.length, 1, JSON.stringify(status));
  }
  // Media both ways after the last outage.
  await waitBoxMedia(box, { expectedRgb: fixtures.expectedRgb, toneHz: fixtures.toneHz, timeoutMs: 20_000 });
  console.log(`restore_to_media_ms_median=${median(figures)} (${figures.length} outages of ${OUTAGE_SECS} s)`);
  console.log('outage: 1 passed, 0 failed');
} catch (err) {
  failed = true;
  console.error(`FAIL: ${err.stack ?? err}`);
  if (page) console.error(await describePage(browser, page).catch((e) => `(page: ${e.message})`));
  if (box) console.error(await box.describe(60).catch((e) => `(box: ${e.message})`));
} finally {
  await browser?.close().catch(() => {});
  if (box?.running) await box.stop().catch(() => {});
  removeFixtures(fixtures);
}
process.exit(failed ? 1 : 0);

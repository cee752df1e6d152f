// Page reload → media flowing again, with the factory's 3 s announcement in
// force, against the reference in the same run: the same browser opening the
// link afresh (announced, then connected). Run it through bench/reload, which
// builds the release binary and gives it a network namespace.
//
// env: HOMECALL_BIN (the box binary), RUNS (calls, default 6; the first is a
// warm-up and is not counted).
//
// stdout: one line per call, then reference_new_call_ms_median=<n>,
// ratio=<reload / new call>, and last reload_to_media_ms_median=<n>.

import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { launchBrowser, remoteStats, describePage } from '../tests/e2e/lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, waitBoxState, waitPageState, pressCall } from '../tests/e2e/lib/call.mjs';
import { waitUntil } from '../tests/e2e/lib/wait.mjs';
import { median } from '../tests/e2e/lib/figures.mjs';

const RUNS = Number.parseInt(process.env.RUNS ?? '6', 10);
if (!Number.isInteger(RUNS) || RUNS < 2) {
  console.error(`RUNS must be an integer ≥ 2 (one warm-up run is discarded), got ${process.env.RUNS}`);
  process.exit(2);
}

const fixtures = makeFixtures();
const box = await startBox({ calls: { countdown_secs: 3 } });
const browser = await launchBrowser(fixtures);
browser.quiet = true;
let page = null;
const fresh = [];
const reloads = [];

/** ms from `since` until the page decodes a video frame. */
async function untilFrames(since) {
  await waitPageState(page, 'inCall', { timeoutMs: 20_000, failOn: FINAL_PAGE_STATES });
  await waitUntil('a decoded frame', () => remoteStats(page), (s) => s?.video?.framesDecoded > 0, {
    timeoutMs: 20_000,
    intervalMs: 10,
  });
  return Math.round(performance.now() - since);
}

try {
  const link = await box.createLink('bench');
  for (let run = 0; run < RUNS; run++) {
    page = await browser.newPage(`run${run}`);
    let since = performance.now();
    await page.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
    await pressCall(page);
    const newCall = await untilFrames(since);
    since = performance.now();
    await page.reload({ waitUntil: 'domcontentloaded' });
    const reload = await untilFrames(since);
    console.log(`run ${run}${run === 0 ? ' (warm-up)' : ''}: new_call_ms=${newCall} reload_to_media_ms=${reload}`);
    if (run > 0) {
      fresh.push(newCall);
      reloads.push(reload);
    }
    await hangUp(page);
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await page.close();
    page = null;
  }
  const ref = median(fresh);
  const value = median(reloads);
  console.log(`reference_new_call_ms_median=${ref}`);
  console.log(`ratio=${(value / ref).toFixed(2)}`);
  console.log(`reload_to_media_ms_median=${value}`);
} catch (err) {
  console.error(`FAIL: ${err.stack ?? err}`);
  if (page) console.error(await describePage(browser, page).catch(() => ''));
  console.error(await box.describe(40));
  process.exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await box.stop().catch(() => {});
  removeFixtures(fixtures);
}

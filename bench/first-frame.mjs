// Time from navigation start to the first remote frame on the call page, over
// several calls to one box from one browser. Run it through bench/first-frame,
// which builds the release binary and gives it a network namespace.
//
// env: HOMECALL_BIN (the box binary), RUNS (calls, default 12; the first is a
// warm-up and is not counted), RELAY_ONLY=1 (a real coturn on loopback, and
// both the box and the browser use relayed candidates only: the path a call
// takes when neither side can reach the other directly).
//
// stdout: one line per call, then the reference figure and ratio, then
// first_frame_ms_p90=<n>, and last first_frame_ms_median=<n>.

import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { startCoturn } from '../tests/e2e/lib/coturn.mjs';
import { launchBrowser, describePage } from '../tests/e2e/lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, waitBoxState, pressCall } from '../tests/e2e/lib/call.mjs';
import { fatal, waitUntil } from '../tests/e2e/lib/wait.mjs';
import { median, percentile } from '../tests/e2e/lib/figures.mjs';

const RUNS = Number.parseInt(process.env.RUNS ?? '12', 10);
if (!Number.isInteger(RUNS) || RUNS < 2) {
  console.error(`RUNS must be an integer ≥ 2 (one warm-up run is discarded), got ${process.env.RUNS}`);
  process.exit(2);
}

const fixtures = makeFixtures();
const RELAY_ONLY = process.env.RELAY_ONLY === '1';
const SECRET = 'bench-static-auth-secret';
const coturn = RELAY_ONLY ? await startCoturn({ secret: SECRET }) : null;
const box = await startBox(coturn ? { turn: { server: coturn.server, secret: SECRET, relay_only: true } } : {});
const browser = await launchBrowser(fixtures);
if (RELAY_ONLY) {
  // Every RTCPeerConnection the page makes uses relayed candidates only.
  await browser.context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    if (!Native) return;
    window.RTCPeerConnection = class RelayOnly extends Native {
      constructor(configuration, ...rest) {
        super({ ...(configuration || {}), iceTransportPolicy: 'relay' }, ...rest);
      }
    };
  });
}
console.log(`path=${RELAY_ONLY ? 'relay-only through coturn' : 'direct'}`);
browser.quiet = true; // keep stdout/stderr for figures; consoles go into failure reports
let page = null;
const firstFrame = [];
const domReady = [];

try {
  const link = await box.createLink('bench');
  for (let run = 0; run < RUNS; run++) {
    box.note(`=== bench run ${run}`);
    page = await browser.newPage(`run${run}`);
    await page.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
    await pressCall(page);
    const ms = await waitUntil(
      'window.homecall.firstFrameMs to be set',
      async () => {
        const r = await page.evaluate(() => ({
          state: window.homecall ? window.homecall.state : null,
          firstFrameMs: window.homecall ? window.homecall.firstFrameMs : null,
        }));
        if (FINAL_PAGE_STATES.includes(r.state)) throw fatal(`the page state became ${r.state} before the first frame`);
        return r.firstFrameMs;
      },
      (v) => typeof v === 'number',
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    const dom = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
    await hangUp(page, { timeoutMs: 5000 });
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await page.close();
    page = null;
    const warmUp = run === 0;
    console.log(`run ${run}${warmUp ? ' (warm-up, not counted)' : ''}: first_frame_ms=${ms.toFixed(1)} dom_ready_ms=${dom.toFixed(1)}`);
    if (!warmUp) {
      firstFrame.push(ms);
      domReady.push(dom);
    }
  }
} catch (err) {
  console.error(`bench failed: ${err.message}`);
  if (page) console.error(await describePage(browser, page, 40));
  console.error(await box.describe(60));
  await browser.close();
  await box.stop();
  await coturn?.stop();
  removeFixtures(fixtures);
  process.exit(1);
}

await browser.close();
removeFixtures(fixtures);
await coturn?.stop();
const code = await box.stop();
if (code !== 0) console.error(`note: the box exited with code ${code} after SIGTERM`);
console.error(`box log: ${box.logPath}`);
// Figures after everything else, so that the median is the last line.

const ffMedian = median(firstFrame);
const refMedian = median(domReady);
console.log(`runs_counted=${firstFrame.length}`);
console.log(`ref_dom_ready_ms_median=${Math.round(refMedian)}`);
console.log(`first_frame_to_dom_ready_ratio=${(ffMedian / refMedian).toFixed(2)}`);
console.log(`first_frame_ms_p90=${Math.round(percentile(firstFrame, 90))}`);
console.log(`first_frame_ms_median=${Math.round(ffMedian)}`);

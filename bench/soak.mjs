// Soak: many consecutive calls to ONE long-running box, and what the box
// process holds before and after them (resident memory, open file
// descriptors, threads, GStreamer elements). Run it through bench/soak, which
// builds the release binary and gives it a network namespace with only lo.
//
// Each call is a real headless Chromium with the fixture camera and
// microphone: open the link, wait until the page is inCall and has decoded
// remote video and audio and the box has decoded the caller's media, press
// hang-up, wait until /api/status says waiting again. By default every call
// gets a fresh browser process (a launch costs well under a second here, and
// nothing carries over from one call to the next on the caller's side);
// BROWSER=shared reuses one browser with a fresh tab per call.
//
// Two warm-up calls (WARMUP) come first and are not counted; then, after
// SETTLE_MS for the teardown to settle, the box is sampled: VmRSS and Threads
// from /proc/PID/status, entries of /proc/PID/fd, and `pipelineElements`
// from /api/status when the box reports it. It is sampled again after every
// call (once back to waiting, without settling) and after the last call
// (after SETTLE_MS).
//
// in_call_ms is measured by the page, from navigation start until it both
// showed inCall and decoded its first remote frame.
//
// A failed call is reported with the page's state, history and console (on
// stderr), the box is given time to return to waiting, and the run goes on;
// MAX_CONSECUTIVE_FAILURES (5) in a row end it. Exit status 1 only when
// something is broken: the box died, a failure streak, or the box did not
// exit cleanly on SIGTERM at the end. The memory figures never fail the run.
//
// env: HOMECALL_BIN (the box binary), CALLS (counted calls, default 100),
// WARMUP (default 2), SETTLE_MS (default 2000), BROWSER (fresh | shared).
//
// stdout: one line per call, then key=value figures.

import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { launchBrowser, describePage, pageState, remoteStats } from '../tests/e2e/lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, waitBoxState, pressCall } from '../tests/e2e/lib/call.mjs';
import { fatal, waitUntil } from '../tests/e2e/lib/wait.mjs';
import { median, percentile } from '../tests/e2e/lib/figures.mjs';

function intEnv(name, fallback, min) {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min) {
    console.error(`${name} must be an integer ≥ ${min}, got ${raw}`);
    process.exit(2);
  }
  return v;
}

const CALLS = intEnv('CALLS', 100, 1);
const WARMUP = intEnv('WARMUP', 2, 0);
const SETTLE_MS = intEnv('SETTLE_MS', 2000, 0);
const BROWSER = process.env.BROWSER || 'fresh';
if (!['fresh', 'shared'].includes(BROWSER)) {
  console.error(`BROWSER must be fresh or shared, got ${BROWSER}`);
  process.exit(2);
}
const MAX_CONSECUTIVE_FAILURES = 5;
/** Remote video frames the page must have decoded before the call counts as up. */
const MIN_FRAMES = 10;

/** Least-squares slope of ys over 0..n-1 (null with fewer than 2 points). */
function slope(ys) {
  const n = ys.length;
  if (n < 2) return null;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

const orUnknown = (v) => (v === null || v === undefined ? 'unknown' : v);

/** What the box process holds now, from /proc, plus pipelineElements from /api/status. */
async function sample(box) {
  const pid = box.child.pid;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => {
    const m = status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  let pipelineElements = null;
  let state = null;
  try {
    const s = await box.status();
    state = s.state;
    if (typeof s.pipelineElements === 'number') pipelineElements = s.pipelineElements;
  } catch (err) {
    state = `(no answer: ${err.message})`;
  }
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM'), threads: field('Threads'), fds, pipelineElements, state };
}

/** Page facts for the wait and for a failure line. */
function readPage(page) {
  return page.evaluate(() => {
    const h = window.homecall;
    const states = window.__e2e ? window.__e2e.states : [];
    const inCall = states.find((s) => s.state === 'inCall');
    return {
      state: h ? h.state : (document.body ? document.body.dataset.state ?? null : null),
      firstFrameMs: h ? h.firstFrameMs : null,
      inCallMs: inCall ? inCall.ms : null,
    };
  });
}

class BoxGone extends Error {}

const fixtures = makeFixtures();
const box = await startBox();
const pid = box.child.pid;
console.error(`box pid ${pid}, ${box.url}, log ${box.logPath}; ${WARMUP} warm-up + ${CALLS} calls, browser ${BROWSER}`);

let shared = null;
async function getBrowser() {
  if (shared) return shared;
  const b = await launchBrowser(fixtures);
  b.quiet = true; // consoles go into failure reports, not onto stderr
  if (BROWSER === 'shared') shared = b;
  return b;
}

async function closeQuietly(browser, page) {
  if (page && !page.isClosed()) await page.close({ runBeforeUnload: false }).catch(() => {});
  if (browser && browser !== shared) await browser.close();
}

/** One call from opening the link to the box waiting again. Returns in_call_ms. */
async function oneCall(label, link) {
  const browser = await getBrowser();
  const page = await browser.newPage(label);
  let stage = 'opening the link';
  try {
    await page.goto(link, { timeout: 10_000, waitUntil: 'domcontentloaded' });
    await pressCall(page);
    stage = 'waiting for the page to be inCall with remote media';
    const up = await waitUntil(
      `the page to be inCall, with a first frame, ≥ ${MIN_FRAMES} decoded frames and received audio`,
      async () => {
        const r = await readPage(page);
        if (FINAL_PAGE_STATES.includes(r.state)) throw fatal(`the page state became ${r.state}`);
        if (r.state === 'inCall' && typeof r.firstFrameMs === 'number') r.stats = await remoteStats(page);
        return r;
      },
      (r) =>
        r.state === 'inCall' &&
        typeof r.firstFrameMs === 'number' &&
        typeof r.inCallMs === 'number' &&
        r.stats?.video?.framesDecoded >= MIN_FRAMES &&
        r.stats?.audio?.totalSamplesReceived > 0,
      { timeoutMs: 20_000, intervalMs: 25 },
    );
    stage = 'waiting for the box to decode the caller';
    await waitUntil(
      'the box to be inCall and decode the caller’s video and audio',
      () => {
        if (!box.running) throw fatal(`the box is not running: ${JSON.stringify(box.exit)}`);
        return box.status();
      },
      (s) => s.state === 'inCall' && s.remote?.videoFrames > 0 && s.remote?.audioBuffers > 0,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    stage = 'hanging up';
    await hangUp(page, { timeoutMs: 5000 });
    stage = 'waiting for the box to be waiting again';
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await closeQuietly(browser, page);
    return Math.max(up.inCallMs, up.firstFrameMs);
  } catch (err) {
    const state = await pageState(page).catch(() => '(unknown)');
    const report = await describePage(browser, page, 20).catch((e) => `(no page report: ${e.message})`);
    err.summary = `while ${stage}: ${err.message.split('\n')[0]}; page_state=${JSON.stringify(state)}`;
    err.report = report;
    await closeQuietly(browser, page).catch(() => {});
    throw err;
  }
}

const inCallMs = [];
const perCall = []; // samples after each counted call
let ok = 0;
let failed = 0;
let streak = 0;
let broken = null; // why the run is broken, if it is
let before = null;
let after = null;
let link = null;

try {
  link = await box.createLink('soak');
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const warmUp = i < WARMUP;
    const n = warmUp ? i + 1 : i - WARMUP + 1;
    const label = warmUp ? `warm-up ${n}` : `call ${n}`;
    if (!warmUp && before === null) {
      await sleep(SETTLE_MS);
      before = await sample(box);
    }
    box.note(`=== soak ${label}`);
    try {
      const ms = await oneCall(label, link);
      streak = 0;
      const s = await sample(box);
      const figures = `in_call_ms=${ms} rss_kb=${s.rssKb} fds=${s.fds} threads=${s.threads} pipeline_elements=${orUnknown(s.pipelineElements)}`;
      if (warmUp) {
        console.log(`${label} (not counted): ${figures}`);
      } else {
        ok++;
        inCallMs.push(ms);
        perCall.push(s);
        console.log(`${label}: ${figures}`);
      }
    } catch (err) {
      streak++;
      if (!warmUp) failed++;
      console.log(`${label}: FAILED ${err.summary ?? err.message.split('\n')[0]}`);
      console.error(`--- ${label} failed: ${err.message}`);
      if (err.report) console.error(err.report);
      if (!box.running) throw new BoxGone(`the box died during ${label}: ${JSON.stringify(box.exit)}`);
      // A closed tab ends the call on the box within 10 s; give it a little more.
      try {
        await waitBoxState(box, 'waiting', { timeoutMs: 15_000 });
      } catch (e) {
        if (!box.running) throw new BoxGone(`the box died after ${label}: ${JSON.stringify(box.exit)}`);
        console.error(`the box is not back to waiting after ${label}: ${e.message}`);
      }
      if (streak >= MAX_CONSECUTIVE_FAILURES) {
        broken = `${streak} consecutive failed calls`;
        break;
      }
    }
  }
  if (!box.running) throw new BoxGone(`the box died: ${JSON.stringify(box.exit)}`);
  await sleep(SETTLE_MS);
  if (before === null) before = await sample(box); // only when every call was a warm-up that failed
  after = await sample(box);
} catch (err) {
  broken = broken ?? err.message.split('\n')[0];
  if (!(err instanceof BoxGone)) console.error(err.stack ?? String(err));
}

if (broken) console.error(await box.describe(60));
if (shared) await shared.close();
removeFixtures(fixtures);
const code = await box.stop();
console.error(`box log: ${box.logPath}`);
if (code !== 0 && !broken) broken = `the box exited with code ${code} after SIGTERM`;

// Figures.
const num = (s, k) => (s && s[k] !== null && s[k] !== undefined ? s[k] : 'unknown');
const diff = (k) => (typeof before?.[k] === 'number' && typeof after?.[k] === 'number' ? after[k] - before[k] : 'unknown');
const rssSlope = slope(perCall.map((s) => s.rssKb));
const fdSlope = slope(perCall.map((s) => s.fds));
console.log(`box_pid=${pid}`);
console.log(`browser=${BROWSER}`);
console.log(`box_state_before=${num(before, 'state')}`);
console.log(`box_state_after=${num(after, 'state')}`);
console.log(`rss_before_kb=${num(before, 'rssKb')}`);
console.log(`rss_after_kb=${num(after, 'rssKb')}`);
console.log(`rss_growth_kb=${diff('rssKb')}`);
console.log(`rss_growth_kb_per_call=${typeof diff('rssKb') === 'number' && ok > 0 ? (diff('rssKb') / ok).toFixed(1) : 'unknown'}`);
console.log(`rss_slope_kb_per_call=${rssSlope === null ? 'unknown' : rssSlope.toFixed(1)}`);
console.log(`rss_peak_kb=${num(after, 'hwmKb')}`);
console.log(`fds_before=${num(before, 'fds')}`);
console.log(`fds_after=${num(after, 'fds')}`);
console.log(`fds_slope_per_call=${fdSlope === null ? 'unknown' : fdSlope.toFixed(2)}`);
console.log(`threads_before=${num(before, 'threads')}`);
console.log(`threads_after=${num(after, 'threads')}`);
console.log(`pipeline_elements_waiting_before=${num(before, 'pipelineElements')}`);
console.log(`pipeline_elements_waiting_after=${num(after, 'pipelineElements')}`);
console.log(`in_call_ms_p90=${inCallMs.length ? Math.round(percentile(inCallMs, 90)) : 'unknown'}`);
console.log(`in_call_ms_median=${inCallMs.length ? Math.round(median(inCallMs)) : 'unknown'}`);
console.log(`calls_ok=${ok}`);
console.log(`calls_failed=${failed}`);
if (broken) {
  console.log(`broken=${broken}`);
  process.exit(1);
}

// Time from navigation start to the first remote frame on the call page, as a
// relative has it: a fresh browser (a new Chromium process, a new profile) per
// call, the link opened, Call pressed the moment it shows. The same calls to a
// small aiortc box doing the same job (bench/aiortc_box.py) are the reference,
// alternated with the box's so that a busy machine weighs on both alike. Run
// it through bench/first-frame, which builds the release binary, makes the
// aiortc virtualenv and gives it a network namespace.
//
// Both pages are timed by one init script (same stage definitions, same
// browser flags, same fake camera and microphone), in ms since navigation:
//   page_loaded     DOMContentLoaded ended
//   socket_open     the signalling WebSocket opened
//   welcome         the box's welcome arrived
//   call_pressed    Call pressed (by the script, as soon as the page shows it)
//   ready_sent      `ready` sent (camera and microphone granted)
//   offer_received  the box's offer arrived
//   remote_set      the offer applied (setRemoteDescription resolved)
//   answer_made     the answer made (createAnswer resolved)
//   local_set       the answer applied (setLocalDescription resolved)
//   answer_sent     the page's answer went out
//   ice_connected   iceConnectionState connected
//   connected       connectionState connected (DTLS done)
//   picture_in      the first picture's packets all arrived (the receiveTime
//                   requestVideoFrameCallback gives with that picture)
//   picture_decoded that picture decoded (receiveTime + processingDuration);
//                   both read after the fact, as polling getStats during
//                   the call's start took 10-25 ms of the main thread that
//                   the first frame waited on
//   first_frame     requestVideoFrameCallback on the box's video (the
//                   figure)
//   media_granted   the page's getUserMedia resolved (its own camera and
//                   microphone; not on the box's picture's path, but it runs
//                   beside the stages above in the same browser)
//
// env: PRESS_AFTER_MS (Call pressed this long after it shows, as a person
// would, default 0: at once), HOMECALL_BIN (the box binary), BASELINE_BIN (another build of the
// box, e.g. main's, timed alike in the same invocation), AIORTC_PYTHON (the virtualenv's python;
// unset: no reference), RUNS (calls to each, default 12; the first of each is
// a warm-up and is not counted), RELAY_ONLY=1 (a real coturn on loopback, and
// both the HomeCall box and the browser use relayed candidates only; no
// reference then), TRACE_DIR (writes a Chrome trace of each call there,
// <label>.trace.json, with its stages; bench/main-thread.mjs reads one:
// tracing slows the browser, so figures from a traced run are not figures;
// TRACE_JS=1 adds V8's sampling profiler, which bench/main-thread.mjs then
// sums per function),
// WIRE_DIR (set by bench/first-frame: writes runs.json there, each call's
// stages with the page's time origin, beside the loopback capture the
// script makes; bench/wire.py puts the two on one timeline).
//
// stdout: one line per call, the stage medians of each, then
// aiortc_first_frame_ms_median, ratio (of the medians), ratio_paired_median
// (the median of each run's own ratio), first_frame_ms_p90, and last
// first_frame_ms_median=<n>.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import os from 'node:os';
import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { freePort, startBox, REPO_ROOT } from '../tests/e2e/lib/box.mjs';
import { killOnExit } from '../tests/e2e/lib/children.mjs';
import { startCoturn } from '../tests/e2e/lib/coturn.mjs';
import { launchBrowser, describePage } from '../tests/e2e/lib/browser.mjs';
import { FINAL_PAGE_STATES, hangUp, waitBoxState } from '../tests/e2e/lib/call.mjs';
import { withTimeout } from '../tests/e2e/lib/wait.mjs';
import { median, percentile } from '../tests/e2e/lib/figures.mjs';

const RUNS = Number.parseInt(process.env.RUNS ?? '12', 10);
if (!Number.isInteger(RUNS) || RUNS < 2) {
  console.error(`RUNS must be an integer ≥ 2 (one warm-up run is discarded), got ${process.env.RUNS}`);
  process.exit(2);
}
const RELAY_ONLY = process.env.RELAY_ONLY === '1';
const PRESS_AFTER_MS = Number.parseInt(process.env.PRESS_AFTER_MS ?? '0', 10);
const AIORTC_PYTHON = RELAY_ONLY ? null : process.env.AIORTC_PYTHON || null;
const BASELINE_BIN = RELAY_ONLY ? null : process.env.BASELINE_BIN || null;
const TRACE_DIR = process.env.TRACE_DIR || null;
const WIRE_DIR = process.env.WIRE_DIR || null;
/** Each call's page time origin (wall-clock ms), by label, for WIRE_DIR. */
const timeOrigins = new Map();
/** What WIRE_DIR's runs.json gets: { label, warm_up, origin, stages } per call. */
const wireRuns = [];
/** What a trace records: every default category (the blocking calls inside a task are named only there) and the timeline's details. */
const TRACE_CATEGORIES = ['*', 'disabled-by-default-devtools.timeline', ...(process.env.TRACE_JS ? ['disabled-by-default-v8.cpu_profiler'] : [])];

const STAGES = [
  'page_loaded',
  'socket_open',
  'welcome',
  'call_pressed',
  'ready_sent',
  'offer_received',
  'remote_set',
  'answer_made',
  'local_set',
  'answer_sent',
  'ice_connected',
  'connected',
  'picture_in',
  'picture_decoded',
  'first_frame',
  'media_granted',
];

// Runs in the page before its scripts. Records each stage once, in ms since
// navigation, into window.__stages; presses Call the moment the page shows it.
// window.__firstFrame resolves to the stages once the first frame is shown
// and decoded, and rejects when the page reaches one of `finalStates` first:
// the bench waits on it with one call into the page, where polling the page
// (a DevTools command each time, run on the page's main thread) would slow
// the very work being timed.
function timeStages({ pressAfterMs, finalStates }) {
  const stages = (window.__stages = {});
  let done;
  window.__firstFrame = new Promise((resolve, reject) => {
    done = { resolve, reject };
  });
  const mark = (name) => {
    if (!(name in stages)) stages[name] = performance.now();
    if ('first_frame' in stages) done.resolve(stages);
  };
  const watchState = () => {
    const state = document.body.dataset.state;
    if (finalStates.includes(state)) done.reject(new Error(`the page state became ${state} before the first frame`));
  };
  addEventListener('DOMContentLoaded', () => queueMicrotask(() => mark('page_loaded')));

  const NativeSocket = window.WebSocket;
  window.WebSocket = class TimedSocket extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => mark('socket_open'));
      this.addEventListener('message', ({ data }) => {
        try {
          const type = JSON.parse(data).type;
          if (type === 'welcome') mark('welcome');
          if (type === 'offer') mark('offer_received');
        } catch {
          // not ours to judge
        }
      });
    }
    send(data) {
      try {
        const type = JSON.parse(data).type;
        if (type === 'ready') mark('ready_sent');
        if (type === 'hello' && JSON.parse(data).ready !== false) mark('ready_sent');
        if (type === 'answer') mark('answer_sent');
      } catch {
        // not ours to judge
      }
      return super.send(data);
    }
  };

  const media = navigator.mediaDevices;
  if (media && media.getUserMedia) {
    const native = media.getUserMedia.bind(media);
    media.getUserMedia = (...args) => native(...args).then((stream) => (mark('media_granted'), stream));
  }

  const remoteTracks = new WeakSet();
  const isRemote = (video) => {
    const stream = video.srcObject;
    return Boolean(stream && stream.getVideoTracks && stream.getVideoTracks().some((t) => remoteTracks.has(t)));
  };
  const watchFrames = (video) => {
    const onFrame = (now, picture) => {
      if (!isRemote(video)) return video.requestVideoFrameCallback(onFrame);
      // Before first_frame, which hands the stages over.
      if (picture.receiveTime > 0 && !('picture_in' in stages)) {
        stages.picture_in = picture.receiveTime;
        if (picture.processingDuration >= 0) stages.picture_decoded = picture.receiveTime + picture.processingDuration * 1000;
      }
      return mark('first_frame');
    };
    video.requestVideoFrameCallback(onFrame);
  };
  const NativePeer = window.RTCPeerConnection;
  window.RTCPeerConnection = class TimedPeer extends NativePeer {
    constructor(...args) {
      super(...args);
      this.addEventListener('track', ({ track }) => {
        remoteTracks.add(track);
        for (const video of document.querySelectorAll('video')) watchFrames(video);
      });
      this.addEventListener('iceconnectionstatechange', () => {
        if (['connected', 'completed'].includes(this.iceConnectionState)) mark('ice_connected');
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState !== 'connected' || 'connected' in stages) return;
        mark('connected');
      });
      for (const [method, stage] of [
        ['setRemoteDescription', 'remote_set'],
        ['createAnswer', 'answer_made'],
        ['setLocalDescription', 'local_set'],
      ]) {
        const native = this[method].bind(this);
        this[method] = (...args) => native(...args).then((r) => (mark(stage), r));
      }
    }
  };

  // Call, pressed as soon as the page offers it (or pressAfterMs later).
  let pressing = false;
  const pressWhenShown = () => {
    const button = document.getElementById('status-action');
    if (document.body.dataset.state === 'start' && button && !button.disabled && !pressing) {
      pressing = true;
      setTimeout(() => {
        mark('call_pressed');
        button.click();
      }, pressAfterMs);
    }
  };
  addEventListener('DOMContentLoaded', () => {
    const observe = () => (pressWhenShown(), watchState());
    new MutationObserver(observe).observe(document.body, { attributes: true, subtree: true });
    observe();
  });
}

/** One call from a fresh browser to `url`; returns its stages. */
async function oneCall(fixtures, url, { label, afterFrame }) {
  const browser = await launchBrowser(fixtures);
  browser.quiet = true; // keep stdout/stderr for figures; consoles go into failure reports
  if (RELAY_ONLY) {
    // Every RTCPeerConnection the page makes uses relayed candidates only.
    await browser.context.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = class RelayOnly extends Native {
        constructor(configuration, ...rest) {
          super({ ...(configuration || {}), iceTransportPolicy: 'relay' }, ...rest);
        }
      };
    });
  }
  await browser.context.addInitScript(timeStages, { pressAfterMs: PRESS_AFTER_MS, finalStates: FINAL_PAGE_STATES });
  const page = await browser.newPage(label);
  const tracing = TRACE_DIR ? await page.context().newCDPSession(page) : null;
  await tracing?.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: TRACE_CATEGORIES } });
  try {
    await page.goto(url, { timeout: 10_000, waitUntil: 'domcontentloaded' });
    const stages = await withTimeout(
      `${label}: the first remote frame`,
      page.evaluate(() => window.__firstFrame),
      20_000,
    );
    if (WIRE_DIR) timeOrigins.set(label, await page.evaluate(() => performance.timeOrigin));
    if (tracing) await writeTrace(tracing, path.join(TRACE_DIR, `${label}.trace.json`), stages);
    await afterFrame(page);
    return stages;
  } catch (err) {
    err.message += `\n${await describePage(browser, page, 40)}`;
    throw err;
  } finally {
    await browser.close();
  }
}

/** Ends the page's trace and writes it to `file`, with the call's stages. */
async function writeTrace(session, file, stages) {
  const complete = new Promise((resolve) => session.once('Tracing.tracingComplete', resolve));
  await session.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const chunk = await session.send('IO.read', { handle: stream });
    text += chunk.data;
    if (chunk.eof) break;
  }
  await session.send('IO.close', { handle: stream });
  const trace = JSON.parse(text);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ stages, traceEvents: trace.traceEvents ?? trace }));
}

/** Starts bench/aiortc_box.py; resolves to { url, stop } once it listens. */
async function startAiortc() {
  const port = await freePort();
  const child = killOnExit(
    spawn(AIORTC_PYTHON, [path.join(REPO_ROOT, 'bench', 'aiortc_box.py'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const lines = readline.createInterface({ input: child.stdout });
  await withTimeout(
    'the aiortc box to listen',
    new Promise((resolve, reject) => {
      lines.on('line', (l) => l === 'listening' && resolve());
      child.once('exit', (code) => reject(new Error(`the aiortc box exited with code ${code}`)));
    }),
    30_000,
  );
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

const fixtures = makeFixtures();
const SECRET = 'bench-static-auth-secret';
const coturn = RELAY_ONLY ? await startCoturn({ secret: SECRET }) : null;
const box = await startBox(coturn ? { turn: { server: coturn.server, secret: SECRET, relay_only: true } } : {});
const aiortc = AIORTC_PYTHON ? await startAiortc() : null;
const baseline = BASELINE_BIN ? await startBox({ bin: BASELINE_BIN }) : null;
console.log(`path=${RELAY_ONLY ? 'relay-only through coturn' : 'direct'}; a fresh browser per call; Call pressed ${PRESS_AFTER_MS} ms after it shows`);

const runs = { homecall: [], aiortc: [], baseline: [] };
const forWire = (label, warmUp, stages) => {
  if (WIRE_DIR) wireRuns.push({ label, warm_up: warmUp, origin: timeOrigins.get(label), stages });
  return stages;
};
const show = (stages) => STAGES.map((s) => `${s}=${stages[s] === undefined ? '-' : Math.round(stages[s])}`).join(' ');
try {
  const link = await box.createLink('bench');
  const baselineLink = baseline ? await baseline.createLink('bench') : null;
  for (let run = 0; run < RUNS; run++) {
    const warmUp = run === 0;
    box.note(`=== bench run ${run}`);
    const homecall = forWire(`homecall${run}`, warmUp, await oneCall(fixtures, link, {
      label: `homecall${run}`,
      afterFrame: async (page) => {
        await hangUp(page, { timeoutMs: 5000 });
        await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
      },
    }));
    console.log(`run ${run} homecall${warmUp ? ' (warm-up)' : ''}: ${show(homecall)}`);
    if (!warmUp) runs.homecall.push(homecall);
    if (baseline) {
      const before = forWire(`baseline${run}`, warmUp, await oneCall(fixtures, baselineLink, {
        label: `baseline${run}`,
        afterFrame: async (page) => {
          await hangUp(page, { timeoutMs: 5000 });
          await waitBoxState(baseline, 'waiting', { timeoutMs: 10_000 });
        },
      }));
      console.log(`run ${run} baseline${warmUp ? ' (warm-up)' : ''}: ${show(before)}`);
      if (!warmUp) runs.baseline.push(before);
    }
    if (aiortc) {
      const reference = await oneCall(fixtures, aiortc.url, { label: `aiortc${run}`, afterFrame: async () => {} });
      console.log(`run ${run} aiortc${warmUp ? ' (warm-up)' : ''}: ${show(reference)}`);
      if (!warmUp) runs.aiortc.push(reference);
    }
  }
} catch (err) {
  console.error(`bench failed: ${err.message}`);
  console.error(await box.describe(60));
  await box.stop();
  await baseline?.stop();
  aiortc?.stop();
  await coturn?.stop();
  removeFixtures(fixtures);
  process.exit(1);
}

aiortc?.stop();
await baseline?.stop();
removeFixtures(fixtures);
if (WIRE_DIR) fs.writeFileSync(path.join(WIRE_DIR, 'runs.json'), JSON.stringify(wireRuns));
await coturn?.stop();
const code = await box.stop();
if (code !== 0) console.error(`note: the box exited with code ${code} after SIGTERM`);
console.error(`box log: ${box.logPath}`);

// Figures after everything else, so that the median is the last line.
const stageMedian = (list, stage) => {
  const xs = list.map((s) => s[stage]).filter((x) => x !== undefined);
  return xs.length ? Math.round(median(xs)) : '-';
};
// A shared machine's load weighs on every figure: say what it was.
console.log(`load_average_1min=${os.loadavg()[0].toFixed(1)} cores=${os.cpus().length}`);
console.log(`runs_counted=${runs.homecall.length}`);
console.log(`stage medians (ms since navigation):`);
const columns = [['homecall', runs.homecall], ...(baseline ? [['baseline', runs.baseline]] : []), ...(aiortc ? [['aiortc', runs.aiortc]] : [])];
console.log(`  ${'stage'.padEnd(16)}${columns.map(([name]) => name.padStart(10)).join('')}`);
for (const stage of STAGES) {
  console.log(`  ${stage.padEnd(16)}${columns.map(([, list]) => String(stageMedian(list, stage)).padStart(10)).join('')}`);
}
const firstFrame = runs.homecall.map((s) => s.first_frame);
const ffMedian = median(firstFrame);
// From the press: what a person waits for once they have pressed Call.
for (const [name, list] of columns) {
  const xs = list.map((s) => s.first_frame - s.call_pressed);
  console.log(`${name}_press_to_frame_ms_median=${Math.round(median(xs))}`);
}
if (baseline) console.log(`baseline_first_frame_ms_median=${Math.round(median(runs.baseline.map((s) => s.first_frame)))}`);
if (aiortc) {
  const refMedian = median(runs.aiortc.map((s) => s.first_frame));
  console.log(`aiortc_first_frame_ms_median=${Math.round(refMedian)}`);
  console.log(`ratio=${(ffMedian / refMedian).toFixed(2)}`);
  // A run's two calls follow each other, under that moment's load: the
  // median of their ratios is less at the mercy of the machine's swings.
  if (runs.aiortc.length === runs.homecall.length) {
    const paired = runs.homecall.map((s, i) => s.first_frame / runs.aiortc[i].first_frame);
    console.log(`ratio_paired_median=${median(paired).toFixed(2)}`);
  }
}
console.log(`first_frame_ms_p90=${Math.round(percentile(firstFrame, 90))}`);
console.log(`first_frame_ms_median=${Math.round(ffMedian)}`);

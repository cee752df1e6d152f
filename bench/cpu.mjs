// The box's CPU and memory: waiting, in a call with one caller, and with
// three (a group call), against a bare gst-launch-1.0 pipeline doing the
// call's media work without WebRTC, all in one invocation (the machine may
// be shared: the ratios are what count). Run it through bench/cpu, which
// builds the release binary and gives it a network namespace.
//
// CPU is utime+stime from /proc/<pid>/stat over a window, as % of one core;
// memory is VmRSS. The bare pipeline encodes what the box encodes (the test
// picture at the box's size, rate, encoder settings and bitrate; the tone in
// Opus) and decodes a stream the size a caller sends (640x360 30 fps H.264
// at the page's cap, and Opus), in real time.
//
// env: HOMECALL_BIN (the box binary), WINDOW_SECONDS (default 10, after 3 s
// to settle), PERF_DATA (a file: `perf record` the box over the one-caller
// window into it, to read with `perf report -i <file>`).
//
// stdout: waiting_cpu_pct, waiting_rss_mb, call1_cpu_pct, call1_rss_mb,
// bare_cpu_pct, call1_ratio (call1/bare), call3_cpu_pct, call3_ratio
// (call3/call1), after_cpu_pct and after_rss_mb (waiting again after the
// calls), with after_rss_file_mb and after_rss_anon_mb (its mapped files and
// its own memory).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { killOnExit } from '../tests/e2e/lib/children.mjs';
import { launchBrowser } from '../tests/e2e/lib/browser.mjs';
import { hangUp, openCall, waitBoxState } from '../tests/e2e/lib/call.mjs';

const WINDOW_MS = Number.parseInt(process.env.WINDOW_SECONDS ?? '10', 10) * 1000;
const SETTLE_MS = 3000;
// What the e2e box is configured with (tests/e2e/lib/box.mjs) and the box's
// default bitrate (config.rs); the page's video cap (web/call-quality.js).
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;
const BOX_KBPS = 1500;
const CALLER_KBPS = 1200;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime+stime of `pid` in seconds (threads included). */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssMb(pid, field = 'VmRSS') {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
}

/** utime+stime of each of `pid`'s threads, by thread id: [name, seconds]. */
function threadSeconds(pid) {
  const threads = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, [name, (Number(fields[11]) + Number(fields[12])) / TICKS]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return threads;
}

/**
 * `perf record` of `pid` into `file` until stop(); a perf that could not
 * start or ended early (not installed, not permitted) is said on stderr and
 * the figures go on without it.
 */
function startPerf(pid, file) {
  const child = spawn('perf', ['record', '-q', '-F', '499', '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ended = new Promise((resolve) => {
    child.once('error', (err) => {
      console.error(`perf did not start: ${err.message}`);
      resolve();
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGINT' && code !== 0) console.error(`perf ended early (code ${code})`);
      resolve();
    });
  });
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await ended;
    },
  };
}

/**
 * % of one core used by `pid` over the window, its RSS at the end, and the
 * busiest threads (by name, summed; to stderr: where the time goes).
 */
async function measure(pid, { perfData } = {}) {
  await sleep(SETTLE_MS);
  const perf = perfData ? startPerf(pid, perfData) : null;
  const c0 = cpuSeconds(pid);
  const th0 = threadSeconds(pid);
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const c1 = cpuSeconds(pid);
  const th1 = threadSeconds(pid);
  const t1 = performance.now();
  if (perf) await perf.stop();
  const seconds = (t1 - t0) / 1000;
  const byName = new Map();
  for (const [tid, [name, s1]] of th1) {
    const s0 = th0.get(tid)?.[1] ?? 0;
    byName.set(name, (byName.get(name) ?? 0) + s1 - s0);
  }
  const threads = [...byName]
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, s]) => `${name}=${((s / seconds) * 100).toFixed(1)}`)
    .join(' ');
  return { cpu: ((c1 - c0) / seconds) * 100, rss: rssMb(pid), threads };
}

/** A minute of what a caller sends: 640x360 30 fps H.264 and Opus, in Matroska. */
function callerStream(dir) {
  const file = path.join(dir, 'caller.mkv');
  execFileSync('gst-launch-1.0', [
    '-q',
    'videotestsrc', 'num-buffers=600', 'pattern=ball', '!',
    `video/x-raw,format=I420,width=${WIDTH},height=${HEIGHT},framerate=${FPS}/1`, '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', `bitrate=${CALLER_KBPS}`, `key-int-max=${FPS * 2}`, '!',
    'h264parse', '!', 'matroskamux', 'name=m', '!', 'filesink', `location=${file}`,
    'audiotestsrc', 'num-buffers=1000', 'samplesperbuffer=960', '!', 'audio/x-raw,rate=48000,channels=1', '!',
    'opusenc', '!', 'm.',
  ]);
  return file;
}

/** The bare pipeline: the box's encode and one caller's decode, in real time. */
function startBare(callerFile) {
  const args = [
    '-q',
    // What capture.rs builds for the test source.
    'videotestsrc', 'is-live=true', 'pattern=smpte', '!',
    `video/x-raw,format=I420,width=${WIDTH},height=${HEIGHT},framerate=${FPS}/1,pixel-aspect-ratio=1/1`, '!',
    'queue', 'max-size-buffers=2', 'max-size-bytes=0', 'max-size-time=0', 'leaky=downstream', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', `key-int-max=${FPS * 2}`, `bitrate=${BOX_KBPS}`, '!',
    'video/x-h264,profile=constrained-baseline,level=(string)3.1,stream-format=byte-stream', '!',
    'h264parse', 'config-interval=-1', '!', 'fakesink', 'sync=false',
    'audiotestsrc', 'is-live=true', 'samplesperbuffer=480', 'freq=440', 'volume=0.2', '!',
    'audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1', '!',
    'opusenc', 'bitrate=48000', 'inband-fec=true', 'packet-loss-percentage=10', 'frame-size=20', 'audio-type=voice', '!', 'fakesink', 'sync=false',
    // What a caller sends, decoded as remote.rs does.
    'filesrc', `location=${callerFile}`, '!', 'matroskademux', 'name=d',
    'd.', '!', 'queue', '!', 'decodebin', '!', 'videoconvert', '!', 'fakesink', 'sync=true',
    'd.', '!', 'queue', '!', 'decodebin', '!', 'audioconvert', '!', 'audioresample', '!', 'fakesink', 'sync=true',
  ];
  return killOnExit(spawn('gst-launch-1.0', args, { stdio: ['ignore', 'ignore', 'inherit'] }));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-bench-cpu-'));
const fixtures = makeFixtures();
// The box counts itself: three callers need four places.
const box = await startBox({ calls: { max_participants: 4 } });
const pid = box.child.pid;
const browsers = [];
const figures = {};
try {
  const link = await box.createLink('cpu');
  const waiting = await measure(pid);
  figures.waiting_cpu_pct = waiting.cpu.toFixed(2);
  figures.waiting_rss_mb = waiting.rss.toFixed(1);
  console.error(`waiting threads (% of a core): ${waiting.threads}`);

  // The bare pipeline while the box waits (no browser running either).
  const bare = startBare(callerStream(dir));
  const bareFigures = await measure(bare.pid);
  bare.kill('SIGTERM');
  figures.bare_cpu_pct = bareFigures.cpu.toFixed(1);
  console.error(`bare threads (% of a core): ${bareFigures.threads}`);

  const pages = [];
  const call = async (label) => {
    const browser = await launchBrowser(fixtures);
    browser.quiet = true;
    browsers.push(browser);
    pages.push(await openCall(browser, link, { label }));
  };
  await call('caller1');
  const call1 = await measure(pid, { perfData: process.env.PERF_DATA });
  figures.call1_cpu_pct = call1.cpu.toFixed(1);
  figures.call1_rss_mb = call1.rss.toFixed(1);
  console.error(`call1 threads (% of a core): ${call1.threads}`);

  figures.call1_ratio = (call1.cpu / bareFigures.cpu).toFixed(2);

  await call('caller2');
  await call('caller3');
  const call3 = await measure(pid);
  figures.call3_cpu_pct = call3.cpu.toFixed(1);
  figures.call3_rss_mb = call3.rss.toFixed(1);
  console.error(`call3 threads (% of a core): ${call3.threads}`);
  figures.call3_ratio = (call3.cpu / call1.cpu).toFixed(2);
  for (const page of pages) await hangUp(page, { timeoutMs: 5000 }).catch(() => {});
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  // Waiting again: what a call leaves behind (loaded libraries stay).
  const after = await measure(pid);
  figures.after_cpu_pct = after.cpu.toFixed(2);
  figures.after_rss_mb = after.rss.toFixed(1);
  // Of which mapped files (libraries: clean, given back under memory
  // pressure) and the process's own memory (the heap, stacks).
  figures.after_rss_file_mb = rssMb(pid, 'RssFile').toFixed(1);
  figures.after_rss_anon_mb = rssMb(pid, 'RssAnon').toFixed(1);
} catch (err) {
  console.error(`bench failed: ${err.message}`);
  console.error(await box.describe(60));
  process.exitCode = 1;
}
for (const browser of browsers) await browser.close();
await box.stop();
removeFixtures(fixtures);
fs.rmSync(dir, { recursive: true, force: true });
console.error(`box log: ${box.logPath}`);
// A shared machine's load weighs on every figure: say what it was.
console.log(`load_average_1min=${os.loadavg()[0].toFixed(1)} cores=${os.cpus().length}`);
for (const [name, value] of Object.entries(figures)) console.log(`${name}=${value}`);

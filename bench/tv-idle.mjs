// CPU of a box with a screen while it waits for a call: the waiting screen's
// cost. A box with `tv_output = "window"` on a fresh Xvfb (1280x720, the TV
// picture the same size), left alone for a few seconds, then its CPU time
// (utime + stime from /proc/<pid>/stat) over SECONDS seconds, as % of one core.
// Run it through bench/tv-idle, which gives it a network namespace.
//
// env: HOMECALL_BIN (the box measured), REFERENCE_BIN (optional: another
// build, e.g. main's, measured alternately in the same run), RUNS (per
// binary, default 3), SECONDS (default 20).
//
// stdout: one line per run; then tv_idle_cpu_percent_median=<n> (and the
// reference's median and the ratio when REFERENCE_BIN is set).

import fs from 'node:fs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { startScreen } from '../tests/e2e/lib/screen.mjs';
import { median } from '../tests/e2e/lib/figures.mjs';

const RUNS = Number.parseInt(process.env.RUNS ?? '3', 10);
const SECONDS = Number.parseInt(process.env.SECONDS ?? '20', 10);
const TV = { width: 1280, height: 720 };
const TICKS = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of `pid`, in clock ticks. */
function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(bin) {
  const screen = await startScreen(TV);
  const box = await startBox({ bin, media: { tv_output: 'window', ...TV }, env: { DISPLAY: screen.display } });
  try {
    await sleep(5000);
    const pid = box.child.pid;
    const before = cpuTicks(pid);
    const started = performance.now();
    await sleep(SECONDS * 1000);
    const ticks = cpuTicks(pid) - before;
    const seconds = (performance.now() - started) / 1000;
    return (100 * ticks) / TICKS / seconds;
  } finally {
    await box.stop();
    await screen.stop();
  }
}

const bins = { measured: process.env.HOMECALL_BIN, reference: process.env.REFERENCE_BIN };
if (!bins.measured) {
  console.error('HOMECALL_BIN must name the box binary');
  process.exit(2);
}
const figures = { measured: [], reference: [] };
for (let run = 0; run < RUNS; run++) {
  for (const which of ['reference', 'measured']) {
    if (!bins[which]) continue;
    const percent = await measure(bins[which]);
    figures[which].push(percent);
    console.log(`run ${run + 1} ${which}: ${percent.toFixed(1)} % of a core over ${SECONDS} s waiting`);
  }
}
const measured = median(figures.measured);
if (bins.reference) {
  const reference = median(figures.reference);
  console.log(`tv_idle_cpu_percent_reference_median=${reference.toFixed(1)}`);
  console.log(`tv_idle_cpu_ratio=${reference > 0 ? (measured / reference).toFixed(2) : 'n/a'}`);
}
console.log(`tv_idle_cpu_percent_median=${measured.toFixed(1)}`);

// What kept a call page's main thread busy, from a trace written by
// `TRACE_DIR=<dir> bench/first-frame`: each task of the renderer's main
// thread longer than a threshold, with the longest events inside it (a
// blocking call, a parse, a style recalculation…), between the call's stages,
// in ms since navigation. A long task between the offer and the first
// picture is time the relative waits.
//
// usage: node bench/main-thread.mjs <dir>/<label>.trace.json [min task ms, default 4]

import fs from 'node:fs';

const [file, minArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/main-thread.mjs <label>.trace.json [min task ms]');
  process.exit(2);
}
const minTaskMs = Number(minArg ?? 4);
const { stages, traceEvents: events } = JSON.parse(fs.readFileSync(file, 'utf8'));

// The page's navigation: its start is the stages' zero, its thread the main thread.
const navigation = events.filter((e) => e.name === 'navigationStart' && JSON.stringify(e.args ?? {}).includes('http')).pop();
if (!navigation) {
  console.error(`${file}: no navigationStart of an http page in the trace`);
  process.exit(1);
}
const onMain = (e) => e.pid === navigation.pid && e.tid === navigation.tid && e.ph === 'X';
const ms = (ts) => (ts - navigation.ts) / 1000;
const mainEvents = events.filter(onMain);
const TASKS = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

const lines = Object.entries(stages).map(([stage, at]) => [at, `  ---- ${stage}`]);
let lastEnd = -Infinity;
for (const task of mainEvents.filter((e) => TASKS.has(e.name)).sort((a, b) => a.ts - b.ts)) {
  // RunTask and ThreadControllerImpl::RunTask nest: count the outer one only.
  if (task.ts < lastEnd) continue;
  lastEnd = task.ts + task.dur;
  if (task.dur / 1000 < minTaskMs || ms(task.ts) < 0) continue;
  const inside = mainEvents
    .filter((e) => !TASKS.has(e.name) && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur && e.dur >= 1000)
    .sort((a, b) => b.dur - a.dur);
  const names = [...new Set(inside.map((e) => e.name))].slice(0, 4).map((name) => {
    const longest = inside.find((e) => e.name === name);
    return `${name} ${(longest.dur / 1000).toFixed(0)}`;
  });
  lines.push([ms(task.ts), `${(task.dur / 1000).toFixed(1).padStart(6)} ms task: ${names.join('; ')}`]);
}
for (const [at, text] of lines.sort((a, b) => a[0] - b[0])) console.log(`${at.toFixed(1).padStart(8)} ${text}`);

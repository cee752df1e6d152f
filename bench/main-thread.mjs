// What kept a call page's main thread busy, from a trace written by
// `TRACE_DIR=<dir> bench/first-frame`: each task of the renderer's main
// thread longer than a threshold, with the longest events inside it (a
// blocking call, a parse, a style recalculation…), between the call's stages,
// in ms since navigation. A long task between the offer and the first
// picture is time the relative waits.
//
// usage: node bench/main-thread.mjs <dir>/<label>.trace.json [min task ms, default 4]
// (with TRACE_JS=1 on the bench, also the JavaScript by function, last)

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

// With TRACE_JS=1 the trace has V8's samples: the page's JavaScript by
// function, own time, from navigation to the first frame.
const profiles = new Map(
  events
    .filter((e) => e.name === 'Profile' && e.pid === navigation.pid)
    .map((e) => [e.id, { at: e.args.data.startTime, nodes: new Map() }]),
);
const selfMs = new Map();
for (const chunk of events.filter((e) => e.name === 'ProfileChunk' && profiles.has(e.id))) {
  const profile = profiles.get(chunk.id);
  const { cpuProfile = {}, timeDeltas = [] } = chunk.args.data;
  for (const node of cpuProfile.nodes ?? []) profile.nodes.set(node.id, node);
  (cpuProfile.samples ?? []).forEach((id, i) => {
    profile.at += timeDeltas[i];
    const at = ms(profile.at);
    if (at < 0 || at > (stages.first_frame ?? Infinity)) return;
    const frame = profile.nodes.get(id)?.callFrame;
    if (!frame || ['(idle)', '(program)', '(root)'].includes(frame.functionName)) return;
    const name = `${frame.functionName || '(anonymous)'}${frame.url ? ` ${frame.url.split('/').pop().slice(0, 24)}:${frame.lineNumber}` : ''}`;
    selfMs.set(name, (selfMs.get(name) ?? 0) + (timeDeltas[i + 1] ?? 0) / 1000);
  });
}
if (selfMs.size) {
  console.log('JavaScript own time to the first frame (ms):');
  for (const [name, total] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${total.toFixed(1).padStart(8)} ${name}`);
  }
}

// The driver of tests/adapt/run.sh, run in the box's namespace: the box on
// 10.99.0.1, Chromium in the phone's namespace at 10.99.0.2, and the link
// from the box to the phone shaped with tc, phase after phase (500 kbit/s,
// 2 Mbit/s, 2 Mbit/s with 5 % loss). The box's video is configured above
// every cap, so it must adapt.
//
// Asserted per phase (sound properties, not timings): the voice survives —
// once the box has reacted (REACT_SECS into the phase) under 1 % of the
// audio packets lost (inbound-rtp packetsLost over packetsLost +
// packetsReceived) on the rate-limited phases, no more than the link's own
// random loss on the lossy one — and the video received over the phase's
// last seconds stays under the cap and keeps playing; on random 5 % loss
// it holds (does not fall below half the previous phase's). Printed per
// phase: settle_ms_<phase> (see settleMs), audio_loss_pct_ (whole phase),
// audio_loss_after_5s_pct_, audio_concealed_pct_, video_kbps_, video_loss_pct_.
// ADAPT_TRACE=1 also prints (stderr) the offer/answer, every 1 s window per
// phase with the box's queue (sent, dropped), and the box's targets.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { makeFixtures, removeFixtures } from '../e2e/lib/fixtures.mjs';
import { startBox } from '../e2e/lib/box.mjs';
import { launchBrowser, describePage } from '../e2e/lib/browser.mjs';
import { openCall, waitBrowserMedia } from '../e2e/lib/call.mjs';

const PHASE_SECS = Number(process.env.PHASE_SECS ?? 15);
const WARM_SECS = Number(process.env.WARM_SECS ?? 8);
const IFACE = process.env.ADAPT_IFACE ?? 'eth0';
const PHONE_NS = process.env.ADAPT_PHONE_NS;
if (!PHONE_NS) throw new Error('ADAPT_PHONE_NS: the phone\'s network namespace');
// The window at each phase's end whose video bitrate counts as "settled".
const TAIL_SECS = 5;
// More than any cap below: the box must come down to fit.
const BOX_KBPS = 2500;
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const PHASES = [
  { name: '500k', rate: '500kbit', capKbps: 500, lossPct: 0, change: 'shrink' },
  { name: '2m', rate: '2mbit', capKbps: 2000, lossPct: 0, change: 'grow' },
  { name: 'loss5', rate: '2mbit', capKbps: 2000, lossPct: 5, change: 'lossy' },
];
// Audio is judged once the box has reacted: a link that shrinks fivefold at
// once drops what is in flight before any sender can hear of it (one round
// trip and the estimator's detection); the goal for reacting is 5 s.
const REACT_SECS = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The link's rate: tbf on the box's side (a home router's 400 ms of queue). */
function shapeRate(rate, verb = 'replace') {
  execFileSync('tc', ['qdisc', verb, 'dev', IFACE, 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms']);
}
/**
 * Random loss of the media (UDP) reaching the phone: nftables in the phone's
 * namespace (this kernel has no netem). Dropped on arrival, as on a lossy
 * radio link: the box's sends do not fail.
 */
function shapeLoss(lossPct) {
  const nft = (...args) => execFileSync('ip', ['netns', 'exec', PHONE_NS, 'nft', ...args]);
  nft('flush', 'ruleset');
  if (lossPct === 0) return;
  nft('add', 'table', 'inet', 'lossy');
  nft('add', 'chain', 'inet', 'lossy', 'in', '{ type filter hook prerouting priority 0; }');
  nft('add', 'rule', 'inet', 'lossy', 'in', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(lossPct), 'drop');
}

/** The page's inbound audio and video counters, now. */
async function counters(page) {
  return page.evaluate(async () => {
    const pc = window.homecall?.peer;
    if (!pc) return null;
    const out = { t: performance.now(), audio: null, video: null };
    (await pc.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      const c = {
        lost: r.packetsLost ?? 0,
        received: r.packetsReceived ?? 0,
        bytes: r.bytesReceived ?? 0,
        frames: r.framesDecoded ?? 0,
        concealed: r.concealedSamples ?? 0,
        samples: r.totalSamplesReceived ?? 0,
      };
      if (r.kind === 'audio' && (!out.audio || c.received > out.audio.received)) out.audio = c;
      if (r.kind === 'video' && (!out.video || c.received > out.video.received)) out.video = c;
    });
    return out;
  });
}

/** The box side's queue: bytes sent and packets dropped so far. */
function qdiscStats() {
  const out = execFileSync('tc', ['-s', 'qdisc', 'show', 'dev', IFACE]).toString();
  const m = out.match(/Sent (\d+) bytes (\d+) pkt \(dropped (\d+)/);
  return m ? { bytes: Number(m[1]), dropped: Number(m[3]) } : null;
}

/** Samples `page` every 250 ms for `secs`. */
async function sample(page, secs) {
  const samples = [];
  const end = performance.now() + secs * 1000;
  while (performance.now() < end) {
    const c = await counters(page);
    if (c?.audio && c?.video) samples.push({ ...c, t: performance.now(), qdisc: process.env.ADAPT_TRACE ? qdiscStats() : null });
    await sleep(250);
  }
  return samples;
}

const pct = (part, whole) => (whole > 0 ? (100 * part) / whole : 0);
const lossPct = (a, b, kind) => pct(b[kind].lost - a[kind].lost, b[kind].lost - a[kind].lost + b[kind].received - a[kind].received);
const kbps = (a, b) => ((b.video.bytes - a.video.bytes) * 8) / (b.t - a.t);

/** The sample `secs` before the last (or the first). */
function before(samples, secs) {
  const last = samples[samples.length - 1];
  return samples.findLast((s) => s.t <= last.t - secs * 1000) ?? samples[0];
}

/** The 1 s windows of `samples`: [end sample, window start sample]. */
const windows = (samples) =>
  samples.map((s) => [s, samples.findLast((x) => x.t <= s.t - 1000)]).filter(([, a]) => a);

/**
 * How long after the change the video settled, by the kind of change:
 * - the link shrank: until the last 1 s window in which the link dropped
 *   the box's media (video loss ≥ 2 % or any audio lost) — the box sends
 *   no more than the link carries from then on;
 * - the link grew: until the video rate first reached 1.5× the previous
 *   phase's (the box took up the new room);
 * - the link turned lossy: until the video rate stayed at ≥ 0.7× the
 *   previous phase's (it held rather than backed off); 0 if it never fell.
 * `null`: not within the phase.
 */
function settleMs(samples, start, kind, previousKbps) {
  const ws = windows(samples);
  const at = (s) => Math.max(0, Math.round(s.t - start));
  if (kind === 'shrink') {
    const congested = ws.filter(([s, a]) => lossPct(a, s, 'video') >= 2 || s.audio.lost > a.audio.lost);
    return congested.length ? at(congested[congested.length - 1][0]) : 0;
  }
  if (kind === 'grow') {
    const reached = ws.find(([s, a]) => kbps(a, s) >= 1.5 * previousKbps);
    return reached ? at(reached[0]) : null;
  }
  const low = ws.filter(([s, a]) => kbps(a, s) < 0.7 * previousKbps);
  const lastLow = low[low.length - 1];
  return !lastLow ? 0 : lastLow === ws[ws.length - 1] ? null : at(lastLow[0]);
}

const fixtures = makeFixtures();
let box;
let browser;
let page;
let failed = false;
try {
  box = await startBox({ host: '10.99.0.1', media: { video_bitrate_kbps: BOX_KBPS }, env: { RUST_LOG: 'info,homecall::media::adapt_run=debug' } });
  browser = await launchBrowser(fixtures, { extraArgs: ['--ignore-certificate-errors'] });
  const url = await box.createLink('Anna');
  page = await openCall(browser, url, { label: 'phone' });
  await waitBrowserMedia(page, { minFrames: 30 });
  if (process.env.ADAPT_TRACE) console.error(await page.evaluate(() => window.homecall.peer.remoteDescription.sdp + '\n----\n' + window.homecall.peer.localDescription.sdp));
  shapeRate('50mbit', 'add');
  await sleep(WARM_SECS * 1000);
  const results = [];
  let previousKbps = kbps(...(await sample(page, 2)).filter((_, i, all) => i === 0 || i === all.length - 1));
  for (const phase of PHASES) {
    const start = performance.now();
    if (process.env.ADAPT_TRACE) console.error(`phase ${phase.name} at ${new Date().toISOString()}`);
    shapeRate(phase.rate);
    shapeLoss(phase.lossPct);
    const samples = await sample(page, PHASE_SECS);
    assert.ok(samples.length > 8, `too few samples in phase ${phase.name}`);
    const [first, last] = [samples[0], samples[samples.length - 1]];
    const tail = before(samples, TAIL_SECS);
    const reacted = samples.find((x) => x.t >= start + REACT_SECS * 1000) ?? first;
    const r = {
      name: phase.name,
      audioLoss: lossPct(first, last, 'audio'),
      audioLossReacted: lossPct(reacted, last, 'audio'),
      audioConcealed: pct(last.audio.concealed - first.audio.concealed, last.audio.samples - first.audio.samples),
      videoKbps: kbps(tail, last),
      videoLoss: lossPct(tail, last, 'video'),
      videoFrames: last.video.frames - tail.video.frames,
      previousKbps,
    };
    r.settleMs = settleMs(samples, start, phase.change, previousKbps);
    if (process.env.ADAPT_TRACE) {
      for (const [w, a] of windows(samples)) {
        console.error(`  ${phase.name} t=${Math.round(w.t - start)} video_kbps=${Math.round(kbps(a, w))} video_loss_pct=${lossPct(a, w, 'video').toFixed(1)} audio_lost=${w.audio.lost - a.audio.lost} link_kbps=${Math.round(((w.qdisc?.bytes - a.qdisc?.bytes) * 8) / (w.t - a.t))} link_dropped=${w.qdisc?.dropped - a.qdisc?.dropped}`);
      }
    }
    previousKbps = r.videoKbps;
    results.push({ phase, r });
    const n = r.name;
    console.log(
      `settle_ms_${n}=${r.settleMs ?? 'none'} audio_loss_pct_${n}=${r.audioLoss.toFixed(2)} ` +
        `audio_loss_after_${REACT_SECS}s_pct_${n}=${r.audioLossReacted.toFixed(2)} audio_concealed_pct_${n}=${r.audioConcealed.toFixed(2)} ` +
        `video_kbps_${n}=${Math.round(r.videoKbps)} video_loss_pct_${n}=${r.videoLoss.toFixed(2)} ` +
        `(cap ${phase.capKbps} kbit/s, loss ${phase.lossPct} %, ${PHASE_SECS} s)`,
    );
  }
  for (const { phase, r } of results) {
    const where = `phase ${phase.name} (${JSON.stringify(r)})`;
    // The voice survives: once the box reacted, the link drops no more of
    // it than the link's own loss (5 % ± sampling on the lossy phase).
    if (phase.lossPct === 0) assert.ok(r.audioLossReacted < 1, `audio lost: ${where}`);
    else assert.ok(r.audioLoss < phase.lossPct + 3, `audio lost beyond the link's own loss: ${where}`);
    // The video fits under the cap and keeps playing…
    assert.ok(r.videoKbps < phase.capKbps, `video above the cap: ${where}`);
    assert.ok(r.videoFrames > 0, `video stopped: ${where}`);
    // …and random loss the link has anyway is no reason to back off.
    if (phase.change === 'lossy') assert.ok(r.videoKbps > 0.5 * r.previousKbps, `video backed off on 5 % loss: ${where}`);
  }
  if (process.env.ADAPT_TRACE) {
    const lines = fs.readFileSync(box.logPath, 'utf8').split('\n');
    console.error(lines.filter((l) => l.includes('video target')).join('\n'));
  }
  console.log(`adapt: ${PHASES.length} passed, 0 failed`);
} catch (err) {
  failed = true;
  console.error(`FAIL: ${err.stack ?? err}`);
  if (page) console.error(await describePage(browser, page).catch((e) => `(page: ${e.message})`));
  if (box) console.error(await box.describe(400).catch((e) => `(box: ${e.message})`));
} finally {
  await browser?.close().catch(() => {});
  if (box?.running) await box.stop().catch(() => {});
  removeFixtures(fixtures);
}
process.exit(failed ? 1 : 0);

// Glass to glass on loopback: from the moment the box's picture is made to
// the moment the caller's browser shows it. The box runs with
// HOMECALL_GLASS_STAMP=1 (src/media/glass_stamp.rs): each frame carries its
// capture time (wall clock, ms, low 24 bits) as a row of black and white
// squares along its top. The page reads the squares back from every frame it
// shows (requestVideoFrameCallback, then the frame drawn into a canvas) and
// compares with the time the frame is shown (same machine, same clock). Run
// it through bench/glass, which builds the release binary and gives it a
// network namespace.
//
// env: HOMECALL_BIN (the box binary), SECONDS (measured, default 20, after
// 3 s to settle).
//
// stdout: frames read, glass_ms_p90=<n>, and last glass_ms_median=<n>.

import os from 'node:os';
import { makeFixtures, removeFixtures } from '../tests/e2e/lib/fixtures.mjs';
import { startBox } from '../tests/e2e/lib/box.mjs';
import { launchBrowser, describePage } from '../tests/e2e/lib/browser.mjs';
import { hangUp, openCall } from '../tests/e2e/lib/call.mjs';
import { median, percentile } from '../tests/e2e/lib/figures.mjs';

const SECONDS = Number.parseInt(process.env.SECONDS ?? '20', 10);
const SETTLE_MS = 3000;
// What the box draws (src/media/glass_stamp.rs): BITS squares of SQUARE px
// between a white and a black one.
const BITS = 24;
const SQUARE = 20;

// Runs in the page: reads the stamp of every remote frame shown.
function readStamps({ bits, square }) {
  const glass = (window.__glass = { ms: [], unreadable: 0, measuring: false });
  const remoteTracks = new WeakSet();
  const canvas = document.createElement('canvas');
  canvas.width = (bits + 2) * square;
  canvas.height = square;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const watched = new WeakSet();
  const watch = (video) => {
    if (watched.has(video)) return;
    watched.add(video);
    const onFrame = (_now, frame) => {
      video.requestVideoFrameCallback(onFrame);
      const stream = video.srcObject;
      const remote = stream && stream.getVideoTracks().some((t) => remoteTracks.has(t));
      if (!remote || !glass.measuring) return;
      const shown = performance.timeOrigin + frame.expectedDisplayTime;
      context.drawImage(video, 0, 0, canvas.width, square, 0, 0, canvas.width, square);
      const pixels = context.getImageData(0, 0, canvas.width, square).data;
      const light = (i) => {
        const at = ((square >> 1) * canvas.width + i * square + (square >> 1)) * 4;
        return (pixels[at] + pixels[at + 1] + pixels[at + 2]) / 3 > 128;
      };
      if (!light(0) || light(bits + 1)) {
        glass.unreadable++;
        return;
      }
      let stamp = 0;
      for (let i = 1; i <= bits; i++) stamp = stamp * 2 + (light(i) ? 1 : 0);
      const wrap = 2 ** bits;
      glass.ms.push((((Math.round(shown) % wrap) - stamp) % wrap + wrap) % wrap);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class Stamped extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('track', ({ track }) => {
        remoteTracks.add(track);
        for (const video of document.querySelectorAll('video')) watch(video);
      });
    }
  };
}

const fixtures = makeFixtures();
const box = await startBox({ env: { HOMECALL_GLASS_STAMP: '1' } });
const browser = await launchBrowser(fixtures);
browser.quiet = true;
await browser.context.addInitScript(readStamps, { bits: BITS, square: SQUARE });
let page = null;
let result;
try {
  const link = await box.createLink('glass');
  page = await openCall(browser, link, { label: 'glass' });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await page.evaluate(() => (window.__glass.measuring = true));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  result = await page.evaluate(() => ({ ms: window.__glass.ms, unreadable: window.__glass.unreadable }));
  await hangUp(page, { timeoutMs: 5000 });
} catch (err) {
  console.error(`bench failed: ${err.message}`);
  if (page) console.error(await describePage(browser, page, 40));
  console.error(await box.describe(60));
  await browser.close();
  await box.stop();
  removeFixtures(fixtures);
  process.exit(1);
}
await browser.close();
removeFixtures(fixtures);
await box.stop();
console.error(`box log: ${box.logPath}`);

if (result.ms.length === 0) {
  console.error(`no frame could be read (${result.unreadable} unreadable): is the stamp drawn?`);
  process.exit(1);
}
// A shared machine's load weighs on every figure: say what it was.
console.log(`load_average_1min=${os.loadavg()[0].toFixed(1)} cores=${os.cpus().length}`);
console.log(`frames_read=${result.ms.length} unreadable=${result.unreadable} over ${SECONDS} s`);
console.log(`glass_ms_min=${Math.round(Math.min(...result.ms))}`);
console.log(`glass_ms_p90=${Math.round(percentile(result.ms, 90))}`);
console.log(`glass_ms_median=${Math.round(median(result.ms))}`);

// One real call to the booted box, from headless Chromium, so the hardened
// unit is shown to leave everything a call needs working (UDP and netlink for
// ICE, DTLS, the H.264 encoder and the decoders under the system-call filter).
//
//   node tests/boot/call.mjs LINK_URL WIDTH HEIGHT
//
// Run by tests/boot/run.sh inside the boot test's network namespace. Uses the
// end-to-end tests' helpers (tests/e2e/lib) and their playwright-core.
// Exits 0 after: the page decoded the box's video (WIDTH x HEIGHT) and audio,
// the box decoded the page's colour and tone, the hang-up brought the box
// back to waiting.

import { makeFixtures, removeFixtures, EXPECTED_RGB, TONE_HZ } from '../e2e/lib/fixtures.mjs';
import { launchBrowser, describePage } from '../e2e/lib/browser.mjs';
import { hangUp, openCall, waitBoxMedia, waitBoxState, waitBrowserMedia } from '../e2e/lib/call.mjs';

const [link, width, height] = process.argv.slice(2);
if (!link || !width || !height) {
  console.error('usage: node tests/boot/call.mjs LINK_URL WIDTH HEIGHT');
  process.exit(2);
}
const base = new URL(link).origin;

// What waitBoxState/waitBoxMedia need of a box: its status, and whether it runs.
const box = {
  running: true,
  exit: null,
  async status() {
    const res = await fetch(`${base}/api/status`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`/api/status answered ${res.status}`);
    return res.json();
  },
};

const fixtures = makeFixtures();
let browser;
let page;
let ok = false;
try {
  // The box's certificate is self-signed: a relative clicks through the
  // browser's warning once; Chromium here is told to accept it.
  browser = await launchBrowser(fixtures, { extraArgs: ['--ignore-certificate-errors'] });
  const t0 = performance.now();
  page = await openCall(browser, link, { label: 'boot', timeoutMs: 30_000 });
  const inCallMs = Math.round(performance.now() - t0);
  // The booted appliance has no camera and no microphone: it sends its
  // still picture and silence, so the page must decode frames and receive
  // sound (samples, at no level), and the status must say why.
  const seen = await waitBrowserMedia(page, { minFrames: 30, width: Number(width), height: Number(height), minLevel: 0, timeoutMs: 30_000 });
  const status = await waitBoxMedia(box, { expectedRgb: EXPECTED_RGB, toneHz: TONE_HZ, timeoutMs: 30_000 });
  for (const input of ['camera', 'microphone']) {
    if (!status.capture?.[input]?.placeholder) {
      throw new Error(`the status should say the box sends a stand-in for its missing ${input}: ${JSON.stringify(status.capture)}`);
    }
  }
  console.log(`box capture: ${status.capture.camera.message}; ${status.capture.microphone.message}`);
  console.log(`call_in_call_ms=${inCallMs}`);
  console.log(
    `page decoded ${seen.video.framesDecoded} frames of ${seen.video.frameWidth}x${seen.video.frameHeight}; ` +
      `box decoded ${status.remote.videoFrames} frames, mean RGB ${JSON.stringify(status.remote.meanRgb)}, ` +
      `${Math.round(status.remote.audioFrequencyHz)} Hz (encoder ${status.encoder})`,
  );
  await hangUp(page);
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  ok = true;
} catch (err) {
  console.error(`call through the booted box failed: ${err.message}`);
  if (browser && page) console.error(await describePage(browser, page).catch((e) => `(cannot describe the page: ${e.message})`));
  try {
    console.error(`box status: ${JSON.stringify(await box.status())}`);
  } catch (e) {
    console.error(`box status: (${e.message})`);
  }
} finally {
  await browser?.close().catch(() => {});
  removeFixtures(fixtures);
}
process.exit(ok ? 0 : 1);

// Steps of a call, shared by the tests and the benchmark. Every step waits
// with a deadline and fails with what it last saw.

import { fatal, waitUntil } from './wait.mjs';
import { pageState, remoteStats, stateHistory } from './browser.mjs';

/** The call page's hang-up button, and the "Yes" of the question it asks. */
export const HANGUP_SELECTOR = '#hang-up';
export const END_YES_SELECTOR = '#end-yes';

/** Presses hang up and answers "Yes" to "End the call?" (no wait for the end). */
export async function pressHangUp(page, { timeoutMs = 5000 } = {}) {
  await page.click(HANGUP_SELECTOR, { timeout: timeoutMs });
  await page.click(END_YES_SELECTOR, { timeout: timeoutMs });
}

/** Page states after which a call will not come up by itself. */
export const FINAL_PAGE_STATES = Object.freeze(['ended', 'busy', 'invalidLink', 'resting', 'unreachable', 'error']);

/**
 * Waits until the page's state is one of `expected`; fails at once if it
 * reaches one of `failOn` instead.
 */
export async function waitPageState(page, expected, { timeoutMs = 5000, failOn = [] } = {}) {
  const want = [].concat(expected);
  return waitUntil(
    `the page state to be ${want.join(' or ')}`,
    async () => {
      const s = await pageState(page);
      if (failOn.includes(s) && !want.includes(s)) {
        // What the page said, and its states so far: the why of a failure.
        const said = await page
          .evaluate(() => [document.getElementById('status-title'), document.getElementById('status-detail')].map((e) => (e ? e.textContent : '')).join(' | '))
          .catch(() => '(page gone)');
        const states = await stateHistory(page);
        throw fatal(
          `the page state became ${JSON.stringify(s)} while waiting for ${want.join(' or ')}: "${said}"; states ${states.map((x) => x.state).join(' → ')}`,
        );
      }
      return s;
    },
    (s) => want.includes(s),
    { timeoutMs, intervalMs: 25 },
  );
}

/** Waits until the box's /api/status state is `expected`; returns the status. */
export async function waitBoxState(box, expected, { timeoutMs = 5000 } = {}) {
  return waitUntil(
    `the box state to be ${expected}`,
    () => {
      if (!box.running) throw fatal(`the box is not running: ${JSON.stringify(box.exit)}`);
      return box.status();
    },
    (s) => s.state === expected,
    { timeoutMs, intervalMs: 50 },
  );
}

/** The call page's first screen's button ("Call"): the box rings only after it. */
export const CALL_SELECTOR = '#status-action';

/** Waits for the first screen, as a person would, and presses Call. */
export async function pressCall(page, { timeoutMs = 10_000 } = {}) {
  await waitPageState(page, 'start', { timeoutMs, failOn: FINAL_PAGE_STATES });
  await page.click(CALL_SELECTOR, { timeout: timeoutMs });
}

/** Opens `url` in a new tab of `browser`, presses Call and waits until the call is up. */
export async function openCall(browser, url, { label, timeoutMs = 20_000 } = {}) {
  const page = await browser.newPage(label);
  await page.goto(url, { timeout: 10_000, waitUntil: 'domcontentloaded' });
  await pressCall(page);
  await waitPageState(page, 'inCall', { timeoutMs, failOn: FINAL_PAGE_STATES });
  return page;
}

/** Hangs up (button, then "Yes") and waits for the page to say 'ended'. */
export async function hangUp(page, { timeoutMs = 5000 } = {}) {
  await pressHangUp(page, { timeoutMs });
  await waitPageState(page, 'ended', { timeoutMs });
}

/**
 * Waits until the page has decoded at least `minFrames` video frames of
 * `width`x`height` and hears audio (audioLevel above `minLevel`, or audio
 * energy growing at a mean level above it). Returns the last stats.
 */
export async function waitBrowserMedia(page, { minFrames = 30, width = 640, height = 360, minLevel = 0.01, timeoutMs = 15_000 } = {}) {
  let previous = null; // { t, energy }
  const heard = (audio) => {
    if (!audio) return false;
    const now = performance.now() / 1000;
    const before = previous;
    previous = { t: now, energy: audio.totalAudioEnergy };
    if (audio.audioLevel > minLevel) return true;
    // totalAudioEnergy grows by level² per second of audio.
    return before !== null && now > before.t && (audio.totalAudioEnergy - before.energy) / (now - before.t) > minLevel * minLevel;
  };
  return waitUntil(
    `the page to decode ≥ ${minFrames} video frames of ${width}x${height} and audio above level ${minLevel}`,
    () => remoteStats(page),
    (s) => {
      const audioOk = heard(s?.audio);
      return !!s?.video && s.video.framesDecoded >= minFrames && s.video.frameWidth === width && s.video.frameHeight === height && audioOk;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * Waits until the box reports, for the current caller, at least `minFrames`
 * decoded frames whose mean colour is within `rgbTolerance` of `expectedRgb`,
 * the tone within `hzTolerance` of `toneHz`, an RMS above `minRms`, and the
 * state inCall. Returns the last status. The defaults are what every call
 * test checks; a test passes only the content it sent.
 */
export async function waitBoxMedia(box, { expectedRgb, toneHz, minFrames = 30, rgbTolerance = 25, hzTolerance = 30, minRms = 0.01, timeoutMs = 15_000 }) {
  return waitUntil(
    `the box to be inCall and decode ≥ ${minFrames} frames of mean colour ${JSON.stringify(expectedRgb)} ±${rgbTolerance} and a ${toneHz} ±${hzTolerance} Hz tone with RMS > ${minRms}`,
    () => {
      if (!box.running) throw fatal(`the box is not running: ${JSON.stringify(box.exit)}`);
      return box.status();
    },
    (s) => {
      const r = s?.remote;
      return (
        s?.state === 'inCall' &&
        !!r &&
        r.videoFrames >= minFrames &&
        Array.isArray(r.meanRgb) &&
        r.meanRgb.length === 3 &&
        r.meanRgb.every((v, i) => Math.abs(v - expectedRgb[i]) <= rgbTolerance) &&
        Math.abs(r.audioFrequencyHz - toneHz) <= hzTolerance &&
        r.audioRms > minRms
      );
    },
    { timeoutMs, intervalMs: 100 },
  );
}

// The call page's help for older eyes and unsure hands.
//
// Owns what the controls say about themselves and what guards them: the
// buttons' words for their state ("Microphone off"), the "You are muted"
// badge, the one question before hanging up ("End the call?" Yes/No), the
// switch that turns the single-key shortcuts off (WCAG 2.1.4, remembered in
// localStorage), and where focus goes when the call ends. call.js decides
// what the call does; this module only shows, asks and moves focus.

import { t } from './i18n.js';

/** localStorage key: 'off' when the caller turned the single-key shortcuts off. */
const SHORTCUTS_KEY = 'homecallShortcuts';

const ui = {
  micWords: document.querySelector('#mic [data-words]'),
  cameraWords: document.querySelector('#camera [data-words]'),
  fullscreenWords: document.querySelector('#fullscreen [data-words]'),
  mic: document.getElementById('mic'),
  camera: document.getElementById('camera'),
  hangUp: document.getElementById('hang-up'),
  muted: document.getElementById('muted-badge'),
  shortcuts: /** @type {HTMLInputElement} */ (document.getElementById('shortcuts')),
  ask: document.getElementById('end-ask'),
  yes: document.getElementById('end-yes'),
  no: document.getElementById('end-no'),
};

// ------------------------------------------------------------- shortcuts

function loadShortcuts() {
  try {
    return localStorage.getItem(SHORTCUTS_KEY) !== 'off';
  } catch {
    return true; // storage disabled: on, as the page always was
  }
}

let shortcuts = loadShortcuts();

/** Whether M, V and Esc act (the caller can turn them off). */
export function shortcutsOn() {
  return shortcuts;
}

function setShortcuts(on) {
  shortcuts = on;
  try {
    if (on) localStorage.removeItem(SHORTCUTS_KEY);
    else localStorage.setItem(SHORTCUTS_KEY, 'off');
  } catch {
    // storage disabled: the choice lasts for this page
  }
  renderHints();
}

/** Hover hints and aria-keyshortcuts name a key only while it works. */
function renderHints() {
  ui.shortcuts.checked = shortcuts;
  for (const [button, hint, key] of [
    [ui.mic, 'micHint', 'M'],
    [ui.camera, 'cameraHint', 'V'],
    [ui.hangUp, 'hangUpHint', 'Escape'],
  ]) {
    const shown = key === 'Escape' ? 'Esc' : key;
    button.title = shortcuts ? `${t(hint)} (${shown})` : t(hint);
    if (shortcuts) button.setAttribute('aria-keyshortcuts', key);
    else button.removeAttribute('aria-keyshortcuts');
  }
}

// ------------------------------------------------------- state in words

/**
 * The buttons say their state, and the badge shows while the microphone is off.
 * @param {{mic: boolean | null, camera: boolean | null, fullscreen: boolean, finished: boolean}} now
 *   mic/camera: on, off, or null when there is no such track (still asking, blocked)
 */
export function renderStateWords({ mic, camera, fullscreen, finished }) {
  ui.micWords.textContent = t(mic === null ? 'mic' : mic ? 'micOn' : 'micOff');
  ui.cameraWords.textContent = t(camera === null ? 'camera' : camera ? 'cameraOn' : 'cameraOff');
  ui.fullscreenWords.textContent = t(fullscreen ? 'fullscreenLeave' : 'fullscreen');
  ui.muted.hidden = finished || mic !== false;
}

// ------------------------------------------------------- asking to end

/** What "Yes" does while the question is open. */
let onYes = null;

/** Whether the "End the call?" question is on screen. */
export function asking() {
  return onYes !== null;
}

/**
 * Asks "End the call?" once; `yes` runs if the caller says yes. Focus goes
 * to "No" (the safe answer); Esc or "No" closes the question and focus goes
 * back to the hang-up button.
 * @param {() => void} yes
 */
export function askToEnd(yes) {
  if (onYes) return;
  onYes = yes;
  ui.ask.hidden = false;
  ui.no.focus();
}

/** Closes the question without ending (the call ended by itself, or "No"). */
export function closeAsk({ refocus = false } = {}) {
  if (!onYes) return;
  onYes = null;
  ui.ask.hidden = true;
  if (refocus && !ui.hangUp.hidden) ui.hangUp.focus();
}

function answerYes() {
  const yes = onYes;
  closeAsk();
  if (yes) yes();
}

/** Keeps Tab inside the question and lets Esc answer "No". */
function onAskKey(event) {
  if (event.key === 'Escape' || event.key === 'Esc') {
    event.preventDefault();
    closeAsk({ refocus: true });
  } else if (event.key === 'Tab') {
    const first = ui.yes;
    const last = ui.no;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }
}

// ----------------------------------------------------------------- focus

/** After the call: focus the next thing to do ("Call again"), if there is one. */
export function focusNextAction(button) {
  if (button && !button.hidden) button.focus();
}

// ------------------------------------------------------------------ wire

/** Wires the switch and the question; call once after localize(). */
export function wireAccessibility() {
  ui.shortcuts.addEventListener('change', () => setShortcuts(ui.shortcuts.checked));
  ui.yes.addEventListener('click', answerYes);
  ui.no.addEventListener('click', () => closeAsk({ refocus: true }));
  ui.ask.addEventListener('keydown', onAskKey);
  renderHints();
}

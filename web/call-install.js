// The call page as an app on the phone: the screen kept awake during a
// call, and, once, how to put the link on an iPhone's Home Screen.
//
// Owns the screen wake lock (navigator.wakeLock where the browser has it,
// taken while the page shows a call, taken again when the page comes back
// to the front, since the browser lets it go when hidden) and the one-time,
// dismissible hint for Safari on iOS, which has no install prompt. It reads
// the call's state from body[data-state] (set by call.js) and changes
// nothing of the call. The manifest itself is served by the box (?manifest).

import { t } from './i18n.js';

/** localStorage key: set once the Home Screen hint has been shown. */
const HINT_KEY = 'homecallHomeScreenHint';
/** States in which the screen stays on. */
const AWAKE_STATES = ['ringing', 'inCall', 'problems'];

const hint = document.getElementById('install-hint');
const hintText = document.getElementById('install-hint-text');
const hintClose = document.getElementById('install-hint-close');

// ------------------------------------------------------------- wake lock

/** The held wake lock, or null. */
let lock = null;
let asking = false;

function wantsAwake() {
  return AWAKE_STATES.includes(document.body.dataset.state) && document.visibilityState === 'visible';
}

async function keepAwake() {
  if (!('wakeLock' in navigator) || asking) return; // Safari before 16.4: the screen may dim
  if (!wantsAwake()) {
    if (lock) lock.release().catch(() => {});
    lock = null;
    return;
  }
  if (lock && !lock.released) return;
  asking = true;
  try {
    lock = await navigator.wakeLock.request('screen'); // guarded: 'wakeLock' in navigator above
    document.body.dataset.screenAwake = 'held';
    lock.addEventListener('release', () => {
      delete document.body.dataset.screenAwake;
    });
  } catch (err) {
    // Refused (battery saver, not visible): the call goes on regardless.
    console.debug('[homecall] screen wake lock:', err && err.name);
  } finally {
    asking = false;
  }
  if (!wantsAwake()) keepAwake();
}

// ------------------------------------------------- Home Screen hint (iOS)

/** Safari on an iPhone or iPad, not already opened from the Home Screen. */
function iosSafariInBrowser() {
  const ua = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const safari = /Safari\//.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS|YaBrowser|GSA\//.test(ua);
  const standalone = navigator.standalone === true || matchMedia('(display-mode: standalone)').matches;
  return ios && safari && !standalone;
}

function hintShownBefore() {
  try {
    return localStorage.getItem(HINT_KEY) !== null;
  } catch {
    return true; // cannot remember it: better never than every time
  }
}

/** Shows the hint once ever, when the call is up. */
function maybeShowHint() {
  if (!hint.hidden || document.body.dataset.state !== 'inCall') return;
  if (!iosSafariInBrowser() || hintShownBefore()) return;
  try {
    localStorage.setItem(HINT_KEY, 'shown');
  } catch {
    return;
  }
  hintText.textContent = t('homeScreenHint');
  hint.hidden = false;
}

// ------------------------------------------------------------------ wire

function stateChanged() {
  keepAwake();
  maybeShowHint();
  if (['ended', 'invalidLink', 'error'].includes(document.body.dataset.state)) hint.hidden = true;
}

hintClose.addEventListener('click', () => {
  hint.hidden = true;
});
new MutationObserver(stateChanged).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
document.addEventListener('visibilitychange', keepAwake);
stateChanged();

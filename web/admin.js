// The family admin page: HomeCall's settings, served at /admin. The entry
// module (admin.html loads it).
//
// Owns the views (loading, offline, the first set-up, the login, the admin
// view), the session (setting up, logging in and out, the login lockout,
// changing the password) and the tabs: which one is on screen and what it
// loads. The tabs' own work lives beside it: admin-links.js,
// admin-answering.js, admin-devices.js (picture & devices) and
// admin-status.js; the API in admin-api.js, shared form helpers in
// admin-forms.js, words in admin-i18n.js, looks in admin.css. Sentences the
// API sends as {"error": "…"} are shown as they come: they are written for
// people.

import { t, localize } from './admin-i18n.js';
import { ApiError, api, authed, whenSessionEnds } from './admin-api.js';
import { byId, say, sayError, rejectField, clearInvalid, busy } from './admin-forms.js';
import { loadLinks, hideNewLink, resetLinks } from './admin-links.js';
import { loadSettings, settingsDirty, resetAnswering } from './admin-answering.js';
import { loadPicture, pictureDirty, resetPicture } from './admin-devices.js';
import { startStatus, stopStatus, resetStatus, watchPage } from './admin-status.js';

// ---------------------------------------------------------------- settings

/** The box's rule for passwords (admin::MIN_PASSWORD_CHARS). */
const MIN_PASSWORD_CHARS = 10;
/** The set-up code's length; spaces and dashes a person types are dropped. */
const SETUP_CODE_DIGITS = 8;

/** The admin view's tabs, in order; also the URL fragment that reopens one. */
const TABS = Object.freeze(['links', 'answering', 'picture', 'status', 'password']);

// ----------------------------------------------------------- page elements

const ui = Object.freeze({
  views: Object.freeze({
    loading: byId('view-loading'),
    offline: byId('view-offline'),
    setup: byId('view-setup'),
    login: byId('view-login'),
    admin: byId('view-admin'),
  }),
  offlineText: byId('offline-text'),
  offlineRetry: byId('offline-retry'),

  setupForm: /** @type {HTMLFormElement} */ (byId('setup-form')),
  setupCode: /** @type {HTMLInputElement} */ (byId('setup-code')),
  setupPassword: /** @type {HTMLInputElement} */ (byId('setup-password')),
  setupPassword2: /** @type {HTMLInputElement} */ (byId('setup-password2')),
  setupMessage: byId('setup-message'),

  loginForm: /** @type {HTMLFormElement} */ (byId('login-form')),
  loginPassword: /** @type {HTMLInputElement} */ (byId('login-password')),
  loginSubmit: /** @type {HTMLButtonElement} */ (byId('login-submit')),
  loginMessage: byId('login-message'),

  tabs: /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[role="tab"]')]),

  passwordForm: /** @type {HTMLFormElement} */ (byId('password-form')),
  oldPassword: /** @type {HTMLInputElement} */ (byId('old-password')),
  newPassword: /** @type {HTMLInputElement} */ (byId('new-password')),
  newPassword2: /** @type {HTMLInputElement} */ (byId('new-password2')),
  passwordMessage: byId('password-message'),
  logout: /** @type {HTMLButtonElement} */ (byId('logout')),
  logoutMessage: byId('logout-message'),
});

// -------------------------------------------------------------- page state

/** 'loading' | 'offline' | 'setup' | 'login' | 'admin' */
let view = 'loading';
/** The tab on screen while logged in. */
let tab = 'links';
/** The login button's countdown while the box refuses logins. */
let lockoutTimer = 0;

// A call that finds the session gone brings back the login.
whenSessionEnds(enterLogin);
// The Status tab asks the box only while it is on screen.
watchPage({ view: () => view, tab: () => tab });

// ------------------------------------------------------------------- views

/**
 * Shows one view and hides the others.
 * @param {'loading' | 'offline' | 'setup' | 'login' | 'admin'} next
 */
function showView(next) {
  view = next;
  document.body.dataset.view = next;
  for (const [name, el] of Object.entries(ui.views)) el.hidden = name !== next;
  if (next !== 'admin') stopStatus();
}

/** Asks the box where we stand and shows the matching view. */
async function start() {
  showView('loading');
  let session;
  try {
    session = await api('GET', '/session');
  } catch (err) {
    ui.offlineText.textContent = err instanceof ApiError ? err.message : t('unreachable');
    showView('offline');
    ui.offlineRetry.focus();
    return;
  }
  if (!session || !session.setUp) enterSetup();
  else if (!session.loggedIn) enterLogin();
  else enterAdmin();
}

/** @param {string} [notice] a sentence to show above the form */
function enterSetup(notice = '') {
  ui.setupForm.reset();
  clearInvalid(ui.setupForm);
  say(ui.setupMessage, notice, notice ? 'error' : 'info');
  showView('setup');
  ui.setupCode.focus();
}

/** @param {string} [notice] why the login is asked for, if not obvious */
function enterLogin(notice = '') {
  ui.loginForm.reset();
  clearInvalid(ui.loginForm);
  say(ui.loginMessage, notice, 'info');
  showView('login');
  ui.loginPassword.focus();
}

/**
 * @param {{focus?: boolean}} [options] put the keyboard focus on the open tab
 *   (after a form was sent; a plain page load leaves the focus alone)
 */
function enterAdmin({ focus = false } = {}) {
  resetLinks();
  ui.passwordForm.reset();
  clearInvalid(ui.passwordForm);
  say(ui.passwordMessage, '');
  say(ui.logoutMessage, '');
  resetAnswering();
  resetPicture();
  resetStatus();
  showView('admin');
  const fromUrl = location.hash.slice(1);
  const first = TABS.includes(fromUrl) ? fromUrl : 'links';
  tab = ''; // so selectTab loads what the first tab shows
  selectTab(first, { focus });
  // Having both ready makes switching tabs instant.
  if (first !== 'links') loadLinks();
  if (first !== 'answering') loadSettings();
}

// ---------------------------------------------------------------- set-up

ui.setupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.setupForm);
  const code = ui.setupCode.value.replace(/[\s-]/g, '');
  const password = ui.setupPassword.value;
  if (!new RegExp(`^\\d{${SETUP_CODE_DIGITS}}$`).test(code)) return rejectField(ui.setupMessage, ui.setupCode, t('codeInvalid'));
  if ([...password].length < MIN_PASSWORD_CHARS) return rejectField(ui.setupMessage, ui.setupPassword, t('passwordTooShort'));
  if (ui.setupPassword2.value !== password) return rejectField(ui.setupMessage, ui.setupPassword2, t('passwordsDiffer'));
  say(ui.setupMessage, t('working'));
  busy(ui.setupForm, async () => {
    try {
      await api('POST', '/setup', { code, password });
      enterAdmin({ focus: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        // Someone finished the set-up meanwhile: logging in is what is left.
        enterLogin(err.message);
        return;
      }
      sayError(ui.setupMessage, err);
      // Most likely a mistyped code: put the cursor there to fix it.
      if (err instanceof ApiError && err.status !== 0) {
        ui.setupCode.select();
        ui.setupCode.focus();
      }
    }
  });
});

// ------------------------------------------------------------------ login

ui.loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.loginForm);
  const password = ui.loginPassword.value;
  if (!password) return rejectField(ui.loginMessage, ui.loginPassword, t('passwordMissing'));
  say(ui.loginMessage, t('working'));
  busy(ui.loginForm, async () => {
    try {
      await api('POST', '/login', { password });
      enterAdmin({ focus: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        lockOut(err.retryAfterSecs ?? 30);
        return;
      }
      if (err instanceof ApiError && err.status === 409) {
        enterSetup(err.message); // not set up yet, after all
        return;
      }
      sayError(ui.loginMessage, err);
      ui.loginPassword.select();
      ui.loginPassword.focus();
    }
  }, () => lockoutTimer !== 0);
});

/**
 * The box refuses logins for `secs` seconds: say so once (for screen
 * readers) and count down on the button, which comes back at zero.
 * @param {number} secs
 */
function lockOut(secs) {
  let left = Math.max(1, Math.ceil(secs));
  say(ui.loginMessage, t('tooManyTries', { n: left }), 'error');
  clearInterval(lockoutTimer);
  ui.loginSubmit.disabled = true;
  ui.loginSubmit.textContent = t('waitSeconds', { n: left });
  lockoutTimer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      ui.loginSubmit.textContent = t('waitSeconds', { n: left });
      return;
    }
    clearInterval(lockoutTimer);
    lockoutTimer = 0;
    ui.loginSubmit.disabled = false;
    ui.loginSubmit.textContent = t('loginSubmit');
    say(ui.loginMessage, '');
  }, 1000);
}

// -------------------------------------------------------------------- tabs

/**
 * Shows tab `name` (one of TABS), remembers it in the URL fragment and starts
 * or stops what runs only while a tab is on screen.
 * @param {string} name
 * @param {{focus?: boolean}} [options] move the keyboard focus to the tab
 */
function selectTab(name, { focus = false } = {}) {
  const previous = tab;
  tab = name;
  for (const button of ui.tabs) {
    const on = button.dataset.tab === name;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    byId(/** @type {string} */ (button.getAttribute('aria-controls'))).hidden = !on;
    if (on && focus) button.focus();
  }
  // replaceState, not location.hash: no jump, no history entry per tab.
  history.replaceState(null, '', `#${name}`);
  if (name === 'status') startStatus();
  else stopStatus();
  if (name !== previous) {
    if (name === 'links') loadLinks();
    if (name === 'answering' && !settingsDirty) loadSettings();
    if (name === 'picture' && !pictureDirty) loadPicture();
  }
}

for (const button of ui.tabs) {
  button.addEventListener('click', () => selectTab(/** @type {string} */ (button.dataset.tab)));
  // Arrow keys, Home and End move between tabs (the WAI-ARIA tabs pattern).
  button.addEventListener('keydown', (event) => {
    const i = TABS.indexOf(/** @type {string} */ (button.dataset.tab));
    const to = {
      ArrowRight: (i + 1) % TABS.length,
      ArrowDown: (i + 1) % TABS.length,
      ArrowLeft: (i - 1 + TABS.length) % TABS.length,
      ArrowUp: (i - 1 + TABS.length) % TABS.length,
      Home: 0,
      End: TABS.length - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    selectTab(TABS[to], { focus: true });
  });
}

// ---------------------------------------------------------------- password

ui.passwordForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.passwordForm);
  const old = ui.oldPassword.value;
  const fresh = ui.newPassword.value;
  if (!old) return rejectField(ui.passwordMessage, ui.oldPassword, t('oldPasswordMissing'));
  if ([...fresh].length < MIN_PASSWORD_CHARS) return rejectField(ui.passwordMessage, ui.newPassword, t('passwordTooShort'));
  if (ui.newPassword2.value !== fresh) return rejectField(ui.passwordMessage, ui.newPassword2, t('passwordsDiffer'));
  say(ui.passwordMessage, t('working'));
  busy(ui.passwordForm, async () => {
    try {
      await authed('POST', '/password', { old, new: fresh });
      ui.passwordForm.reset();
      say(ui.passwordMessage, t('passwordChanged'), 'ok');
    } catch (err) {
      sayError(ui.passwordMessage, err);
      if (err instanceof ApiError && err.status === 401 && !err.handled) ui.oldPassword.focus();
    }
  });
});

ui.logout.addEventListener('click', () => {
  busy(ui.logout, async () => {
    try {
      await api('POST', '/logout');
    } catch (err) {
      // Already logged out is as good as logged out.
      if (!(err instanceof ApiError && err.status === 401)) {
        sayError(ui.logoutMessage, err);
        return;
      }
    }
    hideNewLink();
    history.replaceState(null, '', location.pathname);
    enterLogin(t('loggedOut'));
  });
});

// ----------------------------------------------------------- all the forms

// "Show the password(s)": each box names the inputs it reveals.
for (const box of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[data-reveal]'))) {
  box.addEventListener('change', () => {
    for (const id of (box.dataset.reveal ?? '').split(/\s+/).filter(Boolean)) {
      /** @type {HTMLInputElement} */ (byId(id)).type = box.checked ? 'text' : 'password';
    }
  });
}

// A field being fixed is no longer marked wrong.
const linkForm = /** @type {HTMLFormElement} */ (byId('link-form'));
const settingsForm = /** @type {HTMLFormElement} */ (byId('settings-form'));
for (const form of [ui.setupForm, ui.loginForm, linkForm, settingsForm, ui.passwordForm]) {
  form.addEventListener('input', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.getAttribute('aria-invalid')) target.removeAttribute('aria-invalid');
  });
  // A reset form shows its plain password fields again.
  form.addEventListener('reset', () => {
    for (const input of form.querySelectorAll('input[data-reveal]')) {
      for (const id of (/** @type {HTMLInputElement} */ (input).dataset.reveal ?? '').split(/\s+/).filter(Boolean)) {
        /** @type {HTMLInputElement} */ (byId(id)).type = 'password';
      }
    }
  });
}

ui.offlineRetry.addEventListener('click', () => start());

// ------------------------------------------------------------------- start

document.title = t('pageTitle');
localize();
start();

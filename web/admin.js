// The family admin page: HomeCall's settings, served at /admin.
//
// Owns what the admin sees and does: the first set-up, logging in and out,
// the links (make, list, revoke, replace, show once with a QR code), the
// answering settings, the picture the box sends and its camera,
// microphone, speaker and volume, the live status (with the TV's picture and the last calls) and
// the password. It speaks only the
// JSON API under /api/admin/ (docs/admin-api.md); words live in
// admin-i18n.js, looks in admin.css. Sentences the API sends as
// {"error": "…"} are shown as they come: they are written for people.

import { t, formatDateTime, formatTimeNow, localize } from './admin-i18n.js';

// ---------------------------------------------------------------- settings

const API = '/api/admin';
/** A request still unanswered after this long counts as "can't reach the box". */
const REQUEST_TIMEOUT_MS = 20_000;
/** How often the Status tab asks the box, while it is on screen. */
const STATUS_EVERY_MS = 2000;
/** The box's rule for passwords (admin::MIN_PASSWORD_CHARS). */
const MIN_PASSWORD_CHARS = 10;
/** The set-up code's length; spaces and dashes a person types are dropped. */
const SETUP_CODE_DIGITS = 8;
/** The longest countdown the box accepts (settings::MAX_COUNTDOWN_SECS). */
const MAX_COUNTDOWN_SECS = 10;
/** Quiet hours offered when they are switched on for the first time. */
const DEFAULT_QUIET = Object.freeze({ from: '22:00', until: '08:00' });

/** The picture sizes the box accepts (settings::Quality), smallest first. */
const PICTURE_SIZES = Object.freeze([
  Object.freeze({ width: 640, height: 360, label: 'size640' }),
  Object.freeze({ width: 854, height: 480, label: 'size854' }),
  Object.freeze({ width: 960, height: 540, label: 'size960' }),
  Object.freeze({ width: 1280, height: 720, label: 'size1280' }),
]);
/** The frame rates the box accepts. */
const FRAMERATES = Object.freeze([15, 20, 25, 30]);
/** Steps offered for the most bandwidth the box may use, in kbit/s (the box accepts 300–4000). */
const BITRATES_KBPS = Object.freeze([300, 500, 800, 1000, 1500, 2000, 2500, 3000, 4000]);
/** What a new quality starts from when the box reports none (not expected, but saving must still work). */
const DEFAULT_QUALITY = Object.freeze({ width: 1280, height: 720, framerate: 30, maxBitrateKbps: 1500 });
/** The select value that keeps what the box's configuration says. */
const AS_CONFIGURED = 'configured';

/** How a call ended (CallRecord.ended) → the words for it. */
const CALL_END_WORDS = Object.freeze({
  hungUp: 'endedHungUp',
  linkRevoked: 'endedLinkRevoked',
  connectionFailed: 'endedConnectionFailed',
  takenOver: 'endedTakenOver',
  boxShutdown: 'endedBoxShutdown',
});

/** The choices of a new link's lifetime: select value → expiresInHours. */
const EXPIRY_CHOICES = Object.freeze([
  Object.freeze({ value: 'never', hours: null, label: 'expiryNever' }),
  Object.freeze({ value: '1d', hours: 24, label: 'expiryDay' }),
  Object.freeze({ value: '7d', hours: 7 * 24, label: 'expiryWeek' }),
  Object.freeze({ value: '30d', hours: 30 * 24, label: 'expiryMonth' }),
]);

/** The admin view's tabs, in order; also the URL fragment that reopens one. */
const TABS = Object.freeze(['links', 'answering', 'picture', 'status', 'password']);

/** A link's state as the list shows it → the words for it. */
const LINK_STATE_WORDS = Object.freeze({
  active: 'stateActive',
  spent: 'stateSpent',
  expired: 'stateExpired',
  revoked: 'stateRevoked',
});

/** The box's state (Status.state) → the sentence for it. */
const BOX_STATE_WORDS = Object.freeze({
  waiting: 'stateWaiting',
  ringing: 'stateRinging',
  connecting: 'stateConnecting',
  inCall: 'stateInCall',
});

// ----------------------------------------------------------- page elements

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

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

  newLink: byId('new-link'),
  newLinkTitle: byId('new-link-title'),
  newLinkUrl: byId('new-link-url'),
  newLinkQr: /** @type {HTMLImageElement} */ (byId('new-link-qr')),
  copyLink: byId('copy-link'),
  copyMessage: byId('copy-message'),
  newLinkDone: byId('new-link-done'),
  linkForm: /** @type {HTMLFormElement} */ (byId('link-form')),
  linkLabel: /** @type {HTMLInputElement} */ (byId('link-label')),
  linkExpiry: /** @type {HTMLSelectElement} */ (byId('link-expiry')),
  linkOneTime: /** @type {HTMLInputElement} */ (byId('link-one-time')),
  linkFormMessage: byId('link-form-message'),
  linksTitle: byId('links-list-title'),
  linksMessage: byId('links-message'),
  linksEmpty: byId('links-empty'),
  linksList: byId('links-list'),
  linkTemplate: /** @type {HTMLTemplateElement} */ (byId('link-template')),

  settingsForm: /** @type {HTMLFormElement} */ (byId('settings-form')),
  autoAnswer: /** @type {HTMLInputElement} */ (byId('auto-answer')),
  answerDetails: /** @type {HTMLFieldSetElement} */ (byId('answer-details')),
  countdown: /** @type {HTMLSelectElement} */ (byId('countdown')),
  quietOn: /** @type {HTMLInputElement} */ (byId('quiet-on')),
  quietTimes: byId('quiet-times'),
  quietFrom: /** @type {HTMLInputElement} */ (byId('quiet-from')),
  quietUntil: /** @type {HTMLInputElement} */ (byId('quiet-until')),
  settingsMessage: byId('settings-message'),

  qualityForm: /** @type {HTMLFormElement} */ (byId('quality-form')),
  pictureSize: /** @type {HTMLSelectElement} */ (byId('picture-size')),
  framerate: /** @type {HTMLSelectElement} */ (byId('framerate')),
  bitrate: /** @type {HTMLSelectElement} */ (byId('bitrate')),
  camera: /** @type {HTMLSelectElement} */ (byId('camera')),
  microphone: /** @type {HTMLSelectElement} */ (byId('microphone')),
  noCamera: byId('no-camera'),
  noMicrophone: byId('no-microphone'),
  noSpeaker: byId('no-speaker'),
  speakerField: byId('speaker-field'),
  speaker: /** @type {HTMLSelectElement} */ (byId('speaker')),
  volumeField: byId('volume-field'),
  volume: /** @type {HTMLInputElement} */ (byId('volume')),
  volumeValue: /** @type {HTMLOutputElement} */ (byId('volume-value')),
  volumeLeave: /** @type {HTMLInputElement} */ (byId('volume-leave')),
  qualityMessage: byId('quality-message'),

  statusState: byId('status-state'),
  statusPictureRow: byId('status-picture-row'),
  statusPicture: byId('status-picture'),
  statusSoundRow: byId('status-sound-row'),
  statusSound: byId('status-sound'),
  statusCallRows: Object.freeze({
    rtt: [byId('status-rtt-row'), byId('status-rtt')],
    loss: [byId('status-loss-row'), byId('status-loss')],
    sent: [byId('status-sent-row'), byId('status-sent')],
    received: [byId('status-received-row'), byId('status-received')],
  }),
  statusEncoder: byId('status-encoder'),
  statusVersion: byId('status-version'),
  statusMessage: byId('status-message'),
  statusUpdated: byId('status-updated'),
  tvPicture: /** @type {HTMLImageElement} */ (byId('tv-picture')),
  tvMessage: byId('tv-message'),
  callsMessage: byId('calls-message'),
  callsEmpty: byId('calls-empty'),
  callsList: byId('calls-list'),
  callTemplate: /** @type {HTMLTemplateElement} */ (byId('call-template')),

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
/** Settings as the box last stored them, or null before the first load. */
let storedSettings = null;
/** The answering form has changes not saved yet: a reload must not undo them. */
let settingsDirty = false;
/** The picture form has changes not saved yet: a reload must not undo them. */
let pictureDirty = false;
/** The box answered 404 for the TV's picture: it has no screen, so stop asking. */
let noScreen = false;
/** A picture of the TV is on its way (a slow one is not asked for twice). */
let tvLoading = false;
/** The last calls as last shown (their JSON), so an unchanged list is not redrawn. */
let shownCalls = '';
/** The Status tab's next refresh, while it is on screen. */
let statusTimer = 0;
/** Counts up on every start and stop of the status refresh, so a late answer is dropped. */
let statusRound = 0;
/** The login button's countdown while the box refuses logins. */
let lockoutTimer = 0;
/** The URL shown in the "new link" box, for the Copy button. */
let shownUrl = '';

// --------------------------------------------------------------------- API

/**
 * A refusal or failure of an API call. `status` is the HTTP status, or 0 when
 * the box could not be reached. `message` is a sentence for people.
 */
class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {number | null} [retryAfterSecs]
   */
  constructor(status, message, retryAfterSecs = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfterSecs = retryAfterSecs;
    /** The page has already dealt with it (for example, back to the login). */
    this.handled = false;
  }
}

/**
 * Calls the admin API. Mutating calls send JSON (and the browser adds the
 * Origin the box checks); the session cookie goes along on its own.
 * @param {'GET' | 'POST' | 'PUT'} method
 * @param {string} path under /api/admin, starting with '/'
 * @param {unknown} [body] sent as JSON; none when undefined
 * @returns {Promise<any>} the answer's JSON, or null for 204
 * @throws {ApiError}
 */
async function api(method, path, body) {
  /** @type {RequestInit} */
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API}${path}`, init);
  } catch {
    throw new ApiError(0, t('unreachable'));
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null; // not JSON (a proxy's page, a cut-off answer)
    }
  }
  if (response.ok) return data;
  const sentence = data && typeof data.error === 'string' && data.error.trim() ? data.error : t('serverTrouble');
  let retryAfter = data && Number.isFinite(data.retryAfterSecs) ? data.retryAfterSecs : null;
  if (retryAfter === null && response.headers.has('Retry-After')) {
    const header = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(header)) retryAfter = header;
  }
  throw new ApiError(response.status, sentence, retryAfter);
}

/**
 * An API call that needs the session. When the box answers 401 and the
 * session is indeed gone, the page goes back to the login and the error is
 * marked handled; a 401 for another reason (a wrong current password) is the
 * caller's to show.
 * @param {'GET' | 'POST' | 'PUT'} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function authed(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      let loggedIn = true;
      try {
        loggedIn = !!(await api('GET', '/session')).loggedIn;
      } catch {
        // can't tell: leave the sentence to the caller
      }
      if (!loggedIn) {
        enterLogin(t('sessionEnded'));
        err.handled = true;
      }
    }
    throw err;
  }
}

// ---------------------------------------------------------------- messages

/**
 * Puts a sentence into one of the page's message lines (all are polite live
 * regions, so screen readers read it); '' clears it.
 * @param {HTMLElement} el
 * @param {string} text
 * @param {'ok' | 'error' | 'info'} [kind]
 */
function say(el, text, kind = 'info') {
  el.textContent = text;
  el.dataset.kind = kind;
}

/**
 * Shows what went wrong in `el`, unless the page already dealt with it.
 * @param {HTMLElement} el
 * @param {unknown} err
 */
function sayError(el, err) {
  if (err instanceof ApiError) {
    if (!err.handled) say(el, err.message, 'error');
  } else {
    console.error('[homecall admin]', err);
    say(el, t('serverTrouble'), 'error');
  }
}

/**
 * Marks `input` as the field to fix, says why, and puts the cursor there.
 * @param {HTMLElement} messageEl
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @param {string} text
 */
function rejectField(messageEl, input, text) {
  input.setAttribute('aria-invalid', 'true');
  say(messageEl, text, 'error');
  input.focus();
}

/** @param {HTMLFormElement} form */
function clearInvalid(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * Runs `work` with the form's submit button disabled, so a double tap sends
 * one request.
 * @param {HTMLFormElement | HTMLButtonElement} formOrButton
 * @param {() => Promise<void>} work
 */
async function busy(formOrButton, work) {
  const button = formOrButton instanceof HTMLFormElement ? formOrButton.querySelector('button[type="submit"]') : formOrButton;
  if (button && button.disabled) return;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    await work();
  } finally {
    if (button) {
      button.removeAttribute('aria-busy');
      // The login button may stay off: a lockout countdown owns it then.
      if (!(button === ui.loginSubmit && lockoutTimer)) button.disabled = false;
    }
  }
}

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
  for (const form of [ui.linkForm, ui.passwordForm]) {
    form.reset();
    clearInvalid(form);
  }
  for (const el of [ui.linkFormMessage, ui.linksMessage, ui.settingsMessage, ui.qualityMessage, ui.passwordMessage, ui.logoutMessage, ui.statusMessage, ui.callsMessage]) {
    say(el, '');
  }
  hideNewLink();
  storedSettings = null;
  settingsDirty = false;
  pictureDirty = false;
  noScreen = false;
  shownCalls = '';
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
  });
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

// ------------------------------------------------------------------- links

/**
 * @typedef {object} Link
 * @property {string} id
 * @property {string} label
 * @property {number} created unix seconds
 * @property {number | null} expires
 * @property {boolean} oneTime
 * @property {boolean} spent
 * @property {boolean} revoked
 * @property {number} calls
 * @property {number | null} lastUsed
 */

/**
 * @typedef {object} NewLink the answer to create and replace
 * @property {Link} link
 * @property {string} url
 * @property {string} qrSvg
 */

for (const choice of EXPIRY_CHOICES) ui.linkExpiry.append(new Option(t(choice.label), choice.value));

/**
 * Whether the link still opens calls, and if not, why.
 * @param {Link} link
 * @returns {keyof typeof LINK_STATE_WORDS}
 */
function linkState(link) {
  if (link.revoked) return 'revoked';
  if (link.spent) return 'spent';
  if (link.expires != null && link.expires * 1000 <= Date.now()) return 'expired';
  return 'active';
}

async function loadLinks() {
  try {
    const answer = await authed('GET', '/links');
    renderLinks(Array.isArray(answer && answer.links) ? answer.links : []);
  } catch (err) {
    sayError(ui.linksMessage, err);
  }
}

/** @param {Link[]} links newest first, as the box sends them */
function renderLinks(links) {
  // Keep focus where it was when a list item's button is redrawn.
  const focused = document.activeElement;
  const keep = focused && ui.linksList.contains(focused) ? { id: focused.closest('li')?.dataset.id, action: focused.dataset.action } : null;
  ui.linksList.replaceChildren(...links.map(renderLink));
  ui.linksEmpty.hidden = links.length > 0;
  if (keep) {
    const again = ui.linksList.querySelector(`li[data-id="${CSS.escape(keep.id ?? '')}"] [data-action="${keep.action}"]`);
    if (again instanceof HTMLElement && !again.hidden) again.focus();
    else ui.linksTitle.focus();
  }
}

/** @param {Link} link */
function renderLink(link) {
  const item = /** @type {HTMLLIElement} */ (/** @type {DocumentFragment} */ (ui.linkTemplate.content.cloneNode(true)).firstElementChild);
  localize(item);
  const state = linkState(link);
  const label = String(link.label ?? '');
  item.dataset.id = link.id;
  item.dataset.state = state;
  item.querySelector('.link-label').textContent = label;
  const badge = /** @type {HTMLElement} */ (item.querySelector('.badge'));
  badge.textContent = t(LINK_STATE_WORDS[state]);
  badge.dataset.state = state;
  /** @type {HTMLElement} */ (item.querySelector('.one-time')).hidden = !link.oneTime;
  const field = (name) => /** @type {HTMLElement} */ (item.querySelector(`[data-field="${name}"]`));
  field('created').textContent = formatDateTime(link.created);
  field('expires').textContent = link.expires == null ? t('linkNeverExpires') : formatDateTime(link.expires);
  field('lastUsed').textContent = link.lastUsed == null ? t('linkNeverUsed') : formatDateTime(link.lastUsed);
  field('calls').textContent = String(link.calls ?? 0);

  const revoke = /** @type {HTMLButtonElement} */ (item.querySelector('[data-action="revoke"]'));
  revoke.textContent = t('revoke');
  revoke.setAttribute('aria-label', t('revokeFor', { label }));
  // Nothing left to stop on a link that no longer works.
  revoke.hidden = state !== 'active';
  revoke.addEventListener('click', () => revokeLink(link, revoke));

  const replace = /** @type {HTMLButtonElement} */ (item.querySelector('[data-action="replace"]'));
  replace.textContent = t('replace');
  replace.setAttribute('aria-label', t('replaceFor', { label }));
  // An expired or used-up link is renewed by replacing it; a revoked one was
  // stopped on purpose (and may have been replaced already): make a new one.
  replace.hidden = state === 'revoked';
  replace.addEventListener('click', () => replaceLink(link, replace));
  return item;
}

ui.linkForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.linkForm);
  const label = ui.linkLabel.value.trim();
  if (!label) return rejectField(ui.linkFormMessage, ui.linkLabel, t('linkLabelMissing'));
  const choice = EXPIRY_CHOICES.find((c) => c.value === ui.linkExpiry.value) ?? EXPIRY_CHOICES[0];
  say(ui.linkFormMessage, t('working'));
  busy(ui.linkForm, async () => {
    try {
      const made = await authed('POST', '/links', { label, expiresInHours: choice.hours, oneTime: ui.linkOneTime.checked });
      say(ui.linkFormMessage, '');
      ui.linkForm.reset();
      showNewLink(made);
      loadLinks();
    } catch (err) {
      sayError(ui.linkFormMessage, err);
    }
  });
});

/**
 * @param {Link} link
 * @param {HTMLButtonElement} button
 */
function revokeLink(link, button) {
  if (!window.confirm(t('confirmRevoke', { label: link.label }))) return;
  say(ui.linksMessage, t('working'));
  busy(button, async () => {
    try {
      await authed('POST', `/links/${encodeURIComponent(link.id)}/revoke`);
      say(ui.linksMessage, t('revokedDone', { label: link.label }), 'ok');
    } catch (err) {
      sayError(ui.linksMessage, err);
    }
    await loadLinks();
  });
}

/**
 * @param {Link} link
 * @param {HTMLButtonElement} button
 */
function replaceLink(link, button) {
  if (!window.confirm(t('confirmReplace', { label: link.label }))) return;
  say(ui.linksMessage, t('working'));
  busy(button, async () => {
    try {
      const made = await authed('POST', `/links/${encodeURIComponent(link.id)}/replace`);
      say(ui.linksMessage, '');
      showNewLink(made);
    } catch (err) {
      sayError(ui.linksMessage, err);
    }
    await loadLinks();
  });
}

/**
 * The one time a link's URL can be shown: big, with its QR code and a copy
 * button. The box keeps only a hash, so this is the family's only chance.
 * @param {NewLink} made
 */
function showNewLink(made) {
  const label = String(made?.link?.label ?? '');
  shownUrl = String(made?.url ?? '');
  ui.newLinkTitle.textContent = t('newLinkFor', { label });
  ui.newLinkUrl.textContent = shownUrl;
  say(ui.copyMessage, '');
  if (typeof made?.qrSvg === 'string' && made.qrSvg.includes('<svg')) {
    // As an image: whatever the SVG holds, it cannot run script or reach out.
    ui.newLinkQr.src = svgDataUrl(made.qrSvg);
    ui.newLinkQr.alt = t('qrAlt', { label });
    ui.newLinkQr.hidden = false;
  } else {
    ui.newLinkQr.removeAttribute('src');
    ui.newLinkQr.hidden = true;
  }
  ui.newLink.hidden = false;
  ui.newLink.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  ui.newLinkTitle.focus({ preventScroll: true });
}

function hideNewLink() {
  shownUrl = '';
  ui.newLink.hidden = true;
  ui.newLinkUrl.textContent = '';
  ui.newLinkQr.removeAttribute('src');
}

/**
 * A data: URL of an SVG document (UTF-8, base64).
 * @param {string} svg
 */
function svgDataUrl(svg) {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

ui.copyLink.addEventListener('click', async () => {
  if (!shownUrl) return;
  // The clipboard API needs a secure context, which a box at
  // http://192.168.x.y is not; then copy the selection the old way.
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(shownUrl);
      say(ui.copyMessage, t('copied'), 'ok');
      return;
    }
  } catch {
    // refused (no permission, page not focused): fall back
  }
  const selection = window.getSelection();
  selection?.selectAllChildren(ui.newLinkUrl);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  say(ui.copyMessage, t(copied ? 'copied' : 'copySelected'), copied ? 'ok' : 'info');
});

ui.newLinkDone.addEventListener('click', () => {
  hideNewLink();
  ui.linkLabel.focus();
});

// --------------------------------------------------------------- answering

/**
 * @typedef {object} Settings
 * @property {{enabled: boolean, countdownSecs: number, quietHours: {from: string, until: string} | null}} autoAnswer
 * @property {Quality | null} [quality] what the box sends (edited in the Picture & devices tab)
 * @property {Devices} [devices]
 */

/**
 * @typedef {object} Devices null: the first one found (for the volume: the sound card is left as it is)
 * @property {string | null} camera
 * @property {string | null} microphone
 * @property {string | null} [speaker]
 * @property {number | null} [volumePercent] 0–100
 */

for (let secs = 0; secs <= MAX_COUNTDOWN_SECS; secs++) {
  ui.countdown.append(new Option(secs === 0 ? t('countdownNone') : t('seconds', { n: secs }), String(secs)));
}

async function loadSettings() {
  try {
    const settings = await authed('GET', '/settings');
    if (!settingsDirty) renderSettings(settings);
  } catch (err) {
    sayError(ui.settingsMessage, err);
  }
}

/** @param {Settings} settings as stored on the box */
function renderSettings(settings) {
  storedSettings = settings;
  settingsDirty = false;
  const auto = settings?.autoAnswer ?? {};
  ui.autoAnswer.checked = !!auto.enabled;
  const secs = Math.min(MAX_COUNTDOWN_SECS, Math.max(0, Math.round(Number(auto.countdownSecs) || 0)));
  ui.countdown.value = String(secs);
  const quiet = auto.quietHours ?? null;
  ui.quietOn.checked = !!quiet;
  ui.quietFrom.value = (quiet ?? DEFAULT_QUIET).from;
  ui.quietUntil.value = (quiet ?? DEFAULT_QUIET).until;
  clearInvalid(ui.settingsForm);
  syncSettingsForm();
}

/** Greys out what does not apply: everything when the box does not answer, the times without quiet hours. */
function syncSettingsForm() {
  ui.answerDetails.disabled = !ui.autoAnswer.checked;
  const quiet = ui.quietOn.checked;
  ui.quietFrom.disabled = ui.quietUntil.disabled = !quiet;
  ui.quietTimes.classList.toggle('off', !quiet);
}

ui.settingsForm.addEventListener('input', () => {
  settingsDirty = true;
  syncSettingsForm();
  say(ui.settingsMessage, '');
});
ui.settingsForm.addEventListener('change', syncSettingsForm);

ui.settingsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.settingsForm);
  /** "HH:MM" from a time input, whatever seconds it may carry. */
  const hhmm = (input) => input.value.slice(0, 5);
  let quietHours = null;
  if (ui.quietOn.checked) {
    const from = hhmm(ui.quietFrom);
    const until = hhmm(ui.quietUntil);
    if (!from) return rejectField(ui.settingsMessage, ui.quietFrom, t('quietMissing'));
    if (!until) return rejectField(ui.settingsMessage, ui.quietUntil, t('quietMissing'));
    if (from === until) return rejectField(ui.settingsMessage, ui.quietUntil, t('quietSame'));
    quietHours = { from, until };
  }
  // Send back whatever else the box stores, as it sent it.
  const base = storedSettings ?? {};
  const next = {
    ...base,
    autoAnswer: {
      ...(base.autoAnswer ?? {}),
      enabled: ui.autoAnswer.checked,
      countdownSecs: Number(ui.countdown.value),
      quietHours,
    },
  };
  say(ui.settingsMessage, t('working'));
  busy(ui.settingsForm, async () => {
    try {
      const stored = await authed('PUT', '/settings', next);
      renderSettings(stored ?? next);
      say(ui.settingsMessage, t('saved'), 'ok');
    } catch (err) {
      sayError(ui.settingsMessage, err);
    }
  });
});

// -------------------------------------------------------- picture & devices

/**
 * @typedef {object} Quality
 * @property {number} width
 * @property {number} height
 * @property {number} framerate
 * @property {number} maxBitrateKbps
 */

/**
 * @typedef {object} DeviceList
 * @property {{path: string, name: string}[]} cameras
 * @property {{name: string, description: string}[]} microphones
 * @property {{name: string, description: string}[]} speakers sound cards that can play the caller's voice
 * @property {boolean} speaker
 * @property {{camera: string | null, microphone: string | null}} automatic
 */

/** @param {{width: number, height: number}} size */
const sizeValue = (size) => `${size.width}x${size.height}`;

/**
 * Refills `select` with the standard `choices` ([value, words]) and, first,
 * an "as configured" choice when the box's `current` value is none of them;
 * then selects `current`.
 * @param {HTMLSelectElement} select
 * @param {readonly (readonly [string, string])[]} choices
 * @param {string} current
 * @param {string} configuredWords the words for `current` when it is not a standard choice
 */
function fillChoices(select, choices, current, configuredWords) {
  const options = choices.map(([value, words]) => new Option(words, value));
  if (!choices.some(([value]) => value === current)) options.unshift(new Option(configuredWords, current));
  select.replaceChildren(...options);
  select.value = current;
}

/**
 * Fills a device select: "Automatic" (null) first, saying what it picks now,
 * then each device; a chosen device that is not there now is kept, marked.
 * @param {HTMLSelectElement} select
 * @param {readonly {value: string, words: string}[]} devices
 * @param {string | null} chosen
 * @param {string} automaticWords
 */
function fillDevices(select, devices, chosen, automaticWords) {
  const options = [new Option(automaticWords, ''), ...devices.map((d) => new Option(d.words, d.value))];
  if (chosen != null && !devices.some((d) => d.value === chosen)) options.push(new Option(t('deviceMissing', { name: chosen }), chosen));
  select.replaceChildren(...options);
  select.value = chosen ?? '';
  // Nothing to choose between: the box uses what it finds.
  select.disabled = options.length < 2;
}

async function loadPicture() {
  try {
    const [settings, devices] = await Promise.all([authed('GET', '/settings'), authed('GET', '/devices')]);
    if (!pictureDirty) renderPicture(settings, devices);
  } catch (err) {
    sayError(ui.qualityMessage, err);
  }
}

/**
 * @param {Settings} settings as stored on the box
 * @param {DeviceList} devices what the box has now
 */
function renderPicture(settings, devices) {
  pictureDirty = false;
  /** @type {Quality | null} */
  const quality = settings?.quality ?? null;
  const sizeChoices = PICTURE_SIZES.map((size) => /** @type {const} */ ([sizeValue(size), t(size.label)]));
  if (quality) {
    fillChoices(ui.pictureSize, sizeChoices, sizeValue(quality), t('sizeConfigured', { width: String(quality.width), height: String(quality.height) }));
    fillChoices(
      ui.framerate,
      FRAMERATES.map((n) => [String(n), t('framesPerSecond', { n })]),
      String(quality.framerate),
      t('framesConfigured', { n: quality.framerate }),
    );
    fillChoices(
      ui.bitrate,
      BITRATES_KBPS.map((n) => [String(n), t('kbps', { n })]),
      String(quality.maxBitrateKbps),
      t('kbpsConfigured', { n: quality.maxBitrateKbps }),
    );
  } else {
    fillChoices(ui.pictureSize, sizeChoices, AS_CONFIGURED, t('asConfigured'));
    fillChoices(ui.framerate, FRAMERATES.map((n) => [String(n), t('framesPerSecond', { n })]), AS_CONFIGURED, t('asConfigured'));
    fillChoices(ui.bitrate, BITRATES_KBPS.map((n) => [String(n), t('kbps', { n })]), AS_CONFIGURED, t('asConfigured'));
  }

  const cameras = Array.isArray(devices?.cameras) ? devices.cameras : [];
  const microphones = Array.isArray(devices?.microphones) ? devices.microphones : [];
  const automatic = devices?.automatic ?? { camera: null, microphone: null };
  const autoCamera = cameras.find((c) => c.path === automatic.camera);
  const autoMicrophone = microphones.find((m) => m.name === automatic.microphone);
  fillDevices(
    ui.camera,
    cameras.map((c) => ({ value: c.path, words: c.name ? `${c.name} (${c.path})` : c.path })),
    settings?.devices?.camera ?? null,
    automatic.camera == null ? t('automaticTestPicture') : t('automaticNamed', { name: autoCamera?.name || automatic.camera }),
  );
  fillDevices(
    ui.microphone,
    microphones.map((m) => ({ value: m.name, words: m.description ? `${m.description} (${m.name})` : m.name })),
    settings?.devices?.microphone ?? null,
    automatic.microphone == null ? t('automaticTestTone') : t('automaticNamed', { name: autoMicrophone?.description || automatic.microphone }),
  );
  ui.noCamera.hidden = cameras.length > 0;
  ui.noMicrophone.hidden = microphones.length > 0;

  // No speaker: the sentence says so, and there is nothing to choose or set.
  const speakers = Array.isArray(devices?.speakers) ? devices.speakers : [];
  fillDevices(
    ui.speaker,
    speakers.map((m) => ({ value: m.name, words: m.description ? `${m.description} (${m.name})` : m.name })),
    settings?.devices?.speaker ?? null,
    t('automatic'),
  );
  const volume = settings?.devices?.volumePercent ?? null;
  ui.volumeLeave.checked = volume == null;
  if (volume != null) ui.volume.value = String(volume);
  showVolume();
  ui.noSpeaker.hidden = speakers.length > 0;
  ui.speakerField.hidden = speakers.length === 0;
  ui.volumeField.hidden = speakers.length === 0;
}

/** Shows the slider's value as a percentage; "Leave as it is" turns the slider off. */
function showVolume() {
  ui.volume.disabled = ui.volumeLeave.checked;
  ui.volumeValue.textContent = t('percentValue', { n: Number(ui.volume.value) });
}

ui.volume.addEventListener('input', showVolume);
ui.volumeLeave.addEventListener('change', showVolume);

/**
 * The quality the form asks for; null when every choice is "as configured"
 * on a box that reported none.
 * @returns {Quality | null}
 */
function chosenQuality() {
  const values = [ui.pictureSize.value, ui.framerate.value, ui.bitrate.value];
  if (values.every((v) => v === AS_CONFIGURED)) return null;
  const [w, h] = ui.pictureSize.value === AS_CONFIGURED ? [DEFAULT_QUALITY.width, DEFAULT_QUALITY.height] : ui.pictureSize.value.split('x').map(Number);
  return {
    width: w,
    height: h,
    framerate: ui.framerate.value === AS_CONFIGURED ? DEFAULT_QUALITY.framerate : Number(ui.framerate.value),
    maxBitrateKbps: ui.bitrate.value === AS_CONFIGURED ? DEFAULT_QUALITY.maxBitrateKbps : Number(ui.bitrate.value),
  };
}

ui.qualityForm.addEventListener('input', () => {
  pictureDirty = true;
  say(ui.qualityMessage, '');
});

ui.qualityForm.addEventListener('submit', (event) => {
  event.preventDefault();
  say(ui.qualityMessage, t('working'));
  busy(ui.qualityForm, async () => {
    try {
      // The whole settings go back: fetch them fresh, so answering
      // settings changed meanwhile (here or elsewhere) are kept.
      const current = (await authed('GET', '/settings')) ?? {};
      const next = {
        ...current,
        quality: chosenQuality(),
        devices: {
          ...(current.devices ?? {}),
          camera: ui.camera.value || null,
          microphone: ui.microphone.value || null,
          // With no speaker shown, the stored choice and volume go back as they were.
          ...(ui.speakerField.hidden
            ? {}
            : { speaker: ui.speaker.value || null, volumePercent: ui.volumeLeave.checked ? null : Number(ui.volume.value) }),
        },
      };
      const stored = (await authed('PUT', '/settings', next)) ?? next;
      // The answering form sends the whole settings too: it must not undo this.
      if (settingsDirty) storedSettings = { ...(storedSettings ?? {}), quality: stored.quality, devices: stored.devices };
      else renderSettings(stored);
      pictureDirty = false;
      say(ui.qualityMessage, t('savedNextCall'), 'ok');
    } catch (err) {
      sayError(ui.qualityMessage, err);
    }
  });
});

// ------------------------------------------------------------------ status

/**
 * @typedef {object} Status
 * @property {'waiting' | 'ringing' | 'connecting' | 'inCall'} state
 * @property {{session: string, phase: string, label: string}[]} calls
 * @property {string} encoder
 * @property {string} version
 * @property {null | {videoFrames: number, width: number, height: number, audioBuffers: number}} remote
 * @property {null | CallStats} [call] how the call in progress is going
 */

/**
 * @typedef {object} CallStats numbers may be null before the first readings
 * @property {number | null} rttMs
 * @property {number | null} lossPercent
 * @property {number | null} kbpsSent
 * @property {number | null} kbpsReceived
 */

/**
 * @typedef {object} CallRecord
 * @property {number} started unix seconds
 * @property {number} durationSecs
 * @property {string} label
 * @property {string} ended
 * @property {number} videoFrames
 * @property {number} width
 * @property {number} height
 */

function startStatus() {
  if (statusTimer || view !== 'admin' || tab !== 'status') return;
  const round = ++statusRound;
  const tick = async () => {
    if (document.visibilityState === 'visible') {
      try {
        const status = await authed('GET', '/status');
        if (round !== statusRound) return;
        renderStatus(status);
        say(ui.statusMessage, '');
        refreshTv();
        loadCalls(round);
      } catch (err) {
        if (round !== statusRound) return;
        sayError(ui.statusMessage, err);
      }
    }
    if (round === statusRound) statusTimer = setTimeout(tick, STATUS_EVERY_MS);
  };
  statusTimer = setTimeout(tick, 0);
}

function stopStatus() {
  clearTimeout(statusTimer);
  statusTimer = 0;
  statusRound++;
}

// A hidden tab asks nothing; coming back refreshes at once.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible') return;
  stopStatus();
  startStatus();
});

/**
 * @param {HTMLElement} el
 * @param {string} text
 */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text; // unchanged text is not read out again
}

/** @param {Status} status */
function renderStatus(status) {
  const labels = [...new Set((status?.calls ?? []).map((c) => String(c?.label ?? '').trim()).filter(Boolean))];
  const who = labels.length ? labels.join(', ') : t('someone');
  const words = BOX_STATE_WORDS[status?.state];
  setText(ui.statusState, words ? t(words, { who }) : t('stateUnknown'));
  ui.statusState.dataset.state = status?.state ?? '';

  const inCall = !!status && status.state !== 'waiting';
  const remote = status?.remote ?? null;
  ui.statusPictureRow.hidden = ui.statusSoundRow.hidden = !inCall;
  if (inCall) {
    setText(
      ui.statusPicture,
      remote && remote.videoFrames > 0
        ? t('pictureValue', { width: remote.width, height: remote.height, frames: remote.videoFrames })
        : t('noneYet'),
    );
    setText(ui.statusSound, remote && remote.audioBuffers > 0 ? t('soundComing') : t('noneYet'));
  }
  const call = status?.call ?? null;
  /** @type {[keyof typeof ui.statusCallRows, number | null | undefined, string][]} */
  const numbers = [
    ['rtt', call?.rttMs, 'msValue'],
    ['loss', call?.lossPercent, 'percentValue'],
    ['sent', call?.kbpsSent, 'kbps'],
    ['received', call?.kbpsReceived, 'kbps'],
  ];
  for (const [name, value, words] of numbers) {
    const [row, cell] = ui.statusCallRows[name];
    row.hidden = !call;
    if (call) setText(cell, typeof value === 'number' && Number.isFinite(value) ? t(words, { n: value }) : t('notMeasured'));
  }
  setText(ui.statusEncoder, String(status?.encoder ?? '—'));
  setText(ui.statusVersion, String(status?.version ?? '—'));
  ui.statusUpdated.textContent = t('updatedAt', { time: formatTimeNow() });
}

/**
 * Asks for a fresh picture of the TV (a new address each time, so no cache
 * answers) and shows it once it has arrived, so the old one stays until then.
 * A 404 means the box has no screen: say so and stop asking.
 */
function refreshTv() {
  if (noScreen || tvLoading) return;
  tvLoading = true;
  const url = `${API}/tv.png?t=${Date.now()}`;
  const next = new Image();
  next.addEventListener('load', () => {
    tvLoading = false;
    if (tab !== 'status') return;
    ui.tvPicture.src = url;
    ui.tvPicture.alt = t('tvAlt');
    ui.tvPicture.hidden = false;
    setText(ui.tvMessage, '');
  });
  next.addEventListener('error', async () => {
    // An image says nothing of why it failed: ask the box for the status.
    let status = 0;
    try {
      status = (await fetch(url, { credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status;
    } catch {
      status = 0;
    }
    tvLoading = false;
    if (status === 404) noScreen = true;
    if (status === 404 || !ui.tvPicture.getAttribute('src')) ui.tvPicture.hidden = true;
    setText(ui.tvMessage, status === 404 ? t('tvNoScreen') : t('tvTrouble'));
  });
  next.src = url;
}

/**
 * Refreshes the list of last calls; an unchanged list is left alone.
 * @param {number} round the status refresh it belongs to
 */
async function loadCalls(round) {
  try {
    const answer = await authed('GET', '/calls');
    if (round !== statusRound) return;
    const calls = Array.isArray(answer && answer.calls) ? answer.calls : [];
    const json = JSON.stringify(calls);
    if (json !== shownCalls) {
      shownCalls = json;
      ui.callsList.replaceChildren(...calls.map(renderCall));
      ui.callsEmpty.hidden = calls.length > 0;
    }
    say(ui.callsMessage, '');
  } catch (err) {
    if (round === statusRound) sayError(ui.callsMessage, err);
  }
}

/**
 * "5 minutes 12 seconds", "40 seconds".
 * @param {number} totalSecs
 */
function formatDuration(totalSecs) {
  const secs = Math.max(0, Math.round(Number(totalSecs) || 0));
  const minutes = Math.floor(secs / 60);
  const rest = secs % 60;
  if (minutes === 0) return t('seconds', { n: rest });
  if (rest === 0) return t('minutes', { n: minutes });
  return t('minutesSeconds', { minutes: t('minutes', { n: minutes }), seconds: t('seconds', { n: rest }) });
}

/** @param {CallRecord} call */
function renderCall(call) {
  const item = /** @type {HTMLLIElement} */ (/** @type {DocumentFragment} */ (ui.callTemplate.content.cloneNode(true)).firstElementChild);
  localize(item);
  item.dataset.ended = String(call?.ended ?? '');
  /** @type {HTMLElement} */ (item.querySelector('.call-who')).textContent = String(call?.label ?? '').trim() || t('someone');
  /** @type {HTMLElement} */ (item.querySelector('.call-when')).textContent = Number.isFinite(call?.started) ? formatDateTime(call.started) : '';
  const field = (name) => /** @type {HTMLElement} */ (item.querySelector(`[data-field="${name}"]`));
  field('duration').textContent = formatDuration(call?.durationSecs);
  field('ended').textContent = t(CALL_END_WORDS[call?.ended] ?? 'endedOther');
  field('picture').textContent =
    call?.videoFrames > 0 && call.width > 0 && call.height > 0 ? t('pictureSize2', { width: String(call.width), height: String(call.height) }) : t('noPicture');
  return item;
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
for (const form of [ui.setupForm, ui.loginForm, ui.linkForm, ui.settingsForm, ui.passwordForm]) {
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

// The admin page's Status tab: how the box is doing, live.
//
// Owns asking the box every few seconds while the tab is on screen (and only
// then): its state, how its camera and microphone are doing, the numbers of
// the call in progress and the last calls; a small picture of the TV now and
// then (or when the admin asks); and the network check, run when the admin asks.

import { t, formatDateTime, formatTimeNow, localize } from './admin-i18n.js';
import { API, REQUEST_TIMEOUT_MS, authed, timeoutSignal } from './admin-api.js';
import { busy, byId, say, sayError } from './admin-forms.js';
import { refreshRelay, resetRelay } from './admin-relay.js';

/** How often the Status tab asks the box, while it is on screen. */
const STATUS_EVERY_MS = 2000;
/** How often it fetches the TV's picture (an encoded image: costly for the box). */
const TV_EVERY_MS = 10_000;

/** How a call ended (CallRecord.ended) → the words for it. */
const CALL_END_WORDS = Object.freeze({
  hungUp: 'endedHungUp',
  linkRevoked: 'endedLinkRevoked',
  connectionFailed: 'endedConnectionFailed',
  takenOver: 'endedTakenOver',
  boxShutdown: 'endedBoxShutdown',
  gone: 'endedGone',
  incompatible: 'endedIncompatible',
  expelled: 'endedExpelled',
});

/** A camera's or microphone's state (InputView.state) → the words for it. */
const INPUT_WORDS = Object.freeze({
  test: 'inputTest',
  notFound: 'inputNotFound',
  idle: 'inputIdle',
  starting: 'inputStarting',
  working: 'inputWorking',
  missing: 'inputMissing',
  failed: 'inputFailed',
});

/** The box's state (Status.state) → the sentence for it. */
const BOX_STATE_WORDS = Object.freeze({
  waiting: 'stateWaiting',
  ringing: 'stateRinging',
  connecting: 'stateConnecting',
  inCall: 'stateInCall',
});

const ui = Object.freeze({
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
  statusCamera: byId('status-camera'),
  statusMicrophone: byId('status-microphone'),
  statusEncoder: byId('status-encoder'),
  statusVersion: byId('status-version'),
  statusCertificateRow: byId('status-certificate-row'),
  statusCertificate: byId('status-certificate'),
  statusMessage: byId('status-message'),
  statusUpdated: byId('status-updated'),
  tvPicture: /** @type {HTMLImageElement} */ (byId('tv-picture')),
  tvMessage: byId('tv-message'),
  tvRefresh: /** @type {HTMLButtonElement} */ (byId('tv-refresh')),
  callsMessage: byId('calls-message'),
  callsEmpty: byId('calls-empty'),
  callsList: byId('calls-list'),
  callTemplate: /** @type {HTMLTemplateElement} */ (byId('call-template')),
  networkCheck: /** @type {HTMLButtonElement} */ (byId('network-check')),
  networkFacts: byId('network-facts'),
  networkTurn: byId('network-turn'),
  networkPublicRow: byId('network-public-row'),
  networkPublic: byId('network-public'),
  networkMessage: byId('network-message'),
});

/** Where the page stands (its view and its tab); admin.js tells, through watchPage. */
let page = { view: () => 'loading', tab: () => 'links' };

/**
 * @param {{view: () => string, tab: () => string}} where the view and the tab on screen now
 */
export function watchPage(where) {
  page = where;
}

/** The box answered 404 for the TV's picture: it has no screen, so stop asking. */
let noScreen = false;
/** A picture of the TV is on its way (a slow one is not asked for twice). */
let tvLoading = false;
/** When the last picture of the TV was asked for (ms since the epoch). */
let tvAskedAt = 0;
/** The last calls as last shown (their JSON), so an unchanged list is not redrawn. */
let shownCalls = '';
/** The Status tab's next refresh, while it is on screen. */
let statusTimer = 0;
/** Counts up on every start and stop of the status refresh, so a late answer is dropped. */
let statusRound = 0;

/** Clears the tab for a fresh login: no messages, and the TV and last calls asked for anew. */
export function resetStatus() {
  say(ui.statusMessage, '');
  say(ui.callsMessage, '');
  noScreen = false;
  tvAskedAt = 0;
  ui.tvRefresh.hidden = false;
  shownCalls = '';
  say(ui.networkMessage, '');
  ui.networkFacts.hidden = true;
  resetRelay();
}

/**
 * @typedef {object} Status
 * @property {'waiting' | 'ringing' | 'connecting' | 'inCall'} state
 * @property {{session: string, phase: string, label: string}[]} calls
 * @property {string} encoder
 * @property {string} version
 * @property {string} [certificateFingerprint] SHA-256 of the box's HTTPS certificate
 * @property {null | {videoFrames: number, width: number, height: number, framerate: number, audioBuffers: number}} remote
 * @property {null | CallStats} [call] how the call in progress is going
 * @property {{camera: InputView, microphone: InputView}} [capture] what the camera and microphone send
 */

/**
 * @typedef {object} InputView
 * @property {'test' | 'notFound' | 'idle' | 'starting' | 'working' | 'missing' | 'failed'} state
 * @property {string} [device] `/dev/video0`, `hw:1`
 * @property {string} [reason] why it failed, in the device's words
 * @property {boolean} placeholder callers get a still picture or silence instead
 * @property {string} message the same in one English sentence
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

export function startStatus() {
  if (statusTimer || page.view() !== 'admin' || page.tab() !== 'status') return;
  const round = ++statusRound;
  const tick = async () => {
    if (document.visibilityState === 'visible') {
      try {
        const status = await authed('GET', '/status');
        if (round !== statusRound) return;
        renderStatus(status);
        say(ui.statusMessage, '');
        if (Date.now() - tvAskedAt >= TV_EVERY_MS) refreshTv();
        loadCalls(round);
        refreshRelay();
      } catch (err) {
        if (round !== statusRound) return;
        sayError(ui.statusMessage, err);
      }
    }
    if (round === statusRound) statusTimer = setTimeout(tick, STATUS_EVERY_MS);
  };
  statusTimer = setTimeout(tick, 0);
}

export function stopStatus() {
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
        ? t('pictureValue', { width: remote.width, height: remote.height, fps: Math.round(remote.framerate), frames: remote.videoFrames })
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
  setText(ui.statusCamera, inputWords(status?.capture?.camera, 'standInCamera'));
  setText(ui.statusMicrophone, inputWords(status?.capture?.microphone, 'standInMicrophone'));
  for (const [cell, input] of [[ui.statusCamera, status?.capture?.camera], [ui.statusMicrophone, status?.capture?.microphone]]) {
    cell.dataset.state = String(input?.state ?? '');
  }
  setText(ui.statusEncoder, String(status?.encoder ?? '—'));
  setText(ui.statusVersion, String(status?.version ?? '—'));
  const fingerprint = status?.certificateFingerprint;
  ui.statusCertificateRow.hidden = !fingerprint;
  if (fingerprint) setText(ui.statusCertificate, String(fingerprint));
  ui.statusUpdated.textContent = t('updatedAt', { time: formatTimeNow() });
}

/**
 * What a camera or microphone is doing, in the page's language.
 * @param {InputView | undefined} input
 * @param {string} standIn the words for its placeholder
 */
function inputWords(input, standIn) {
  const words = INPUT_WORDS[input?.state];
  if (!words) return '—';
  return t(words, { device: String(input.device ?? ''), reason: String(input.reason ?? '').replace(/\.$/, ''), standIn: t(standIn) });
}

ui.tvRefresh.addEventListener('click', () => refreshTv());

/**
 * Asks for a fresh picture of the TV (a new address each time, so no cache
 * answers) and shows it once it has arrived, so the old one stays until then.
 * The box makes it small; the tab asks every TV_EVERY_MS while on screen,
 * or when the admin presses the button. A 404 means the box has no screen:
 * say so and stop asking.
 */
function refreshTv() {
  if (noScreen || tvLoading) return;
  tvLoading = true;
  tvAskedAt = Date.now();
  const url = `${API}/tv.png?t=${Date.now()}`;
  const next = new Image();
  next.addEventListener('load', () => {
    tvLoading = false;
    if (page.tab() !== 'status') return;
    ui.tvPicture.src = url;
    ui.tvPicture.alt = t('tvAlt');
    ui.tvPicture.hidden = false;
    setText(ui.tvMessage, '');
  });
  next.addEventListener('error', async () => {
    // An image says nothing of why it failed: ask the box for the status.
    let status = 0;
    try {
      status = (await fetch(url, { credentials: 'same-origin', cache: 'no-store', signal: timeoutSignal(REQUEST_TIMEOUT_MS) })).status;
    } catch {
      status = 0;
    }
    tvLoading = false;
    if (status === 404) {
      noScreen = true;
      ui.tvRefresh.hidden = true;
    }
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

/**
 * @typedef {object} NetworkReport what GET /api/admin/network answers
 * @property {{configured: boolean, ok: boolean, server?: string, relayedAddress?: string, error?: string}} turn
 * @property {string} [publicAddress]
 * @property {string} [publicAddressError]
 * @property {number} checkedAt unix seconds
 */

ui.networkCheck.addEventListener('click', () => busy(ui.networkCheck, checkNetwork));

/** Asks the box to check the TURN server and its public address (a few seconds). */
async function checkNetwork() {
  say(ui.networkMessage, t('networkChecking'));
  try {
    /** @type {NetworkReport} */
    const report = await authed('GET', '/network');
    renderNetwork(report);
    say(ui.networkMessage, t('networkCheckedAt', { time: formatDateTime(report.checkedAt) }), 'ok');
  } catch (err) {
    sayError(ui.networkMessage, err);
  }
}

/** @param {NetworkReport} report */
function renderNetwork(report) {
  const turn = report?.turn ?? { configured: false, ok: false };
  const server = String(turn.server ?? '');
  let text;
  if (!turn.configured) text = t('networkNoTurn');
  else if (turn.ok) text = t('networkTurnOk', { server, relayed: String(turn.relayedAddress ?? '') });
  else text = t('networkTurnFailed', { server, error: String(turn.error ?? '') });
  setText(ui.networkTurn, text);
  ui.networkTurn.dataset.ok = String(!!turn.ok);
  const address = report?.publicAddress;
  const why = report?.publicAddressError;
  ui.networkPublicRow.hidden = !address && !why;
  if (address) setText(ui.networkPublic, t('networkPublicValue', { address: String(address) }));
  else if (why) setText(ui.networkPublic, t('networkPublicUnknown', { error: String(why) }));
  ui.networkFacts.hidden = false;
}

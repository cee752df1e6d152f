// The call page: HomeCall's caller side, served at /r/<token>.
//
// Owns one call as the relative sees it: this side's camera and microphone,
// the signalling socket and the RTCPeerConnection it negotiates (class
// Connection, one per try), reconnection and its backoff, the status on
// screen, the controls and the diagnostics hook for tests. Wire shapes live
// in protocol.js, words in i18n.js, looks in call.css.

import * as proto from './protocol.js';
import { t, localize } from './i18n.js';

// ---------------------------------------------------------------- settings

/** sessionStorage key of the box's session id, kept across a reload. */
const SESSION_KEY = 'homecallSession';
/** Delay before the first retry; doubles per retry (0.5, 1, 2, 4 s) up to the cap. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;
/** How often to try again while the box is busy with another call. */
const BUSY_RETRY_MS = 10_000;
/** Socket opens that fail in a row before the page says it can't reach the box. */
const UNREACHABLE_AFTER = 4;
/** A socket still not open after this long counts as a failed open. */
const SOCKET_OPEN_TIMEOUT_MS = 5000;
/** Admitted (welcome) but no media connection after this long: start again. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Media path lost (ICE disconnected) for this long: start again with a fresh offer. */
const PROBLEMS_TIMEOUT_MS = 8000;

const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const VIDEO_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' };

/** Debug output only; the page never writes to the console otherwise. */
const log = (...args) => console.debug('[homecall]', ...args);

// ------------------------------------------------------------ page state

const ui = {
  remote: /** @type {HTMLVideoElement} */ (document.getElementById('remote')),
  self: /** @type {HTMLVideoElement} */ (document.getElementById('self')),
  note: document.getElementById('note'),
  statusTitle: document.getElementById('status-title'),
  statusDetail: document.getElementById('status-detail'),
  statusAction: document.getElementById('status-action'),
  tapToHear: document.getElementById('tap-to-hear'),
  controls: document.getElementById('controls'),
  mic: document.getElementById('mic'),
  camera: document.getElementById('camera'),
  fullscreen: document.getElementById('fullscreen'),
  hangUp: document.getElementById('hang-up'),
};

/** The link's token: the last segment of /r/<token>. */
const token = location.pathname.split('/').filter(Boolean).pop() ?? '';

/** One of 'connecting', 'ringing', 'inCall', 'problems', 'ended', 'busy', 'invalidLink', 'resting', 'unreachable', 'error'. */
let state = 'connecting';
/** Ended, hung up or refused for good: no more tries. */
let finished = false;
/** The media connection worked at least once on this page (a loss is then "problems"). */
let wasInCall = false;
/** The current try, or null between tries. */
let connection = null;
/** Tries since the call last worked; sets the backoff. */
let retries = 0;
/** Socket opens that failed in a row. */
let failedOpens = 0;
let retryTimer = 0;
let watchdogTimer = 0;
/** The box's session id for this call, to resume after a reload or a loss. */
let session = loadSession();
/** This side's camera and microphone, or null while asking or when refused. */
let localStream = null;
/** What this side sends: 'audio+video', 'audio' or 'none'. */
let localMedia = 'none';
/** The local stream, once getUserMedia has settled (it is asked for once per page load). */
let localMediaReady = Promise.resolve(null);
/** The browser has answered the camera and microphone request (granted or not). */
let localMediaSettled = false;
/** performance.now() of the first decoded remote frame, once per page load. */
let firstFrameMs = null;

// ----------------------------------------------------------- one try

/**
 * One try at the call: a signalling socket and the RTCPeerConnection it
 * negotiates. Server messages are handled strictly in order, so an `ice` that
 * arrives while the offer is still being applied waits for it. After close()
 * it reports nothing more; a new try is a new Connection.
 */
class Connection {
  /**
   * @param {{token: string, resume: string | null, localMedia: Promise<MediaStream | null>}} call
   *   the link's token, the session to take over, and this side's media once the browser answers
   * @param {{
   *   onWelcome(session: string): void,
   *   onRinging(seconds: number): void,
   *   onRemoteStream(stream: MediaStream): void,
   *   onPeerState(health: 'connected' | 'disconnected'): void,
   *   onEnded(reason: string): void,
   *   onRefused(code: string, until?: string): void,
   *   onLost(opened: boolean): void,
   * }} events
   */
  constructor({ token, resume, localMedia }, events) {
    this.localMedia = localMedia;
    this.events = events;
    this.closed = false;
    this.opened = false;
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    /** The box's media: one stream holding its audio and video tracks. */
    this.remoteStream = new MediaStream();
    /** The box's candidates that came before its offer was applied. */
    this.remoteCandidates = [];
    /** Our candidates gathered before the answer went out. */
    this.localCandidates = [];
    this.answered = false;
    this.queue = Promise.resolve();
    this.openTimer = 0;

    try {
      // Beside the page: /r/<token> → /signal; through a relay,
      // /b/<box>/r/<token> → /b/<box>/signal.
      const base = location.pathname.replace(/\/r\/[^/]*$/, '');
      this.ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${base}/signal`);
    } catch (err) {
      log('cannot open the socket:', err.name);
      this.ws = null;
      setTimeout(() => this.lose(), 0);
      return;
    }
    this.openTimer = setTimeout(() => this.lose(), SOCKET_OPEN_TIMEOUT_MS);
    this.ws.onopen = () => {
      clearTimeout(this.openTimer);
      this.opened = true;
      this.send(proto.hello(token, resume));
    };
    this.ws.onmessage = (event) => this.receive(event.data);
    // Queued like a message, so an `error` or `ended` just before the close is still read.
    this.ws.onclose = () => this.enqueue(() => this.lose());
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Sends hangUp (it goes out before the socket's close frame) and closes. */
  hangUp() {
    this.send(proto.hangUp());
    this.close();
  }

  /** Stops this try quietly: no more events. */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      this.ws.close();
    }
    if (this.pc) this.pc.close();
  }

  /** The socket or the media path is gone: close and report it. */
  lose() {
    if (this.closed) return;
    this.close();
    this.events.onLost(this.opened);
  }

  receive(data) {
    const message = proto.parseServerMessage(data);
    if (message) this.enqueue(() => this.handle(message));
    else log('ignored a message that is not protocol v1');
  }

  /** Runs `step` after every earlier one; a step that fails loses this try. */
  enqueue(step) {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : step()))
      .catch((err) => {
        log('signalling step failed:', err && err.name, err && err.message);
        this.lose();
      });
  }

  /** @param {import('./protocol.js').ServerMessage} message */
  async handle(message) {
    switch (message.type) {
      case proto.ServerType.ringing:
        return this.events.onRinging(message.seconds);
      case proto.ServerType.welcome:
        return this.welcome(message);
      case proto.ServerType.offer:
        return this.offer(message.sdp);
      case proto.ServerType.ice:
        return this.remoteIce({ candidate: message.candidate, sdpMLineIndex: message.sdpMLineIndex });
      case proto.ServerType.ended:
        this.close();
        return this.events.onEnded(message.reason);
      case proto.ServerType.error:
        this.close();
        return this.events.onRefused(message.code, message.until);
    }
  }

  /** @param {import('./protocol.js').WelcomeMessage} message */
  welcome(message) {
    if (this.pc) throw new Error('a second welcome');
    const pc = new RTCPeerConnection({ iceServers: message.iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      // null is the end of gathering, an empty string the end of a generation: neither goes out.
      if (this.closed || !candidate || !candidate.candidate) return;
      const out = proto.ice(candidate.candidate, candidate.sdpMLineIndex ?? 0);
      if (this.answered) this.send(out);
      else this.localCandidates.push(out);
    };
    pc.ontrack = ({ track }) => {
      if (this.closed) return;
      for (const old of this.remoteStream.getTracks()) {
        if (old.kind === track.kind && old !== track) this.remoteStream.removeTrack(old);
      }
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      this.events.onRemoteStream(this.remoteStream);
    };
    pc.onconnectionstatechange = pc.oniceconnectionstatechange = () => this.peerStateChanged();
    this.events.onWelcome(message.session);
  }

  /** Answers the box's offer with this side's tracks on the transceivers it offered. */
  async offer(sdp) {
    const pc = this.pc;
    if (!pc) throw new Error('an offer before welcome');
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const stream = await this.localMedia;
    if (this.closed) return;
    if (stream) {
      const sending = pc.getSenders().map((sender) => sender.track);
      for (const track of stream.getTracks()) {
        if (!sending.includes(track)) pc.addTrack(track, stream);
      }
    }
    for (const candidate of this.remoteCandidates.splice(0)) await this.addRemoteCandidate(candidate);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.closed) return;
    this.send(proto.answer(pc.localDescription.sdp));
    this.answered = true;
    for (const candidate of this.localCandidates.splice(0)) this.send(candidate);
  }

  async remoteIce(init) {
    if (this.pc && this.pc.remoteDescription) await this.addRemoteCandidate(init);
    else this.remoteCandidates.push(init);
  }

  async addRemoteCandidate(init) {
    try {
      await this.pc.addIceCandidate(init);
    } catch (err) {
      log('skipped a candidate the browser rejected:', err.name);
    }
  }

  /** connectionState where the browser has it, iceConnectionState otherwise. */
  peerStateChanged() {
    if (this.closed) return;
    const { connectionState: conn, iceConnectionState: ice } = this.pc;
    if (conn === 'failed' || ice === 'failed') this.lose();
    else if (conn === 'disconnected' || ice === 'disconnected') this.events.onPeerState('disconnected');
    else if (conn === 'connected' || (conn === undefined && (ice === 'connected' || ice === 'completed'))) {
      this.events.onPeerState('connected');
    }
  }
}

// ------------------------------------------------ tries, retries, the end

/** What the current try reports, and how the page reacts. */
const connectionEvents = {
  onWelcome(id) {
    rememberSession(id);
    failedOpens = 0;
    show(wasInCall ? 'problems' : 'connecting');
    armWatchdog(CONNECT_TIMEOUT_MS);
  },
  onRinging(seconds) {
    // The TV announces the caller first; the connection waits for it.
    show('ringing');
    armWatchdog(seconds * 1000 + CONNECT_TIMEOUT_MS);
  },
  onRemoteStream(stream) {
    showRemote(stream);
  },
  onPeerState(health) {
    if (health === 'connected') {
      wasInCall = true;
      retries = 0;
      clearTimeout(watchdogTimer);
      show('inCall');
    } else {
      show('problems');
      armWatchdog(PROBLEMS_TIMEOUT_MS);
    }
  },
  onEnded(reason) {
    connection = null;
    forgetSession();
    const takenOver = reason === proto.EndReason.takenOver;
    if (reason === proto.EndReason.linkRevoked) {
      return stop('invalidLink', { title: t('linkNoLongerValid') });
    }
    if (reason === proto.EndReason.connectionFailed) {
      // The media path failed (or took too long, e.g. while the browser asked
      // for the camera): try again with a fresh connection, as after a loss.
      return retry();
    }
    const detail = {
      [proto.EndReason.boxShutdown]: 'endedBoxShutdown',
    }[reason];
    stop('ended', {
      title: t(takenOver ? 'takenOver' : 'ended'),
      detail: detail ? t(detail) : '',
      action: { label: 'callAgain', run: () => location.reload() },
    });
  },
  onRefused(code, until) {
    connection = null;
    refused(code, until);
  },
  onLost(opened) {
    connection = null;
    if (!opened) failedOpens++;
    retry();
  },
};

function connect() {
  clearTimeout(retryTimer);
  if (finished || connection) return;
  connection = new Connection({ token, resume: session, localMedia: localMediaReady }, connectionEvents);
}

/** Drops the current try (if any) and schedules the next one with backoff. */
function retry() {
  clearTimeout(watchdogTimer);
  if (connection) connection.close();
  connection = null;
  if (finished) return;
  if (failedOpens >= UNREACHABLE_AFTER) show('unreachable');
  else show(wasInCall ? 'problems' : 'connecting');
  const delay = Math.min(FIRST_RETRY_MS * 2 ** retries, MAX_RETRY_MS);
  retries++;
  log(`next try in ${delay} ms`);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}

/**
 * Starts again from a fresh socket if the call is not (back) up in time.
 * Time the person spends on the browser's camera question does not count.
 */
function armWatchdog(ms) {
  clearTimeout(watchdogTimer);
  watchdogTimer = setTimeout(() => {
    if (!localMediaSettled) return armWatchdog(ms);
    log('no media connection in time, starting again');
    retry();
  }, ms);
}

/** The box refused: wait and retry when busy, otherwise stop with its sentence. */
function refused(code, until) {
  clearTimeout(watchdogTimer);
  const reload = { label: 'reload', run: () => location.reload() };
  switch (code) {
    case proto.ErrorCode.busy:
      show('busy', { detail: t('busyRetrying') });
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, BUSY_RETRY_MS);
      return;
    case proto.ErrorCode.invalidLink:
      forgetSession();
      return stop('invalidLink', { detail: t('invalidLinkHelp') });
    case proto.ErrorCode.linkNoLongerValid:
      forgetSession();
      return stop('invalidLink', { title: t('linkNoLongerValid') });
    case proto.ErrorCode.resting:
      forgetSession();
      return stop('resting', { title: t('resting').replace('{until}', until ?? '') });
    case proto.ErrorCode.notAnswering:
      forgetSession();
      return stop('resting', { title: t('notAnswering') });
    case proto.ErrorCode.unsupportedVersion:
    case proto.ErrorCode.badMessage:
      return stop('error', { title: t(code), action: reload });
    case proto.ErrorCode.unavailable:
      return stop('error', { title: t(code), action: { label: 'tryAgain', run: () => location.reload() } });
    default:
      return stop('error', { title: t('unknownError'), action: reload });
  }
}

/** The caller pressed hang up (or Esc). */
function hangUp() {
  if (finished) return;
  if (connection) connection.hangUp();
  connection = null;
  forgetSession();
  stop('ended', { action: { label: 'callAgain', run: () => location.reload() } });
}

/** Ends everything for good: no tries, no camera, no sound; shows `next`. */
function stop(next, view) {
  finished = true;
  clearTimeout(retryTimer);
  clearTimeout(watchdogTimer);
  if (connection) connection.close();
  connection = null;
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  ui.remote.srcObject = null;
  show(next, view);
  renderControls();
}

// ------------------------------------------------------------- session id

function loadSession() {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null; // storage disabled: the page still resumes within this load
  }
}

function rememberSession(id) {
  session = id;
  try {
    sessionStorage.setItem(SESSION_KEY, id);
  } catch {
    // storage disabled or full: a reload then starts a new call
  }
}

function forgetSession() {
  session = null;
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // nothing stored
  }
}

// ----------------------------------------------------------------- status

/**
 * Shows a state: the big text (hidden while in a healthy call), an optional
 * smaller line and an optional button.
 * @param {string} next one of the `state` values
 * @param {{title?: string, detail?: string, action?: {label: string, run: () => void}}} [view]
 */
function show(next, { title = t(next), detail = '', action = null } = {}) {
  state = next;
  document.body.dataset.state = next;
  ui.statusTitle.textContent = title;
  ui.statusDetail.textContent = detail;
  ui.statusDetail.hidden = !detail;
  ui.statusAction.hidden = !action;
  if (action) {
    ui.statusAction.textContent = t(action.label);
    ui.statusAction.onclick = action.run;
  }
}

// ----------------------------------------------------------- local media

/** Asks for camera and microphone, then the microphone alone, then goes on receive-only. */
async function acquireLocalMedia() {
  const stream =
    (await askForMedia({ audio: AUDIO_CONSTRAINTS, video: VIDEO_CONSTRAINTS })) ??
    (await askForMedia({ audio: AUDIO_CONSTRAINTS }));
  if (finished) {
    if (stream) for (const track of stream.getTracks()) track.stop(); // hung up while the browser was asking
    return null;
  }
  localMediaSettled = true;
  localStream = stream;
  localMedia = !stream ? 'none' : stream.getVideoTracks().length ? 'audio+video' : 'audio';
  if (stream && stream.getVideoTracks().length) {
    ui.self.muted = true;
    ui.self.srcObject = stream;
    ui.self.play().catch((err) => log('self view play():', err.name));
  }
  const note = { none: 'mediaBlocked', audio: 'cameraBlocked' }[localMedia];
  ui.note.textContent = note ? t(note) : '';
  ui.note.hidden = !note || finished;
  renderControls();
  return stream;
}

async function askForMedia(constraints) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null; // not a secure origin
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (err) {
    log(`getUserMedia(${Object.keys(constraints).join('+')}) refused:`, err.name);
    return null;
  }
}

// ----------------------------------------------------------- remote media

function showRemote(stream) {
  if (finished) return;
  if (ui.remote.srcObject !== stream) ui.remote.srcObject = stream;
  playRemote();
}

/**
 * Plays the box's audio and video. Where autoplay with sound is blocked
 * (iOS Safari, no gesture yet), plays muted so the picture shows, and offers
 * "Tap to hear" to unmute.
 */
function playRemote() {
  ui.remote.play().then(renderTapToHear, (err) => {
    if (err.name !== 'NotAllowedError') return log('remote play():', err.name);
    ui.remote.muted = true;
    renderTapToHear();
    ui.remote.play().catch((e) => log('muted remote play():', e.name));
  });
}

function tapToHear() {
  ui.remote.muted = false;
  ui.remote.play().then(renderTapToHear, (err) => log('remote play() after a tap:', err.name));
}

function renderTapToHear() {
  ui.tapToHear.hidden = !ui.remote.muted || finished;
}

/** Records when the first remote frame was decoded, once per page load. */
function watchFirstFrame() {
  const record = () => {
    if (firstFrameMs === null) firstFrameMs = Math.round(performance.now());
  };
  if (typeof ui.remote.requestVideoFrameCallback === 'function') ui.remote.requestVideoFrameCallback(record);
  else ui.remote.addEventListener('playing', record, { once: true });
}

// --------------------------------------------------------------- controls

const root = document.documentElement;
const canFullscreen = Boolean(
  (document.fullscreenEnabled || document.webkitFullscreenEnabled) &&
    (root.requestFullscreen || root.webkitRequestFullscreen),
);

function fullscreenElement() {
  return document.fullscreenElement ?? document.webkitFullscreenElement ?? null;
}

function toggleFullscreen() {
  const result = fullscreenElement()
    ? (document.exitFullscreen || document.webkitExitFullscreen).call(document)
    : (root.requestFullscreen || root.webkitRequestFullscreen).call(root);
  Promise.resolve(result).catch((err) => log('full screen:', err.name));
}

/** Turns this side's microphone ('audio') or camera ('video') on or off. */
function toggleTrack(kind) {
  const tracks = localTracks(kind);
  if (!tracks.length || finished) return;
  const on = !tracks[0].enabled;
  for (const track of tracks) track.enabled = on;
  renderControls();
}

function localTracks(kind) {
  if (!localStream) return [];
  return kind === 'audio' ? localStream.getAudioTracks() : localStream.getVideoTracks();
}

/** Buttons and self view follow the tracks; aria-pressed="true" means on. */
function renderControls() {
  for (const [button, kind] of [[ui.mic, 'audio'], [ui.camera, 'video']]) {
    const tracks = localTracks(kind);
    button.disabled = !tracks.length;
    button.setAttribute('aria-pressed', String(tracks.length > 0 && tracks[0].enabled));
  }
  ui.fullscreen.hidden = !canFullscreen;
  ui.fullscreen.setAttribute('aria-pressed', String(fullscreenElement() !== null));
  const video = localTracks('video');
  ui.self.hidden = finished || !video.length || !video[0].enabled;
  ui.controls.hidden = finished;
  if (finished) ui.note.hidden = true;
  renderTapToHear();
}

/** The key a shortcut means: the letter typed, or the physical key on a non-Latin layout. */
function shortcutKey(event) {
  const key = (event.key || '').toLowerCase();
  const code = event.code || '';
  if (key.length === 1 && !/[a-z]/.test(key) && code.startsWith('Key')) return code.slice(3).toLowerCase();
  return key;
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = /** @type {Element} */ (event.target);
  if (target.closest && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
  const key = shortcutKey(event);
  if (key === 'm' && !event.repeat) toggleTrack('audio');
  else if (key === 'v' && !event.repeat) toggleTrack('video');
  // In full screen the browser uses Esc to leave it; the next Esc hangs up.
  else if ((key === 'escape' || key === 'esc') && !fullscreenElement()) hangUp();
  else return;
  event.preventDefault();
}

function wireControls() {
  ui.mic.addEventListener('click', () => toggleTrack('audio'));
  ui.camera.addEventListener('click', () => toggleTrack('video'));
  ui.hangUp.addEventListener('click', hangUp);
  ui.fullscreen.addEventListener('click', toggleFullscreen);
  ui.tapToHear.addEventListener('click', tapToHear);
  document.addEventListener('fullscreenchange', renderControls);
  document.addEventListener('webkitfullscreenchange', renderControls);
  document.addEventListener('keydown', onKeyDown);
  // Back online while waiting for the next try: try now.
  window.addEventListener('online', () => {
    if (!connection && !finished) connect();
  });
}

// ------------------------------------------------------------ diagnostics

/**
 * Read-only diagnostics for automated tests; the page itself never reads it.
 * @type {Readonly<{
 *   state: 'connecting' | 'inCall' | 'problems' | 'ended' | 'busy' | 'invalidLink' | 'unreachable' | 'error',
 *   session: string | null,
 *   peer: RTCPeerConnection | null,
 *   firstFrameMs: number | null,
 *   localMedia: 'audio+video' | 'audio' | 'none',
 * }>}
 * - state: what the page shows; also document.body.dataset.state.
 * - session: the box's session id for this call (kept in
 *   sessionStorage.homecallSession to resume after a reload), or null.
 * - peer: the current RTCPeerConnection, or null between tries and after the end.
 * - firstFrameMs: Math.round(performance.now()) at the first decoded remote
 *   video frame of this page load, or null before it.
 * - localMedia: what this side sends ('none' while the browser is still asking).
 */
window.homecall = Object.freeze({
  get state() {
    return state;
  },
  get session() {
    return session;
  },
  get peer() {
    return connection ? connection.pc : null;
  },
  get firstFrameMs() {
    return firstFrameMs;
  },
  get localMedia() {
    return localMedia;
  },
});

// ------------------------------------------------------------------ start

function start() {
  localize();
  document.title = t('pageTitle');
  wireControls();
  watchFirstFrame();
  show('connecting');
  renderControls();
  if (!token) return stop('invalidLink', { detail: t('invalidLinkHelp') });
  // Ask for camera and microphone while the socket opens; the answer to the
  // box's offer waits for the browser's reply (see Connection.offer).
  localMediaReady = acquireLocalMedia();
  connect();
}

start();

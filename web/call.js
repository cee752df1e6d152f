// The call page: HomeCall's caller side, served at /r/<token>.
//
// Owns one call as the relative sees it: this side's camera and microphone,
// the call's life across sockets and media connections (a socket that drops
// is opened again and takes the call up; media that fails is rebuilt by the
// box), when to give up and what to say then, the status on screen, the
// controls and the diagnostics hook for tests. The socket is call-signal.js,
// one media connection call-media.js; wire shapes live in protocol.js, words
// in i18n.js, looks in call.css.

import * as proto from './protocol.js';
import { t, localize } from './i18n.js';
import { Signal } from './call-signal.js';
import { MediaLink, warmUp } from './call-media.js';
import { RemoteView } from './call-remote.js';
import { Mesh } from './call-mesh.js';
import { askForLocalMedia, cameraState, mediaAllowed, microphoneOn } from './call-local.js';
import * as a11y from './call-a11y.js';
import './call-install.js';
import { VIDEO_CONSTRAINTS } from './call-quality.js';

// ---------------------------------------------------------------- settings

/** sessionStorage key of the box's session id, kept across a reload. */
const SESSION_KEY = 'homecallSession';
/** Delay before the first reconnection; doubles per try up to the cap. */
const FIRST_RETRY_MS = 250;
/** The cap while the call was up (the box restarts in about a second), and before. */
const MAX_RETRY_IN_CALL_MS = 1000;
const MAX_RETRY_MS = 5000;
/** Socket opens that fail in a row before the page says it can't reach the box. */
const UNREACHABLE_AFTER = 4;
/** How long the page keeps trying to reach the box before it stops and says so. */
const GIVE_UP_UNREACHABLE_MS = 3 * 60_000;
/** How often, and how many times, to try again while the box is busy. */
const BUSY_RETRY_MS = 10_000;
const BUSY_TRIES = 12;
/** A socket open this long without a welcome (or a refusal) is dropped and opened again. */
const WELCOME_TIMEOUT_MS = 10_000;

const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** Debug output only; the page never writes to the console otherwise. */
const log = (...args) => console.debug('[homecall]', ...args);

// ------------------------------------------------------------ page state

const ui = {
  remote: /** @type {HTMLVideoElement} */ (document.getElementById('remote')),
  self: /** @type {HTMLVideoElement} */ (document.getElementById('self')),
  note: document.getElementById('note'),
  noteText: document.getElementById('note-text'),
  noteRetry: document.getElementById('note-retry'),
  noteClose: document.getElementById('note-close'),
  statusTitle: document.getElementById('status-title'),
  statusDetail: document.getElementById('status-detail'),
  statusAction: document.getElementById('status-action'),
  tapToHear: document.getElementById('tap-to-hear'),
  announce: document.getElementById('announce'),
  others: document.getElementById('others'),
  controls: document.getElementById('controls'),
  mic: document.getElementById('mic'),
  camera: document.getElementById('camera'),
  fullscreen: document.getElementById('fullscreen'),
  hangUp: document.getElementById('hang-up'),
};

/** The box's picture on ui.remote at once, its sound a moment later (call-remote.js). */
const remoteView = new RemoteView(ui.remote, () => {
  if (ui.remote.paused && !finished) playRemote();
});

/** The link's token: the last segment of /r/<token>. */
const token = location.pathname.split('/').filter(Boolean).pop() ?? '';

/** The person pressed Call (or pressed it before a reload). */
let pressed = false;
/**
 * The browser gives camera and microphone without asking (allowed before):
 * the box may ring as Call is pressed, not only once they have come.
 */
let allowed = false;
/** The page came back to a call (a reload): it rings nothing. */
let cameBack = false;
/** Whom the page calls, as the box names itself (null: unnamed). */
let boxName = null;
/** One of 'start', 'asking', 'connecting', 'ringing', 'inCall', 'problems', 'ended', 'busy', 'invalidLink', 'resting', 'unreachable', 'error'. */
let state = 'connecting';
/** Ended, hung up or refused for good: no more tries. */
let finished = false;
/** The media connection worked at least once on this page (a loss is then "problems"). */
let wasInCall = false;
/** The socket to the box, or null between sockets. */
let signal = null;
/** The media connection the box's latest offer made, or null before it. */
let media = null;
/** The ICE servers of the latest welcome, for the next media connection. */
let iceServers = [];
/** This side's candidates for `media`, held until its answer went out. */
let heldCandidates = [];
/** The answer to the current offer has gone out. */
let answered = false;
/** What the box sent, handled strictly in order (an `ice` waits for the offer before it). */
let inbox = Promise.resolve();
/** Offers from the box so far, counted as they arrive (before the inbox handles them). */
let offersArrived = 0;
/** Reconnections since the call last worked; sets the backoff. */
let retries = 0;
/** Socket opens that failed in a row, and since when the box has been out of reach. */
let failedOpens = 0;
let unreachableSince = 0;
/** Busy answers in a row. */
let busyTries = 0;
let retryTimer = 0;
let welcomeTimer = 0;
/** The box's session id for this call, to resume after a reload or a loss. */
let session = loadSession();
/** This side's camera and microphone, or null while asking or when refused. */
let localStream = null;
/** The other browsers of a group call. */
const mesh = new Mesh({
  send: (message) => signal && signal.send(message),
  localMedia: () => localMediaReady,
  iceServers: () => iceServers,
  container: ui.others,
  log,
});
/** What this side sends: 'audio+video', 'audio' or 'none'. */
let localMedia = 'none';
/** The local stream, once getUserMedia has settled (it is asked for once per page load). */
let localMediaReady = Promise.resolve(null);
/** This side's media was let go (the box was busy): ask for it again when admitted. */
let wantsLocalMediaAgain = false;
/** The browser has answered the camera and microphone request (granted or not). */
let localMediaSettled = false;
/** performance.now() of the first decoded remote frame, once per page load. */
let firstFrameMs = null;

// -------------------------------------------------------- the call's life

/** Opens a socket to the box, unless one is open or the call is over. */
function connect() {
  clearTimeout(retryTimer);
  if (finished || signal) return;
  const socket = new Signal({
    onOpen() {
      // A page whose media still flows takes its call up as it is. Before
      // the person pressed Call, the box admits the page but stays quiet.
      socket.helloReady = mayRing();
      socket.send(proto.hello(token, session, Boolean(media && media.connected), socket.helloReady));
      clearTimeout(welcomeTimer);
      welcomeTimer = setTimeout(() => dropSocket(socket), WELCOME_TIMEOUT_MS);
    },
    onMessage(message) {
      // Which offer this is, as it arrives: one still being answered when a
      // newer one has come belongs to a media try the box has replaced.
      const offerNumber = message.type === proto.ServerType.offer ? ++offersArrived : 0;
      receive(socket, () => handle(socket, message, offerNumber));
    },
    onClose(opened) {
      receive(socket, () => socketLost(socket, opened));
    },
  });
  signal = socket;
}

/** Runs `step` after every earlier one, while `socket` is the page's socket. */
function receive(socket, step) {
  inbox = inbox
    .then(() => (socket === signal && !finished ? step() : undefined))
    .catch((err) => {
      log('signalling step failed:', err && err.name, err && err.message);
      dropSocket(socket);
    });
}

/** @param {import('./protocol.js').ServerMessage} message */
async function handle(socket, message, offerNumber) {
  switch (message.type) {
    case proto.ServerType.ringing:
      return show('ringing');
    case proto.ServerType.welcome:
      return welcome(socket, message);
    case proto.ServerType.offer:
      return offer(socket, message, offerNumber);
    case proto.ServerType.ice:
      if (media) await media.addRemote({ candidate: message.candidate, sdpMLineIndex: message.sdpMLineIndex });
      return undefined;
    case proto.ServerType.participants:
      return mesh.update(message.you, message.others);
    case proto.ServerType.fromPeer:
      return mesh.receive(message.from, message.signal);
    case proto.ServerType.ended:
      return ended(message.reason);
    case proto.ServerType.error:
      return refused(message.code, message.until);
  }
  return undefined;
}

/** @param {import('./protocol.js').WelcomeMessage} message */
function welcome(socket, message) {
  clearTimeout(welcomeTimer);
  socket.welcomed = true;
  // While the box makes its offer (or the person reads the page). Pressed
  // before the welcome, the offer can wait behind it (20-45 ms); earlier
  // places cost as much elsewhere in a fresh browser on two loaded cores
  // (bench/first-frame A/B: after the first paint the welcome came later,
  // and at the page's start its loading did).
  setTimeout(warmUp, 0);
  session = message.session;
  if (pressed) rememberSession(message.session);
  boxName = message.boxName ?? boxName;
  iceServers = message.iceServers;
  failedOpens = 0;
  unreachableSince = 0;
  busyTries = 0;
  if (!pressed) return showStart();
  sayReady(socket);
  reportSending();
  if (media && media.connected) return show('inCall');
  show(wasInCall ? 'problems' : 'connecting');
  // Camera and microphone let go while the box was busy: take them again.
  if (wantsLocalMediaAgain) {
    wantsLocalMediaAgain = false;
    localMediaReady = acquireLocalMedia();
  }
  return undefined;
}

/**
 * The box's offer: a new media connection (the box rebuilt its side if
 * there was one) for its media try `mediaTry`, which the answer and this
 * connection's candidates name: the box drops them if it has moved on to
 * another try meanwhile. `offerNumber` counts the offer among those arrived:
 * one a newer offer has overtaken (the box gave up on it and tried again
 * while this page was slow) is not answered at all.
 * @param {Signal} socket
 * @param {import('./protocol.js').OfferMessage} message
 * @param {number} offerNumber
 */
async function offer(socket, { sdp, mediaTry }, offerNumber) {
  const overtaken = () => offerNumber !== offersArrived;
  if (overtaken()) return undefined;
  if (media) media.close();
  answered = false;
  heldCandidates = [];
  // The box's stream goes on the video once the answer is out: the video
  // readies its player when given a stream, a main-thread task in a fresh
  // browser that would hold up the answer (its longest part, the sound
  // output, waits further, for the first picture: call-remote.js).
  let heldStream = null;
  const link = new MediaLink(iceServers, localMediaReady, {
    onCandidate(candidate, sdpMLineIndex) {
      if (link !== media) return;
      const out = proto.ice(candidate, sdpMLineIndex, mediaTry);
      // Only on the socket the offer came on: behind a new socket may be a
      // call the box restored after a restart, whose tries count from 1
      // again, so a number alone does not tell this connection's from its.
      if (answered) socket === signal && socket.send(out);
      else heldCandidates.push(out);
    },
    onRemoteStream(stream) {
      if (link !== media) return;
      if (answered) showRemote(stream);
      else heldStream = stream;
    },
    onHealth(health) {
      if (link === media) mediaHealth(health);
    },
  });
  media = link;
  let answer;
  try {
    answer = await link.answer(sdp);
  } catch (err) {
    // The browser cannot take what the box offers: no retry would help.
    log('the offer was refused:', err && err.name, err && err.message);
    socket.send(proto.cannotCall());
    return stop('error', { title: t('incompatible'), detail: t('incompatibleHelp') });
  }
  if (answer === null || link !== media || overtaken()) return undefined;
  socket.send(proto.answer(answer, mediaTry));
  answered = true;
  for (const candidate of heldCandidates.splice(0)) socket.send(candidate);
  // After the box's candidates queued meanwhile have been added (they are
  // handled before this timer), while ICE and DTLS run off the main thread.
  if (heldStream) setTimeout(() => link === media && showRemote(heldStream), 0);
  return undefined;
}

/** @param {import('./call-media.js').Health} health */
function mediaHealth(health) {
  if (health === 'connected') {
    wasInCall = true;
    retries = 0;
    show('inCall');
  } else if (health === 'disconnected') {
    // Often brief (a Wi-Fi hiccup): ICE comes back by itself.
    show('problems');
  } else {
    // Lost for good on this path (a new network, a long outage): a new
    // socket takes the call up and the box offers a new connection.
    show('problems');
    if (media) media.close();
    media = null;
    if (signal) dropSocket(signal);
  }
}

/** The socket closed: open another, unless the call is over. */
function socketLost(socket, opened) {
  if (socket !== signal) return;
  signal = null;
  clearTimeout(welcomeTimer);
  if (!opened) {
    failedOpens++;
    if (!unreachableSince) unreachableSince = Date.now();
  }
  retry();
}

/** Closes `socket` as lost: the next one follows. */
function dropSocket(socket) {
  if (socket !== signal) return;
  socket.close();
  socketLost(socket, socket.opened);
}

/** Schedules the next socket, with backoff; gives up when the box stays out of reach. */
function retry() {
  if (finished || signal) return;
  if (failedOpens >= UNREACHABLE_AFTER) {
    if (Date.now() - unreachableSince > GIVE_UP_UNREACHABLE_MS) {
      return stop('unreachable', {
        detail: t('unreachableGaveUp'),
        action: { label: 'tryAgain', run: () => location.reload() },
      });
    }
    show('unreachable');
  } else if (!pressed) {
    showStart();
  } else if (!(media && media.connected)) {
    show(wasInCall ? 'problems' : 'connecting');
  }
  const cap = wasInCall ? MAX_RETRY_IN_CALL_MS : MAX_RETRY_MS;
  const delay = Math.min(FIRST_RETRY_MS * 2 ** retries, cap);
  retries++;
  log(`next socket in ${delay} ms`);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}

/** The box ended the call. */
function ended(reason) {
  const again = { label: 'callAgain', run: () => location.reload() };
  switch (reason) {
    case proto.EndReason.boxShutdown:
      // The box is restarting (an update, a power blip): it knows this call
      // when it is back, and the page takes it up.
      show('problems');
      if (signal) dropSocket(signal);
      return undefined;
    case proto.EndReason.linkRevoked:
      forgetSession();
      return stop('invalidLink', { title: t('linkNoLongerValid') });
    case proto.EndReason.connectionFailed:
      forgetSession();
      return stop('error', {
        title: t('connectionFailed'),
        detail: t('connectionFailedHelp'),
        action: { label: 'tryAgain', run: () => location.reload() },
      });
    case proto.EndReason.incompatible:
      forgetSession();
      return stop('error', { title: t('incompatible'), detail: t('incompatibleHelp') });
    case proto.EndReason.takenOver:
      return stop('ended', { title: t('takenOver'), action: again });
    default:
      forgetSession();
      return stop('ended', { action: again });
  }
}

/** The box refused: wait and retry when busy, otherwise stop with its sentence. */
function refused(code, until) {
  const reload = { label: 'reload', run: () => location.reload() };
  switch (code) {
    case proto.ErrorCode.busy:
      return busy();
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

/**
 * The box has as many callers as it takes: try again every few seconds for
 * a couple of minutes, with this side's camera off meanwhile, then stop.
 */
function busy() {
  if (signal) signal.close();
  signal = null;
  busyTries++;
  if (busyTries >= BUSY_TRIES) {
    return stop('busy', {
      detail: t('busyGaveUp'),
      action: { label: 'tryAgain', run: () => location.reload() },
    });
  }
  releaseLocalMedia();
  show('busy', { detail: t('busyRetrying') });
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, BUSY_RETRY_MS);
  return undefined;
}

/** The caller pressed hang up (or Esc): asked once, then ends. */
function hangUp() {
  if (!finished) a11y.askToEnd(endCall);
}

/** The caller said yes to "End the call?". */
function endCall() {
  if (finished) return;
  if (signal) signal.send(proto.hangUp());
  forgetSession();
  stop('ended', { action: { label: 'callAgain', run: () => location.reload() } });
}

/** Ends everything for good: no tries, no camera, no sound; shows `next`. */
function stop(next, view) {
  finished = true;
  clearTimeout(retryTimer);
  clearTimeout(welcomeTimer);
  if (signal) signal.close();
  signal = null;
  if (media) media.close();
  media = null;
  mesh.close();
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  remoteView.clear();
  a11y.closeAsk();
  show(next, view);
  renderControls();
  a11y.focusNextAction(ui.statusAction);
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

// ------------------------------------------------- ask, then ring

/** The first screen: whom the page calls, and one big Call button. */
function showStart() {
  if (pressed || finished) return undefined;
  const named = boxName !== null;
  return show('start', {
    title: named ? t('callTitle').replace('{name}', boxName) : t('callTitleUnnamed'),
    detail: named ? t('callHelp').replace('{name}', boxName) : t('callHelpUnnamed'),
    action: { label: 'call', run: pressCall },
  });
}

/**
 * The person pressed Call: the press unlocks sound (Safari plays nothing
 * aloud before a gesture), the browser asks for the camera with the page
 * saying what to press, and only then may the box ring.
 */
async function pressCall() {
  if (pressed || finished) return;
  pressed = true;
  ui.remote.muted = false;
  ui.remote.play().catch(() => {}); // nothing to play yet: this only spends the gesture on sound
  if (allowed) show('connecting');
  else show('asking', { title: t('asking'), detail: t('askingHelp') });
  localMediaReady = acquireLocalMedia();
  // Allowed before, the browser asks nothing: the call starts now and the
  // camera joins it (replaceTrack) the moment it comes.
  if (allowed) letRing();
  await localMediaReady;
  if (finished) return;
  if (state === 'asking') show('connecting');
  letRing();
}

/** The box may ring now: over the open socket, or in the hello of a new one. */
function letRing() {
  if (session) rememberSession(session);
  if (signal && signal.welcomed) sayReady(signal);
  else if (!signal) connect();
}

/**
 * Whether the box may ring: Call pressed, and the browser has answered the
 * camera question or will not ask one (a person looking at the browser's
 * question is not yet ready to talk), or the page is back in its call.
 */
function mayRing() {
  return pressed && (localMediaSettled || allowed || cameBack);
}

/** Tells the box it may ring, once per socket that said hello before it could. */
function sayReady(socket) {
  if (!mayRing() || socket.helloReady || socket.readySent) return;
  socket.readySent = true;
  socket.send(proto.ready());
}

/** Tells the box what this side sends (the TV says "voice call" or "camera off"). */
function reportSending() {
  if (signal && signal.welcomed && pressed && localMediaSettled) {
    signal.send(proto.sending(cameraState(localStream), microphoneOn(localStream)));
  }
}

// ----------------------------------------------------------- local media

/** Asks for camera and microphone (then the microphone alone); says what went wrong, if anything. */
async function acquireLocalMedia() {
  const { stream, problem } = await askForLocalMedia(AUDIO_CONSTRAINTS, VIDEO_CONSTRAINTS);
  if (finished) {
    if (stream) for (const track of stream.getTracks()) track.stop(); // hung up while the browser was asking
    return null;
  }
  localMediaSettled = true;
  useLocalStream(stream, problem);
  // Capturing, the page may play sound without another tap: unmute what autoplay muted.
  if (stream && ui.remote.muted) tapToHear();
  return stream;
}

/** Makes `stream` this side's media and says what is missing (`problem`). */
function useLocalStream(stream, problem) {
  localStream = stream;
  localMedia = !stream ? 'none' : stream.getVideoTracks().length ? 'audio+video' : 'audio';
  ui.self.srcObject = stream && stream.getVideoTracks().length ? stream : null;
  if (ui.self.srcObject) {
    ui.self.muted = true;
    ui.self.play().catch((err) => log('self view play():', err.name));
  }
  ui.noteText.textContent = problem ? t(problem) : '';
  ui.note.hidden = !problem || finished;
  renderControls();
  reportSending();
}

/**
 * "Try again": asks the browser once more and puts what it gives on the
 * running call (replaceTrack): no new ring, no new call.
 */
async function retryLocalMedia() {
  const { stream, problem } = await askForLocalMedia(AUDIO_CONSTRAINTS, VIDEO_CONSTRAINTS);
  if (finished) {
    if (stream) for (const track of stream.getTracks()) track.stop();
    return;
  }
  if (!stream) {
    useLocalStream(localStream, problem);
    return;
  }
  const old = localStream;
  if (media) await media.useStream(stream);
  await mesh.useStream(stream);
  if (old) for (const track of old.getTracks()) track.stop();
  localMediaReady = Promise.resolve(stream);
  useLocalStream(stream, problem);
}

/** Lets the camera and microphone go (their light off) until the next welcome. */
function releaseLocalMedia() {
  if (!localStream) return;
  for (const track of localStream.getTracks()) track.stop();
  localStream = null;
  localMedia = 'none';
  ui.self.srcObject = null;
  wantsLocalMediaAgain = true;
  renderControls();
}

// ----------------------------------------------------------- remote media

function showRemote(stream) {
  if (finished) return;
  remoteView.show(stream);
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

/** Unmutes the box's sound (a tap, or capture that lets the page play aloud). */
function tapToHear() {
  ui.remote.muted = false;
  ui.remote.play().then(renderTapToHear, (err) => {
    log('remote play() unmuted:', err.name);
    ui.remote.muted = true;
    renderTapToHear();
    ui.remote.play().catch(() => {});
  });
}

/** Shows "Tap to hear" (or "Click to hear" with a mouse) while the sound is muted. */
function renderTapToHear() {
  const hidden = !ui.remote.muted || finished;
  if (ui.tapToHear.hidden === hidden) return;
  ui.tapToHear.hidden = hidden;
  const touch = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
  const words = t(touch ? 'tapToHear' : 'clickToHear');
  const span = ui.tapToHear.querySelector('span');
  if (span) span.textContent = words;
  ui.announce.textContent = hidden ? '' : words;
}

/** Records when the first remote frame was decoded, once per page load. */
function watchFirstFrame() {
  const record = () => {
    if (firstFrameMs === null) firstFrameMs = Math.round(performance.now());
  };
  if (typeof ui.remote.requestVideoFrameCallback === 'function') ui.remote.requestVideoFrameCallback(record); // guarded: typeof
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
  reportSending();
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
  const audio = localTracks('audio');
  a11y.renderStateWords({
    mic: audio.length ? audio[0].enabled : null,
    camera: video.length ? video[0].enabled : null,
    fullscreen: fullscreenElement() !== null,
    finished,
  });
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
  if (!a11y.shortcutsOn() || a11y.asking()) return;
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
  ui.noteRetry.addEventListener('click', retryLocalMedia);
  ui.noteClose.addEventListener('click', () => {
    ui.note.hidden = true;
  });
  a11y.wireAccessibility();
  document.addEventListener('fullscreenchange', renderControls);
  document.addEventListener('webkitfullscreenchange', renderControls);
  document.addEventListener('keydown', onKeyDown);
  // Back online, or back in front (a phone unlocked): try now, not at the next backoff.
  window.addEventListener('online', () => {
    if (!signal && !finished) connect();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || finished) return;
    if (!signal) connect();
    if (ui.remote.srcObject && ui.remote.paused) playRemote();
  });
  // Closing or reloading: the box holds the call only a short while for it.
  window.addEventListener('pagehide', () => {
    if (signal && !finished) signal.send(proto.leaving());
  });
}

// ------------------------------------------------------------ diagnostics

/**
 * Read-only diagnostics for automated tests; the page itself never reads it.
 * @type {Readonly<{
 *   state: 'start' | 'asking' | 'connecting' | 'ringing' | 'inCall' | 'problems' | 'ended' | 'busy' | 'invalidLink' | 'resting' | 'unreachable' | 'error',
 *   session: string | null,
 *   peer: RTCPeerConnection | null,
 *   others: {id: string, label: string, pc: RTCPeerConnection | null}[],
 *   firstFrameMs: number | null,
 *   localMedia: 'audio+video' | 'audio' | 'none',
 * }>}
 * - state: what the page shows; also document.body.dataset.state.
 * - session: the box's session id for this call (kept in
 *   sessionStorage.homecallSession to resume after a reload), or null.
 * - peer: the current RTCPeerConnection to the box, or null before its offer and after the end.
 * - others: the other browsers of a group call, each with its connection.
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
    return media ? media.pc : null;
  },
  get others() {
    return mesh.describe();
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
  // No WebRTC at all (an old or in-app browser): say so before anything rings.
  if (typeof window.RTCPeerConnection !== 'function') {
    return stop('error', { title: t('noWebRTC'), detail: t('noWebRTCHelp') });
  }
  // Known before the person can press Call (a promise of a few ms).
  mediaAllowed().then((yes) => {
    allowed = yes;
    // Call pressed before the browser told: the box may ring now.
    if (!allowed || !pressed || finished) return;
    if (state === 'asking') show('connecting'); // no question is coming
    letRing();
  });
  if (session) {
    // Back after a reload: the person pressed Call before; the call goes on.
    pressed = true;
    cameBack = true;
    localMediaReady = acquireLocalMedia();
  } else {
    showStart();
  }
  // The socket opens at once: the box says now if it would refuse (busy,
  // resting), and stays quiet until the person presses Call.
  connect();
}

start();

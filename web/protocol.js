// The signalling wire protocol, version 1, as the call page sees it.
//
// Mirrors src/protocol.rs and owns only message shapes: the type names, JSDoc
// typedefs, constructors for what the page sends and a shape check for what
// it receives. Every name is the Rust serde name; the constructors build
// exactly the JSON pinned in the Rust tests (optional fields are left out,
// never sent as null). No sockets here.

/** The protocol version this page speaks (`PROTOCOL_VERSION` in Rust). */
export const PROTOCOL_VERSION = 1;

/** `type` of each message the page sends (`ClientMessage`). */
export const ClientType = Object.freeze({
  hello: 'hello',
  answer: 'answer',
  ice: 'ice',
  hangUp: 'hangUp',
  leaving: 'leaving',
  cannotCall: 'cannotCall',
  toPeer: 'toPeer',
  ready: 'ready',
  sending: 'sending',
});

/** `type` of each message the box sends (`ServerMessage`). */
export const ServerType = Object.freeze({
  ringing: 'ringing',
  welcome: 'welcome',
  offer: 'offer',
  participants: 'participants',
  fromPeer: 'fromPeer',
  ice: 'ice',
  ended: 'ended',
  error: 'error',
});

/** A caller's camera, as `sending` reports it (`Camera`). */
export const Camera = Object.freeze({
  on: 'on',
  off: 'off',
  none: 'none',
});

/** `kind` of what browsers in a group call tell each other (`PeerSignal`). */
export const PeerSignalKind = Object.freeze({
  offer: 'offer',
  answer: 'answer',
  ice: 'ice',
  restart: 'restart',
});

/** Why a request was refused (`ErrorCode`); the page turns each into a sentence. */
export const ErrorCode = Object.freeze({
  invalidLink: 'invalidLink',
  linkNoLongerValid: 'linkNoLongerValid',
  resting: 'resting',
  notAnswering: 'notAnswering',
  busy: 'busy',
  unsupportedVersion: 'unsupportedVersion',
  badMessage: 'badMessage',
  unavailable: 'unavailable',
});

/** Why a call ended (`EndReason`). */
export const EndReason = Object.freeze({
  boxShutdown: 'boxShutdown',
  connectionFailed: 'connectionFailed',
  takenOver: 'takenOver',
  linkRevoked: 'linkRevoked',
  incompatible: 'incompatible',
});

/**
 * One entry of `RTCConfiguration.iceServers` (`IceServer`).
 * @typedef {object} IceServer
 * @property {string[]} urls
 * @property {string} [username]
 * @property {string} [credential]
 */

/**
 * First message on a socket: the link's token, and the session of a call this
 * page had before a reload or network loss, to take it up again
 * (`keepsMedia`: the page's media connection to that call still works).
 * @typedef {object} HelloMessage
 * @property {'hello'} type
 * @property {number} version
 * @property {string} token
 * @property {string} [resume]
 * @property {true} [keepsMedia]
 * @property {false} [ready]
 */

/**
 * The person pressed Call and the browser has answered the camera question.
 * @typedef {object} ReadyMessage
 * @property {'ready'} type
 */

/**
 * What this page sends now: its camera ('on', turned 'off', or 'none') and
 * whether its microphone is on. The TV says so.
 * @typedef {object} SendingMessage
 * @property {'sending'} type
 * @property {'on' | 'off' | 'none'} camera
 * @property {boolean} microphone
 */

/**
 * The page's SDP answer to the box's offer of media try `mediaTry`.
 * @typedef {object} AnswerMessage
 * @property {'answer'} type
 * @property {string} sdp
 * @property {number} mediaTry
 */

/**
 * One ICE candidate, in either direction (`IceCandidate`); the page's name
 * the media try they belong to.
 * @typedef {object} IceMessage
 * @property {'ice'} type
 * @property {string} candidate
 * @property {number} sdpMLineIndex
 * @property {number} [mediaTry]
 */

/**
 * The caller hung up.
 * @typedef {object} HangUpMessage
 * @property {'hangUp'} type
 */

/**
 * The page is being closed or reloaded (`pagehide`): it may not come back.
 * @typedef {object} LeavingMessage
 * @property {'leaving'} type
 */

/**
 * The browser cannot take the box's offer: another try would not help.
 * @typedef {object} CannotCallMessage
 * @property {'cannotCall'} type
 */

/**
 * The box is announcing the caller on the TV and answers in `seconds`.
 * @typedef {object} RingingMessage
 * @property {'ringing'} type
 * @property {number} seconds
 */

/**
 * The caller is admitted: the session id and the ICE servers to use.
 * `resumed`: the call existed before this socket (a page come back to it).
 * @typedef {object} WelcomeMessage
 * @property {'welcome'} type
 * @property {number} version
 * @property {string} session
 * @property {IceServer[]} iceServers
 * @property {true} [resumed]
 * @property {string} [boxName] whom the page calls, when the family named the box
 */

/**
 * The box's SDP offer for the call's media try number `mediaTry` (rising
 * while the box keeps the call: the page's answer and candidates name it,
 * and the box drops those of a try it has replaced).
 * @typedef {object} OfferMessage
 * @property {'offer'} type
 * @property {string} sdp
 * @property {number} mediaTry
 */

/**
 * The call is over, and why (one of `EndReason`).
 * @typedef {object} EndedMessage
 * @property {'ended'} type
 * @property {string} reason
 */

/**
 * The request was refused (one of `ErrorCode`); the socket closes after it.
 * `until` ("HH:MM", the box's time) comes with `resting`.
 * @typedef {object} ErrorMessage
 * @property {'error'} type
 * @property {string} code
 * @property {string} [until]
 */

/**
 * What browsers in a group call tell each other through the box (`PeerSignal`):
 * `{kind: 'offer' | 'answer', sdp}`, `{kind: 'ice', candidate, sdpMLineIndex}`
 * or `{kind: 'restart'}` ("offer me a connection again").
 * @typedef {object} PeerSignal
 * @property {'offer' | 'answer' | 'ice' | 'restart'} kind
 * @property {string} [sdp]
 * @property {string} [candidate]
 * @property {number} [sdpMLineIndex]
 */

/**
 * For another browser in a group call (`to`: its participant id).
 * @typedef {object} ToPeerMessage
 * @property {'toPeer'} type
 * @property {string} to
 * @property {PeerSignal} signal
 */

/**
 * Another browser in a group call (`Participant`).
 * @typedef {object} Participant
 * @property {string} id
 * @property {string} label
 */

/**
 * Who else is in the call: this page's participant id and the other
 * browsers'. The one of two with the smaller id offers the connection.
 * @typedef {object} ParticipantsMessage
 * @property {'participants'} type
 * @property {string} you
 * @property {Participant[]} others
 */

/**
 * From another browser in the call.
 * @typedef {object} FromPeerMessage
 * @property {'fromPeer'} type
 * @property {string} from
 * @property {PeerSignal} signal
 */

/** @typedef {HelloMessage | ReadyMessage | SendingMessage | AnswerMessage | IceMessage | HangUpMessage | LeavingMessage | CannotCallMessage | ToPeerMessage} ClientMessage */
/** @typedef {RingingMessage | WelcomeMessage | OfferMessage | ParticipantsMessage | FromPeerMessage | IceMessage | EndedMessage | ErrorMessage} ServerMessage */

/**
 * @param {string} token the link's token
 * @param {string | null} [resume] the session to take up again, if any
 * @param {boolean} [keepsMedia] the page's media connection to it still works
 * @param {boolean} [ready] the person has pressed Call (false: admit, ring later)
 * @returns {HelloMessage}
 */
export function hello(token, resume, keepsMedia, ready = true) {
  const message = { type: ClientType.hello, version: PROTOCOL_VERSION, token };
  if (resume) message.resume = resume;
  if (resume && keepsMedia) message.keepsMedia = true;
  if (!ready) message.ready = false;
  return message;
}

/** The person pressed Call: the box may ring now. @returns {ReadyMessage} */
export function ready() {
  return { type: ClientType.ready };
}

/**
 * What this page sends now.
 * @param {'on' | 'off' | 'none'} camera
 * @param {boolean} microphone
 * @returns {SendingMessage}
 */
export function sending(camera, microphone) {
  return { type: ClientType.sending, camera, microphone };
}

/**
 * @param {string} sdp
 * @param {number} mediaTry the offer's
 * @returns {AnswerMessage}
 */
export function answer(sdp, mediaTry) {
  return { type: ClientType.answer, sdp, mediaTry };
}

/**
 * @param {string} candidate
 * @param {number} sdpMLineIndex
 * @param {number} mediaTry the offer's this connection answered
 * @returns {IceMessage}
 */
export function ice(candidate, sdpMLineIndex, mediaTry) {
  return { type: ClientType.ice, candidate, sdpMLineIndex, mediaTry };
}

/** @returns {HangUpMessage} */
export function hangUp() {
  return { type: ClientType.hangUp };
}

/** @returns {LeavingMessage} */
export function leaving() {
  return { type: ClientType.leaving };
}

/** @returns {CannotCallMessage} */
export function cannotCall() {
  return { type: ClientType.cannotCall };
}

/**
 * @param {string} to the other browser's participant id
 * @param {PeerSignal} signal
 * @returns {ToPeerMessage}
 */
export function toPeer(to, signal) {
  return { type: ClientType.toPeer, to, signal };
}

/** Whether `signal` has the shape of a `PeerSignal`. */
function isPeerSignal(signal) {
  if (!signal || typeof signal !== 'object') return false;
  switch (signal.kind) {
    case PeerSignalKind.offer:
    case PeerSignalKind.answer:
      return typeof signal.sdp === 'string';
    case PeerSignalKind.ice:
      return typeof signal.candidate === 'string' && Number.isInteger(signal.sdpMLineIndex);
    case PeerSignalKind.restart:
      return true;
    default:
      return false;
  }
}

/**
 * Reads one frame from the box. Returns the message when it has the shape of
 * a v1 server message, else null. Unknown `reason` and `code` strings pass,
 * so a newer box still gets a (generic) sentence on the page.
 * @param {unknown} text
 * @returns {ServerMessage | null}
 */
export function parseServerMessage(text) {
  let message;
  try {
    message = JSON.parse(String(text));
  } catch {
    return null;
  }
  if (!message || typeof message !== 'object') return null;
  const isString = (value) => typeof value === 'string';
  switch (message.type) {
    case ServerType.ringing:
      return Number.isInteger(message.seconds) ? message : null;
    case ServerType.welcome:
      return isString(message.session) && Array.isArray(message.iceServers) ? message : null;
    case ServerType.offer:
      return isString(message.sdp) && Number.isInteger(message.mediaTry) && message.mediaTry >= 1 ? message : null;
    case ServerType.participants:
      return isString(message.you) &&
        Array.isArray(message.others) &&
        message.others.every((p) => p && isString(p.id) && isString(p.label))
        ? message
        : null;
    case ServerType.fromPeer:
      return isString(message.from) && isPeerSignal(message.signal) ? message : null;
    case ServerType.ice:
      return isString(message.candidate) && Number.isInteger(message.sdpMLineIndex) ? message : null;
    case ServerType.ended:
      return isString(message.reason) ? message : null;
    case ServerType.error:
      return isString(message.code) && (message.until === undefined || isString(message.until)) ? message : null;
    default:
      return null;
  }
}

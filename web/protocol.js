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
});

/** `type` of each message the box sends (`ServerMessage`). */
export const ServerType = Object.freeze({
  ringing: 'ringing',
  welcome: 'welcome',
  offer: 'offer',
  ice: 'ice',
  ended: 'ended',
  error: 'error',
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
 */

/**
 * The page's SDP answer to the box's offer.
 * @typedef {object} AnswerMessage
 * @property {'answer'} type
 * @property {string} sdp
 */

/**
 * One ICE candidate, in either direction (`IceCandidate`).
 * @typedef {object} IceMessage
 * @property {'ice'} type
 * @property {string} candidate
 * @property {number} sdpMLineIndex
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
 */

/**
 * The box's SDP offer.
 * @typedef {object} OfferMessage
 * @property {'offer'} type
 * @property {string} sdp
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

/** @typedef {HelloMessage | AnswerMessage | IceMessage | HangUpMessage | LeavingMessage | CannotCallMessage} ClientMessage */
/** @typedef {RingingMessage | WelcomeMessage | OfferMessage | IceMessage | EndedMessage | ErrorMessage} ServerMessage */

/**
 * @param {string} token the link's token
 * @param {string | null} [resume] the session to take up again, if any
 * @param {boolean} [keepsMedia] the page's media connection to it still works
 * @returns {HelloMessage}
 */
export function hello(token, resume, keepsMedia) {
  const message = { type: ClientType.hello, version: PROTOCOL_VERSION, token };
  if (resume) message.resume = resume;
  if (resume && keepsMedia) message.keepsMedia = true;
  return message;
}

/**
 * @param {string} sdp
 * @returns {AnswerMessage}
 */
export function answer(sdp) {
  return { type: ClientType.answer, sdp };
}

/**
 * @param {string} candidate
 * @param {number} sdpMLineIndex
 * @returns {IceMessage}
 */
export function ice(candidate, sdpMLineIndex) {
  return { type: ClientType.ice, candidate, sdpMLineIndex };
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
      return isString(message.sdp) ? message : null;
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

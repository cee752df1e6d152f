// One signalling socket to the box.
//
// Owns a WebSocket to /signal (beside the page, or through the relay at
// /b/<box>/signal) — the first one opened early by call-early.js — its open
// timeout, and JSON in and out. It knows nothing
// of calls: messages go to the callbacks, in order, and the close is
// reported once (after the messages before it). After close() it reports
// nothing.

import * as proto from './protocol.js';

/** A socket still not open after this long counts as a failed open. */
const OPEN_TIMEOUT_MS = 5000;

/**
 * The box's socket beside the page: /r/<token> → /signal; through a relay,
 * /b/<box>/r/<token> → /b/<box>/signal. web/call-early.js opens the same.
 */
export function signalUrl() {
  const base = location.pathname.replace(/\/r\/[^/]*$/, '');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${base}/signal`;
}

/**
 * The socket web/call-early.js opened while the page was still loading, for
 * the first Signal only, if it is still opening or open.
 * @returns {WebSocket | null}
 */
function takeEarlySocket() {
  const early = window.homecallEarlySocket;
  window.homecallEarlySocket = null;
  if (!early) return null;
  const usable = early.readyState === WebSocket.CONNECTING || early.readyState === WebSocket.OPEN;
  if (usable && early.url === signalUrl()) return early;
  early.close();
  return null;
}

export class Signal {
  /**
   * @param {{
   *   onOpen(): void,
   *   onMessage(message: import('./protocol.js').ServerMessage): void,
   *   onClose(opened: boolean): void,
   * }} events
   */
  constructor(events) {
    this.events = events;
    this.closed = false;
    this.opened = false;
    this.openTimer = 0;
    try {
      this.ws = takeEarlySocket() ?? new WebSocket(signalUrl());
    } catch (err) {
      console.debug('[homecall] cannot open the socket:', err.name);
      this.ws = null;
      setTimeout(() => this.lost(), 0);
      return;
    }
    this.openTimer = setTimeout(() => this.lost(), OPEN_TIMEOUT_MS);
    this.ws.onopen = () => {
      clearTimeout(this.openTimer);
      this.opened = true;
      this.events.onOpen();
    };
    this.ws.onmessage = (event) => {
      if (this.closed) return;
      const message = proto.parseServerMessage(event.data);
      if (message) this.events.onMessage(message);
      else console.debug('[homecall] ignored a message that is not protocol v1');
    };
    this.ws.onclose = () => this.lost();
    // The early socket may have opened before anyone listened.
    if (this.ws.readyState === WebSocket.OPEN) setTimeout(() => this.ws && this.ws.onopen && this.ws.onopen(), 0);
  }

  /** Whether messages can go out now. */
  get open() {
    return !this.closed && this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  /** Closes quietly: no more events. */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      this.ws.close();
    }
  }

  lost() {
    if (this.closed) return;
    this.close();
    this.events.onClose(this.opened);
  }
}

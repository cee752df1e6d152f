// One media connection to the box: an RTCPeerConnection for one offer.
//
// Owns the peer connection the box's offer asks for: answering it with this
// side's tracks, the box's candidates that come before the offer is applied,
// the remote stream, and the connection's health. It knows no socket: what
// it must send goes out through the callbacks. A new offer from the box (it
// rebuilt its side) is a new MediaLink; after close() it reports nothing.

import { capVideo } from './call-quality.js';

/** @typedef {'connected' | 'disconnected' | 'failed'} Health */

/** warmUp() has run on this page. */
let warmedUp = false;

/**
 * Readies the browser's WebRTC machinery before the box's offer comes: a
 * page's first RTCPeerConnection starts the browser's WebRTC threads and
 * factories (about 17 ms of blocking calls on the main thread in a fresh
 * Chrome, bench/first-frame's trace), and its first offer readies the codecs
 * and media channels, off the main thread. The offer would otherwise wait
 * for both. Once per page; a throwaway connection, closed once its offer is
 * made.
 */
export function warmUp() {
  if (warmedUp) return;
  warmedUp = true;
  let pc = null;
  try {
    pc = new RTCPeerConnection();
    pc.addTransceiver('audio');
    pc.addTransceiver('video');
    pc.createOffer().then(
      () => pc.close(),
      () => pc.close(),
    );
  } catch (err) {
    // No WebRTC here (the offer says so to the person), or an old one.
    if (pc) pc.close();
  }
}

/** What answer() sees of this side's media while the browser is still asking for it. */
const STILL_ASKING = Symbol('still asking');

export class MediaLink {
  /**
   * @param {RTCIceServer[]} iceServers from the box's welcome
   * @param {Promise<MediaStream | null>} localMedia this side's media, once the browser answers
   * @param {{
   *   onCandidate(candidate: string, sdpMLineIndex: number): void,
   *   onRemoteStream(stream: MediaStream): void,
   *   onHealth(health: Health): void,
   * }} events
   */
  constructor(iceServers, localMedia, events) {
    this.localMedia = localMedia;
    this.events = events;
    this.closed = false;
    /** The box's audio and video tracks, in one stream. */
    this.remoteStream = new MediaStream();
    /** The box's candidates that came before its offer was applied. */
    this.early = [];
    this.health = /** @type {Health | null} */ (null);
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.pc.onicecandidate = ({ candidate }) => {
      // null ends gathering, an empty string ends a generation: neither goes out.
      if (this.closed || !candidate || !candidate.candidate) return;
      this.events.onCandidate(candidate.candidate, candidate.sdpMLineIndex ?? 0);
    };
    this.pc.ontrack = ({ track }) => {
      if (this.closed) return;
      for (const old of this.remoteStream.getTracks()) {
        if (old.kind === track.kind && old !== track) this.remoteStream.removeTrack(old);
      }
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      this.events.onRemoteStream(this.remoteStream);
    };
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = () => this.changed();
  }

  /** Media flows (and has not been lost since). */
  get connected() {
    return this.health === 'connected';
  }

  /**
   * Applies the box's offer with this side's tracks on the transceivers it
   * offered, and returns the answer. Throws when the browser cannot take the
   * offer (no codec or transport in common).
   * @param {string} sdp
   * @returns {Promise<string | null>} the answer, or null if closed meanwhile
   */
  async answer(sdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    // This side's tracks go on now if the browser has them. If it is still
    // asking for them (Call pressed a moment ago), the answer does not wait:
    // the box's picture comes first, and the tracks follow by replaceTrack.
    const stream = await Promise.race([this.localMedia, STILL_ASKING]);
    if (this.closed) return null;
    if (stream === STILL_ASKING) {
      this.sendWhenGiven().catch((err) => console.debug('[homecall] camera not added:', err && err.name));
    } else if (stream) {
      const sending = this.pc.getSenders().map((sender) => sender.track);
      for (const track of stream.getTracks()) {
        if (!sending.includes(track)) this.pc.addTrack(track, stream);
      }
    }
    // Answer send-and-receive on every m-line, with a track or not: a camera
    // given later ("Try again") then goes out by replaceTrack, unrenegotiated.
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv';
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (this.closed) return null;
    this.afterAnswer().catch((err) => console.debug('[homecall] after the answer:', err && err.name));
    return this.pc.localDescription.sdp;
  }

  /**
   * What follows the answer without holding it up: the box's candidates
   * that came before its offer was applied, and the cap on this side's
   * video. Each waits on the browser's WebRTC threads, while the answer
   * goes out at once and the box starts its checks.
   */
  async afterAnswer() {
    await Promise.all(this.early.splice(0).map((init) => this.add(init)));
    if (!this.closed) await capVideo(this.pc);
  }

  /** Puts this side's tracks on the answered connection once the browser gives them. */
  async sendWhenGiven() {
    const stream = await this.localMedia;
    if (this.closed || !stream) return;
    await this.useStream(stream);
    // answer() capped the video sender already; again for a browser that
    // lists a sender's encodings only once it has a track.
    await capVideo(this.pc);
  }

  /** One of the box's candidates; kept until the offer is applied. */
  async addRemote(init) {
    if (this.pc.remoteDescription) await this.add(init);
    else this.early.push(init);
  }

  async add(init) {
    try {
      await this.pc.addIceCandidate(init);
    } catch (err) {
      console.debug('[homecall] skipped a candidate the browser rejected:', err.name);
    }
  }

  /** Sends `stream`'s tracks in place of what this side sent (no renegotiation). */
  async useStream(stream) {
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      if (track) await transceiver.sender.replaceTrack(track);
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }

  /** connectionState where the browser has it, iceConnectionState otherwise. */
  changed() {
    if (this.closed) return;
    const { connectionState: conn, iceConnectionState: ice } = this.pc;
    let health = null;
    if (conn === 'failed' || ice === 'failed') health = 'failed';
    else if (conn === 'disconnected' || ice === 'disconnected') health = 'disconnected';
    else if (conn === 'connected' || (conn === undefined && (ice === 'connected' || ice === 'completed'))) {
      health = 'connected';
    }
    if (!health || health === this.health) return;
    this.health = health;
    this.events.onHealth(health);
  }
}

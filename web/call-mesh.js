// The other browsers in a group call: one RTCPeerConnection to each, and
// their pictures on this page.
//
// The box says who is in the call (`participants`) and passes signalling
// between browsers (`toPeer` / `fromPeer`); the media goes browser to
// browser. Of two browsers, the one with the smaller participant id offers.
// The other, when it has no connection to a browser it should (it reloaded,
// or the connection failed, or no offer came in time), asks with `restart`.
// Owns the tiles in #others too: a video and the other's label for each.
//
// A `restart` may cross the offer it asks for (a slow network or box
// delays the offer past ASK_AFTER_MS). A new connection then would get the
// answer to the first offer, which fits no connection of the other side:
// the two would stay "connecting" until ICE gives up. So an ask is let be
// while an offer is being made, an offer still waiting for its answer is
// sent again (with the candidates gathered since), and an offer answered
// already is answered again with the same answer.

import * as proto from './protocol.js';

/** How long the answering side waits for an offer before it asks for one. */
const ASK_AFTER_MS = 2000;

/**
 * What one offer's copies share: its origin line (session id and version)
 * and its ICE username fragment. A copy sent again later also carries the
 * candidates gathered meanwhile, so the text itself differs.
 * @param {string} sdp
 */
function offerKey(sdp) {
  const lines = sdp.split(/\r?\n/);
  const line = (prefix) => lines.find((l) => l.startsWith(prefix)) ?? '';
  return `${line('o=')}|${line('a=ice-ufrag:')}`;
}

export class Mesh {
  /**
   * @param {{
   *   send(message: import('./protocol.js').ToPeerMessage): void,
   *   localMedia(): Promise<MediaStream | null>,
   *   iceServers(): RTCIceServer[],
   *   container: HTMLElement,
   *   log(...args: unknown[]): void,
   * }} env
   */
  constructor(env) {
    this.env = env;
    /** This page's participant id, once the box has said it. */
    this.you = null;
    /** @type {Map<string, Peer>} by participant id */
    this.peers = new Map();
  }

  /** The box's `participants`. */
  update(you, others) {
    this.you = you;
    const listed = new Set(others.map((p) => p.id));
    for (const [id, peer] of this.peers) {
      if (!listed.has(id)) {
        peer.close();
        this.peers.delete(id);
      }
    }
    for (const { id, label } of others) {
      let peer = this.peers.get(id);
      if (!peer) {
        peer = new Peer(this, id, label);
        this.peers.set(id, peer);
      }
      peer.label = label;
      peer.ensure();
    }
  }

  /** A `fromPeer` from the browser `from`. */
  async receive(from, signal) {
    const peer = this.peers.get(from);
    if (!peer) return this.env.log('signalling from a browser not in the call');
    return peer.receive(signal);
  }

  /** Sends `stream`'s tracks to every other browser in place of the old ones. */
  async useStream(stream) {
    for (const peer of this.peers.values()) {
      if (!peer.pc) continue;
      for (const sender of peer.pc.getSenders()) {
        const kind = sender.track ? sender.track.kind : null;
        const track = kind === 'audio' ? stream.getAudioTracks()[0] : kind === 'video' ? stream.getVideoTracks()[0] : null;
        if (track) await sender.replaceTrack(track);
      }
    }
  }

  /** Every connection closed and every tile gone (the call is over). */
  close() {
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }

  /** What a test may read: each other browser's id, label and connection. */
  describe() {
    return [...this.peers.values()].map((p) => ({ id: p.id, label: p.label, pc: p.pc }));
  }
}

/** One other browser: the connection to it and its tile. */
class Peer {
  constructor(mesh, id, label) {
    this.mesh = mesh;
    this.id = id;
    this.label = label;
    /** @type {RTCPeerConnection | null} */
    this.pc = null;
    this.early = [];
    this.askTimer = 0;
    /** The last offer this side answered (its offerKey), and its answer. */
    this.answered = null;
    /** An offer is being made (offer() has not sent it yet). */
    this.building = false;
    this.tile = document.createElement('figure');
    this.tile.className = 'other';
    this.video = document.createElement('video');
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.caption = document.createElement('figcaption');
    this.tile.append(this.video, this.caption);
    mesh.env.container.append(this.tile);
    mesh.env.container.hidden = false;
  }

  /** This side offers to browsers with a larger id. */
  get offers() {
    return this.mesh.you !== null && this.mesh.you < this.id;
  }

  send(signal) {
    this.mesh.env.log('to', this.label, signal.kind);
    this.mesh.env.send(proto.toPeer(this.id, signal));
  }

  /** Makes sure a connection is (being) made. */
  ensure() {
    this.caption.textContent = this.label;
    if (this.pc) return;
    if (this.offers) {
      this.offer();
      return;
    }
    clearTimeout(this.askTimer);
    this.askTimer = setTimeout(() => {
      if (!this.pc) this.send({ kind: proto.PeerSignalKind.restart });
    }, ASK_AFTER_MS);
  }

  /** A fresh connection with this side's tracks on it. */
  async connect() {
    if (this.pc) this.pc.close();
    this.early = [];
    this.answered = null;
    const pc = new RTCPeerConnection({ iceServers: this.mesh.env.iceServers(), bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.onicecandidate = ({ candidate }) => {
      if (pc !== this.pc || !candidate || !candidate.candidate) return;
      this.send({ kind: proto.PeerSignalKind.ice, candidate: candidate.candidate, sdpMLineIndex: candidate.sdpMLineIndex ?? 0 });
    };
    pc.ontrack = ({ streams, track }) => {
      if (pc !== this.pc) return;
      this.video.srcObject = streams[0] ?? new MediaStream([track]);
      this.video.play().catch((err) => this.mesh.env.log('other browser play():', err.name));
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc || pc.connectionState !== 'failed') return;
      // Lost for good: the offering side starts again, the other asks it to.
      if (this.offers) this.offer();
      else this.send({ kind: proto.PeerSignalKind.restart });
    };
    const stream = await this.mesh.env.localMedia();
    if (stream && pc === this.pc) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    if (!stream) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    return pc;
  }

  async offer() {
    this.building = true;
    let pc = null;
    try {
      pc = await this.connect();
      if (pc !== this.pc) return;
      await pc.setLocalDescription(await pc.createOffer());
      this.send({ kind: proto.PeerSignalKind.offer, sdp: pc.localDescription.sdp });
    } finally {
      // A newer offer() that replaced this one's connection says when it is done.
      if (!pc || pc === this.pc) this.building = false;
    }
  }

  /** @param {import('./protocol.js').PeerSignal} signal */
  async receive(signal) {
    this.mesh.env.log('from', this.label, signal.kind, this.pc ? this.pc.signalingState : 'no connection');
    switch (signal.kind) {
      case proto.PeerSignalKind.offer: {
        clearTimeout(this.askTimer);
        if (this.answered && this.answered.key === offerKey(signal.sdp) && this.pc && this.pc.connectionState !== 'failed') {
          this.send({ kind: proto.PeerSignalKind.answer, sdp: this.answered.answer });
          return;
        }
        const pc = await this.connect();
        await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
        for (const init of this.early.splice(0)) await this.add(init);
        await pc.setLocalDescription(await pc.createAnswer());
        if (pc !== this.pc) return;
        this.answered = { key: offerKey(signal.sdp), answer: pc.localDescription.sdp };
        this.send({ kind: proto.PeerSignalKind.answer, sdp: pc.localDescription.sdp });
        return;
      }
      case proto.PeerSignalKind.answer:
        if (this.pc && this.pc.signalingState === 'have-local-offer') {
          await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
          for (const init of this.early.splice(0)) await this.add(init);
        }
        return;
      case proto.PeerSignalKind.ice: {
        const init = { candidate: signal.candidate, sdpMLineIndex: signal.sdpMLineIndex };
        if (this.pc && this.pc.remoteDescription) await this.add(init);
        else this.early.push(init);
        return;
      }
      case proto.PeerSignalKind.restart:
        if (!this.offers || this.building) return;
        if (this.pc && this.pc.signalingState === 'have-local-offer' && this.pc.localDescription) {
          this.send({ kind: proto.PeerSignalKind.offer, sdp: this.pc.localDescription.sdp });
          return;
        }
        await this.offer();
        return;
    }
  }

  async add(init) {
    try {
      await this.pc.addIceCandidate(init);
    } catch (err) {
      this.mesh.env.log('skipped a candidate from another browser:', err.name);
    }
  }

  close() {
    clearTimeout(this.askTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
    this.tile.remove();
    const container = this.mesh.env.container;
    if (!container.children.length) container.hidden = true;
  }
}

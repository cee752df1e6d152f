// web/protocol.js under node's test runner: what the page sends is the JSON
// the Rust tests pin (src/protocol.rs), and what it accepts from the box is
// every v1 server message and nothing malformed. That both sides name the
// same types, codes and reasons is checked by tests/protocol_mirror.rs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as proto from '../../web/protocol.js';

test('the constructors build the pinned JSON, optional fields left out', () => {
  assert.deepEqual(proto.hello('abc'), { type: 'hello', version: 1, token: 'abc' });
  assert.deepEqual(proto.hello('abc', null), { type: 'hello', version: 1, token: 'abc' });
  assert.deepEqual(proto.hello('abc', 's1'), { type: 'hello', version: 1, token: 'abc', resume: 's1' });
  assert.deepEqual(proto.answer('v=0', 2), { type: 'answer', sdp: 'v=0', mediaTry: 2 });
  assert.deepEqual(proto.ice('candidate:1 1 udp 1 127.0.0.1 9 typ host', 1, 2), {
    type: 'ice',
    candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
    sdpMLineIndex: 1,
    mediaTry: 2,
  });
  assert.deepEqual(proto.hello('abc', 's1', true), { type: 'hello', version: 1, token: 'abc', resume: 's1', keepsMedia: true });
  assert.deepEqual(proto.hello('abc', null, true), { type: 'hello', version: 1, token: 'abc' }, 'keepsMedia only with resume');
  assert.deepEqual(proto.hangUp(), { type: 'hangUp' });
  assert.deepEqual(proto.leaving(), { type: 'leaving' });
  assert.deepEqual(proto.cannotCall(), { type: 'cannotCall' });
  assert.deepEqual(proto.toPeer('b7', { kind: 'answer', sdp: 'v=0' }), { type: 'toPeer', to: 'b7', signal: { kind: 'answer', sdp: 'v=0' } });
  assert.equal(JSON.stringify(proto.hello('t')), '{"type":"hello","version":1,"token":"t"}');
  assert.deepEqual(proto.hello('abc', null, false, false), { type: 'hello', version: 1, token: 'abc', ready: false }, 'ready is said only when false');
  assert.deepEqual(proto.hello('abc', 's1', false, true), { type: 'hello', version: 1, token: 'abc', resume: 's1' });
  assert.deepEqual(proto.ready(), { type: 'ready' });
  assert.deepEqual(proto.sending(proto.Camera.none, true), { type: 'sending', camera: 'none', microphone: true });
});

test('the name tables are frozen and name themselves', () => {
  const tables = Object.values(proto).filter((v) => v && typeof v === 'object');
  assert.ok(tables.length >= 4, 'the module exports its name tables');
  for (const table of tables) {
    assert.ok(Object.isFrozen(table));
    for (const [key, value] of Object.entries(table)) assert.equal(key, value);
    assert.throws(() => {
      table.extra = 'extra'; // modules are strict: writing to a frozen object throws
    }, TypeError);
  }
});

const valid = [
  { type: 'ringing', seconds: 3 },
  {
    type: 'welcome',
    version: 1,
    session: '5f2a',
    iceServers: [{ urls: ['stun:127.0.0.1:3478'] }, { urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1:x', credential: 'pw' }],
  },
  { type: 'welcome', version: 1, session: '5f2a', iceServers: [], resumed: true },
  { type: 'offer', sdp: 'v=0\r\n', mediaTry: 1 },
  { type: 'participants', you: 'a1', others: [] },
  { type: 'participants', you: 'a1', others: [{ id: 'b7', label: 'Ben' }] },
  { type: 'fromPeer', from: 'b7', signal: { kind: 'offer', sdp: 'v=0' } },
  { type: 'fromPeer', from: 'b7', signal: { kind: 'answer', sdp: 'v=0' } },
  { type: 'fromPeer', from: 'b7', signal: { kind: 'ice', candidate: 'candidate:1', sdpMLineIndex: 0 } },
  { type: 'fromPeer', from: 'b7', signal: { kind: 'restart' } },
  { type: 'ice', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMLineIndex: 0 },
  { type: 'ice', candidate: '', sdpMLineIndex: 0 },
  { type: 'ended', reason: 'takenOver' },
  { type: 'error', code: 'busy' },
  { type: 'error', code: 'resting', until: '07:00' },
  // A newer box's code or reason still reaches the page, for a generic sentence.
  { type: 'error', code: 'somethingNew' },
  { type: 'ended', reason: 'somethingNew' },
];

test('every v1 server message is read as it is', () => {
  for (const message of valid) {
    assert.deepEqual(proto.parseServerMessage(JSON.stringify(message)), message, JSON.stringify(message));
  }
  const seen = new Set(valid.map((m) => m.type));
  assert.deepEqual([...seen].sort(), Object.values(proto.ServerType).sort(), 'a sample of every server type');
});

test('anything malformed is refused with null, never thrown', () => {
  const bad = [
    '',
    'not json',
    'null',
    '42',
    '"offer"',
    '[]',
    '{}',
    JSON.stringify({ type: 'hello', version: 1, token: 't' }), // a client message
    JSON.stringify({ type: 'ringing', seconds: '3' }),
    JSON.stringify({ type: 'ringing', seconds: 1.5 }),
    JSON.stringify({ type: 'welcome', version: 1, iceServers: [] }),
    JSON.stringify({ type: 'welcome', version: 1, session: 's', iceServers: {} }),
    JSON.stringify({ type: 'offer' }),
    JSON.stringify({ type: 'offer', sdp: 1, mediaTry: 1 }),
    JSON.stringify({ type: 'offer', sdp: 'v=0' }),
    JSON.stringify({ type: 'offer', sdp: 'v=0', mediaTry: 0 }),
    JSON.stringify({ type: 'offer', sdp: 'v=0', mediaTry: 1.5 }),
    JSON.stringify({ type: 'offer', sdp: 'v=0', mediaTry: '1' }),
    JSON.stringify({ type: 'ice', candidate: 'c', sdpMLineIndex: '0' }),
    JSON.stringify({ type: 'ice', sdpMLineIndex: 0 }),
    JSON.stringify({ type: 'ended' }),
    JSON.stringify({ type: 'error' }),
    JSON.stringify({ type: 'error', code: 'resting', until: 700 }),
    JSON.stringify({ type: 'participants', others: [] }),
    JSON.stringify({ type: 'participants', you: 'a1', others: [{ id: 'b7' }] }),
    JSON.stringify({ type: 'participants', you: 'a1', others: [null] }),
    JSON.stringify({ type: 'fromPeer', from: 'b7' }),
    JSON.stringify({ type: 'fromPeer', from: 'b7', signal: { kind: 'offer' } }),
    JSON.stringify({ type: 'fromPeer', from: 'b7', signal: { kind: 'ice', candidate: 'c' } }),
    JSON.stringify({ type: 'fromPeer', from: 'b7', signal: { kind: 'shout' } }),
    JSON.stringify({ type: 'fromPeer', signal: { kind: 'restart' } }),
  ];
  for (const text of bad) assert.equal(proto.parseServerMessage(text), null, text);
  assert.equal(proto.parseServerMessage(undefined), null);
});

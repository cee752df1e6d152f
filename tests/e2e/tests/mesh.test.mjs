// Two browsers in a group call whose messages to each other are slow: each
// offer reaches the other browser only after it gave up waiting and asked
// for one (`restart`), so the ask and the offer cross, and the offer is
// then sent a second time. Both must see and hear each other, and go on
// doing so once the second copy has landed (web/call-mesh.js).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pressHangUp, waitBoxState, waitBrowserMedia } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';
import { openAll, others, seesEachOther, startGroup, stopGroup } from '../lib/group.mjs';

const PEOPLE = [
  { label: 'Dora', rgb: [200, 40, 40], toneHz: 600 },
  { label: 'Emil', rgb: [40, 90, 200], toneHz: 1000 },
];
// Longer than the page waits for an offer before it asks (ASK_AFTER_MS, 2 s).
const PEER_DELAY_MS = 3000;

/**
 * Holds every message this page sends to another browser for `delayMs`,
 * in order (a slow path between the two), and counts the offers it sends.
 */
function delayMessagesToPeers(delayMs) {
  window.__offersSent = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function delayed(data) {
    try {
      const message = JSON.parse(data);
      if (message.type === 'toPeer') {
        if (message.signal && message.signal.kind === 'offer') window.__offersSent += 1;
        setTimeout(() => send.call(this, data), delayMs);
        return;
      }
    } catch {
      // Not JSON: not ours to hold.
    }
    send.call(this, data);
  };
}

let group;
let box;
let people = [];

before(async () => {
  group = await startGroup(PEOPLE, { maxParticipants: 3, initScript: delayMessagesToPeers, initArg: PEER_DELAY_MS });
  ({ box, people } = group);
});

after(() => stopGroup(group));

test('an ask for an offer crossing the offer: the two browsers see and hear each other, and keep on', { timeout: 120_000 }, async () => {
  await openAll(people);
  await waitUntil('the box in a call with two', () => box.status(), (s) => s.state === 'inCall' && s.calls.length === 2, { timeoutMs: 20_000 });
  for (const person of people) {
    await waitBrowserMedia(person.page, { minFrames: 10 });
    const seen = await seesEachOther(person, people.filter((p) => p !== person));
    console.log(`${person.label} sees: ${JSON.stringify(seen)}`);
  }
  // The ask crossed the offer: the offering page sent its offer twice.
  const offers = await Promise.all(people.map((p) => p.page.evaluate(() => window.__offersSent)));
  assert.ok(offers[0] + offers[1] >= 2, `the ask did not cross the offer (offers sent: ${offers})`);
  // Until the second copy, its answer and that answer's copy have landed.
  await new Promise((resolve) => setTimeout(resolve, 3 * PEER_DELAY_MS));
  for (const person of people) {
    const [other] = await others(person.page);
    await seesEachOther(person, people.filter((p) => p !== person));
    await waitUntil(`${person.label} to keep decoding the other`, () => others(person.page), (l) => l[0] && l[0].frames > other.frames + 20, { timeoutMs: 10_000, intervalMs: 200 });
  }
  for (const person of people) await pressHangUp(person.page);
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
});

// Calls through the family's TURN server, really exercised: a real coturn on
// loopback, the box configured with it ([turn] server, secret), and the
// browser forced to relay only (iceTransportPolicy 'relay', wrapped into
// RTCPeerConnection by an init script); in the second test the box too
// ([turn] relay_only = true). Media flows both ways and both ends check what
// they decoded (colour, tone). The relay path is proven twice: the page's
// selected candidate pair is relayed (both ends in the second test, the far
// one a relay coturn made for the box), and coturn's log shows the
// allocations for the TURN REST usernames ("<expiry>:caller", "<expiry>:box")
// and, once the page has hung up, how many bytes its relay carried each way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, pageState } from '../lib/browser.mjs';
import { hangUp, pressHangUp, openCall, waitBoxMedia, waitBoxState, waitBrowserMedia } from '../lib/call.mjs';
import { REALM, startCoturn } from '../lib/coturn.mjs';
import { openAdmin } from '../lib/admin.mjs';
import { waitUntil } from '../lib/wait.mjs';

const SECRET = 'e2e-static-auth-secret';
/** The page's bytes a few seconds of the box's test pattern and tone must at least weigh. */
const MIN_FROM_BOX = 50_000;
/**
 * What the browser's few seconds must at least weigh: its fake camera shows
 * one flat colour, which compresses to almost nothing; Opus alone is more.
 */
const MIN_FROM_BROWSER = 5_000;

let fixtures;
let coturn;
let browser;
const boxes = [];

before(async () => {
  fixtures = makeFixtures();
  coturn = await startCoturn({ secret: SECRET });
  console.log(`coturn log: ${coturn.logPath}`);
  browser = await launchBrowser(fixtures);
  await browser.context.addInitScript(relayOnly);
});

after(async () => {
  await browser?.close();
  for (const box of boxes) {
    if (box.running) await box.stop();
    console.log(`box log: ${box.logPath}`);
  }
  await coturn?.stop();
  if (coturn) console.log(`coturn log: ${coturn.logPath}`);
  removeFixtures(fixtures);
});

/**
 * Runs in every page before its scripts: every RTCPeerConnection the page
 * makes uses relayed candidates only, whatever configuration it asks for.
 */
function relayOnly() {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.RTCPeerConnection = class RelayOnly extends Native {
    constructor(configuration, ...rest) {
      super({ ...(configuration || {}), iceTransportPolicy: 'relay' }, ...rest);
    }
  };
}

/** A box that uses the test's coturn; `relayOnly` makes its own side relay-only too. */
async function boxWith({ relayOnly: relay }) {
  const box = await startBox({ turn: { server: coturn.server, secret: SECRET, relay_only: relay } });
  boxes.push(box);
  return box;
}

/**
 * How the page's call is routed, from getStats(): the selected candidate
 * pair's two ends (type, protocol, address, port), the bytes it carried, the
 * types of every local and remote candidate the page knows, and the ports of
 * its own.
 */
async function iceRoute(page) {
  return page.evaluate(async () => {
    const pc = window.homecall ? window.homecall.peer : null;
    if (!pc) return null;
    const report = await pc.getStats();
    const byId = new Map();
    report.forEach((r) => byId.set(r.id, r));
    let pair = null;
    report.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = byId.get(r.selectedCandidatePairId) ?? pair;
    });
    const candidate = (id) => {
      const c = byId.get(id);
      return c ? { type: c.candidateType, protocol: c.protocol, relayProtocol: c.relayProtocol ?? null, address: c.address, port: c.port } : null;
    };
    const all = (kind, field) => {
      const out = [];
      report.forEach((r) => {
        if (r.type === kind) out.push(r[field]);
      });
      return out;
    };
    return {
      policy: pc.getConfiguration().iceTransportPolicy,
      local: pair ? candidate(pair.localCandidateId) : null,
      remote: pair ? candidate(pair.remoteCandidateId) : null,
      bytesSent: pair?.bytesSent ?? 0,
      bytesReceived: pair?.bytesReceived ?? 0,
      localTypes: all('local-candidate', 'candidateType'),
      localPorts: all('local-candidate', 'port'),
      remoteTypes: all('remote-candidate', 'candidateType'),
    };
  });
}

/** The bytes one session's relay received from its client and sent to it (rb, sb), from coturn's usage line. */
function usageBytes(line) {
  const number = (name) => Number((line.match(new RegExp(`\\b${name}=(\\d+)`)) || [])[1] ?? NaN);
  return { line, fromClient: number('rb'), toClient: number('sb') };
}

/**
 * Waits until coturn, after `since`, logs the usage of a relay of `who`
 * ("caller", "box") that carried at least `fromClient` and `toClient` bytes.
 * A client may allocate more than one relay (over UDP and over TCP) and use
 * one; each logs its usage when it is freed.
 */
async function relayThatCarried(who, { fromClient, toClient }, since) {
  const carried = await waitUntil(
    `coturn's log to show a relay of "${who}" that carried ≥ ${fromClient} bytes from it and ≥ ${toClient} to it`,
    () => coturn.lines([`: usage: realm=<${REALM}>`, `:${who}>`], { since }).map(usageBytes),
    (usages) => usages.some((u) => u.fromClient >= fromClient && u.toClient >= toClient),
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  return carried.find((u) => u.fromClient >= fromClient && u.toClient >= toClient);
}

/**
 * One test, like call.test.mjs's: on failure the error gets the pages, the
 * box and coturn's log; afterwards the pages are hung up and closed.
 */
function scenario(name, body, { timeout = 60_000 } = {}) {
  test(name, { timeout }, async () => {
    const firstPage = browser.pages.length;
    const firstBox = boxes.length;
    const ownPages = () => browser.pages.slice(firstPage);
    try {
      await body();
    } catch (err) {
      const pages = await browser.describe({ pages: ownPages() });
      const boxReports = [];
      for (const box of boxes.slice(firstBox)) boxReports.push(await box.describe());
      err.message += `\n\n${pages}\n\n${boxReports.join('\n\n')}\n\n${coturn.describe(60)}`;
      throw err;
    } finally {
      for (const page of ownPages().reverse()) {
        if (page.isClosed()) continue;
        if (['connecting', 'inCall', 'problems'].includes(await pageState(page))) {
          await pressHangUp(page, { timeoutMs: 2000 }).catch(() => {});
        }
        await page.close({ runBeforeUnload: true }).catch(() => {});
      }
    }
  });
}

/** A call with media both ways, checked at both ends; returns the page and its route. */
async function callWithMedia(box, label) {
  const link = await box.createLink(label);
  const page = await openCall(browser, link, { label });
  const seen = await waitBrowserMedia(page, { minFrames: 30, width: 640, height: 360, minLevel: 0.01 });
  console.log(`${label}: browser received ${JSON.stringify(seen)}`);
  const status = await waitBoxMedia(box, {
    expectedRgb: fixtures.expectedRgb,
    toneHz: fixtures.toneHz,
  });
  console.log(`${label}: box received ${JSON.stringify(status.remote)}`);
  const route = await waitUntil(
    'the page to report its selected candidate pair',
    () => iceRoute(page),
    (r) => !!r?.local && !!r?.remote && r.bytesReceived > MIN_FROM_BOX && r.bytesSent > MIN_FROM_BROWSER,
    { timeoutMs: 5000, intervalMs: 100 },
  );
  console.log(`${label}: route ${JSON.stringify(route)}`);
  return { page, route };
}

function assertRelayedByCoturn(candidate, what) {
  assert.equal(candidate.type, 'relay', `${what}: ${JSON.stringify(candidate)}`);
  assert.equal(candidate.address, '127.0.0.1', `${what}: ${JSON.stringify(candidate)}`);
  const [min, max] = coturn.relayPorts;
  assert.ok(candidate.port >= min && candidate.port <= max, `${what}: port ${candidate.port} outside coturn's relay ports ${min}-${max}`);
}

scenario('the browser relay-only: media both ways through coturn', async () => {
  const since = coturn.mark();
  const box = await boxWith({ relayOnly: false });
  const { page, route } = await callWithMedia(box, 'relay-caller');

  // The page asked for relay only and got it: every candidate it gathered
  // is coturn's, and so is its end of the pair that carries the call.
  assert.equal(route.policy, 'relay');
  assert.ok(route.localTypes.length > 0 && route.localTypes.every((t) => t === 'relay'), `local candidates: ${route.localTypes}`);
  assertRelayedByCoturn(route.local, "the page's end of the selected pair");
  // The box gathers everything: its end may be its host address or its relay.
  assert.ok(['host', 'relay', 'prflx', 'srflx'].includes(route.remote.type), JSON.stringify(route.remote));

  // coturn made the page's relay with the credentials of the box's welcome.
  await coturn.waitForLine(['ALLOCATE processed, success', ':caller>'], { since });

  await hangUp(page, { timeoutMs: 5000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  // The page freed its relay: coturn tells what it carried, both ways.
  const relay = await relayThatCarried('caller', { fromClient: MIN_FROM_BROWSER, toClient: MIN_FROM_BOX }, since);
  console.log(`the caller's relay: ${relay.line}`);
});

scenario('both sides relay-only: media both ways through coturn', async () => {
  const since = coturn.mark();
  const box = await boxWith({ relayOnly: true });
  const { page, route } = await callWithMedia(box, 'relay-both');

  assert.equal(route.policy, 'relay');
  assertRelayedByCoturn(route.local, "the page's end of the selected pair");
  // The box sent relayed candidates only ([turn] relay_only): the page
  // never learnt a box address, and the pair's far end is the box's relay.
  assert.ok(route.remoteTypes.length > 0 && route.remoteTypes.every((t) => t === 'relay'), `remote candidates: ${route.remoteTypes}`);
  assertRelayedByCoturn(route.remote, "the box's end of the selected pair");

  // The far end is not one of the page's own relays: it is the relay coturn
  // made for the box, whose allocation and permissions its log shows.
  assert.ok(!route.localPorts.includes(route.remote.port), `the pair's far end ${route.remote.port} is one of the page's own relays ${route.localPorts}`);
  await coturn.waitForLine([`Local relay addr: 127.0.0.1:${route.remote.port}`], { since });
  await coturn.waitForLine(['ALLOCATE processed, success', ':caller>'], { since });
  await coturn.waitForLine(['ALLOCATE processed, success', ':box>'], { since });
  await coturn.waitForLine(['CHANNEL_BIND processed, success', ':box>'], { since });

  await hangUp(page, { timeoutMs: 5000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  // The page's relay carried the call both ways, to and from the box's relay.
  // (The box's own relay is not freed when its call ends: GStreamer 1.22's
  // webrtcbin drops its ICE agent without closing it, so coturn logs that
  // relay's usage only when it expires, 10 minutes later.)
  const caller = await relayThatCarried('caller', { fromClient: MIN_FROM_BROWSER, toClient: MIN_FROM_BOX }, since);
  console.log(`the caller's relay: ${caller.line}`);
});

scenario("the admin page's network check finds coturn's relay and the public address", async () => {
  const since = coturn.mark();
  const box = await boxWith({ relayOnly: false });
  const { page: admin } = await openAdmin(browser, box, 'Status');
  await admin.getByRole('button', { name: 'Check the network' }).click();
  const turn = admin.locator('#network-turn');
  await turn.filter({ hasText: /^Works: / }).waitFor({ timeout: 10_000 });
  const text = await turn.textContent();
  assert.match(text, new RegExp(`^Works: ${coturn.server.replace(/\./g, '\\.')} gave the box a relay \\(127\\.0\\.0\\.1:\\d+\\)\\.$`));
  assert.match(await admin.locator('#network-public').textContent(), /^127\.0\.0\.1: /);
  await admin.locator('#network-message', { hasText: /^Checked at / }).waitFor({ timeout: 3000 });
  // The check made its relay with its own credentials ("<expiry>:check") and freed it.
  await coturn.waitForLine(['ALLOCATE processed, success', ':check>'], { since });
  await coturn.waitForLine(['refreshed', ':check>', 'lifetime=0'], { since });
});

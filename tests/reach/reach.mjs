// The driver of the CGNAT test: run by tests/reach/run.sh inside the box's
// network namespace, after it made the namespaces and started coturn and
// pebble in "inet". Uses the end-to-end tests' helpers (tests/e2e/lib).
//
// 1. Starts `homecall relay` in inet (ip netns exec): a certificate for
//    relay.test over ACME from pebble (REACH_CERT=acme, the default), or
//    [tls] files from run.sh's test CA (REACH_CERT=files).
// 2. Starts the box here (test pattern and tone, headless, TURN = coturn,
//    trusting the relay's issuer), sets it up and pairs it with the relay
//    through its admin API, waits for the tunnel.
// 3. CALLS calls from headless Chromium in the phone's namespace (behind its
//    own NAT) to the relay link: media both ways, the same content checks as
//    tests/e2e/tests/call.test.mjs; hang up, the box waits again.
// 4. SIGKILL to the relay while the box waits; the box sees the tunnel go
//    down; the relay starts again; the box reconnects by itself.
// 5. One more call, the same checks.
//
// stdout: one line per call (first_frame_ms=…, dom_ready_ms=… for reference,
// the ICE path media took), box_reconnect_after_relay_restart_ms=…, the
// reference ref_dom_ready_ms_median=…, and last first_frame_ms_median=….
// Everything else (progress, failure reports) goes to stderr.
//
// env: HOMECALL_BIN, HOMECALL_CHROMIUM (the wrapper that runs Chromium in the
// phone's namespace), REACH_WORK (run.sh's work dir: certificates, logs),
// REACH_INET_NS, REACH_CERT, REACH_NAT (cone|symmetric: with symmetric NATs
// the media must take coturn), REACH_TURN_SECRET, CALLS.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeFixtures, removeFixtures } from '../e2e/lib/fixtures.mjs';
import { Box } from '../e2e/lib/box.mjs';
import { setUpAdmin } from '../e2e/lib/admin.mjs';
import { launchBrowser, describePage } from '../e2e/lib/browser.mjs';
import { hangUp, openCall, waitBoxMedia, waitBoxState, waitBrowserMedia } from '../e2e/lib/call.mjs';
import { fatal, waitUntil } from '../e2e/lib/wait.mjs';
import { median } from '../e2e/lib/figures.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/reach/run.sh, not this file`);
  return v;
};
const BIN = env('HOMECALL_BIN');
const WORK = env('REACH_WORK');
const INET_NS = env('REACH_INET_NS');
const TURN_SECRET = env('REACH_TURN_SECRET');
const CERT_MODE = process.env.REACH_CERT || 'acme';
if (!['acme', 'files'].includes(CERT_MODE)) throw new Error(`REACH_CERT must be acme or files, got ${CERT_MODE}`);
const CALLS = Number.parseInt(process.env.CALLS ?? '2', 10);
const NAT = process.env.REACH_NAT || 'cone';

const RELAY_NAME = 'relay.test';
const RELAY_IP = '203.0.113.1';
const BOX_PORT = 8080; // the box namespace is ours alone
const W = 640;
const H = 360;

const t0 = performance.now();
const log = (message) => process.stderr.write(`[reach +${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
const toml = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function run(cmd, args, { timeout = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      else resolve(stdout);
    });
  });
}

// ---- the relay, in inet ---------------------------------------------------------------------

class Relay {
  constructor(certificate) {
    this.dir = path.join(WORK, 'relay');
    fs.mkdirSync(path.join(this.dir, 'state'), { recursive: true });
    this.configPath = path.join(this.dir, 'relay.toml');
    this.logPath = path.join(WORK, 'relay.log');
    this.child = null;
    this.exited = null;
    this.configure(certificate);
  }

  /** Writes relay.toml for `certificate`: 'acme' (pebble) or 'files' (the test CA). */
  configure(certificate) {
    this.certificate = certificate;
    const lines = [
      '[relay]',
      `listen = ${toml(`${RELAY_IP}:443`)}`,
      `public_url = ${toml(`https://${RELAY_NAME}`)}`,
      `state_dir = ${toml(path.join(this.dir, 'state'))}`,
      '',
    ];
    if (certificate === 'acme') {
      lines.push(
        '[acme]',
        `domain = ${toml(RELAY_NAME)}`,
        `directory = ${toml(`https://${RELAY_IP}:14000/dir`)}`,
        // pebble's own HTTPS certificate is signed by run.sh's test CA.
        `directory_root = ${toml(path.join(WORK, 'ca.pem'))}`,
        `http_listen = ${toml(`${RELAY_IP}:80`)}`,
        'contact = "mailto:family@relay.test"',
      );
    } else {
      lines.push('[tls]', `certificate = ${toml(path.join(WORK, 'relay.pem'))}`, `key = ${toml(path.join(WORK, 'relay.key'))}`);
    }
    fs.writeFileSync(this.configPath, `${lines.join('\n')}\n`);
  }

  /** The root the box must trust for the relay's certificate. */
  get issuerRoot() {
    return path.join(WORK, this.certificate === 'acme' ? 'pebble-root.pem' : 'ca.pem');
  }

  note(message) {
    fs.appendFileSync(this.logPath, `[reach ${new Date().toISOString()}] ${message}\n`);
  }

  logText(from = 0) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').slice(from);
    } catch {
      return '';
    }
  }

  /**
   * Starts `homecall relay` in inet; resolves when its log says it listens
   * (returns performance.now() then), or rejects with its log when it exits.
   */
  async start({ timeoutMs = 30_000 } = {}) {
    const from = this.logText().length;
    this.note(`starting (certificate: ${this.certificate})`);
    const fd = fs.openSync(this.logPath, 'a');
    const child = spawn('ip', ['netns', 'exec', INET_NS, BIN, 'relay', '--config', this.configPath], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'info,homecall=debug' },
    });
    fs.closeSync(fd);
    this.child = child;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.note(`exited: code=${code} signal=${signal}`);
        resolve(this.exit);
      });
    });
    await waitUntil(
      'the relay to log "relay listening"',
      () => {
        if (/relay listening/.test(this.logText(from))) return true;
        if (this.exit) throw fatal(`the relay exited (${JSON.stringify(this.exit)}):\n${this.logText(from).slice(-3000)}`);
        return false;
      },
      Boolean,
      { timeoutMs, intervalMs: 10 },
    );
    return performance.now();
  }

  /** SIGKILL, as a crash or a power cut of its server would. */
  async kill() {
    if (!this.child || this.exit) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** `homecall relay pair`: the pairing code is its last line. */
  async pair() {
    const out = await run('ip', ['netns', 'exec', INET_NS, BIN, 'relay', 'pair', '--config', this.configPath]);
    const code = out.trim().split('\n').at(-1)?.trim();
    if (!code || !code.startsWith(`https://${RELAY_NAME}/pair#`)) throw new Error(`"relay pair" printed no pairing code as its last line:\n${out}`);
    return code;
  }
}

/** Starts the relay with the certificate REACH_CERT asks for. */
async function startRelay() {
  const relay = new Relay(CERT_MODE);
  const started = performance.now();
  await relay.start();
  const ms = Math.round(performance.now() - started);
  // With ACME this is the whole issuance: account, order, HTTP-01 checked by
  // pebble over "DNS" from pebble-challtestsrv, finalization, the chain.
  console.log(`relay_certificate=${CERT_MODE} relay_start_ms=${ms}`);
  log(`relay listening on https://${RELAY_NAME} (${RELAY_IP}:443) after ${ms} ms`);
  return relay;
}

// ---- the box, here in the box's namespace -----------------------------------------------------

async function startBox(trust) {
  const dir = path.join(WORK, 'box');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  const config = [
    '[web]',
    // The admin API is used from inside the box's namespace only.
    `listen = ${toml(`127.0.0.1:${BOX_PORT}`)}`,
    `public_url = ${toml(`http://127.0.0.1:${BOX_PORT}`)}`,
    '',
    '[state]',
    `dir = ${toml(stateDir)}`,
    '',
    '[media]',
    'video_source = "test"',
    'audio_source = "test"',
    `width = ${W}`,
    `height = ${H}`,
    'framerate = 30',
    'tv_output = "none"',
    'audio_output = "none"',
    '',
    '[calls]',
    'max_participants = 2',
    'countdown_secs = 0',
    '',
    '[turn]',
    `server = ${toml(`${RELAY_IP}:3478`)}`,
    `secret = ${toml(TURN_SECRET)}`,
    '',
    '[relay]',
    `trust = ${toml(trust)}`,
    '',
  ].join('\n');
  const configPath = path.join(dir, 'box.toml');
  fs.writeFileSync(configPath, config);
  const logPath = path.join(WORK, 'box.log');
  const box = new Box({ bin: BIN, dir, port: BOX_PORT, url: `http://127.0.0.1:${BOX_PORT}`, configPath, logPath, env: {} });
  box.spawn();
  try {
    await box.ready(20_000);
  } catch (err) {
    err.message += `\n${box.logTail(40)}`;
    throw err;
  }
  return box;
}

async function relayApi(box, cookie, method, body) {
  const res = await fetch(`${box.url}/api/admin/relay`, {
    method,
    headers: { Cookie: cookie, Origin: box.url, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /api/admin/relay answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Polls GET /api/admin/relay every 20 ms until `accept(view)`; returns the view. */
function waitTunnel(box, cookie, what, accept, timeoutMs) {
  return waitUntil(what, () => relayApi(box, cookie, 'GET'), accept, { timeoutMs, intervalMs: 20 });
}
const tunnelUp = (v) => Number.isInteger(v?.tunnel?.connectedSince);
const tunnelDown = (v) => v?.tunnel?.connectedSince == null;

// ---- a call --------------------------------------------------------------------------------------

/** The ICE candidate pair the page's media took: types and addresses of both ends. */
async function icePath(page) {
  return page.evaluate(async () => {
    const pc = window.homecall?.peer;
    if (!pc) return null;
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
    });
    if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
    if (!pair) return null;
    const end = (id) => {
      const c = stats.get(id);
      // Chromium does not show the address of a peer-reflexive remote candidate.
      return c ? `${c.candidateType} ${c.address || c.ip || '(address not shown)'}:${c.port} ${c.protocol}` : '?';
    };
    const type = (id) => stats.get(id)?.candidateType ?? null;
    return {
      local: end(pair.localCandidateId),
      remote: end(pair.remoteCandidateId),
      types: [type(pair.localCandidateId), type(pair.remoteCandidateId)],
    };
  });
}

async function call(browser, box, fixtures, link, label) {
  const page = await openCall(browser, link, { label, timeoutMs: 30_000 });
  try {
    const seen = await waitBrowserMedia(page, { minFrames: 30, width: W, height: H, minLevel: 0.01, timeoutMs: 20_000 });
    const status = await waitBoxMedia(box, {
      expectedRgb: fixtures.expectedRgb,
      toneHz: fixtures.toneHz,
      timeoutMs: 20_000,
    });
    const firstFrameMs = await page.evaluate(() => window.homecall.firstFrameMs);
    if (!(typeof firstFrameMs === 'number' && firstFrameMs > 0)) throw new Error(`window.homecall.firstFrameMs is ${firstFrameMs} after frames were decoded`);
    const domReadyMs = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
    const ice = await icePath(page);
    // Behind two NATs that pick a new port for every destination, no direct
    // path can work: the media must go through coturn.
    if (NAT === 'symmetric' && !ice?.types.includes('relay')) {
      throw new Error(`with symmetric NATs the media should go through coturn, but the ICE path is ${JSON.stringify(ice)}`);
    }
    const r = status.remote;
    log(
      `${label}: page decoded ${seen.video.framesDecoded} frames ${seen.video.frameWidth}x${seen.video.frameHeight} and audio (level ${seen.audio.audioLevel.toFixed(3)}); ` +
        `box decoded ${r.videoFrames} frames of mean RGB ${JSON.stringify(r.meanRgb)}, ${Math.round(r.audioFrequencyHz)} Hz at RMS ${r.audioRms.toFixed(3)}`,
    );
    await hangUp(page, { timeoutMs: 5000 });
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
    await page.close();
    return { firstFrameMs, domReadyMs, ice };
  } catch (err) {
    err.page = page;
    throw err;
  }
}

// ---- the test ------------------------------------------------------------------------------------

if (!Number.isInteger(CALLS) || CALLS < 1) {
  console.error(`CALLS must be an integer ≥ 1, got ${process.env.CALLS}`);
  process.exit(2);
}

const fixtures = makeFixtures(path.join(WORK, 'fixtures'));
let relay = null;
let box = null;
let browser = null;
let failed = false;
const firstFrames = [];
const domReady = [];

function report(n, result) {
  firstFrames.push(result.firstFrameMs);
  domReady.push(result.domReadyMs);
  const ice = result.ice ? `${result.ice.local} <-> ${result.ice.remote}` : 'unknown';
  console.log(`call ${n}: first_frame_ms=${result.firstFrameMs} dom_ready_ms=${Math.round(result.domReadyMs)} ice_path="phone ${ice} box"`);
}

try {
  relay = await startRelay();
  const pairingCode = await relay.pair();

  box = await startBox(relay.issuerRoot);
  log(`box up in its namespace (log ${box.logPath})`);
  const cookie = await setUpAdmin(box);
  const paired = await relayApi(box, cookie, 'PUT', { code: pairingCode });
  if (paired.linkBase !== `https://${RELAY_NAME}/b/${paired.boxId}`) throw new Error(`after pairing, links point at ${paired.linkBase}`);
  const pairedAt = performance.now();
  await waitTunnel(box, cookie, 'the tunnel to the relay to come up after pairing', tunnelUp, 20_000);
  log(`paired as box ${paired.boxId}; tunnel up ${Math.round(performance.now() - pairedAt)} ms after pairing`);

  // (Box.createLink expects a link on the box itself: /r/…; this one is /b/<box>/r/….)
  const created = await run(BIN, ['link', 'create', '--config', box.configPath, '--label', 'Phone']);
  const link = created.trim().split('\n').at(-1)?.trim() ?? '';
  if (!link.startsWith(`https://${RELAY_NAME}/b/${paired.boxId}/r/`)) throw new Error(`the link does not point at the relay: ${link}`);

  browser = await launchBrowser(fixtures, {
    extraArgs: [
      `--host-resolver-rules=MAP ${RELAY_NAME} ${RELAY_IP}`,
      // The relay's certificate comes from pebble (or the test CA), which
      // this Chromium does not trust; a real phone trusts Let's Encrypt.
      '--ignore-certificate-errors',
    ],
  });
  browser.quiet = true; // console lines go into failure reports

  for (let n = 1; n <= CALLS; n++) {
    box.note(`=== reach: call ${n}`);
    report(n, await call(browser, box, fixtures, link, `call${n}`));
  }

  // The relay's server dies while the box waits, and comes back.
  box.note('=== reach: SIGKILL to the relay');
  const killedAt = performance.now();
  await relay.kill();
  await waitTunnel(box, cookie, 'the box to see the tunnel down', tunnelDown, 10_000);
  const noticedMs = Math.round(performance.now() - killedAt);
  await sleep(500); // the box is already waiting to retry
  const down = await relayApi(box, cookie, 'GET');
  if (!down.tunnel.lastError) throw new Error(`the tunnel is down but the box gives no reason: ${JSON.stringify(down)}`);
  log(`relay killed; the box saw the tunnel down after ${noticedMs} ms ("${down.tunnel.lastError}")`);
  box.note('=== reach: relay starting again');
  const listeningAt = await relay.start();
  await waitTunnel(box, cookie, 'the box to reconnect to the restarted relay', tunnelUp, 90_000);
  const upAt = performance.now();
  const reconnectMs = Math.round(upAt - listeningAt);
  log(`relay down ${Math.round(listeningAt - killedAt)} ms; the box reconnected ${reconnectMs} ms after it listened again`);

  box.note('=== reach: call after the relay restart');
  const after = await call(browser, box, fixtures, link, 'after-restart');
  report(CALLS + 1, after);

  console.log(`box_saw_tunnel_down_after_relay_kill_ms=${noticedMs}`);
  console.log(`relay_down_ms=${Math.round(listeningAt - killedAt)}`);
  console.log(`box_reconnect_after_relay_restart_ms=${reconnectMs}`);
  console.log(`calls_counted=${firstFrames.length}`);
  // The reference from the same run (as bench/first-frame): the call page
  // itself, loaded through the relay.
  console.log(`ref_dom_ready_ms_median=${Math.round(median(domReady))}`);
  console.log(`first_frame_ms_median=${Math.round(median(firstFrames))}`);
} catch (err) {
  failed = true;
  console.error(`FAIL: ${err.stack || err.message}`);
  if (browser && err.page) console.error(await describePage(browser, err.page, 40).catch((e) => `(cannot describe the page: ${e.message})`));
  if (box) console.error(await box.describe(60));
  if (relay) console.error(`--- last lines of the relay log (${relay.logPath}) ---\n${relay.logText().split('\n').slice(-30).join('\n')}`);
} finally {
  await browser?.close().catch(() => {});
  if (box?.running) {
    const code = await box.stop().catch(() => -1);
    if (code !== 0) log(`note: the box exited with code ${code} after SIGTERM`);
  }
  await relay?.kill().catch(() => {});
  removeFixtures(fixtures);
}
process.exit(failed ? 1 : 0);

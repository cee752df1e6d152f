// A real coturn (Debian's `turnserver`) on 127.0.0.1 for the tests, as
// ../../shared TESTING.md describes it: TURN REST credentials
// (use-auth-secret), loopback peers allowed (everything here is loopback),
// no TLS, no DTLS, no CLI; a free port, its own relay port range, and its
// pid file, database and log in a temp dir. The log is the proof that a
// call went through the relay: coturn writes a line per allocation and per
// session's usage, naming the TURN REST username ("<expiry>:caller" for the
// page, "<expiry>:box" for the box).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './box.mjs';
import { fatal, waitUntil, withTimeout } from './wait.mjs';
import { killOnExit } from './children.mjs';

export const TURNSERVER = process.env.HOMECALL_TURNSERVER || '/usr/bin/turnserver';
export const REALM = 'homecall.test';


export class Coturn {
  constructor({ child, port, relayPorts, dir, logPath, secret }) {
    this.child = child;
    this.port = port;
    this.relayPorts = relayPorts;
    this.dir = dir;
    this.logPath = logPath;
    this.secret = secret;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** `host:port` for the box's `[turn] server`. */
  get server() {
    return `127.0.0.1:${this.port}`;
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Where the log ends now: pass it as `since` to look only at what follows. */
  mark() {
    return this.log().length;
  }

  /** coturn's log lines (after `since`, a mark()) that contain every one of `words`. */
  lines(words, { since = 0 } = {}) {
    return this.log()
      .slice(since)
      .split('\n')
      .filter((line) => words.every((w) => line.includes(w)));
  }

  /** Waits until coturn's log (after `since`) has a line containing every one of `words`; returns it. */
  async waitForLine(words, { since = 0, timeoutMs = 10_000 } = {}) {
    const found = await waitUntil(
      `a line with ${JSON.stringify(words)} in coturn's log (${this.logPath})`,
      () => {
        if (this.exit) throw fatal(`coturn exited: ${JSON.stringify(this.exit)}`);
        return this.lines(words, { since })[0];
      },
      Boolean,
      { timeoutMs, intervalMs: 50 },
    );
    return found;
  }

  /** The last `lines` lines of coturn's log, for failure reports. */
  describe(lines = 40) {
    return [`coturn ${this.server}  log: ${this.logPath}`, `--- last ${lines} lines of coturn's log ---`, ...this.log().split('\n').slice(-lines - 1), '--- end of coturn log ---'].join('\n');
  }

  async stop() {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('late'), 3000);
    });
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === 'late') {
      this.child.kill('SIGKILL');
      await withTimeout('coturn to die after SIGKILL', this.exited, 5000);
    }
  }
}

/**
 * Starts coturn with `secret` as its static-auth-secret and waits until it
 * listens on UDP.
 */
export async function startCoturn({ secret, bin = TURNSERVER } = {}) {
  if (!fs.existsSync(bin)) throw new Error(`no ${bin}: install the Debian package coturn (scripts/install-deps.sh --test)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-coturn-'));
  const port = await freePort();
  // Relay ports below the ephemeral range, a block per instance.
  const min = 20_000 + (port % 120) * 100;
  const relayPorts = [min, min + 99];
  const logPath = path.join(dir, 'turnserver.log');
  const args = [
    '-n',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${relayPorts[0]}`,
    `--max-port=${relayPorts[1]}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${REALM}`,
    '--allow-loopback-peers',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-rfc5780',
    '--fingerprint',
    '--verbose',
    '--simple-log',
    `--log-file=${logPath}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    `--userdb=${path.join(dir, 'turndb')}`,
  ];
  const out = fs.openSync(path.join(dir, 'turnserver.out'), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  killOnExit(child);
  const coturn = new Coturn({ child, port, relayPorts, dir, logPath, secret });
  try {
    await coturn.waitForLine([`UDP listener opened on: 127.0.0.1:${port}`]);
  } catch (err) {
    await coturn.stop().catch(() => {});
    err.message += `\n${coturn.describe()}`;
    throw err;
  }
  return coturn;
}

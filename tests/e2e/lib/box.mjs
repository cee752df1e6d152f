// Runs a real HomeCall box for the tests: its own temp dir, config, state dir
// and loopback port; its stdout and stderr go to a log file.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fatal, waitUntil, withTimeout } from './wait.mjs';
import { killOnExit } from './children.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests/e2e/lib → ../../..). */
export const REPO_ROOT = path.resolve(HERE, '..', '..', '..');

export function boxBinary() {
  return process.env.HOMECALL_BIN || path.join(REPO_ROOT, 'target', 'debug', 'homecall');
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}


function toml(value) {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export class Box {
  constructor({ bin, dir, port, url, configPath, logPath, env }) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.url = url;
    this.configPath = configPath;
    this.logPath = logPath;
    this.env = env;
    this.child = null;
    this.exit = null; // { code, signal } once it has exited
  }

  /** Starts the process on this box's config and state (again, after a stop). */
  spawn() {
    const logFd = fs.openSync(this.logPath, 'a');
    const child = spawn(this.bin, ['run', '--config', this.configPath], {
      stdio: ['ignore', logFd, logFd],
      // Plain logs in the file (no colour codes), unless the caller chose.
      env: { NO_COLOR: '1', ...process.env, ...this.env },
    });
    fs.closeSync(logFd);
    killOnExit(child);
    this.child = child;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.note(`box exited: code=${code} signal=${signal}`);
        resolve(this.exit);
      });
    });
    this.spawnError = new Promise((_, reject) => child.once('error', reject));
    this.spawnError.catch(() => {});
    this.note(`started ${this.bin} run --config ${this.configPath} (pid ${child.pid})`);
  }

  /** Waits until /api/status answers (polled every 20 ms); returns the ms it took. */
  async ready(timeoutMs = 15_000) {
    const started = performance.now();
    await Promise.race([
      this.spawnError,
      waitUntil(
        `GET ${this.url}/api/status to answer`,
        async () => {
          if (!this.running) throw fatal(`the box exited before answering: ${JSON.stringify(this.exit)}`);
          return this.status();
        },
        (s) => s && typeof s.state === 'string',
        { timeoutMs, intervalMs: 20 },
      ),
    ]);
    return performance.now() - started;
  }

  /**
   * Kills the box with `signal` (as a crash or a power cut would, with
   * SIGKILL) and starts it again on the same state, as systemd would.
   * Returns the ms from the kill to the box answering again.
   */
  async restart({ signal = 'SIGKILL' } = {}) {
    const started = performance.now();
    if (this.running) {
      this.note(`sending ${signal} to restart`);
      this.child.kill(signal);
      await withTimeout('the box to exit', this.exited, 10_000);
    }
    this.spawn();
    await this.ready();
    return performance.now() - started;
  }

  get running() {
    return this.exit === null;
  }

  /** Appends a line from the harness to the box log, to give it context. */
  note(message) {
    try {
      fs.appendFileSync(this.logPath, `[e2e ${new Date().toISOString()}] ${message}\n`);
    } catch {
      // the log is a help, not a requirement
    }
  }

  /** GET /api/status as JSON; throws when the box does not answer in 2 s. */
  async status() {
    const res = await fetch(`${this.url}/api/status`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`GET /api/status answered HTTP ${res.status}`);
    return res.json();
  }

  /** Creates a link with the CLI and returns its URL (the CLI's last stdout line). */
  async createLink(label = 'e2e') {
    const args = ['link', 'create', '--config', this.configPath, '--label', label];
    const { stdout, stderr } = await new Promise((resolve, reject) => {
      execFile(this.bin, args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${this.bin} ${args.join(' ')} failed: ${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        } else {
          resolve({ stdout, stderr });
        }
      });
    });
    const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const link = lines.at(-1);
    if (!link || !/^https?:\/\/[^/]+(\/b\/[0-9a-f]{16})?\/r\/\S+$/.test(link)) {
      throw new Error(`"link create" printed no link URL as its last line.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    this.note(`link created (${label}): ${link}`);
    return link;
  }

  /**
   * SIGTERM, then waits for the exit (SIGKILL after `graceMs`). Returns the
   * exit code; a death by signal is reported as 128 + the signal number.
   */
  async stop(graceMs = 5000) {
    if (this.running) {
      this.note('sending SIGTERM');
      this.child.kill('SIGTERM');
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve('late'), graceMs);
      });
      const first = await Promise.race([this.exited, late]);
      clearTimeout(timer);
      if (first === 'late') {
        this.note(`still running ${graceMs} ms after SIGTERM: sending SIGKILL`);
        this.child.kill('SIGKILL');
        await withTimeout('the box to die after SIGKILL', this.exited, 5000);
      }
    }
    const { code, signal } = this.exit;
    return code ?? 128 + (os.constants.signals[signal] ?? 0);
  }

  /** The last `lines` lines of the box log. */
  logTail(lines = 40) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines - 1).join('\n');
    } catch (err) {
      return `(cannot read ${this.logPath}: ${err.message})`;
    }
  }

  /** What a person needs when a test fails: status, log path and log tail. */
  async describe(lines = 40) {
    let status;
    if (this.running) {
      try {
        status = JSON.stringify(await this.status());
      } catch (err) {
        status = `(no answer: ${err.message})`;
      }
    } else {
      status = `(box exited: code=${this.exit.code} signal=${this.exit.signal})`;
    }
    return [
      `box ${this.url}  status: ${status}`,
      `box log: ${this.logPath}`,
      `--- last ${lines} lines of the box log ---`,
      this.logTail(lines),
      '--- end of box log ---',
    ].join('\n');
  }
}

/**
 * Starts the box with a fresh temp dir and config and waits until
 * /api/status answers (polled every 20 ms, up to `readyTimeoutMs`).
 * `turn`, when given, becomes the `[turn]` table (server, secret, relay_only…).
 */
export async function startBox({ bin = boxBinary(), host = '127.0.0.1', readyTimeoutMs = 15_000, media = {}, calls = {}, turn = null, env = {} } = {}) {
  if (!fs.existsSync(bin)) {
    throw new Error(`no box binary at ${bin}: build it (cargo build) or set HOMECALL_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-box-'));
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  const port = await freePort();
  // Beyond loopback the box serves HTTPS with its own certificate (tls auto).
  const url = `${host === '127.0.0.1' ? 'http' : 'https'}://${host}:${port}`;
  const mediaConfig = {
    video_source: 'test',
    audio_source: 'test',
    width: 640,
    height: 360,
    framerate: 30,
    tv_output: 'none',
    ...media,
  };
  // No announcement countdown unless a test asks for one: calls connect at once.
  const callsConfig = { max_participants: 2, countdown_secs: 0, ...calls };
  const config = [
    '[web]',
    `listen = ${toml(`${host}:${port}`)}`,
    `public_url = ${toml(url)}`,
    '',
    '[state]',
    `dir = ${toml(stateDir)}`,
    '',
    '[media]',
    ...Object.entries(mediaConfig).map(([k, v]) => `${k} = ${toml(v)}`),
    '',
    '[calls]',
    ...Object.entries(callsConfig).map(([k, v]) => `${k} = ${toml(v)}`),
    '',
    ...(turn ? ['[turn]', ...Object.entries(turn).map(([k, v]) => `${k} = ${toml(v)}`), ''] : []),
  ].join('\n');
  const configPath = path.join(dir, 'homecall.toml');
  fs.writeFileSync(configPath, config);
  const logPath = path.join(dir, 'box.log');
  const box = new Box({ bin, dir, port, url, configPath, logPath, env });
  box.spawn();
  try {
    await box.ready(readyTimeoutMs);
  } catch (err) {
    const details = await box.describe(60);
    await box.stop(1000).catch(() => {});
    err.message += `\n${details}`;
    throw err;
  }
  return box;
}

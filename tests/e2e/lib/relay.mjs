// A real `homecall relay` for the end-to-end tests: plain HTTP on a free
// loopback port, its own state directory, and `relay pair` for a code.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boxBinary, freePort } from './box.mjs';
import { waitUntil } from './wait.mjs';
import { killOnExit } from './children.mjs';

export class Relay {
  constructor({ bin, dir, port, configPath, logPath, child }) {
    Object.assign(this, { bin, dir, port, configPath, logPath, child });
    this.url = `http://127.0.0.1:${port}`;
  }

  /** `homecall relay pair`: the pairing code it printed last. */
  pair() {
    return new Promise((resolve, reject) => {
      execFile(this.bin, ['relay', 'pair', '--config', this.configPath], { timeout: 10_000, encoding: 'utf8' }, (err, stdout) => {
        if (err) return reject(new Error(`relay pair failed: ${err.message}`));
        resolve(stdout.trim().split('\n').at(-1).trim());
      });
    });
  }

  log() {
    return fs.existsSync(this.logPath) ? fs.readFileSync(this.logPath, 'utf8') : '';
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** Starts a relay on loopback and waits until it answers. */
export async function startRelay({ bin = boxBinary() } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-relay-'));
  const port = await freePort();
  const configPath = path.join(dir, 'relay.toml');
  fs.writeFileSync(configPath, `[relay]\nlisten = "127.0.0.1:${port}"\nstate_dir = "${path.join(dir, 'state')}"\n`);
  const logPath = path.join(dir, 'relay.log');
  const log = fs.openSync(logPath, 'a');
  const child = killOnExit(spawn(bin, ['relay', '--config', configPath], { stdio: ['ignore', log, log] }));
  const relay = new Relay({ bin, dir, port, configPath, logPath, child });
  await waitUntil(
    'the relay to answer',
    async () => (await fetch(`${relay.url}/`, { signal: AbortSignal.timeout(1000) }).catch(() => null))?.status,
    (status) => status === 200,
    { timeoutMs: 15_000 },
  );
  return relay;
}

// Polling with a deadline. Every wait in the tests goes through `waitUntil`, so
// every wait has a timeout and fails with what it last saw.

import { setTimeout as sleep } from 'node:timers/promises';

export class WaitTimeout extends Error {
  constructor(what, timeoutMs, last) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${show(last)}`);
    this.name = 'WaitTimeout';
    this.last = last;
  }
}

export function show(value) {
  if (value instanceof Error) return `${value.name}: ${value.message.split('\n')[0]}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Calls `probe()` every `intervalMs` until `accept(value)` is true and returns
 * that value. A probe that throws counts as "not yet" (its error becomes the
 * last value seen), unless the error has `fatal: true`, which ends the wait
 * at once. Throws WaitTimeout after `timeoutMs`.
 */
export async function waitUntil(what, probe, accept = Boolean, { timeoutMs = 5000, intervalMs = 50 } = {}) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      if (err && err.fatal) throw err;
      last = err;
    }
    if (performance.now() >= deadline) throw new WaitTimeout(what, timeoutMs, last);
    await sleep(intervalMs);
  }
}

/** Races `promise` against a deadline; rejects with a WaitTimeout naming `what`. */
/** An error that ends a `waitUntil` at once instead of being retried. */
export function fatal(message) {
  return Object.assign(new Error(message), { fatal: true });
}

export async function withTimeout(what, promise, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, timeoutMs, 'no result')), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

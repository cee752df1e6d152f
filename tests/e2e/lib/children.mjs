// Processes the tests start (boxes, relays, coturns): killed if the test
// process exits without stopping them, so nothing outlives a failed run.

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Kills `child` when this process exits, unless it has exited first. */
export function killOnExit(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

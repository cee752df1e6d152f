// For test files whose scenarios each want a box of their own: one browser
// (and its fixtures) for the file, a box per scenario, all stopped at the
// end with their logs named; and counting what a box's log says.

import fs from 'node:fs';
import { before, after } from 'node:test';
import { makeFixtures, removeFixtures } from './fixtures.mjs';
import { startBox } from './box.mjs';
import { launchBrowser } from './browser.mjs';

/**
 * Registers the file's before/after hooks. Returns `browser` and `fixtures`
 * (getters, set once `before` has run) and `box(options)`, which starts a
 * box with startBox's `options` and stops it after the file.
 */
export function boxPerScenario() {
  let fixtures;
  let browser;
  const boxes = [];
  before(async () => {
    fixtures = makeFixtures();
    browser = await launchBrowser(fixtures);
  });
  after(async () => {
    await browser?.close();
    for (const box of boxes) {
      if (box.running) await box.stop();
      console.log(`box log: ${box.logPath}`);
    }
    removeFixtures(fixtures);
  });
  return {
    get browser() {
      return browser;
    },
    get fixtures() {
      return fixtures;
    },
    async box(options) {
      const box = await startBox(options);
      boxes.push(box);
      return box;
    },
  };
}

/** How many lines of `box`'s log (after `from` bytes) match `pattern`. */
export function logCount(box, pattern, from = 0) {
  const text = fs.readFileSync(box.logPath, 'utf8').slice(from);
  return text.split('\n').filter((line) => pattern.test(line)).length;
}

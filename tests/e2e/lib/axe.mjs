// axe-core in a page: injects node_modules/axe-core/axe.min.js (the page's
// context must bypass CSP: launchBrowser(…, {contextOptions: {bypassCSP: true}}))
// and runs every rule axe runs by default (WCAG 2.0–2.2 A/AA and best
// practices). A failure lists each violation with its rule, help and nodes.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

/** Runs axe on `page` and fails with the violations if there are any. */
export async function assertNoViolations(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE_PATH });
  }
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return {
      rules: r.passes.length + r.violations.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
      })),
    };
  });
  assert.ok(result.rules > 10, `${where}: axe ran only ${result.rules} rules`);
  const lines = result.violations.flatMap((v) => [`${v.id} (${v.impact}): ${v.help}`, ...v.nodes.map((n) => `  ${n}`)]);
  assert.deepEqual(lines, [], `${where}: axe-core found violations:\n${lines.join('\n')}`);
}

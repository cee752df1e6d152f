// The pages must run on Safari 15.0 (iPhone 6s, 7 and SE stop at iOS 15).
// No browser here can be Safari 15, so this reads the pages' files and fails
// on syntax or APIs that Safari 15.0 lacks, unless the line says how it is
// guarded: a `// guarded: <how>` comment on the same line (for example after
// `if (typeof x.y === 'function')`). No box, no browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/box.mjs';

const WEB = path.join(REPO_ROOT, 'web');

/**
 * What Safari 15.0 lacks, with the Safari version that first has it
 * (from MDN's compatibility data).
 * @type {{what: string, safari: string, pattern: RegExp, files?: RegExp}[]}
 */
export const MISSING_IN_SAFARI_15 = [
  { what: 'Array/String.prototype.at()', safari: '15.4', pattern: /\.at\(/ },
  { what: 'structuredClone()', safari: '15.4', pattern: /\bstructuredClone\b/ },
  { what: 'Object.hasOwn()', safari: '15.4', pattern: /\bObject\.hasOwn\b/ },
  { what: 'Array.prototype.findLast/findLastIndex()', safari: '15.4', pattern: /\.findLast(Index)?\(/ },
  { what: 'crypto.randomUUID()', safari: '15.4', pattern: /\brandomUUID\b/ },
  { what: 'BroadcastChannel', safari: '15.4', pattern: /\bBroadcastChannel\b/ },
  { what: '<dialog> and showModal()', safari: '15.4', pattern: /\bshowModal\b|\bHTMLDialogElement\b|<dialog\b/ },
  { what: 'requestVideoFrameCallback()', safari: '15.4', pattern: /\brequestVideoFrameCallback\b/ },
  { what: 'the inert attribute', safari: '15.5', pattern: /\.inert\b|\binert(=|\s|>)/ },
  { what: 'AbortSignal.timeout()', safari: '16.0', pattern: /\bAbortSignal\.timeout\b/ },
  { what: 'Array.prototype.toSorted/toReversed/toSpliced/with()', safari: '16.0', pattern: /\.(toSorted|toReversed|toSpliced)\(|\]\.with\(/ },
  { what: 'HTMLInputElement.showPicker()', safari: '16.0', pattern: /\bshowPicker\b/ },
  { what: 'RegExp lookbehind (?<= and (?<!', safari: '16.4', pattern: /\(\?<[=!]/ },
  { what: 'static initialization blocks', safari: '16.4', pattern: /\bstatic\s*\{/ },
  { what: 'Array.fromAsync()', safari: '16.4', pattern: /\bArray\.fromAsync\b/ },
  { what: 'navigator.wakeLock', safari: '16.4', pattern: /\bnavigator\.wakeLock\b/ },
  { what: 'navigator.userActivation', safari: '16.4', pattern: /\buserActivation\b/ },
  { what: 'CompressionStream', safari: '16.4', pattern: /\b(De)?CompressionStream\b/ },
  { what: 'import attributes (with/assert { type })', safari: '17.2', pattern: /\bfrom\s+['"][^'"]+['"]\s+(with|assert)\s*\{/ },
  { what: 'Object.groupBy/Map.groupBy()', safari: '17.4', pattern: /\b(Object|Map)\.groupBy\b/ },
  { what: 'Promise.withResolvers()', safari: '17.4', pattern: /\bPromise\.withResolvers\b/ },
  { what: 'AbortSignal.any()', safari: '17.4', pattern: /\bAbortSignal\.any\b/ },
  { what: 'Element.checkVisibility()', safari: '17.4', pattern: /\bcheckVisibility\b/ },
  { what: 'the popover attribute', safari: '17.0', pattern: /\bpopover(=|\s|>)|\bshowPopover\b/ },
  { what: 'requestIdleCallback()', safari: 'none (not in Safari)', pattern: /\brequestIdleCallback\b/ },
];

/** The text of a line without its comment (a `//` after a space or at the start). */
function code(line) {
  return line.replace(/(^|\s)\/\/.*$/, '$1');
}

/**
 * Every unguarded use in `text` (a file's content): {line, what, safari, source}.
 * Block comments are skipped; a line whose comment starts `guarded:` is allowed.
 */
export function findMissing(text) {
  const found = [];
  let inBlock = false;
  text.split('\n').forEach((raw, i) => {
    let line = raw;
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = line.slice(end + 2);
      inBlock = false;
    }
    line = line.replace(/\/\*.*?\*\//g, '').replace(/<!--.*?-->/g, '');
    const open = line.search(/\/\*|<!--/);
    if (open >= 0) {
      line = line.slice(0, open);
      inBlock = true;
    }
    if (/\/\/\s*guarded:/.test(line)) return;
    const body = code(line);
    for (const api of MISSING_IN_SAFARI_15) {
      if (api.pattern.test(body)) found.push({ line: i + 1, what: api.what, safari: api.safari, source: raw.trim() });
    }
  });
  return found;
}

test('the scanner finds each missing API, and lets a guarded line pass', () => {
  const samples = [
    'const last = list.at(-1);',
    'const copy = structuredClone(x);',
    'if (Object.hasOwn(a, b)) {}',
    'arr.findLast((x) => x);',
    'const id = crypto.randomUUID();',
    'new BroadcastChannel("x");',
    'dialog.showModal();',
    'video.requestVideoFrameCallback(f);',
    'el.inert = true;',
    'fetch(u, { signal: AbortSignal.timeout(5) });',
    'const s = a.toSorted();',
    'input.showPicker();',
    'const re = /(?<=a)b/;',
    'class A { static { init(); } }',
    'await Array.fromAsync(it);',
    'await navigator.wakeLock.request("screen");',
    'if (navigator.userActivation.isActive) {}',
    'new CompressionStream("gzip");',
    "import data from './x.json' with { type: 'json' };",
    'Object.groupBy(list, f);',
    'const { promise } = Promise.withResolvers();',
    'AbortSignal.any([a, b]);',
    'el.checkVisibility();',
    '<div popover id="x">',
    'requestIdleCallback(f);',
  ];
  assert.equal(samples.length, MISSING_IN_SAFARI_15.length, 'one sample per entry');
  for (const [i, sample] of samples.entries()) {
    const hits = findMissing(sample).map((h) => h.what);
    assert.ok(hits.includes(MISSING_IN_SAFARI_15[i].what), `${JSON.stringify(sample)} should be flagged as ${MISSING_IN_SAFARI_15[i].what}; got ${JSON.stringify(hits)}`);
  }
  assert.deepEqual(findMissing("if (typeof v.requestVideoFrameCallback === 'function') v.requestVideoFrameCallback(f); // guarded: typeof"), []);
  assert.deepEqual(findMissing('// list.at(-1) in a comment\n/* structuredClone\n Object.hasOwn */ ok();'), []);
  assert.deepEqual(findMissing("const url = 'https://example.org'; x.at(0);").map((h) => h.line), [1]);
});

test("no page file uses what Safari 15.0 lacks without a guard", () => {
  const files = fs.readdirSync(WEB).filter((f) => /\.(js|html)$/.test(f));
  assert.ok(files.includes('call.js') && files.includes('call.html'), `web/ should hold the call page, found ${files}`);
  const problems = [];
  for (const file of files) {
    for (const hit of findMissing(fs.readFileSync(path.join(WEB, file), 'utf8'))) {
      problems.push(`web/${file}:${hit.line}: ${hit.what} needs Safari ${hit.safari}: ${hit.source}`);
    }
  }
  assert.deepEqual(
    problems,
    [],
    `Safari 15.0 (iPhone 6s/7/SE) lacks these. Use an older equivalent, or guard the line and end it with "// guarded: <how>":\n${problems.join('\n')}`,
  );
});

// Makes the call page's PNG icons from web/icon.svg with Debian's Chromium
// (the one the end-to-end tests use): icon-192.png and icon-512.png for the
// web app manifest, apple-touch-icon.png (180 px) for iOS. The PNGs are
// committed and embedded in the binary; run this after changing the SVG:
//
//     (cd tests/e2e && npm ci) && node scripts/make-icons.mjs

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'tests', 'e2e', 'package.json'));
const { chromium } = require('playwright-core');

const svg = fs.readFileSync(path.join(ROOT, 'web', 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.HOMECALL_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const [name, size] of [['icon-192.png', 192], ['icon-512.png', 512], ['apple-touch-icon.png', 180]]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
    await page.setContent(`<!doctype html><style>html,body{margin:0;overflow:hidden}svg{display:block}</style>${sized}`);
    await page.screenshot({ path: path.join(ROOT, 'web', name), clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`web/${name}: ${size}x${size}`);
  }
} finally {
  await browser.close();
}

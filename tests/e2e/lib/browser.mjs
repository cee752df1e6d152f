// Debian's Chromium, headless, driven by playwright-core, with the fixture
// files as its camera and microphone. Each page it opens records its console,
// its call state over time and its getUserMedia calls, for failure reports.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.HOMECALL_CHROMIUM || '/usr/bin/chromium';

export function chromiumArgs(fixtures) {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    `--use-file-for-fake-video-capture=${fixtures.video}`,
    `--use-file-for-fake-audio-capture=${fixtures.audio}`,
  ];
}

// Runs in every page before its own scripts: keeps a history of the call
// state and counts getUserMedia calls, without changing what the page does.
function instrumentPage() {
  const e2e = (window.__e2e = { states: [], getUserMediaCalls: 0 });
  const read = () => {
    try {
      const s = window.homecall ? window.homecall.state : undefined;
      return s ?? (document.body ? document.body.dataset.state ?? null : null);
    } catch (err) {
      return `(state getter threw: ${err})`;
    }
  };
  const record = () => {
    const s = read();
    const last = e2e.states.at(-1);
    if (!last || last.state !== s) e2e.states.push({ state: s, ms: Math.round(performance.now()) });
  };
  record();
  setInterval(record, 25);
  addEventListener('pagehide', record);
  if (window.MediaDevices && MediaDevices.prototype.getUserMedia) {
    const original = MediaDevices.prototype.getUserMedia;
    MediaDevices.prototype.getUserMedia = function getUserMedia(...args) {
      e2e.getUserMediaCalls++;
      return original.apply(this, args);
    };
  }
}

/**
 * What each page of a browser said, and the reports on them: the part the
 * Chromium and Firefox wrappers share (Playwright's and puppeteer's pages
 * have the same events).
 */
export class PageLogs {
  constructor() {
    this.logs = new Map(); // page → console lines, in the order pages were opened
    this.labels = new Map(); // page → label
    this.quiet = false;
  }

  /**
   * Starts `page`'s log under `label`; returns how to add a line to it
   * (errors also go to stderr unless quiet). Dialogs a person would accept
   * (beforeunload's "leave?") are accepted and logged.
   */
  track(page, label) {
    const lines = [];
    this.logs.set(page, lines);
    this.labels.set(page, label);
    const t0 = Date.now();
    const add = (kind, text) => {
      lines.push(`+${((Date.now() - t0) / 1000).toFixed(3)}s ${kind}: ${text}`);
      if (lines.length > 500) lines.shift();
      if ((kind === 'error' || kind === 'pageerror') && !this.quiet) {
        process.stderr.write(`[${label} console ${kind}] ${text}\n`);
      }
    };
    page.on('pageerror', (err) => add('pageerror', err.stack || err.message));
    page.on('dialog', (d) => {
      add('dialog', `${d.type()}: ${d.message()} (accepted)`);
      d.accept().catch(() => {});
    });
    return add;
  }

  consoleOf(page) {
    return this.logs.get(page) ?? [];
  }

  labelOf(page) {
    return this.labels.get(page) ?? 'page';
  }

  /** Every page opened so far, open or closed, oldest first. */
  get pages() {
    return [...this.logs.keys()];
  }

  /** A report on the given pages (default: every page this browser opened). */
  async describe({ pages = this.pages, consoleLines = 30 } = {}) {
    const parts = [];
    for (const page of pages) parts.push(await describePage(this, page, consoleLines));
    return parts.join('\n') || '(no pages)';
  }
}

export class Browser extends PageLogs {
  constructor(context, userDataDir, fixtures) {
    super();
    this.context = context;
    this.userDataDir = userDataDir;
    this.fixtures = fixtures;
  }

  /** A new tab, instrumented; `label` names it in logs and reports. */
  async newPage(label = `page${this.labels.size + 1}`) {
    const page = await this.context.newPage();
    const add = this.track(page, label);
    const lines = this.consoleOf(page);
    page.on('console', (m) => {
      const where = m.location()?.url;
      // A missing favicon is not the page's fault worth shouting about.
      if (m.type() === 'error' && where && /\/favicon\.ico$/.test(where)) {
        lines.push(`favicon: ${m.text()} (${where})`);
        return;
      }
      add(m.type(), where && m.type() === 'error' ? `${m.text()} (${where})` : m.text());
    });
    page.on('requestfailed', (r) => add('requestfailed', `${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('crash', () => add('crash', 'the page crashed'));
    return page;
  }

  async close() {
    await this.context.close().catch(() => {});
    fs.rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

/**
 * Launches Chromium with a fresh profile. `fixtures` comes from
 * makeFixtures() in fixtures.mjs; `contextOptions` go to Playwright's
 * launchPersistentContext (for example `bypassCSP` to inject axe-core).
 */
export async function launchBrowser(fixtures, { locale = 'en-US', extraArgs = [], contextOptions = {} } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...chromiumArgs(fixtures), ...extraArgs],
    locale,
    viewport: { width: 1280, height: 720 },
    timeout: 30_000,
    ...contextOptions,
  });
  await context.addInitScript(instrumentPage);
  // A persistent context opens with one blank tab; close it so every page
  // the tests see is one they opened.
  for (const p of context.pages()) await p.close().catch(() => {});
  return new Browser(context, userDataDir, fixtures);
}

/** The page's call state: window.homecall.state, else body[data-state]. */
export async function pageState(page) {
  if (page.isClosed()) return '(page closed)';
  return page
    .evaluate(() => {
      const s = window.homecall ? window.homecall.state : undefined;
      return s ?? (document.body ? document.body.dataset.state ?? null : null);
    })
    .catch((err) => `(cannot read state: ${err.message.split('\n')[0]})`);
}

/** The page's state history recorded by the init script. */
export async function stateHistory(page) {
  if (page.isClosed()) return [];
  return page.evaluate(() => (window.__e2e ? window.__e2e.states : [])).catch(() => []);
}

/** How many times the page called getUserMedia. */
export async function getUserMediaCalls(page) {
  return page.evaluate(() => (window.__e2e ? window.__e2e.getUserMediaCalls : null));
}

/**
 * What the page received, from window.homecall.peer.getStats(): the inbound
 * video {framesDecoded, frameWidth, frameHeight} and the inbound audio
 * {totalSamplesReceived, audioLevel, totalAudioEnergy}. Either is null when
 * the page has no such stream (yet); the whole result is null without a peer.
 */
export async function remoteStats(page) {
  return page.evaluate(async () => {
    const pc = window.homecall ? window.homecall.peer : null;
    if (!pc) return null;
    const report = await pc.getStats();
    let video = null;
    let audio = null;
    report.forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'video') {
        const v = { framesDecoded: r.framesDecoded ?? 0, frameWidth: r.frameWidth ?? 0, frameHeight: r.frameHeight ?? 0 };
        if (!video || v.framesDecoded > video.framesDecoded) video = v;
      } else if (r.kind === 'audio') {
        const a = {
          totalSamplesReceived: r.totalSamplesReceived ?? 0,
          audioLevel: r.audioLevel ?? 0,
          totalAudioEnergy: r.totalAudioEnergy ?? 0,
        };
        if (!audio || a.totalSamplesReceived > audio.totalSamplesReceived) audio = a;
      }
    });
    return { video, audio, connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState };
  });
}

/** The visible text of the page (first `max` characters). */
export async function pageText(page, max = 600) {
  if (page.isClosed()) return '(page closed)';
  return page
    .evaluate(() => (document.body ? document.body.innerText : ''))
    .then((t) => (t.length > max ? `${t.slice(0, max)}…` : t))
    .catch((err) => `(cannot read text: ${err.message.split('\n')[0]})`);
}

export async function describePage(browser, page, consoleLines = 30) {
  const label = browser.labelOf(page);
  const lines = browser.consoleOf(page);
  const head = [`--- ${label}: ${page.isClosed() ? '(closed) ' : ''}${page.url()}`];
  if (!page.isClosed()) {
    head.push(`state: ${JSON.stringify(await pageState(page))}`);
    const history = await stateHistory(page);
    head.push(`state history (ms since navigation): ${history.map((h) => `${h.state}@${h.ms}`).join(' → ') || '(none)'}`);
    head.push(`remote stats: ${JSON.stringify(await remoteStats(page).catch((e) => `(${e.message.split('\n')[0]})`))}`);
    head.push(`text: ${JSON.stringify(await pageText(page, 300))}`);
  }
  head.push(`console (last ${consoleLines} of ${lines.length} lines):`);
  head.push(...lines.slice(-consoleLines).map((l) => `  ${l}`));
  return head.join('\n');
}

// Debian's Firefox ESR, headless, driven by puppeteer-core over WebDriver
// BiDi: a second real browser, and one without H.264 (its OpenH264 plugin is
// downloaded at run time, which cannot happen here), so the box must send it
// VP8. Its camera and microphone are Firefox's fake streams (a picture whose
// colour changes over time, and a 1 kHz tone): Firefox reads no files for them.
//
// The wrapper gives the same surface as browser.mjs's Browser (newPage with
// a label, pages, describe, close), so call.mjs's steps drive it too.

import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PageLogs } from './browser.mjs';

export const FIREFOX = process.env.HOMECALL_FIREFOX || '/usr/bin/firefox-esr';

/** The fake tone Firefox's fake microphone plays, Hz. */
export const FIREFOX_FAKE_TONE_HZ = 1000;

/**
 * Preferences that make a call work in a loopback-only namespace: fake
 * devices, permissions granted (without them Firefox gathers no host
 * candidates when only `lo` exists), loopback ICE
 * with plain host addresses, autoplay, and no plugin downloads.
 */
export const FIREFOX_PREFS = Object.freeze({
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.gmp-manager.updateEnabled': false,
});

export class FirefoxBrowser extends PageLogs {
  constructor(browser, profileDir) {
    super();
    this.browser = browser;
    this.profileDir = profileDir;
  }

  /** A new tab; `label` names it in reports. */
  async newPage(label = `page${this.labels.size + 1}`) {
    const page = await this.browser.newPage();
    const add = this.track(page, label);
    page.on('console', (m) => add(m.type(), m.text()));
    return page;
  }

  async close() {
    await this.browser.close().catch(() => {});
    fs.rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/** Launches Firefox ESR with a fresh profile and the call preferences. */
export async function launchFirefox({ extraPrefs = {} } = {}) {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-e2e-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profileDir,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...extraPrefs },
    defaultViewport: { width: 1280, height: 720 },
    timeout: 60_000,
  });
  return new FirefoxBrowser(browser, profileDir);
}

// The relay from the family admin's side, in a real browser: the admin
// pastes the pairing code on the box's admin page and sees the tunnel come
// up; a link made then points at the relay, and a relative who opens it gets
// the call page from the relay and a call with media both ways (the usual
// colour and tone checks) — signalling through the tunnel, media peer to
// peer. Unpairing points links back at the box.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { hangUp, openCall, waitBoxMedia, waitBoxState, waitBrowserMedia } from '../lib/call.mjs';
import { openAdmin } from '../lib/admin.mjs';
import { startRelay } from '../lib/relay.mjs';

let fixtures;
let box;
let relay;
let browser;

before(async () => {
  fixtures = makeFixtures();
  relay = await startRelay();
  box = await startBox();
  browser = await launchBrowser(fixtures);
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  await relay?.stop();
  console.log(`box log: ${box?.logPath}; relay log: ${relay?.logPath}`);
  removeFixtures(fixtures);
});

test('the admin pairs the box with the relay, and a relative calls through it', { timeout: 90_000 }, async () => {
  try {
    const code = await relay.pair();
    const { page: admin, cookie } = await openAdmin(browser, box, 'Status');

    await admin.getByLabel('Pairing code').fill('not a code');
    await admin.getByRole('button', { name: 'Pair with this relay' }).click();
    await admin.locator('#relay-message', { hasText: /not a pairing code/ }).waitFor({ timeout: 5000 });

    await admin.getByLabel('Pairing code').fill(code);
    await admin.getByRole('button', { name: 'Pair with this relay' }).click();
    await admin.locator('#relay-message', { hasText: /^Paired\./ }).waitFor({ timeout: 5000 });
    await admin.locator('#relay-tunnel', { hasText: /^Connected since / }).waitFor({ timeout: 10_000 });
    const boxId = code.split('#')[1].split('.')[0];
    assert.equal(await admin.locator('#relay-links').textContent(), `${relay.url}/b/${boxId}`);

    const made = await fetch(`${box.url}/api/admin/links`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: box.url, Cookie: cookie },
      body: JSON.stringify({ label: 'Anna', expiresInHours: null, oneTime: false }),
    });
    assert.equal(made.status, 201);
    const { url: link } = await made.json();
    assert.ok(link.startsWith(`${relay.url}/b/${boxId}/r/`), link);

    const page = await openCall(browser, link, { label: 'caller through the relay' });
    await waitBrowserMedia(page, { minFrames: 30, width: 640, height: 360, minLevel: 0.01 });
    const status = await waitBoxMedia(box, {
      expectedRgb: fixtures.expectedRgb,
      toneHz: fixtures.toneHz,
    });
    assert.equal(status.state, 'inCall');
    await hangUp(page);
    await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });

    await admin.getByRole('button', { name: 'Unpair' }).click();
    await admin.locator('#relay-message', { hasText: /^Unpaired\./ }).waitFor({ timeout: 5000 });
    assert.equal(await admin.locator('#relay-links').textContent(), box.url);
  } catch (err) {
    err.message += `\n\n${await browser.describe({ pages: browser.pages })}\n\n${await box.describe()}\n\nrelay log:\n${relay.log().slice(-4000)}`;
    throw err;
  }
});

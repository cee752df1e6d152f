// The family admin page in a real browser against a real box: the first
// set-up with the code from the box's log, a link made in the page that calls,
// revoking it (the call ends and the link refuses from then on), logging out
// and in, the answering settings surviving a reload, the picture and devices
// (on a machine with no camera, microphone or sound card), and the Status tab's call
// numbers, TV picture and last calls. One box serves the whole file and the
// tests build on each other, in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { makeFixtures, removeFixtures } from '../lib/fixtures.mjs';
import { startBox } from '../lib/box.mjs';
import { launchBrowser, pageText, getUserMediaCalls } from '../lib/browser.mjs';
import { hangUp, pressHangUp, openCall, waitBoxState, waitPageState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';

const PASSWORD = 'a kettle on the windowsill';
const NO_LONGER_VALID = 'This link is no longer valid — ask your family for a new one';
/** The box's configured picture size: none of the admin's choices, so the page offers it "as configured". */
const CONFIGURED = Object.freeze({ width: 320, height: 240 });

let fixtures;
let box;
let browser;
/** The admin page, logged in after the first test. */
let admin;
/** The URL of Anna's link, once the page has made it. */
let annaUrl;

before(async () => {
  fixtures = makeFixtures();
  box = await startBox({ media: { ...CONFIGURED } });
  console.log(`box log: ${box.logPath}`);
  browser = await launchBrowser(fixtures);
});

after(async () => {
  await browser?.close();
  if (box?.running) await box.stop();
  if (box) console.log(`box log: ${box.logPath}`);
  removeFixtures(fixtures);
});

/**
 * One test. On failure the error gets the pages' states, text and console,
 * and the box's status and log tail. Caller pages it opened are hung up and
 * closed afterwards; the admin page stays open for the next test.
 */
function scenario(name, body, { timeout = 90_000 } = {}) {
  test(name, { timeout }, async () => {
    const firstPage = browser.pages.length;
    const ownPages = () => browser.pages.slice(firstPage).filter((p) => p !== admin);
    box.note(`=== test: ${name}`);
    try {
      await body();
    } catch (err) {
      const pages = await browser.describe({ pages: [admin, ...ownPages()].filter(Boolean) });
      err.message += `\n\n${pages}\n\n${await box.describe()}`;
      throw err;
    } finally {
      for (const page of ownPages().reverse()) {
        if (page.isClosed()) continue;
        await pressHangUp(page, { timeoutMs: 1000 }).catch(() => {});
        await page.close({ runBeforeUnload: true }).catch(() => {});
      }
      box.note(`=== end of test: ${name}`);
    }
  });
}

/** The set-up code the box logs while it has no password ("… set-up code 12345678"). */
async function setupCodeFromLog() {
  return waitUntil(
    `a line with "set-up code" and 8 digits in ${box.logPath}`,
    () => {
      for (const line of fs.readFileSync(box.logPath, 'utf8').split('\n')) {
        const at = line.toLowerCase().indexOf('set-up code');
        if (at < 0) continue;
        const digits = line.slice(at).match(/\d(?:[ -]?\d){7}(?!\d)/);
        if (digits) return digits[0].replace(/\D/g, '');
      }
      return null;
    },
    (code) => typeof code === 'string' && code.length === 8,
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}

/** Waits until the admin page shows `view` (body[data-view]). */
async function waitView(page, view, timeoutMs = 10_000) {
  await page.locator(`body[data-view="${view}"]`).waitFor({ timeout: timeoutMs });
}

/** Opens a tab of the logged-in admin page. */
async function openTab(name) {
  await admin.getByRole('tab', { name }).click();
  await admin.locator(`[role="tab"][aria-selected="true"]`, { hasText: name }).waitFor({ timeout: 5000 });
}

/** The list item of the link labelled `label`. */
function linkItem(label) {
  return admin.locator('#links-list > li').filter({ has: admin.locator('.link-label', { hasText: new RegExp(`^${label}$`) }) });
}

/** What the box answers the admin page's own session to GET /api/admin/<path>. */
async function adminGet(path) {
  return admin.evaluate(async (p) => {
    const res = await fetch(`/api/admin/${p}`, { cache: 'no-store' });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, path);
}

scenario('the first set-up is done through the form with the code from the log', async () => {
  const code = await setupCodeFromLog();
  admin = await browser.newPage('admin');
  const res = await admin.goto(`${box.url}/admin`, { timeout: 10_000 });
  assert.equal(res.status(), 200, 'GET /admin');
  await waitView(admin, 'setup');
  const form = admin.locator('#view-setup');
  const codeField = form.getByLabel('Enter the code shown on the TV');
  const password = form.getByLabel('New password', { exact: true });
  const again = form.getByLabel('New password again');
  await codeField.waitFor({ timeout: 3000 });
  assert.equal(await codeField.getAttribute('inputmode'), 'numeric');
  await form.getByText('At least 10 characters').waitFor({ timeout: 3000 });

  // The page holds a too-short password back, and says why.
  await codeField.fill(code);
  await password.fill('short');
  await again.fill('short');
  await form.getByRole('button', { name: 'Set up' }).click();
  await admin.locator('#setup-message', { hasText: 'at least 10 characters' }).waitFor({ timeout: 3000 });
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.deepEqual((await adminGet('session')).body, { setUp: false, loggedIn: false }, 'nothing was sent');

  await password.fill(PASSWORD);
  await again.fill(PASSWORD);
  await form.getByRole('button', { name: 'Set up' }).click();
  await waitView(admin, 'admin');
  await admin.getByRole('heading', { name: 'Links for calling' }).waitFor({ timeout: 3000 });
  assert.deepEqual((await adminGet('session')).body, { setUp: true, loggedIn: true });
});

scenario('a link made in the page calls; revoking it ends the call and refuses it from then on', async () => {
  await openTab('Links');
  await admin.getByLabel('Who is it for?').fill('Anna');
  await admin.getByRole('button', { name: 'Make the link' }).click();
  const url = admin.locator('#new-link-url');
  await url.waitFor({ state: 'visible', timeout: 10_000 });
  annaUrl = (await url.textContent()).trim();
  assert.match(annaUrl, /^https?:\/\/[^/]+\/r\/\S+$/, 'the link URL shown');
  assert.ok(annaUrl.startsWith(box.url), `${annaUrl} is on the box (${box.url})`);
  await admin.getByText("For security the box can't show this link again").waitFor({ timeout: 3000 });
  const qr = admin.locator('#new-link-qr');
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/, 'the QR code is an image');
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image decodes');
  await linkItem('Anna').locator('.badge', { hasText: 'Active' }).waitFor({ timeout: 5000 });

  // The relative calls with it, from another tab of the same browser.
  const caller = await openCall(browser, annaUrl, { label: 'caller-anna' });
  const status = await waitBoxState(box, 'inCall', { timeoutMs: 10_000 });
  assert.equal(status.state, 'inCall');

  // The Status tab says who is on the line.
  await openTab('Status');
  await admin.locator('#status-state', { hasText: 'In a call with Anna' }).waitFor({ timeout: 10_000 });
  await admin.locator('#status-picture', { hasText: /\d+ × \d+/ }).waitFor({ timeout: 10_000 });
  // The frame rate received: the browser sends about 30 pictures a second.
  await admin.locator('#status-picture', { hasText: /\b([12]\d|3\d) pictures a second/ }).waitFor({ timeout: 10_000 });

  // Revoke it; the page asks first.
  await openTab('Links');
  const dialog = admin.waitForEvent('dialog', { timeout: 5000 });
  await linkItem('Anna').getByRole('button', { name: /^Revoke/ }).click();
  const asked = await dialog;
  assert.equal(asked.type(), 'confirm');
  assert.match(asked.message(), /Anna/);
  await asked.accept().catch(() => {}); // the harness may have accepted it already

  await waitPageState(caller, 'invalidLink', { timeoutMs: 10_000 });
  await waitUntil(`the caller's page to say "${NO_LONGER_VALID}"`, () => pageText(caller), (text) => text.includes(NO_LONGER_VALID), { timeoutMs: 3000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  await linkItem('Anna').locator('.badge', { hasText: 'Revoked' }).waitFor({ timeout: 5000 });
  await admin.locator('#links-message', { hasText: 'revoked' }).waitFor({ timeout: 3000 });

  // Opened again later, the link says the same and starts nothing.
  const later = await browser.newPage('revoked-link');
  const res = await later.goto(annaUrl, { timeout: 10_000, waitUntil: 'domcontentloaded' });
  assert.equal(res.status(), 410, 'a revoked link is gone');
  await waitUntil(`the revoked link's page to say "${NO_LONGER_VALID}"`, () => pageText(later), (text) => text.includes(NO_LONGER_VALID), { timeoutMs: 10_000 });
  assert.equal(await getUserMediaCalls(later), 0, 'a revoked link must not open the camera or microphone');
  assert.equal((await box.status()).state, 'waiting');
});

scenario('after logging out a wrong password shows the box’s sentence, and the right one logs in', async () => {
  await openTab('Password');
  await admin.getByRole('button', { name: 'Log out' }).click();
  await waitView(admin, 'login');
  await admin.locator('#login-message', { hasText: 'You are logged out.' }).waitFor({ timeout: 3000 });
  assert.equal((await adminGet('session')).body.loggedIn, false);

  const login = admin.locator('#view-login');
  await login.getByLabel('Password', { exact: true }).fill('not the password at all');
  const answer = admin.waitForResponse((r) => r.url().endsWith('/api/admin/login'), { timeout: 10_000 });
  await login.getByRole('button', { name: 'Log in' }).click();
  const refused = await answer;
  assert.equal(refused.status(), 401, 'POST /api/admin/login with a wrong password');
  const sentence = (await refused.json()).error;
  assert.ok(typeof sentence === 'string' && sentence.length > 0, 'the refusal carries a sentence');
  await waitUntil('the login message to be the box’s sentence', () => admin.locator('#login-message').textContent(), (text) => text === sentence, {
    timeoutMs: 3000,
  });
  assert.equal(await admin.locator('#login-message').getAttribute('data-kind'), 'error');

  await login.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await login.getByRole('button', { name: 'Log in' }).click();
  await waitView(admin, 'admin');
  // Anna's link is still in the list, revoked.
  await linkItem('Anna').locator('.badge', { hasText: 'Revoked' }).waitFor({ timeout: 5000 });
});

scenario('the answering settings are saved and a reload shows them', async () => {
  const loaded = admin.waitForResponse((r) => r.url().endsWith('/api/admin/settings') && r.request().method() === 'GET', { timeout: 10_000 });
  await openTab('Answering');
  await loaded;
  const auto = admin.getByLabel('Answer calls by itself');
  const countdown = admin.getByLabel('Before answering, show who is calling for');
  const quiet = admin.getByLabel('Quiet hours');
  const from = admin.getByLabel('From', { exact: true });
  const until = admin.getByLabel('Until', { exact: true });
  const tvLanguage = admin.getByLabel('The TV speaks');
  assert.equal(await tvLanguage.inputValue(), 'en', 'the configured language first');

  await auto.check();
  await countdown.selectOption('7');
  await quiet.check();
  await from.fill('21:30');
  await until.fill('07:15');
  await tvLanguage.selectOption('ru');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.locator('#settings-message', { hasText: 'Saved' }).waitFor({ timeout: 5000 });
  const saved = (await adminGet('settings')).body;
  assert.deepEqual(saved.autoAnswer, {
    enabled: true,
    countdownSecs: 7,
    quietHours: { from: '21:30', until: '07:15' },
  });
  assert.equal(saved.tvLanguage, 'ru');

  await admin.reload({ timeout: 10_000 });
  await waitView(admin, 'admin');
  assert.equal(await admin.locator('[role="tab"][aria-selected="true"]').textContent(), 'Answering', 'the reload reopens the tab');
  await waitUntil('the reloaded form to show countdown 7', () => countdown.inputValue(), (v) => v === '7', { timeoutMs: 5000 });
  assert.equal(await auto.isChecked(), true);
  assert.equal(await quiet.isChecked(), true);
  assert.equal(await from.inputValue(), '21:30');
  assert.equal(await until.inputValue(), '07:15');
  assert.equal(await tvLanguage.inputValue(), 'ru');

  // Quiet hours off, no countdown: saved as null and 0, and shown so again.
  await quiet.uncheck();
  await tvLanguage.selectOption('en');
  assert.equal(await from.isDisabled(), true, 'the times are off without quiet hours');
  await countdown.selectOption('0');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.locator('#settings-message', { hasText: 'Saved' }).waitFor({ timeout: 5000 });
  assert.deepEqual((await adminGet('settings')).body.autoAnswer, { enabled: true, countdownSecs: 0, quietHours: null });
  assert.equal((await adminGet('settings')).body.tvLanguage, 'en');
  await admin.reload({ timeout: 10_000 });
  await waitView(admin, 'admin');
  await waitUntil('the reloaded form to show countdown 0', () => countdown.inputValue(), (v) => v === '0', { timeoutMs: 5000 });
  assert.equal(await quiet.isChecked(), false);
});

/** What the admin page's session gets for GET /api/admin/<path>: the status and the content type. */
async function adminHead(path) {
  return admin.evaluate(async (p) => {
    const res = await fetch(`/api/admin/${p}`, { cache: 'no-store' });
    return { status: res.status, type: res.headers.get('content-type') };
  }, path);
}

/** The texts of a select's options and the selected one's. */
async function selectState(select) {
  return select.evaluate((el) => ({ value: el.value, options: [...el.options].map((o) => `${o.value}=${o.textContent}`) }));
}

scenario('picture and devices: no camera, microphone or speaker is said plainly, and a new picture size is saved', async () => {
  const devicesLoaded = admin.waitForResponse((r) => r.url().endsWith('/api/admin/devices'), { timeout: 10_000 });
  await openTab('Picture & devices');
  const devicesAnswer = await devicesLoaded;
  assert.equal(devicesAnswer.status(), 200, 'GET /api/admin/devices');
  const devices = await devicesAnswer.json();
  console.log(`GET /api/admin/devices: ${JSON.stringify(devices)}`);
  assert.deepEqual(devices.cameras, [], 'this machine has no camera (the test expects none)');
  assert.deepEqual(devices.microphones, [], 'this machine has no microphone (the test expects none)');
  await admin.locator('#no-camera', { hasText: 'No camera found — the box sends a test picture' }).waitFor({ timeout: 5000 });
  await admin.locator('#no-microphone', { hasText: 'No microphone found — the box sends a test tone' }).waitFor({ timeout: 5000 });
  assert.deepEqual(devices.speakers, [], 'this machine has no sound card (the test expects none)');
  assert.equal(devices.speaker, false, 'no speaker without a sound card');
  // No speaker: the sentence instead of the speaker and volume choices.
  await admin.locator('#no-speaker', { hasText: "No speaker found — the caller's voice is not played" }).waitFor({ timeout: 5000 });
  assert.equal(await admin.locator('#speaker').isVisible(), false, 'no speaker select without a speaker');
  assert.equal(await admin.locator('#volume').isVisible(), false, 'no volume slider without a speaker');
  assert.equal(await admin.getByText('Leave as it is').isVisible(), false, 'no "Leave as it is" without a speaker');

  const size = admin.getByLabel('Picture size');
  const framerate = admin.getByLabel('Smoothness');
  const bitrate = admin.getByLabel('Most of the connection to use');
  const camera = admin.getByLabel('Camera', { exact: true });
  const microphone = admin.getByLabel('Microphone', { exact: true });
  const before = (await adminGet('settings')).body;
  assert.deepEqual(
    { width: before.quality?.width, height: before.quality?.height },
    CONFIGURED,
    `GET /api/admin/settings gives the configured size: ${JSON.stringify(before)}`,
  );
  await waitUntil('the size select to show the configured 320×240', () => selectState(size), (s) => s.value === '320x240', { timeoutMs: 5000 });
  const sizes = await selectState(size);
  assert.ok(sizes.options.includes('320x240=As configured (320×240)'), `an "As configured" choice: ${JSON.stringify(sizes.options)}`);
  assert.ok(sizes.options.includes('640x360=Small (640×360)'), `the four sizes in words: ${JSON.stringify(sizes.options)}`);
  assert.equal((await selectState(camera)).options[0], '=Automatic (now: a test picture)', 'Automatic comes first');
  assert.equal((await selectState(microphone)).options[0], '=Automatic (now: a test tone)', 'Automatic comes first');

  // Saving without a change keeps everything as it was.
  await admin.locator('#quality-form').getByRole('button', { name: 'Save' }).click();
  await admin.locator('#quality-message', { hasText: 'Saved — applies to the next call' }).waitFor({ timeout: 5000 });
  assert.deepEqual((await adminGet('settings')).body, before, 'an unchanged save changes nothing');

  await size.selectOption('640x360');
  await framerate.selectOption('15');
  const put = admin.waitForRequest((r) => r.url().endsWith('/api/admin/settings') && r.method() === 'PUT', { timeout: 10_000 });
  await admin.locator('#quality-form').getByRole('button', { name: 'Save' }).click();
  const sent = (await put).postDataJSON();
  await admin.locator('#quality-message', { hasText: 'Saved — applies to the next call' }).waitFor({ timeout: 5000 });
  assert.deepEqual(Object.keys(sent).sort(), ['autoAnswer', 'devices', 'quality', 'tvLanguage'], `the whole settings are sent: ${JSON.stringify(sent)}`);
  const after = (await adminGet('settings')).body;
  assert.deepEqual(
    after,
    {
      ...before,
      quality: { ...before.quality, width: 640, height: 360, framerate: 15 },
      devices: { camera: null, microphone: null, speaker: null, volumePercent: null },
    },
    'GET /api/admin/settings after saving 640×360 at 15 pictures a second',
  );

  await admin.reload({ timeout: 10_000 });
  await waitView(admin, 'admin');
  assert.equal(await admin.locator('[role="tab"][aria-selected="true"]').textContent(), 'Picture & devices', 'the reload reopens the tab');
  await waitUntil('the reloaded form to show 640×360', () => selectState(size), (s) => s.value === '640x360', { timeoutMs: 5000 });
  assert.equal(await framerate.inputValue(), '15');
  assert.equal(await bitrate.inputValue(), String(before.quality.maxBitrateKbps));
});

scenario('the Status tab shows how a call goes, the TV, and the call in the last calls', async () => {
  await openTab('Links');
  await admin.getByLabel('Who is it for?').fill('Anna');
  await admin.getByRole('button', { name: 'Make the link' }).click();
  const url = admin.locator('#new-link-url');
  await admin.locator('#new-link-title', { hasText: 'New link for Anna' }).waitFor({ timeout: 10_000 });
  const link = (await url.textContent()).trim();
  assert.notEqual(link, annaUrl, 'a new link, not the revoked one');
  await admin.getByRole('button', { name: 'Done' }).click();

  const caller = await openCall(browser, link, { label: 'caller-anna-2' });
  await waitBoxState(box, 'inCall', { timeoutMs: 10_000 });
  await openTab('Status');
  await admin.locator('#status-state', { hasText: 'In a call with Anna' }).waitFor({ timeout: 10_000 });
  // The first stats reading may come before the caller reports a round trip.
  const rtt = await waitUntil(
    'the Status tab to show the round-trip time in ms',
    async () => ((await admin.locator('#status-rtt-row').isVisible()) ? admin.locator('#status-rtt').textContent() : '(row hidden)'),
    (text) => /^\d[\d.,]* ms$/.test(text),
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  console.log(`round trip shown: ${rtt}`);
  for (const id of ['status-loss', 'status-sent', 'status-received']) {
    assert.ok(await admin.locator(`#${id}-row`).isVisible(), `#${id}-row is shown during a call`);
  }
  await admin.locator('#status-received', { hasText: /kbit\/s|not measured yet/ }).waitFor({ timeout: 5000 });

  // The TV's picture, or the sentence that there is no screen: as the box answers.
  const tv = await adminHead('tv.png');
  console.log(`GET /api/admin/tv.png: ${JSON.stringify(tv)}`);
  if (tv.status === 404) {
    await admin.locator('#tv-message', { hasText: 'This box has no screen attached.' }).waitFor({ timeout: 10_000 });
    assert.equal(await admin.locator('#tv-picture').isVisible(), false, 'no picture without a screen');
  } else {
    assert.equal(tv.status, 200, 'GET /api/admin/tv.png');
    await waitUntil(
      'the TV picture to be shown and decoded',
      () => admin.locator('#tv-picture').evaluate((img) => ({ hidden: img.hidden, src: img.getAttribute('src'), w: img.naturalWidth })),
      (s) => !s.hidden && /\/api\/admin\/tv\.png\?t=\d+$/.test(s.src ?? '') && s.w > 0,
      { timeoutMs: 10_000 },
    );
  }

  // The camera and microphone say what they send (this box: test sources).
  await admin.locator('#status-camera', { hasText: 'a test source, as configured' }).waitFor({ timeout: 5000 });
  await admin.locator('#status-microphone', { hasText: 'a test source, as configured' }).waitFor({ timeout: 5000 });
  // The TV's picture is not asked for on every 2-second refresh.
  let tvRequests = 0;
  const countTv = (request) => {
    if (request.url().includes('/api/admin/tv.png')) tvRequests++;
  };
  admin.on('request', countTv);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  admin.off('request', countTv);
  assert.ok(tvRequests <= 1, `the TV picture was asked for ${tvRequests} times in 5 s`);

  await hangUp(caller, { timeoutMs: 5000 });
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
  await admin.locator('#status-rtt-row').waitFor({ state: 'hidden', timeout: 10_000 });
  const calls = admin.locator('#calls-list > li');
  const annaCall = calls.filter({ has: admin.locator('.call-who', { hasText: /^Anna$/ }) }).first();
  await annaCall.locator('[data-field="ended"]', { hasText: 'hung up' }).waitFor({ timeout: 10_000 });
  assert.match(await annaCall.locator('[data-field="duration"]').textContent(), /\d+ (second|minute)/);
  assert.match(await annaCall.locator('[data-field="picture"]').textContent(), /^\d+ × \d+$|^no picture$/);
  // The revoked call of the earlier test is there too, said in words.
  await calls.locator('[data-field="ended"]', { hasText: 'the link was revoked' }).first().waitFor({ timeout: 5000 });
  const listed = await adminGet('calls');
  assert.equal(listed.status, 200, 'GET /api/admin/calls');
  assert.equal(listed.body.calls[0]?.label, 'Anna', `the newest call is Anna's: ${JSON.stringify(listed.body)}`);
  assert.equal(await calls.count(), listed.body.calls.length, 'the page lists every call the box reports');
});

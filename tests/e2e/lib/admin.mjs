// The admin side of a test box: first set-up through the API, with the code
// the box printed in its log, and requests with the session cookie.

import fs from 'node:fs';
import { waitUntil } from './wait.mjs';

/** Sets the box up with `password` and returns the session cookie ("name=value"). */
export async function setUpAdmin(box, password = 'correct horse battery') {
  const code = await waitUntil(
    'the set-up code in the box log',
    () => (fs.readFileSync(box.logPath, 'utf8').match(/set-up code (\d{8})/) || [])[1],
    Boolean,
    { timeoutMs: 10_000 },
  );
  const response = await fetch(`${box.url}/api/admin/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: box.url },
    body: JSON.stringify({ code, password }),
  });
  if (response.status !== 204) throw new Error(`set-up answered ${response.status}: ${await response.text()}`);
  return response.headers.get('set-cookie').split(';')[0];
}

/** GET `path` as the admin; returns the fetch Response. */
export function adminGet(box, cookie, path) {
  return fetch(`${box.url}${path}`, { headers: { Cookie: cookie } });
}

/**
 * Sets the box up, gives `browser` the session and opens the admin page on
 * `tab` (its name on screen, e.g. 'Status'). Returns the page and the cookie.
 */
export async function openAdmin(browser, box, tab) {
  const cookie = await setUpAdmin(box);
  const [name, value] = cookie.split('=');
  await browser.context.addCookies([{ name, value, url: box.url }]);
  const page = await browser.newPage('admin');
  await page.goto(`${box.url}/admin`, { timeout: 10_000 });
  await page.locator('body[data-view="admin"]').waitFor({ timeout: 10_000 });
  await page.getByRole('tab', { name: tab }).click();
  return { page, cookie };
}

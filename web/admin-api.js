// The admin page's talk with the box: the JSON API under /api/admin/
// (docs/admin-api.md).
//
// Owns the requests (their timeout, the session cookie, JSON both ways), the
// errors they end in (ApiError, with the box's sentence for people) and what
// happens when the session turns out to be gone (admin.js says, through
// whenSessionEnds).

import { t } from './admin-i18n.js';

export const API = '/api/admin';
/** A request still unanswered after this long counts as "can't reach the box". */
export const REQUEST_TIMEOUT_MS = 20_000;

/**
 * An AbortSignal that aborts after `ms`: AbortSignal.timeout() where the
 * browser has it, a timer otherwise (Safari before 16 lacks it).
 * @param {number} ms
 */
export function timeoutSignal(ms) {
  if (typeof AbortSignal.timeout === 'function') return AbortSignal.timeout(ms); // guarded: typeof check above
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}

/** What to do when a call finds the session gone; admin.js sets it (back to the login). */
let onSessionEnded = (/** @type {string} */ _notice) => {};

/**
 * Sets what happens when a call that needs the session finds it gone.
 * @param {(notice: string) => void} handler gets the sentence to show
 */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

/**
 * A refusal or failure of an API call. `status` is the HTTP status, or 0 when
 * the box could not be reached. `message` is a sentence for people.
 */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {number | null} [retryAfterSecs]
   */
  constructor(status, message, retryAfterSecs = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfterSecs = retryAfterSecs;
    /** The page has already dealt with it (for example, back to the login). */
    this.handled = false;
  }
}

/**
 * Calls the admin API. Mutating calls send JSON (and the browser adds the
 * Origin the box checks); the session cookie goes along on its own.
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path under /api/admin, starting with '/'
 * @param {unknown} [body] sent as JSON; none when undefined
 * @returns {Promise<any>} the answer's JSON, or null for 204
 * @throws {ApiError}
 */
export async function api(method, path, body) {
  /** @type {RequestInit} */
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
    signal: timeoutSignal(REQUEST_TIMEOUT_MS),
  };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API}${path}`, init);
  } catch {
    throw new ApiError(0, t('unreachable'));
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null; // not JSON (a proxy's page, a cut-off answer)
    }
  }
  if (response.ok) return data;
  const sentence = data && typeof data.error === 'string' && data.error.trim() ? data.error : t('serverTrouble');
  let retryAfter = data && Number.isFinite(data.retryAfterSecs) ? data.retryAfterSecs : null;
  if (retryAfter === null && response.headers.has('Retry-After')) {
    const header = Number(response.headers.get('Retry-After'));
    if (Number.isFinite(header)) retryAfter = header;
  }
  throw new ApiError(response.status, sentence, retryAfter);
}

/**
 * An API call that needs the session. When the box answers 401 and the
 * session is indeed gone, the page goes back to the login and the error is
 * marked handled; a 401 for another reason (a wrong current password) is the
 * caller's to show.
 * @param {'GET' | 'POST' | 'PUT' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function authed(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      let loggedIn = true;
      try {
        loggedIn = !!(await api('GET', '/session')).loggedIn;
      } catch {
        // can't tell: leave the sentence to the caller
      }
      if (!loggedIn) {
        onSessionEnded(t('sessionEnded'));
        err.handled = true;
      }
    }
    throw err;
  }
}

// What every part of the admin page does with its elements and forms.
//
// Owns finding elements (byId), the message lines (say, sayError), marking
// the field to fix (rejectField, clearInvalid) and keeping a form to one
// request at a time (busy).

import { t } from './admin-i18n.js';
import { ApiError } from './admin-api.js';

/** @param {string} id */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Puts a sentence into one of the page's message lines (all are polite live
 * regions, so screen readers read it); '' clears it.
 * @param {HTMLElement} el
 * @param {string} text
 * @param {'ok' | 'error' | 'info'} [kind]
 */
export function say(el, text, kind = 'info') {
  el.textContent = text;
  el.dataset.kind = kind;
}

/**
 * Shows what went wrong in `el`, unless the page already dealt with it.
 * @param {HTMLElement} el
 * @param {unknown} err
 */
export function sayError(el, err) {
  if (err instanceof ApiError) {
    if (!err.handled) say(el, err.message, 'error');
  } else {
    console.error('[homecall admin]', err);
    say(el, t('serverTrouble'), 'error');
  }
}

/**
 * Marks `input` as the field to fix, says why, and puts the cursor there.
 * @param {HTMLElement} messageEl
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @param {string} text
 */
export function rejectField(messageEl, input, text) {
  input.setAttribute('aria-invalid', 'true');
  say(messageEl, text, 'error');
  input.focus();
}

/** @param {HTMLFormElement} form */
export function clearInvalid(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * Runs `work` with the form's submit button disabled, so a double tap sends
 * one request.
 * @param {HTMLFormElement | HTMLButtonElement} formOrButton
 * @param {() => Promise<void>} work
 * @param {() => boolean} [staysOff] whether the button must stay off afterwards
 */
export async function busy(formOrButton, work, staysOff = () => false) {
  const button = formOrButton instanceof HTMLFormElement ? formOrButton.querySelector('button[type="submit"]') : formOrButton;
  if (button && button.disabled) return;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    await work();
  } finally {
    if (button) {
      button.removeAttribute('aria-busy');
      // The login button may stay off: a lockout countdown owns it then.
      if (!staysOff()) button.disabled = false;
    }
  }
}

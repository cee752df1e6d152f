// The admin page's relay card (Status tab): pair the box with the family's
// relay by pasting the code `homecall relay pair` printed, see whether the
// tunnel is up, unpair.
//
// Owns GET/PUT/DELETE /api/admin/relay (docs/admin-api.md) and what the card
// shows. admin-status.js refreshes it with the rest of the tab.

import { t, formatDateTime } from './admin-i18n.js';
import { authed } from './admin-api.js';
import { busy, byId, say, sayError } from './admin-forms.js';

const ui = Object.freeze({
  facts: byId('relay-facts'),
  server: byId('relay-server'),
  tunnel: byId('relay-tunnel'),
  links: byId('relay-links'),
  form: /** @type {HTMLFormElement} */ (byId('relay-form')),
  code: /** @type {HTMLInputElement} */ (byId('relay-code')),
  pair: /** @type {HTMLButtonElement} */ (byId('relay-pair')),
  unpair: /** @type {HTMLButtonElement} */ (byId('relay-unpair')),
  message: byId('relay-message'),
});

/**
 * @typedef {object} RelayView
 * @property {boolean} paired
 * @property {string} [relayUrl]
 * @property {string} [boxId]
 * @property {string} linkBase where new links point
 * @property {{connectedSince: number | null, lastError: string | null, lastErrorAt: number | null}} tunnel
 */

/** Shows the relay card as the box sees it now. */
export async function refreshRelay() {
  try {
    render(await authed('GET', '/relay'));
  } catch (err) {
    if (!err.handled) sayError(ui.message, err);
  }
}

/** Clears the card for a fresh login. */
export function resetRelay() {
  ui.code.value = '';
  say(ui.message, '');
}

/** @param {RelayView} view */
function render(view) {
  ui.facts.hidden = false;
  ui.form.hidden = view.paired;
  ui.unpair.hidden = !view.paired;
  ui.server.textContent = view.paired ? String(view.relayUrl ?? '') : t('relayNone');
  const tunnel = view.tunnel ?? { connectedSince: null, lastError: null, lastErrorAt: null };
  let state = '';
  if (view.paired) {
    if (tunnel.connectedSince) state = t('relayConnectedSince', { time: formatDateTime(tunnel.connectedSince) });
    else if (tunnel.lastError) {
      state = t('relayDown', { error: tunnel.lastError, time: formatDateTime(tunnel.lastErrorAt ?? 0) });
    } else state = t('relayConnecting');
  }
  ui.tunnel.textContent = state;
  ui.tunnel.dataset.ok = String(!!tunnel.connectedSince);
  ui.tunnel.parentElement.hidden = !view.paired;
  ui.links.textContent = String(view.linkBase ?? '');
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  busy(ui.pair, async () => {
    try {
      render(await authed('PUT', '/relay', { code: ui.code.value.trim() }));
      ui.code.value = '';
      say(ui.message, t('relayPaired'), 'ok');
    } catch (err) {
      if (!err.handled) sayError(ui.message, err);
    }
  });
});

ui.unpair.addEventListener('click', () =>
  busy(ui.unpair, async () => {
    try {
      render(await authed('DELETE', '/relay'));
      say(ui.message, t('relayUnpaired'), 'ok');
    } catch (err) {
      if (!err.handled) sayError(ui.message, err);
    }
  }),
);

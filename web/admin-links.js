// The admin page's Links tab: the links that let family call the box.
//
// Owns making, listing, revoking and replacing links, and the one time a new
// link's URL is shown (big, with its QR code and a Copy button).

import { t, formatDateTime, localize } from './admin-i18n.js';
import { authed } from './admin-api.js';
import { byId, say, sayError, rejectField, clearInvalid, busy } from './admin-forms.js';

/** The choices of a new link's lifetime: select value → expiresInHours. */
const EXPIRY_CHOICES = Object.freeze([
  Object.freeze({ value: 'never', hours: null, label: 'expiryNever' }),
  Object.freeze({ value: '1d', hours: 24, label: 'expiryDay' }),
  Object.freeze({ value: '7d', hours: 7 * 24, label: 'expiryWeek' }),
  Object.freeze({ value: '30d', hours: 30 * 24, label: 'expiryMonth' }),
]);

/** A link's state as the list shows it → the words for it. */
const LINK_STATE_WORDS = Object.freeze({
  active: 'stateActive',
  spent: 'stateSpent',
  expired: 'stateExpired',
  revoked: 'stateRevoked',
});

const ui = Object.freeze({
  newLink: byId('new-link'),
  newLinkTitle: byId('new-link-title'),
  newLinkUrl: byId('new-link-url'),
  newLinkQr: /** @type {HTMLImageElement} */ (byId('new-link-qr')),
  copyLink: byId('copy-link'),
  copyMessage: byId('copy-message'),
  newLinkDone: byId('new-link-done'),
  linkForm: /** @type {HTMLFormElement} */ (byId('link-form')),
  linkLabel: /** @type {HTMLInputElement} */ (byId('link-label')),
  linkExpiry: /** @type {HTMLSelectElement} */ (byId('link-expiry')),
  linkOneTime: /** @type {HTMLInputElement} */ (byId('link-one-time')),
  linkFormMessage: byId('link-form-message'),
  linksTitle: byId('links-list-title'),
  linksMessage: byId('links-message'),
  linksEmpty: byId('links-empty'),
  linksList: byId('links-list'),
  linkTemplate: /** @type {HTMLTemplateElement} */ (byId('link-template')),
});

/** The URL shown in the "new link" box, for the Copy button. */
let shownUrl = '';

/** Back to a clean tab, for a fresh login: empty form, no messages, no new link on show. */
export function resetLinks() {
  ui.linkForm.reset();
  clearInvalid(ui.linkForm);
  say(ui.linkFormMessage, '');
  say(ui.linksMessage, '');
  hideNewLink();
}

/**
 * @typedef {object} Link
 * @property {string} id
 * @property {string} label
 * @property {number} created unix seconds
 * @property {number | null} expires
 * @property {boolean} oneTime
 * @property {boolean} spent
 * @property {boolean} revoked
 * @property {number} calls
 * @property {number | null} lastUsed
 */

/**
 * @typedef {object} NewLink the answer to create and replace
 * @property {Link} link
 * @property {string} url
 * @property {string} qrSvg
 */

for (const choice of EXPIRY_CHOICES) ui.linkExpiry.append(new Option(t(choice.label), choice.value));

/**
 * Whether the link still opens calls, and if not, why.
 * @param {Link} link
 * @returns {keyof typeof LINK_STATE_WORDS}
 */
function linkState(link) {
  if (link.revoked) return 'revoked';
  if (link.spent) return 'spent';
  if (link.expires != null && link.expires * 1000 <= Date.now()) return 'expired';
  return 'active';
}

export async function loadLinks() {
  try {
    const answer = await authed('GET', '/links');
    renderLinks(Array.isArray(answer && answer.links) ? answer.links : []);
  } catch (err) {
    sayError(ui.linksMessage, err);
  }
}

/** @param {Link[]} links newest first, as the box sends them */
function renderLinks(links) {
  // Keep focus where it was when a list item's button is redrawn.
  const focused = document.activeElement;
  const keep = focused && ui.linksList.contains(focused) ? { id: focused.closest('li')?.dataset.id, action: focused.dataset.action } : null;
  ui.linksList.replaceChildren(...links.map(renderLink));
  ui.linksEmpty.hidden = links.length > 0;
  if (keep) {
    const again = ui.linksList.querySelector(`li[data-id="${CSS.escape(keep.id ?? '')}"] [data-action="${keep.action}"]`);
    if (again instanceof HTMLElement && !again.hidden) again.focus();
    else ui.linksTitle.focus();
  }
}

/** @param {Link} link */
function renderLink(link) {
  const item = /** @type {HTMLLIElement} */ (/** @type {DocumentFragment} */ (ui.linkTemplate.content.cloneNode(true)).firstElementChild);
  localize(item);
  const state = linkState(link);
  const label = String(link.label ?? '');
  item.dataset.id = link.id;
  item.dataset.state = state;
  item.querySelector('.link-label').textContent = label;
  const badge = /** @type {HTMLElement} */ (item.querySelector('.badge'));
  badge.textContent = t(LINK_STATE_WORDS[state]);
  badge.dataset.state = state;
  /** @type {HTMLElement} */ (item.querySelector('.one-time')).hidden = !link.oneTime;
  const field = (name) => /** @type {HTMLElement} */ (item.querySelector(`[data-field="${name}"]`));
  field('created').textContent = formatDateTime(link.created);
  field('expires').textContent = link.expires == null ? t('linkNeverExpires') : formatDateTime(link.expires);
  field('lastUsed').textContent = link.lastUsed == null ? t('linkNeverUsed') : formatDateTime(link.lastUsed);
  field('calls').textContent = String(link.calls ?? 0);

  const revoke = /** @type {HTMLButtonElement} */ (item.querySelector('[data-action="revoke"]'));
  revoke.textContent = t('revoke');
  revoke.setAttribute('aria-label', t('revokeFor', { label }));
  // Nothing left to stop on a link that no longer works.
  revoke.hidden = state !== 'active';
  revoke.addEventListener('click', () => revokeLink(link, revoke));

  const replace = /** @type {HTMLButtonElement} */ (item.querySelector('[data-action="replace"]'));
  replace.textContent = t('replace');
  replace.setAttribute('aria-label', t('replaceFor', { label }));
  // An expired or used-up link is renewed by replacing it; a revoked one was
  // stopped on purpose (and may have been replaced already): make a new one.
  replace.hidden = state === 'revoked';
  replace.addEventListener('click', () => replaceLink(link, replace));
  return item;
}

ui.linkForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.linkForm);
  const label = ui.linkLabel.value.trim();
  if (!label) return rejectField(ui.linkFormMessage, ui.linkLabel, t('linkLabelMissing'));
  const choice = EXPIRY_CHOICES.find((c) => c.value === ui.linkExpiry.value) ?? EXPIRY_CHOICES[0];
  say(ui.linkFormMessage, t('working'));
  busy(ui.linkForm, async () => {
    try {
      const made = await authed('POST', '/links', { label, expiresInHours: choice.hours, oneTime: ui.linkOneTime.checked });
      say(ui.linkFormMessage, '');
      ui.linkForm.reset();
      showNewLink(made);
      loadLinks();
    } catch (err) {
      sayError(ui.linkFormMessage, err);
    }
  });
});

/**
 * @param {Link} link
 * @param {HTMLButtonElement} button
 */
function revokeLink(link, button) {
  if (!window.confirm(t('confirmRevoke', { label: link.label }))) return;
  say(ui.linksMessage, t('working'));
  busy(button, async () => {
    try {
      await authed('POST', `/links/${encodeURIComponent(link.id)}/revoke`);
      say(ui.linksMessage, t('revokedDone', { label: link.label }), 'ok');
    } catch (err) {
      sayError(ui.linksMessage, err);
    }
    await loadLinks();
  });
}

/**
 * @param {Link} link
 * @param {HTMLButtonElement} button
 */
function replaceLink(link, button) {
  if (!window.confirm(t('confirmReplace', { label: link.label }))) return;
  say(ui.linksMessage, t('working'));
  busy(button, async () => {
    try {
      const made = await authed('POST', `/links/${encodeURIComponent(link.id)}/replace`);
      say(ui.linksMessage, '');
      showNewLink(made);
    } catch (err) {
      sayError(ui.linksMessage, err);
    }
    await loadLinks();
  });
}

/**
 * The one time a link's URL can be shown: big, with its QR code and a copy
 * button. The box keeps only a hash, so this is the family's only chance.
 * @param {NewLink} made
 */
function showNewLink(made) {
  const label = String(made?.link?.label ?? '');
  shownUrl = String(made?.url ?? '');
  ui.newLinkTitle.textContent = t('newLinkFor', { label });
  ui.newLinkUrl.textContent = shownUrl;
  say(ui.copyMessage, '');
  if (typeof made?.qrSvg === 'string' && made.qrSvg.includes('<svg')) {
    // As an image: whatever the SVG holds, it cannot run script or reach out.
    ui.newLinkQr.src = svgDataUrl(made.qrSvg);
    ui.newLinkQr.alt = t('qrAlt', { label });
    ui.newLinkQr.hidden = false;
  } else {
    ui.newLinkQr.removeAttribute('src');
    ui.newLinkQr.hidden = true;
  }
  ui.newLink.hidden = false;
  ui.newLink.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  ui.newLinkTitle.focus({ preventScroll: true });
}

export function hideNewLink() {
  shownUrl = '';
  ui.newLink.hidden = true;
  ui.newLinkUrl.textContent = '';
  ui.newLinkQr.removeAttribute('src');
}

/**
 * A data: URL of an SVG document (UTF-8, base64).
 * @param {string} svg
 */
function svgDataUrl(svg) {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

ui.copyLink.addEventListener('click', async () => {
  if (!shownUrl) return;
  // The clipboard API needs a secure context, which a box at
  // http://192.168.x.y is not; then copy the selection the old way.
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(shownUrl);
      say(ui.copyMessage, t('copied'), 'ok');
      return;
    }
  } catch {
    // refused (no permission, page not focused): fall back
  }
  const selection = window.getSelection();
  selection?.selectAllChildren(ui.newLinkUrl);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  say(ui.copyMessage, t(copied ? 'copied' : 'copySelected'), copied ? 'ok' : 'info');
});

ui.newLinkDone.addEventListener('click', () => {
  hideNewLink();
  ui.linkLabel.focus();
});

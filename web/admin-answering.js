// The admin page's Answering tab: whether and when the box answers a call
// on its own.
//
// Owns the answering settings (auto-answer, the countdown, quiet hours), the
// language the TV speaks, and the settings as the box last stored them, which
// every save sends back whole.

import { t } from './admin-i18n.js';
import { authed } from './admin-api.js';
import { byId, say, sayError, rejectField, clearInvalid, busy } from './admin-forms.js';

/** The longest countdown the box accepts (settings::MAX_COUNTDOWN_SECS). */
const MAX_COUNTDOWN_SECS = 10;
/** Quiet hours offered when they are switched on for the first time. */
const DEFAULT_QUIET = Object.freeze({ from: '22:00', until: '08:00' });

const ui = Object.freeze({
  settingsForm: /** @type {HTMLFormElement} */ (byId('settings-form')),
  autoAnswer: /** @type {HTMLInputElement} */ (byId('auto-answer')),
  answerDetails: /** @type {HTMLFieldSetElement} */ (byId('answer-details')),
  countdown: /** @type {HTMLSelectElement} */ (byId('countdown')),
  quietOn: /** @type {HTMLInputElement} */ (byId('quiet-on')),
  quietTimes: byId('quiet-times'),
  quietFrom: /** @type {HTMLInputElement} */ (byId('quiet-from')),
  quietUntil: /** @type {HTMLInputElement} */ (byId('quiet-until')),
  tvLanguage: /** @type {HTMLSelectElement} */ (byId('tv-language')),
  settingsMessage: byId('settings-message'),
});

/** Settings as the box last stored them, or null before the first load. */
export let storedSettings = null;
/** The answering form has changes not saved yet: a reload must not undo them. */
export let settingsDirty = false;

/** Forgets what the box stored and what was being edited, for a fresh login. */
export function resetAnswering() {
  say(ui.settingsMessage, '');
  storedSettings = null;
  settingsDirty = false;
}

/**
 * The Picture & devices tab saved the whole settings: show them, unless this
 * form has changes not saved yet, which then keep the saved picture and devices.
 * @param {Settings} stored as the box stored them
 */
export function settingsSavedElsewhere(stored) {
  if (settingsDirty) storedSettings = { ...(storedSettings ?? {}), quality: stored.quality, devices: stored.devices };
  else renderSettings(stored);
}

/**
 * @typedef {object} Settings
 * @property {{enabled: boolean, countdownSecs: number, quietHours: {from: string, until: string} | null}} autoAnswer
 * @property {Quality | null} [quality] what the box sends (edited in the Picture & devices tab)
 * @property {Devices} [devices]
 * @property {'en' | 'ru'} [tvLanguage] what the TV says
 */

/**
 * @typedef {object} Devices null: the first one found (for the volume: the sound card is left as it is)
 * @property {string | null} camera
 * @property {string | null} microphone
 * @property {string | null} [speaker]
 * @property {number | null} [volumePercent] 0–100
 */

for (let secs = 0; secs <= MAX_COUNTDOWN_SECS; secs++) {
  ui.countdown.append(new Option(secs === 0 ? t('countdownNone') : t('seconds', { n: secs }), String(secs)));
}

export async function loadSettings() {
  try {
    const settings = await authed('GET', '/settings');
    if (!settingsDirty) renderSettings(settings);
  } catch (err) {
    sayError(ui.settingsMessage, err);
  }
}

/** @param {Settings} settings as stored on the box */
export function renderSettings(settings) {
  storedSettings = settings;
  settingsDirty = false;
  const auto = settings?.autoAnswer ?? {};
  ui.autoAnswer.checked = !!auto.enabled;
  const secs = Math.min(MAX_COUNTDOWN_SECS, Math.max(0, Math.round(Number(auto.countdownSecs) || 0)));
  ui.countdown.value = String(secs);
  const quiet = auto.quietHours ?? null;
  ui.quietOn.checked = !!quiet;
  ui.quietFrom.value = (quiet ?? DEFAULT_QUIET).from;
  ui.quietUntil.value = (quiet ?? DEFAULT_QUIET).until;
  ui.tvLanguage.value = settings?.tvLanguage === 'ru' ? 'ru' : 'en';
  clearInvalid(ui.settingsForm);
  syncSettingsForm();
}

/** Greys out what does not apply: everything when the box does not answer, the times without quiet hours. */
function syncSettingsForm() {
  ui.answerDetails.disabled = !ui.autoAnswer.checked;
  const quiet = ui.quietOn.checked;
  ui.quietFrom.disabled = ui.quietUntil.disabled = !quiet;
  ui.quietTimes.classList.toggle('off', !quiet);
}

ui.settingsForm.addEventListener('input', () => {
  settingsDirty = true;
  syncSettingsForm();
  say(ui.settingsMessage, '');
});
ui.settingsForm.addEventListener('change', syncSettingsForm);

ui.settingsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearInvalid(ui.settingsForm);
  /** "HH:MM" from a time input, whatever seconds it may carry. */
  const hhmm = (input) => input.value.slice(0, 5);
  let quietHours = null;
  if (ui.quietOn.checked) {
    const from = hhmm(ui.quietFrom);
    const until = hhmm(ui.quietUntil);
    if (!from) return rejectField(ui.settingsMessage, ui.quietFrom, t('quietMissing'));
    if (!until) return rejectField(ui.settingsMessage, ui.quietUntil, t('quietMissing'));
    if (from === until) return rejectField(ui.settingsMessage, ui.quietUntil, t('quietSame'));
    quietHours = { from, until };
  }
  // Send back whatever else the box stores, as it sent it.
  const base = storedSettings ?? {};
  const next = {
    ...base,
    autoAnswer: {
      ...(base.autoAnswer ?? {}),
      enabled: ui.autoAnswer.checked,
      countdownSecs: Number(ui.countdown.value),
      quietHours,
    },
    tvLanguage: ui.tvLanguage.value,
  };
  say(ui.settingsMessage, t('working'));
  busy(ui.settingsForm, async () => {
    try {
      const stored = await authed('PUT', '/settings', next);
      renderSettings(stored ?? next);
      say(ui.settingsMessage, t('saved'), 'ok');
    } catch (err) {
      sayError(ui.settingsMessage, err);
    }
  });
});

// The admin page's Picture & devices tab: what the box sends and with what.
//
// Owns the picture's size, frame rate and bandwidth, and the camera,
// microphone, speaker and volume the box uses (from the devices it has now).

import { t } from './admin-i18n.js';
import { authed } from './admin-api.js';
import { byId, say, sayError, busy } from './admin-forms.js';
import { settingsSavedElsewhere } from './admin-answering.js';

/** The picture sizes the box accepts (settings::Quality), smallest first. */
const PICTURE_SIZES = Object.freeze([
  Object.freeze({ width: 640, height: 360, label: 'size640' }),
  Object.freeze({ width: 854, height: 480, label: 'size854' }),
  Object.freeze({ width: 960, height: 540, label: 'size960' }),
  Object.freeze({ width: 1280, height: 720, label: 'size1280' }),
]);
/** The frame rates the box accepts. */
const FRAMERATES = Object.freeze([15, 20, 25, 30]);
/** Steps offered for the most bandwidth the box may use, in kbit/s (the box accepts 300–4000). */
const BITRATES_KBPS = Object.freeze([300, 500, 800, 1000, 1500, 2000, 2500, 3000, 4000]);
/** What a new quality starts from when the box reports none (not expected, but saving must still work). */
const DEFAULT_QUALITY = Object.freeze({ width: 1280, height: 720, framerate: 30, maxBitrateKbps: 1500 });
/** The select value that keeps what the box's configuration says. */
const AS_CONFIGURED = 'configured';

const ui = Object.freeze({
  qualityForm: /** @type {HTMLFormElement} */ (byId('quality-form')),
  pictureSize: /** @type {HTMLSelectElement} */ (byId('picture-size')),
  framerate: /** @type {HTMLSelectElement} */ (byId('framerate')),
  bitrate: /** @type {HTMLSelectElement} */ (byId('bitrate')),
  camera: /** @type {HTMLSelectElement} */ (byId('camera')),
  microphone: /** @type {HTMLSelectElement} */ (byId('microphone')),
  noCamera: byId('no-camera'),
  noMicrophone: byId('no-microphone'),
  noSpeaker: byId('no-speaker'),
  speakerField: byId('speaker-field'),
  speaker: /** @type {HTMLSelectElement} */ (byId('speaker')),
  volumeField: byId('volume-field'),
  volume: /** @type {HTMLInputElement} */ (byId('volume')),
  volumeValue: /** @type {HTMLOutputElement} */ (byId('volume-value')),
  volumeLeave: /** @type {HTMLInputElement} */ (byId('volume-leave')),
  qualityMessage: byId('quality-message'),
});

/** The picture form has changes not saved yet: a reload must not undo them. */
export let pictureDirty = false;

/** Forgets what was being edited, for a fresh login. */
export function resetPicture() {
  say(ui.qualityMessage, '');
  pictureDirty = false;
}

/**
 * @typedef {object} Quality
 * @property {number} width
 * @property {number} height
 * @property {number} framerate
 * @property {number} maxBitrateKbps
 */

/**
 * @typedef {object} DeviceList
 * @property {{path: string, name: string}[]} cameras
 * @property {{name: string, description: string}[]} microphones
 * @property {{name: string, description: string}[]} speakers sound cards that can play the caller's voice
 * @property {boolean} speaker
 * @property {{camera: string | null, microphone: string | null}} automatic
 */

/** @param {{width: number, height: number}} size */
const sizeValue = (size) => `${size.width}x${size.height}`;

/**
 * Refills `select` with the standard `choices` ([value, words]) and, first,
 * an "as configured" choice when the box's `current` value is none of them;
 * then selects `current`.
 * @param {HTMLSelectElement} select
 * @param {readonly (readonly [string, string])[]} choices
 * @param {string} current
 * @param {string} configuredWords the words for `current` when it is not a standard choice
 */
function fillChoices(select, choices, current, configuredWords) {
  const options = choices.map(([value, words]) => new Option(words, value));
  if (!choices.some(([value]) => value === current)) options.unshift(new Option(configuredWords, current));
  select.replaceChildren(...options);
  select.value = current;
}

/**
 * Fills a device select: "Automatic" (null) first, saying what it picks now,
 * then each device; a chosen device that is not there now is kept, marked.
 * @param {HTMLSelectElement} select
 * @param {readonly {value: string, words: string}[]} devices
 * @param {string | null} chosen
 * @param {string} automaticWords
 */
function fillDevices(select, devices, chosen, automaticWords) {
  const options = [new Option(automaticWords, ''), ...devices.map((d) => new Option(d.words, d.value))];
  if (chosen != null && !devices.some((d) => d.value === chosen)) options.push(new Option(t('deviceMissing', { name: chosen }), chosen));
  select.replaceChildren(...options);
  select.value = chosen ?? '';
  // Nothing to choose between: the box uses what it finds.
  select.disabled = options.length < 2;
}

export async function loadPicture() {
  try {
    const [settings, devices] = await Promise.all([authed('GET', '/settings'), authed('GET', '/devices')]);
    if (!pictureDirty) renderPicture(settings, devices);
  } catch (err) {
    sayError(ui.qualityMessage, err);
  }
}

/**
 * @param {Settings} settings as stored on the box
 * @param {DeviceList} devices what the box has now
 */
function renderPicture(settings, devices) {
  pictureDirty = false;
  /** @type {Quality | null} */
  const quality = settings?.quality ?? null;
  const sizeChoices = PICTURE_SIZES.map((size) => /** @type {const} */ ([sizeValue(size), t(size.label)]));
  if (quality) {
    fillChoices(ui.pictureSize, sizeChoices, sizeValue(quality), t('sizeConfigured', { width: String(quality.width), height: String(quality.height) }));
    fillChoices(
      ui.framerate,
      FRAMERATES.map((n) => [String(n), t('framesPerSecond', { n })]),
      String(quality.framerate),
      t('framesConfigured', { n: quality.framerate }),
    );
    fillChoices(
      ui.bitrate,
      BITRATES_KBPS.map((n) => [String(n), t('kbps', { n })]),
      String(quality.maxBitrateKbps),
      t('kbpsConfigured', { n: quality.maxBitrateKbps }),
    );
  } else {
    fillChoices(ui.pictureSize, sizeChoices, AS_CONFIGURED, t('asConfigured'));
    fillChoices(ui.framerate, FRAMERATES.map((n) => [String(n), t('framesPerSecond', { n })]), AS_CONFIGURED, t('asConfigured'));
    fillChoices(ui.bitrate, BITRATES_KBPS.map((n) => [String(n), t('kbps', { n })]), AS_CONFIGURED, t('asConfigured'));
  }

  const cameras = Array.isArray(devices?.cameras) ? devices.cameras : [];
  const microphones = Array.isArray(devices?.microphones) ? devices.microphones : [];
  const automatic = devices?.automatic ?? { camera: null, microphone: null };
  const autoCamera = cameras.find((c) => c.path === automatic.camera);
  const autoMicrophone = microphones.find((m) => m.name === automatic.microphone);
  fillDevices(
    ui.camera,
    cameras.map((c) => ({ value: c.path, words: c.name ? `${c.name} (${c.path})` : c.path })),
    settings?.devices?.camera ?? null,
    automatic.camera == null ? t('automaticTestPicture') : t('automaticNamed', { name: autoCamera?.name || automatic.camera }),
  );
  fillDevices(
    ui.microphone,
    microphones.map((m) => ({ value: m.name, words: m.description ? `${m.description} (${m.name})` : m.name })),
    settings?.devices?.microphone ?? null,
    automatic.microphone == null ? t('automaticTestTone') : t('automaticNamed', { name: autoMicrophone?.description || automatic.microphone }),
  );
  ui.noCamera.hidden = cameras.length > 0;
  ui.noMicrophone.hidden = microphones.length > 0;

  // No speaker: the sentence says so, and there is nothing to choose or set.
  const speakers = Array.isArray(devices?.speakers) ? devices.speakers : [];
  fillDevices(
    ui.speaker,
    speakers.map((m) => ({ value: m.name, words: m.description ? `${m.description} (${m.name})` : m.name })),
    settings?.devices?.speaker ?? null,
    t('automatic'),
  );
  const volume = settings?.devices?.volumePercent ?? null;
  ui.volumeLeave.checked = volume == null;
  if (volume != null) ui.volume.value = String(volume);
  showVolume();
  ui.noSpeaker.hidden = speakers.length > 0;
  ui.speakerField.hidden = speakers.length === 0;
  ui.volumeField.hidden = speakers.length === 0;
}

/** Shows the slider's value as a percentage; "Leave as it is" turns the slider off. */
function showVolume() {
  ui.volume.disabled = ui.volumeLeave.checked;
  ui.volumeValue.textContent = t('percentValue', { n: Number(ui.volume.value) });
}

ui.volume.addEventListener('input', showVolume);
ui.volumeLeave.addEventListener('change', showVolume);

/**
 * The quality the form asks for; null when every choice is "as configured"
 * on a box that reported none.
 * @returns {Quality | null}
 */
function chosenQuality() {
  const values = [ui.pictureSize.value, ui.framerate.value, ui.bitrate.value];
  if (values.every((v) => v === AS_CONFIGURED)) return null;
  const [w, h] = ui.pictureSize.value === AS_CONFIGURED ? [DEFAULT_QUALITY.width, DEFAULT_QUALITY.height] : ui.pictureSize.value.split('x').map(Number);
  return {
    width: w,
    height: h,
    framerate: ui.framerate.value === AS_CONFIGURED ? DEFAULT_QUALITY.framerate : Number(ui.framerate.value),
    maxBitrateKbps: ui.bitrate.value === AS_CONFIGURED ? DEFAULT_QUALITY.maxBitrateKbps : Number(ui.bitrate.value),
  };
}

ui.qualityForm.addEventListener('input', () => {
  pictureDirty = true;
  say(ui.qualityMessage, '');
});

ui.qualityForm.addEventListener('submit', (event) => {
  event.preventDefault();
  say(ui.qualityMessage, t('working'));
  busy(ui.qualityForm, async () => {
    try {
      // The whole settings go back: fetch them fresh, so answering
      // settings changed meanwhile (here or elsewhere) are kept.
      const current = (await authed('GET', '/settings')) ?? {};
      const next = {
        ...current,
        quality: chosenQuality(),
        devices: {
          ...(current.devices ?? {}),
          camera: ui.camera.value || null,
          microphone: ui.microphone.value || null,
          // With no speaker shown, the stored choice and volume go back as they were.
          ...(ui.speakerField.hidden
            ? {}
            : { speaker: ui.speaker.value || null, volumePercent: ui.volumeLeave.checked ? null : Number(ui.volume.value) }),
        },
      };
      const stored = (await authed('PUT', '/settings', next)) ?? next;
      // The answering form sends the whole settings too: it must not undo this.
      settingsSavedElsewhere(stored);
      pictureDirty = false;
      say(ui.qualityMessage, t('savedNextCall'), 'ok');
    } catch (err) {
      sayError(ui.qualityMessage, err);
    }
  });
});

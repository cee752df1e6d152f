// Media the fake camera and microphone of Chromium play in a loop, so that the
// box can be checked for what it decoded: one solid colour and one pure tone.
//
// The video is a Y4M file (the only format Chromium's file capture reads):
// 640x360 at 30 fps, 2 s, every pixel the same Y'CbCr triple (BT.601, limited
// range, 4:2:0). The audio is a WAV file, 48 kHz mono 16-bit, 2 s of a sine.
// Both durations hold a whole number of periods, so the loops are seamless.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const VIDEO_WIDTH = 640;
export const VIDEO_HEIGHT = 360;
export const VIDEO_FPS = 30;
export const VIDEO_SECONDS = 2;

/** The colour the fixture was made from (sRGB, 0..255). */
export const SOURCE_RGB = Object.freeze([40, 90, 200]);

export const AUDIO_SAMPLE_RATE = 48000;
export const AUDIO_SECONDS = 2;
/** The tone's frequency in Hz. */
export const TONE_HZ = 1000;
/** The tone's peak level in dBFS (a full-scale sine is 0 dBFS). */
export const TONE_DBFS = -10;
/** Peak amplitude (0..1) and the RMS level a decoder should see (0..1). */
export const TONE_PEAK = 10 ** (TONE_DBFS / 20);
export const TONE_RMS = TONE_PEAK / Math.SQRT2;

const clamp = (lo, hi, x) => Math.min(hi, Math.max(lo, x));

/** R'G'B' (0..255) to Y'CbCr BT.601 limited range, rounded to 8-bit codes. */
export function rgbToYcbcr601([r, g, b]) {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
  const cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
  return [Math.round(clamp(16, 235, y)), Math.round(clamp(16, 240, cb)), Math.round(clamp(16, 240, cr))];
}

/** Y'CbCr BT.601 limited range codes back to R'G'B' (0..255, unrounded). */
export function ycbcr601ToRgb([y, cb, cr]) {
  const yy = (y - 16) * (255 / 219);
  const pb = (cb - 128) * (255 / 224);
  const pr = (cr - 128) * (255 / 224);
  const r = yy + 1.402 * pr;
  const g = yy - (0.299 * 1.402 / 0.587) * pr - (0.114 * 1.772 / 0.587) * pb;
  const b = yy + 1.772 * pb;
  return [r, g, b].map((v) => clamp(0, 255, v));
}

/** The Y'CbCr codes written into every pixel of the video. */
export const VIDEO_YCBCR = Object.freeze(rgbToYcbcr601(SOURCE_RGB));

/**
 * The mean colour a decoder that converts with BT.601 limited range should
 * report, rounded: what the 8-bit codes in the file stand for (within 1 of
 * SOURCE_RGB).
 */
export const EXPECTED_RGB = Object.freeze(ycbcr601ToRgb(VIDEO_YCBCR).map(Math.round));

function writeY4m(file, [y, cb, cr] = VIDEO_YCBCR, width = VIDEO_WIDTH, height = VIDEO_HEIGHT) {
  const lumaBytes = width * height;
  const chromaBytes = (width / 2) * (height / 2);
  const header = Buffer.from(
    `YUV4MPEG2 W${width} H${height} F${VIDEO_FPS}:1 Ip A1:1 C420jpeg\n`,
    'ascii',
  );
  const frameTag = Buffer.from('FRAME\n', 'ascii');
  const planes = Buffer.alloc(lumaBytes + 2 * chromaBytes);
  planes.fill(y, 0, lumaBytes);
  planes.fill(cb, lumaBytes, lumaBytes + chromaBytes);
  planes.fill(cr, lumaBytes + chromaBytes);
  const frame = Buffer.concat([frameTag, planes]);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header);
    for (let i = 0; i < VIDEO_FPS * VIDEO_SECONDS; i++) fs.writeSync(fd, frame);
  } finally {
    fs.closeSync(fd);
  }
}

function writeWav(file, toneHz = TONE_HZ) {
  const samples = AUDIO_SAMPLE_RATE * AUDIO_SECONDS;
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(AUDIO_SAMPLE_RATE, 24);
  buf.writeUInt32LE(AUDIO_SAMPLE_RATE * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  const amplitude = TONE_PEAK * 32767;
  for (let i = 0; i < samples; i++) {
    const v = Math.round(amplitude * Math.sin((2 * Math.PI * toneHz * i) / AUDIO_SAMPLE_RATE));
    buf.writeInt16LE(v, 44 + 2 * i);
  }
  fs.writeFileSync(file, buf);
}

/**
 * Writes both files into `dir` (a new temp dir when omitted) and returns
 * their paths and what a receiver should find in them. `rgb` and `toneHz`
 * tell several browsers' cameras and microphones apart (the tone must fit
 * a whole number of periods in the loop: a multiple of 0.5 Hz). `width` and
 * `height` (even) shape the camera: 360x640 is a phone held upright.
 */
export function makeFixtures(
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homecall-fixtures-')),
  { rgb = SOURCE_RGB, toneHz = TONE_HZ, width = VIDEO_WIDTH, height = VIDEO_HEIGHT } = {},
) {
  fs.mkdirSync(dir, { recursive: true });
  const video = path.join(dir, 'camera.y4m');
  const audio = path.join(dir, 'microphone.wav');
  const ycbcr = rgbToYcbcr601(rgb);
  writeY4m(video, ycbcr, width, height);
  writeWav(audio, toneHz);
  return {
    dir,
    video,
    audio,
    expectedRgb: ycbcr601ToRgb(ycbcr).map(Math.round),
    toneHz,
    toneRms: TONE_RMS,
    width,
    height,
  };
}

/** Deletes the files makeFixtures() wrote (20 MB of video). */
export function removeFixtures(fixtures) {
  if (fixtures?.dir) fs.rmSync(fixtures.dir, { recursive: true, force: true });
}

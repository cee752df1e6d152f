// What a page received from the box, read in the page: the codec of the
// video it decodes, the colours of the box's test bars, and the pitch of
// the box's test tone. Works on Playwright (Chromium) and puppeteer
// (Firefox) pages alike: only page.evaluate is used.

/**
 * The bars of the box's test picture (videotestsrc "smpte", top two thirds),
 * left to right, full colours (GStreamer's bars are not the 75 % ones of
 * broadcast): white, yellow, cyan, green, magenta, red, blue.
 */
export const SMPTE_BARS = Object.freeze([
  [255, 255, 255],
  [255, 255, 0],
  [0, 255, 255],
  [0, 255, 0],
  [255, 0, 255],
  [255, 0, 0],
  [0, 0, 255],
]);

/** The box's test tone (capture.rs: audiotestsrc freq), Hz. */
export const BOX_TONE_HZ = 440;

/** The mime type of the codec the page decodes the box's video with ("video/VP8"), or null. */
export async function receivedVideoCodec(page) {
  return page.evaluate(async () => {
    const pc = window.homecall ? window.homecall.peer : null;
    if (!pc) return null;
    const report = await pc.getStats();
    let codecId = null;
    let frames = -1;
    report.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded ?? 0) > frames) {
        frames = r.framesDecoded ?? 0;
        codecId = r.codecId;
      }
    });
    const codec = codecId ? report.get(codecId) : null;
    return codec ? codec.mimeType : null;
  });
}

/** The mean colour of each of the seven bars in the page's picture of the box (#remote). */
export async function barColours(page) {
  return page.evaluate(() => {
    const video = document.getElementById('remote');
    if (!video || !video.videoWidth) return null;
    const w = 140;
    const h = 90;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, w, h);
    const bars = [];
    for (let bar = 0; bar < 7; bar++) {
      // A patch in the middle of the bar, in the top third of the picture.
      const x0 = Math.round(((bar + 0.3) * w) / 7);
      const x1 = Math.round(((bar + 0.7) * w) / 7);
      const { data } = g.getImageData(x0, Math.round(h * 0.15), x1 - x0, Math.round(h * 0.3));
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      bars.push(sum.map((s) => Math.round(s / (data.length / 4))));
    }
    return bars;
  });
}

/** Whether every bar is within `tolerance` of its SMPTE colour. */
export function barsRight(bars, tolerance = 40) {
  return !!bars && bars.every((rgb, i) => rgb.every((v, c) => Math.abs(v - SMPTE_BARS[i][c]) <= tolerance));
}

/**
 * The loudest frequency (Hz, 100–2000 in 5 Hz steps) of the box's audio as
 * the page receives it, or null when nothing is heard. The remote track is
 * recorded for `ms` and decoded by an OfflineAudioContext: a live
 * AudioContext never starts in headless Firefox without a sound device.
 */
export async function dominantToneHz(page, ms = 1000) {
  return page.evaluate(async (ms) => {
    const video = document.getElementById('remote');
    const stream = video && video.srcObject;
    if (!stream || stream.getAudioTracks().length === 0) return null;
    const recorder = new MediaRecorder(new MediaStream(stream.getAudioTracks()));
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, ms));
    recorder.stop();
    await stopped;
    const encoded = await new Blob(chunks).arrayBuffer();
    const audio = await new OfflineAudioContext(1, 48000, 48000).decodeAudioData(encoded);
    const all = audio.getChannelData(0);
    const x = all.subarray(Math.floor(all.length / 2)); // the settled half
    const rate = audio.sampleRate;
    let best = { hz: null, power: 0 };
    let total = 0;
    for (const v of x) total += v * v;
    for (let hz = 100; hz <= 2000; hz += 5) {
      // Goertzel: the power of one frequency.
      const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
      let s1 = 0;
      let s2 = 0;
      for (const v of x) {
        const s0 = v + k * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const power = s1 * s1 + s2 * s2 - k * s1 * s2;
      if (power > best.power) best = { hz, power };
    }
    return total / x.length > 1e-5 ? best.hz : null;
  }, ms);
}

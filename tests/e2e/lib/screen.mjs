// A virtual screen for the box's TV output: Xvfb on a free display number,
// and the colour of a region of what it shows (ImageMagick's `import`).

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { waitUntil } from './wait.mjs';

export class Screen {
  constructor(display, child) {
    this.display = display;
    this.child = child;
  }

  /** Mean RGB of the `w`x`h` region at (`x`, `y`) of the screen. */
  meanRgb(region) {
    return meanOfPpm(this.ppm(region));
  }

  /** The `w`x`h` region at (`x`, `y`) of the screen as a binary PPM. */
  ppm({ x, y, w, h }) {
    return execFileSync('import', ['-display', this.display, '-window', 'root', '-crop', `${w}x${h}+${x}+${y}`, '-depth', '8', 'ppm:-'], {
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  async stop() {
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** Starts Xvfb (`width`x`height`) on the first free display from :90. */
export async function startScreen({ width = 1280, height = 720 } = {}) {
  let n = 90;
  while (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) n++;
  const display = `:${n}`;
  // -noreset: by default Xvfb resets when its last client leaves, and a client
  // connecting during that reset (the box, right after our readiness probe) fails.
  const child = spawn('Xvfb', [display, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
  const screen = new Screen(display, child);
  // Ready when it answers a client, not merely when its socket file appears.
  await waitUntil(
    `Xvfb to answer on ${display}`,
    () => {
      try {
        return screen.meanRgb({ x: 0, y: 0, w: 1, h: 1 });
      } catch {
        return null;
      }
    },
    Boolean,
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  return screen;
}

/**
 * The bands of rows of a binary PPM in which some pixel is light (every
 * channel above `level`): each line of text on a dark screen is one band.
 * Returns [{ top, height }], top to bottom.
 */
export function lightBands(buf, level = 180) {
  const { width, height, pixels } = parsePpm(buf);
  const bands = [];
  let open = null;
  for (let row = 0; row < height; row++) {
    let light = false;
    for (let col = 0; col < width && !light; col++) {
      const p = (row * width + col) * 3;
      light = pixels[p] > level && pixels[p + 1] > level && pixels[p + 2] > level;
    }
    if (light && !open) open = { top: row, height: 0 };
    if (light) open.height++;
    if (!light && open) {
      bands.push(open);
      open = null;
    }
  }
  if (open) bands.push(open);
  return bands;
}

/** A binary PPM (P6, maxval 255): its size and RGB bytes. */
export function parsePpm(buf) {
  // Header: "P6" whitespace width whitespace height whitespace maxval single-whitespace.
  const fields = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]))) i++;
    let start = i;
    while (!/\s/.test(String.fromCharCode(buf[i]))) i++;
    fields.push(buf.subarray(start, i).toString('ascii'));
  }
  i++;
  if (fields[0] !== 'P6' || fields[3] !== '255') throw new Error(`unexpected image header ${fields.join(' ')}`);
  return { width: Number(fields[1]), height: Number(fields[2]), pixels: buf.subarray(i) };
}

/** Mean [r, g, b] of a binary PPM (P6, maxval 255). */
export function meanOfPpm(buf) {
  const { pixels } = parsePpm(buf);
  const sum = [0, 0, 0];
  for (let p = 0; p + 2 < pixels.length; p += 3) for (let c = 0; c < 3; c++) sum[c] += pixels[p + c];
  const n = pixels.length / 3;
  return sum.map((s) => Math.round(s / n));
}

// A group call for the tests: a box, and for each person a browser with a
// camera and microphone of their own colour and tone, and a link; what a
// call page shows of the other browsers (the mesh of web/call-mesh.js).

import { makeFixtures, removeFixtures } from './fixtures.mjs';
import { startBox } from './box.mjs';
import { describePage, launchBrowser } from './browser.mjs';
import { openCall } from './call.mjs';
import { waitUntil } from './wait.mjs';

/**
 * A box taking `maxParticipants` (itself counted) and, for each of
 * `persons` ({ label, rgb, toneHz }), a browser (with `initScript(arg)` in
 * every page, when given) and a link of their own.
 */
export async function startGroup(persons, { maxParticipants, initScript = null, initArg } = {}) {
  const box = await startBox({ calls: { max_participants: maxParticipants, countdown_secs: 0 } });
  const people = [];
  for (const person of persons) {
    const fixtures = makeFixtures(undefined, person);
    const browser = await launchBrowser(fixtures);
    if (initScript) await browser.context.addInitScript(initScript, initArg);
    people.push({ ...person, fixtures, browser, link: await box.createLink(person.label), page: null });
  }
  return { box, people };
}

/** Each person opens their link and presses Call. */
export async function openAll(people) {
  for (const person of people) {
    person.page = await openCall(person.browser, person.link, { label: person.label });
  }
}

/** Closes what startGroup made (whatever part of it there is). */
export async function stopGroup(group) {
  for (const p of group?.people ?? []) {
    await p.browser.close().catch(() => {});
    removeFixtures(p.fixtures);
  }
  if (group?.box?.running) await group.box.stop();
  if (group?.box) console.log(`box log: ${group.box.logPath}`);
}

const RGB_TOLERANCE = 30;

/** What `page` shows of each other browser: label, connection, frames, mean colour, audio level. */
export async function others(page) {
  return page.evaluate(async () => {
    const tiles = [...document.querySelectorAll('#others figure')];
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 32;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    const out = [];
    for (const other of window.homecall.others) {
      const tile = tiles.find((t) => t.querySelector('figcaption').textContent === other.label);
      const video = tile && tile.querySelector('video');
      let rgb = null;
      if (video && video.videoWidth) {
        g.drawImage(video, 0, 0, 32, 32);
        const data = g.getImageData(0, 0, 32, 32).data;
        rgb = [0, 1, 2].map((c) => {
          let sum = 0;
          for (let i = c; i < data.length; i += 4) sum += data[i];
          return Math.round(sum / (data.length / 4));
        });
      }
      let frames = 0;
      let audioLevel = 0;
      if (other.pc) {
        (await other.pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') frames = Math.max(frames, r.framesDecoded ?? 0);
          if (r.type === 'inbound-rtp' && r.kind === 'audio') audioLevel = Math.max(audioLevel, r.audioLevel ?? 0);
        });
      }
      out.push({ label: other.label, state: other.pc ? other.pc.connectionState : null, frames, rgb, audioLevel });
    }
    return out;
  });
}

const close = (a, b) => a && a.every((v, i) => Math.abs(v - b[i]) <= RGB_TOLERANCE);

/**
 * Waits until `person`'s page sees each of `expected` (people) connected, in
 * their colour, heard. A timeout tells what the page logged (its signalling
 * with the others among it).
 */
export async function seesEachOther(person, expected) {
  try {
    return await waitUntil(
      `${person.label} to see and hear ${expected.map((p) => p.label).join(' and ')}`,
      () => others(person.page),
      (list) =>
        list.length === expected.length &&
        expected.every((e) => {
          const o = list.find((x) => x.label === e.label);
          return o && o.state === 'connected' && o.frames > 10 && close(o.rgb, e.fixtures.expectedRgb) && o.audioLevel > 0.01;
        }),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (err) {
    err.message += `\n${await describePage(person.browser, person.page, 60)}`;
    throw err;
  }
}

// A group call: the box and three browsers, each with a camera and a
// microphone of its own colour and tone. Every browser sees the box and the
// two others (mesh through /signal), the box encodes once, one leaving ends
// nobody else's call, and a fourth caller is told busy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { remoteStats } from '../lib/browser.mjs';
import { FINAL_PAGE_STATES, pressHangUp, waitBoxState, waitBrowserMedia, waitPageState } from '../lib/call.mjs';
import { waitUntil } from '../lib/wait.mjs';
import { openAll, others, seesEachOther, startGroup, stopGroup } from '../lib/group.mjs';

const PEOPLE = [
  { label: 'Anna', rgb: [200, 40, 40], toneHz: 600 },
  { label: 'Ben', rgb: [40, 180, 60], toneHz: 800 },
  { label: 'Cleo', rgb: [40, 90, 200], toneHz: 1000 },
];
let group;
let box;
let people = [];

before(async () => {
  // The box counts itself: three callers need four places.
  group = await startGroup(PEOPLE, { maxParticipants: 4 });
  ({ box, people } = group);
});

after(() => stopGroup(group));

test('three browsers and the box: everyone sees and hears everyone, one leaving ends no other call', { timeout: 180_000 }, async () => {
  await openAll(people);
  await waitUntil('the box in a call with three', () => box.status(), (s) => s.state === 'inCall' && s.calls.length === 3 && s.calls.every((c) => c.phase === 'inCall'), { timeoutMs: 20_000 });
  for (const person of people) {
    await waitBrowserMedia(person.page, { minFrames: 10 });
    const seen = await seesEachOther(person, people.filter((p) => p !== person));
    console.log(`${person.label} sees: ${JSON.stringify(seen)}`);
  }
  const captures = fs.readFileSync(box.logPath, 'utf8').split('\n').filter((l) => /camera and microphone on/.test(l));
  assert.equal(captures.length, 1, 'the box encodes once for all three');

  // A fourth caller finds the call full.
  const fourth = await people[0].browser.newPage('fourth');
  await fourth.goto(people[0].link, { waitUntil: 'domcontentloaded' });
  await waitPageState(fourth, 'busy', { timeoutMs: 10_000, failOn: FINAL_PAGE_STATES.concat('inCall') });
  // While it waits for a free place, its camera and microphone are let go.
  await waitUntil('the busy page to let its camera go', () => fourth.evaluate(() => window.homecall.localMedia), (m) => m === 'none', { timeoutMs: 5000 });
  await fourth.close();

  // Anna leaves; Ben and Cleo go on with the box and each other.
  const [anna, ben, cleo] = people;
  await pressHangUp(anna.page);
  await waitPageState(anna.page, 'ended', { timeoutMs: 5000 });
  await waitUntil('the box in a call with two', () => box.status(), (s) => s.state === 'inCall' && s.calls.length === 2, { timeoutMs: 10_000 });
  for (const [person, other] of [[ben, cleo], [cleo, ben]]) {
    const before = (await others(person.page)).find((o) => o.label === other.label)?.frames ?? 0;
    const boxFrames = (await remoteStats(person.page))?.video?.framesDecoded ?? 0;
    await seesEachOther(person, [other]);
    await waitUntil(`${person.label} to keep decoding ${other.label}`, () => others(person.page), (l) => l[0] && l[0].frames > before + 20, { timeoutMs: 10_000, intervalMs: 200 });
    await waitUntil(`${person.label} to keep decoding the box`, () => remoteStats(person.page), (s) => s?.video?.framesDecoded > boxFrames + 20, { timeoutMs: 10_000, intervalMs: 200 });
    assert.equal(await person.page.evaluate(() => window.homecall.state), 'inCall');
  }
  for (const person of [ben, cleo]) await pressHangUp(person.page);
  await waitBoxState(box, 'waiting', { timeoutMs: 10_000 });
});

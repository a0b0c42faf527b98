// How the embedded runner splits a round's trials into packs (workers/embedded/packs.ts): the
// invariants every split keeps (each trial once, one pack key per pack, the limit), and what
// each setting makes of an lr × seed and a width × lr sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { trialConfigSchema, type TrialConfig } from '../../core/config/trial.js';
import { packKey } from '../../core/train/packed/pack-key.js';
import { limitFor, planPacks, type PackSetting } from '../../workers/embedded/packs.js';

function configs(widths: number[], lrs: number[], seeds: number[], extra: Record<string, unknown> = {}): TrialConfig[] {
  const out: TrialConfig[] = [];
  for (const width of widths) for (const lr of lrs) for (const seed of seeds) {
    out.push(trialConfigSchema.parse({ seed, task: { kind: 'teacher-mlp' }, model: { width }, optimizer: { kind: 'sgd', lr }, ...extra }));
  }
  return out;
}
const id = (c: TrialConfig) => c;

function checkInvariants(items: TrialConfig[], packs: TrialConfig[][], setting: PackSetting, workers: number): void {
  assert.deepEqual(packs.flat().slice().sort((a, b) => items.indexOf(a) - items.indexOf(b)), items, 'each trial in exactly one pack');
  for (const pack of packs) {
    assert.ok(pack.length >= 1);
    assert.ok(pack.every((c) => packKey(c) === packKey(pack[0])), 'one pack key per pack');
    if (packKey(pack[0]) === null) assert.equal(pack.length, 1, 'a trial without a pack key trains alone');
    // members keep the order of the round
    for (let i = 1; i < pack.length; i++) assert.ok(items.indexOf(pack[i - 1]) < items.indexOf(pack[i]));
    if (setting === 'off') assert.equal(pack.length, 1);
    else if (typeof setting === 'number') assert.ok(pack.length <= setting);
    else assert.ok(pack.length <= limitFor('auto', pack[0]));
  }
  if (setting === 'auto') {
    assert.ok(packs.length >= Math.min(workers, items.length), `${packs.length} packs for ${workers} workers`);
    // the packs of one key differ in size by at most one
    const sizes = new Map<string | null, number[]>();
    for (const p of packs) sizes.set(packKey(p[0]), [...(sizes.get(packKey(p[0])) ?? []), p.length]);
    for (const s of sizes.values()) assert.ok(Math.max(...s) - Math.min(...s) <= 1, `pack sizes ${s.join(', ')}`);
  }
}

test('an lr × seed sweep: auto makes one pack per worker of nearly equal size; off and 1 train alone; N caps', () => {
  const items = configs([64], [0.01, 0.1, 1], [0, 1, 2, 3]);
  assert.deepEqual(planPacks(items, id, 'auto', 1).map((p) => p.length), [12]);
  assert.deepEqual(planPacks(items, id, 'auto', 2).map((p) => p.length), [6, 6]);
  assert.deepEqual(planPacks(items, id, 'auto', 5).map((p) => p.length), [3, 3, 2, 2, 2]);
  assert.deepEqual(planPacks(items, id, 'auto', 20).map((p) => p.length), Array(12).fill(1));
  assert.deepEqual(planPacks(items, id, 'off', 2).map((p) => p.length), Array(12).fill(1));
  assert.deepEqual(planPacks(items, id, 1, 2), planPacks(items, id, 'off', 2));
  assert.deepEqual(planPacks(items, id, 5, 2).map((p) => p.length), [5, 5, 2]);
});

test('a width × lr sweep forms one pack per width, whatever the worker count below the widths', () => {
  const items = configs([32, 64, 128], [0.01, 0.1, 1, 10], [0]);
  for (const workers of [1, 2, 3]) {
    const packs = planPacks(items, id, 'auto', workers);
    assert.deepEqual(packs.map((p) => p.map((c) => c.model.width)), [[32, 32, 32, 32], [64, 64, 64, 64], [128, 128, 128, 128]]);
    assert.deepEqual(packs.map((p) => p.map((c) => c.optimizer.lr)), Array(3).fill([0.01, 0.1, 1, 10]));
  }
  // more workers than widths: the widest packs are split
  assert.deepEqual(planPacks(items, id, 'auto', 4).map((p) => p.length), [2, 2, 4, 4]);
});

test('auto keeps each pack within the memory rule', () => {
  // width 4096 on a 784-wide input: only a few such trials fit AUTO_PACK_BYTES
  const items = configs([4096], [0.01, 0.1, 1, 10], [0, 1, 2, 3], { task: { kind: 'teacher-mlp', inputDim: 784 } });
  const limit = limitFor('auto', items[0]);
  assert.ok(limit >= 1 && limit < 16, `limit ${limit}`);
  const packs = planPacks(items, id, 'auto', 1);
  assert.equal(packs.length, Math.ceil(16 / limit));
  assert.ok(packs.every((p) => p.length <= limit));
});

test('giant-step trials train alone under every setting', () => {
  const items = configs([64], [0.1, 1], [0, 1], { giantStep: { alpha: 2 }, model: { width: 64, depth: 2 }, task: { kind: 'multi-index', inputDim: 16 } });
  for (const setting of ['auto', 'off', 4] as const) assert.deepEqual(planPacks(items, id, setting, 1).map((p) => p.length), [1, 1, 1, 1]);
});

test('planPacks keeps its invariants for any sweep, setting and worker count', () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.constantFrom(16, 32, 64), { minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 5 }),
    fc.oneof(fc.constant<PackSetting>('auto'), fc.constant<PackSetting>('off'), fc.integer({ min: 1, max: 7 })),
    fc.integer({ min: 1, max: 12 }),
    (widths, nLr, nSeed, setting, workers) => {
      const items = configs(widths, Array.from({ length: nLr }, (_, i) => 0.01 * (i + 1)), Array.from({ length: nSeed }, (_, i) => i));
      const packs = planPacks(items, id, setting, workers);
      checkInvariants(items, packs, setting, workers);
      // deterministic
      assert.deepEqual(planPacks(items, id, setting, workers), packs);
    },
  ), { numRuns: 200 });
});

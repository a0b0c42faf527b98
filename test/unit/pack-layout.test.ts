// The cluster's pack layout of a plan page, no server: every plan once, each pack's members
// contiguous and sharing a pack key, no pack over its limit, packs in order of first
// appearance, command trials alone, the same layout every time; and a pack launch as the
// trainer reads it (every member's id checked) with a credential for exactly its members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAccount, decode } from '@nats-io/jwt';
import { trialConfigSchema, type TrialConfig } from '../../core/config/trial.js';
import type { AnyTrialConfig } from '../../core/config/command-trial.js';
import { trialId } from '../../core/ids.js';
import { layoutPacks } from '../../core/scheduler/pack-layout.js';
import { AUTO_PACK_BYTES, packBytesPerTrial, packKey, packLimit, WASM_PACK_BYTES } from '../../core/train/packed/pack-key.js';
import { splitPack } from '../../core/train/packed/run-pack.js';
import type { TrialPlan } from '../../core/search/strategy.js';
import { ConfigError } from '../../core/config/errors.js';
import { parseLaunch } from '../../workers/trainer-launch.js';
import { TrialCredentialIssuer } from '../../activities/trial-credentials.js';
import { eventsSubject, metricsSubject } from '../../core/messages.js';

function plan(width: number, lr: number, seed: number): TrialPlan<AnyTrialConfig> {
  const config = trialConfigSchema.parse({ seed, task: { kind: 'teacher-mlp' }, model: { width }, optimizer: { kind: 'sgd', lr } });
  return { id: trialId(config), config, axes: { 'model.width': width, 'optimizer.lr': lr, seed } };
}

function command(i: number): TrialPlan<AnyTrialConfig> {
  const config = { trainer: 'command' as const, params: { i } };
  return { id: `c${String(i).padStart(15, '0')}`, config, axes: { i } };
}

const pageArb = fc.array(fc.record({ width: fc.constantFrom(4, 8, 16), lr: fc.constantFrom(0.01, 0.1, 1), seed: fc.integer({ min: 0, max: 50 }), cmd: fc.boolean() }), { maxLength: 60 })
  .map((rows) => {
    const seen = new Set<string>();
    const out: TrialPlan<AnyTrialConfig>[] = [];
    rows.forEach((r, i) => {
      const p = r.cmd && i % 5 === 0 ? command(i) : plan(r.width, r.lr, r.seed);
      if (!seen.has(p.id)) out.push(p);
      seen.add(p.id);
    });
    return out;
  });

test('a page laid out in packs: each plan once, members contiguous and of one key, within the limit, in first-appearance order', () => {
  fc.assert(fc.property(pageArb, fc.integer({ min: 1, max: 7 }), (page, base) => {
    // the limit depends on the shape only (here: on the width), as packLimit's does
    const limitOf = (c: TrialConfig) => base + (c.model.width === 16 ? 0 : 2);
    const out = layoutPacks(page, limitOf);
    assert.deepEqual(out.plans.map((p) => p.id).sort(), page.map((p) => p.id).sort(), 'each plan once');
    assert.equal(out.sizes.reduce((a, b) => a + b, 0), page.length);
    let at = 0;
    const firsts: number[] = [];
    for (const size of out.sizes) {
      assert.ok(size >= 1);
      const members = out.plans.slice(at, at + size);
      at += size;
      firsts.push(page.indexOf(members[0]));
      const c0 = members[0].config;
      if ('trainer' in c0) {
        assert.equal(size, 1, 'a command trial trains alone');
        continue;
      }
      assert.ok(size <= limitOf(c0 as TrialConfig), 'within the limit');
      for (const m of members) assert.equal(packKey(m.config as TrialConfig), packKey(c0 as TrialConfig), 'one pack key');
      // members keep their page order
      const idx = members.map((m) => page.indexOf(m));
      assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    }
    assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), 'packs in order of their first member');
    assert.deepEqual(layoutPacks(page, limitOf), out, 'deterministic');
  }));
});

test('an lr × seed page of one shape fills packs to the limit; a limit of 1 trains every trial alone', () => {
  const page = [0.01, 0.1, 1].flatMap((lr) => [0, 1, 2, 3].map((seed) => plan(8, lr, seed)));
  assert.deepEqual(layoutPacks(page, () => 5).sizes, [5, 5, 2]);
  assert.deepEqual(layoutPacks(page, () => 5).plans, page, 'one key: page order kept');
  assert.deepEqual(layoutPacks(page, () => 1).sizes, Array(12).fill(1));
  const mixed = [plan(4, 0.1, 0), plan(8, 0.1, 0), plan(4, 0.1, 1), plan(8, 0.1, 1)];
  const out = layoutPacks(mixed, () => 4);
  assert.deepEqual(out.sizes, [2, 2]);
  assert.deepEqual(out.plans.map((p) => p.axes['model.width']), [4, 4, 8, 8]);
});

test('a pack larger than wasm memory holds trains as consecutive packs within WASM_PACK_BYTES, every member once', () => {
  fc.assert(fc.property(fc.array(fc.integer(), { maxLength: 80 }), fc.integer({ min: 1, max: 2 ** 31 }), (members, perTrial) => {
    const parts = splitPack(members, perTrial, WASM_PACK_BYTES);
    assert.deepEqual(parts.flat(), members, 'every member once, in order');
    for (const p of parts) {
      assert.ok(p.length >= 1);
      assert.ok(p.length === 1 || p.length * perTrial <= WASM_PACK_BYTES, 'within the limit, or one trial alone');
    }
  }));
  // 64 width-1024 trials (the pack that ran out of wasm memory): three packs of at most 24 (41 MB each by the estimate)
  const wide = trialConfigSchema.parse({ seed: 0, task: { kind: 'teacher-mlp', inputDim: 32 }, model: { width: 1024, depth: 3 }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const bytes = packBytesPerTrial(wide, 32, 1);
  assert.ok(64 * bytes > WASM_PACK_BYTES);
  assert.deepEqual(splitPack(Array.from({ length: 64 }, (_, i) => i), bytes, WASM_PACK_BYTES).map((p) => p.length), [24, 24, 16]);
  // auto's own rule stays within it
  assert.ok(packLimit('auto', wide, 32, 1) * bytes <= AUTO_PACK_BYTES && AUTO_PACK_BYTES <= WASM_PACK_BYTES);
});

test('a pack launch: every member\'s id is checked and every problem named', () => {
  const members = [0, 1, 2].map((seed) => trialConfigSchema.parse({ seed, task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } }));
  const pack = members.map((config) => ({ trialId: trialId(config), config }));
  const raw = { sweepId: 's', trialId: pack[0].trialId, config: members[0], pack: pack.slice(1), nats: { servers: ['nats://n:4222'] } };
  assert.deepEqual(parseLaunch(raw, 'x').pack, pack.slice(1), 'a retry may train members other than the one naming the pack');
  const bad = { ...raw, pack: [pack[1], { ...pack[2], trialId: pack[1].trialId }, pack[1]] };
  assert.throws(() => parseLaunch(bad, 'x'), (e: unknown) => e instanceof ConfigError
    && e.problems.some((p) => p.startsWith('pack.1.trialId: '))
    && e.problems.some((p) => p === 'pack: a trial appears twice'));
  assert.throws(() => parseLaunch({ ...raw, pack: [] }, 'x'), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('pack: ')));
});

test('a pack credential may publish exactly its members\' subjects', async () => {
  const issuer = new TrialCredentialIssuer({ signingSeed: new TextDecoder().decode(createAccount().getSeed()) });
  const ids = ['0123456789abcdef', '1123456789abcdef', '2123456789abcdef'];
  const cred = await issuer.issue('sw', ids[0], 2, ids.slice(1));
  const nats = decode<Record<string, unknown>>(cred.jwt).nats as { pub: { allow: string[] } };
  assert.deepEqual([...nats.pub.allow].sort(), ids.flatMap((id) => [metricsSubject('sw', id), eventsSubject('sw', id)]).sort());
});

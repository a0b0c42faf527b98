// What the processes receive from outside is checked by schemas: bus messages (every problem
// named by path, measurements may be null), the trainer's launch, and each process's SWEEP_*
// environment, where a bad setting is one line naming the variable and exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseBusMessage } from '../../core/message-schema.js';
import { EnvError, parseEnv } from '../../core/env.js';
import { ConfigError } from '../../core/config/errors.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import { OUTCOMES, OUTCOME_EVENT, outcomeOfEvent } from '../../core/outcome.js';
import { TRIAL_EVENTS } from '../../core/messages.js';
import { parseLaunch } from '../../workers/trainer-launch.js';
import { aggregatorEnvSchema, orchestratorEnvSchema, trainerEnvSchema } from '../../workers/process-env.js';

const T = '0123456789abcdef';

test('bus messages: valid ones pass unchanged, each invalid one is named by its first problem', () => {
  const metric = { sweepId: 's', trialId: T, step: 3, trainLoss: null, extra: 1 };
  assert.equal(parseBusMessage(metric).message, metric, 'the received object itself, key order kept');
  assert.equal(parseBusMessage({ sweepId: 's', trialId: T, event: 'diverged', step: 4, divergence: 'bound' }).problem, undefined);
  const problems: Array<[unknown, string]> = [
    ['text', 'not a JSON object'],
    [{ sweepId: 's', trialId: T, event: 'exploded' }, 'event: '],
    [{ sweepId: '', trialId: T, step: 1, trainLoss: 1 }, 'sweepId: missing'],
    [{ sweepId: 's', trialId: T, step: 1.5, trainLoss: 1 }, 'step: must be a non-negative integer'],
    [{ sweepId: 's', trialId: T, step: 1, trainLoss: 'low' }, 'trainLoss:'],
    [{ sweepId: 's', trialId: T, event: 'failed', attempt: 0 }, 'attempt:'],
    [{ sweepId: 's', trialId: T, event: 'diverged', divergence: 'maybe' }, 'divergence:'],
  ];
  for (const [raw, want] of problems) {
    const { problem } = parseBusMessage(raw);
    assert.ok(problem?.startsWith(want), `${JSON.stringify(raw)}: ${problem}`);
    assert.doesNotMatch(problem!, /\n/);
  }
});

test('outcomes and terminal events map one to one, both ways', () => {
  for (const o of OUTCOMES) assert.equal(outcomeOfEvent(OUTCOME_EVENT[o]), o);
  assert.deepEqual(new Set(Object.values(OUTCOME_EVENT)), new Set(TRIAL_EVENTS.filter((e) => e !== 'started')));
  for (const e of ['started', 'toString', 'constructor', '']) assert.equal(outcomeOfEvent(e), undefined, e);
});

test('trainer launch: a strict schema naming every problem by path; the environment overrides servers and attempt', () => {
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, model: { depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const good = { sweepId: 'nightly-2031-05-05T02:00:00Z', trialId: trialId(config), config, nats: { servers: ['nats://a:4222'] } };
  const l = parseLaunch(good, 'launch');
  assert.equal(l.attempt, 1);
  assert.deepEqual(l.nats.servers, ['nats://a:4222']);
  const o = parseLaunch(good, 'launch', { natsServers: ['nats://b:4222'], attempt: 3 });
  assert.deepEqual([o.nats.servers, o.attempt], [['nats://b:4222'], 3]);

  const bad = (raw: unknown) => {
    try {
      parseLaunch(raw, 'launch');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    assert.fail('accepted');
  };
  const p = bad({ ...good, sweepId: 'a b', trialId: 'x', attempt: 0, surplus: true, config: { ...config, model: { ...config.model, width: 0 } } });
  for (const want of ['sweepId:', 'trialId: must be 16 hex digits', 'attempt:', 'surplus: unknown key', 'config.model.width:']) {
    assert.ok(p.some((line) => line.startsWith(want)), `${want} in ${p.join(' | ')}`);
  }
  assert.deepEqual(bad({ ...good, nats: undefined }), ['nats.servers: no NATS server given (or set SWEEP_NATS_URL)']);
});

test('environment: parsed by schema; a bad value is an EnvError whose one line names the variable', () => {
  assert.deepEqual(parseEnv(trainerEnvSchema, { SWEEP_NATS_URL: 'nats://a:1, nats://b:2', SWEEP_ATTEMPT: '2', PATH: '/bin' }),
    { SWEEP_NATS_URL: ['nats://a:1', 'nats://b:2'], SWEEP_ATTEMPT: 2 });
  assert.deepEqual(parseEnv(aggregatorEnvSchema, { SWEEP_METRICS_PORT: '' }), {}, 'empty means unset');
  assert.equal(parseEnv(orchestratorEnvSchema, { SWEEP_LOG_LEVEL: 'debug' }).SWEEP_LOG_LEVEL, 'DEBUG');
  const cases: Array<[object, string, NodeJS.ProcessEnv, RegExp]> = [
    [trainerEnvSchema, 'attempt', { SWEEP_ATTEMPT: 'two' }, /^SWEEP_ATTEMPT: must be a positive integer, got "two"$/],
    [aggregatorEnvSchema, 'port', { SWEEP_METRICS_PORT: '70000' }, /^SWEEP_METRICS_PORT: must be a port number 0-65535, got "70000"$/],
    [orchestratorEnvSchema, 'timeout', { SWEEP_CONNECT_TIMEOUT_MS: '-5' }, /^SWEEP_CONNECT_TIMEOUT_MS: /],
    [orchestratorEnvSchema, 'flag', { SWEEP_REPORT_HANDLES: 'yes' }, /^SWEEP_REPORT_HANDLES: must be 0 or 1/],
    [orchestratorEnvSchema, 'level', { SWEEP_LOG_LEVEL: 'loud' }, /^SWEEP_LOG_LEVEL: /],
  ];
  for (const [schema, what, env, want] of cases) {
    assert.throws(() => parseEnv(schema as typeof trainerEnvSchema, env), (err: unknown) => {
      assert.ok(err instanceof EnvError && err instanceof ConfigError, what);
      assert.match(err.line, want);
      return true;
    });
  }
});

test('each process stops on a bad setting with one line naming it and exit code 2, before connecting anywhere', () => {
  const entry = (name: string) => fileURLToPath(new URL(`../../workers/${name}.js`, import.meta.url));
  const runs: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
    ['aggregator', [], { SWEEP_NATS_URL: ' , ' }, 'aggregator: SWEEP_NATS_URL: must name at least one server'],
    ['aggregator', [], { SWEEP_METRICS_PORT: 'x' }, 'aggregator: SWEEP_METRICS_PORT: must be a port number 0-65535, got "x"'],
    ['orchestrator', [], { SWEEP_METRICS_PORT: 'x' }, 'orchestrator: SWEEP_METRICS_PORT: must be a port number 0-65535, got "x"'],
    ['trainer', ['-'], { SWEEP_ATTEMPT: '0' }, 'trainer: SWEEP_ATTEMPT: must be a positive integer, got "0"'],
  ];
  for (const [name, args, env, want] of runs) {
    const r = spawnSync(process.execPath, [entry(name), ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', input: '', timeout: 60_000 });
    assert.equal(r.status, 2, `${name} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), want);
  }
});

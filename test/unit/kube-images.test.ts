// Static checks of the container images (no Docker engine here, so they cannot be built in
// tests): every file a Dockerfile copies exists and is not excluded by .dockerignore, base
// images are pinned, the final stages run as a numeric non-root user, and the entry points are
// the compiled files the manifests and the test node agent rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../servers/kube/control-plane.js';
import { TRAINER_ENTRYPOINT } from '../servers/kube/cluster.js';
import { kustomizeFiles } from './kube-images-helpers.js';

interface Instruction { op: string; args: string }

function parseDockerfile(path: string): { args: Map<string, string>; stages: Instruction[][] } {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: Instruction[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    assert.ok(m, `${path}: cannot parse "${line}"`);
    const op = m[1].toUpperCase();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = m[2].split('=');
      args.set(k, v ?? '');
    }
    if (op === 'FROM') stages.push([]);
    if (stages.length) stages.at(-1)!.push({ op, args: m[2] });
  }
  return { args, stages };
}

function dockerignored(): string[] {
  return readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

const resolveArgs = (s: string, args: Map<string, string>) => s.replace(/\$\{(\w+)\}/g, (_, k: string) => args.get(k) ?? '');

for (const file of ['docker/trainer.Dockerfile', 'docker/worker.Dockerfile']) {
  test(`${file}: sources exist and are in the build context, bases are pinned, runs as non-root`, () => {
    const { args, stages } = parseDockerfile(join(repoRoot, file));
    const ignored = dockerignored();
    for (const stage of stages) {
      const from = resolveArgs(stage[0].args.split(/\s+/)[0], args);
      if (!stages.some((s) => s.some((i) => i.op === 'FROM' && / AS /i.test(i.args) && i.args.split(/\s+/).at(-1) === from))) {
        assert.match(from, /^[\w./-]+:[\w.-]+$/, `${file}: base image ${from} has a tag`);
        assert.doesNotMatch(from, /:latest$/, `${file}: base image ${from} is pinned`);
      }
      for (const ins of stage.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
        const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) {
          assert.ok(existsSync(join(repoRoot, src)), `${file}: COPY source ${src} exists`);
          assert.ok(!ignored.includes(src.split('/')[0]), `${file}: COPY source ${src} is not in .dockerignore`);
        }
      }
    }
    const final = stages.at(-1)!;
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, `${file}: final stage runs as a numeric non-root user (runAsNonRoot needs a number)`);
  });
}

const execForm = (s: string) => JSON.parse(s) as string[];

test('the trainer image runs the trainer entry point the Job expects (and the test agent maps)', () => {
  const { args, stages } = parseDockerfile(join(repoRoot, 'docker/trainer.Dockerfile'));
  // CUDA 12 comes from PyPI (tensorflow[and-cuda]'s nvidia-* wheels), not a CUDA 11 base image
  assert.match(args.get('TF_VERSION') ?? '', /^2\.\d+\.\d+$/);
  const final = stages.at(-1)!;
  const entry = execForm(final.find((i) => i.op === 'ENTRYPOINT')!.args);
  assert.deepEqual(entry, TRAINER_ENTRYPOINT);
  assert.ok(existsSync(join(repoRoot, entry[1])), `${entry[1]} is built by tsc`);
  const build = stages.flat().filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
  assert.match(build, /npm ci(?![^\n]*--omit=optional)/, 'optional dependencies (tfjs-node-gpu) are installed');
  assert.match(build, /tfjs-node-gpu/, 'the build checks that tfjs-node-gpu is there');
  assert.match(build, /tensorflow\[and-cuda\]==\$\{TF_VERSION\}/, 'CUDA libraries from the tensorflow wheel\'s nvidia-* dependencies');
  assert.match(build, /install-tfjs-native\.sh --gpu/, 'the addon is built the way the project script builds it');
});

test('the worker image and the manifests agree on commands that exist', () => {
  const { stages } = parseDockerfile(join(repoRoot, 'docker/worker.Dockerfile'));
  const cmd = execForm(stages.at(-1)!.find((i) => i.op === 'CMD')!.args);
  assert.deepEqual(cmd, ['node', 'dist/workers/orchestrator.js']);
  for (const [where, command] of kustomizeFiles()) {
    assert.ok(existsSync(join(repoRoot, command[1])), `${where}: ${command.join(' ')} exists`);
  }
  for (const f of ['dist/workers/orchestrator.js', 'dist/workers/aggregator.js', 'dist/workers/cli.js']) {
    assert.ok(existsSync(join(repoRoot, f)), `${f} (used by the chart) is built`);
  }
});

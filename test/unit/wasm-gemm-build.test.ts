// The committed WebAssembly builds of the matrix product are what core/backend/gemm/sgemm.c
// compiles to: build.sh (clang-16 and lld-16, installed by test/servers/install.sh) rebuilds
// both into a temporary folder and the bytes must equal the committed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemmBytes } from '../../core/backend/wasm-gemm.js';

const script = fileURLToPath(new URL('../../../core/backend/gemm/build.sh', import.meta.url));

test('core/backend/gemm/*.wasm are the build of sgemm.c', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-gemm-'));
  try {
    const r = spawnSync('bash', [script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `build.sh failed (clang-16 and lld-16 from Debian are needed): ${r.stderr}`);
    for (const build of ['relaxed', 'simd'] as const) {
      const fresh = readFileSync(join(dir, `sgemm-${build}.wasm`));
      assert.ok(Buffer.from(gemmBytes(build)).equals(fresh), `sgemm-${build}.wasm differs from a fresh build: run core/backend/gemm/build.sh and commit`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Lint of the TypeScript sources (npm run lint, part of npm test): typescript-eslint's
// recommended rules without type information (fast: a few seconds), unused code as errors, and
// the layers of docs/architecture.md — each folder imports only from the folders below it:
//
//   core ← workflows ← store ← activities ← workers
//                         ↖ client ←──────────┘
//
// (store and activities may name workflows/ types; client may use workflows/ values such as
// the default task queue and the workflow's query and signal definitions). test/unit/layers.test.ts checks the same graph
// with resolved paths and also finds import cycles.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** A relative import reaching the top-level folder `name` (any depth of ../). */
const folder = (name) => `^(\\.\\./)+${name}/`;

/** no-restricted-imports of the folders `files` may not use; `types`: allowed with `import type` */
function layer(files, denied, types = [], extra = []) {
  const message = 'against the layers of docs/architecture.md: a folder imports only from the folders below it';
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          ...denied.map((name) => ({ regex: folder(name), message })),
          ...types.map((name) => ({ regex: folder(name), allowTypeImports: true, message: `${message} (types only)` })),
          ...extra,
        ],
      }],
    },
  };
}

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'runs/', 'runs-*/', 'scratch/', 'charts/sweep/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true,
      }],
    },
  },
  layer(['core/**/*.ts'], ['workflows', 'store', 'activities', 'client', 'workers']),
  layer(['workflows/**/*.ts'], ['store', 'activities', 'client', 'workers'], [], [
    // the workflow bundle must stay deterministic: no I/O libraries
    { group: ['node:*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@nats-io/*', '@kubernetes/*'], allowTypeImports: true,
      message: 'workflow code is bundled and replayed: only @temporalio/workflow and core/' },
  ]),
  layer(['store/**/*.ts'], ['activities', 'client', 'workers'], ['workflows'], [
    // the data layer serves the client as well as the worker: no Temporal runtime in it
    { group: ['@temporalio/*'], message: 'store/ holds NATS data access only; Temporal belongs to activities/, client/ and workers/' },
  ]),
  layer(['activities/**/*.ts'], ['client', 'workers'], ['workflows']),
  layer(['client/**/*.ts'], ['activities', 'workers']),
  layer(['workers/commands/**/*.ts'], [], [], [
    { regex: '^\\.\\./cli\\.js$', message: 'the commands are registered by cli.ts: importing it back is a cycle' },
  ]),
);

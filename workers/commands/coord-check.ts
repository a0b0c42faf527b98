// `sweep coord-check SPEC [--out DIR]`: the spec's coord check on its own (its preflight
// settings, or the defaults when it declares none). Prints one line per parametrization; exits
// 3 when one fails. With --out, writes DIR/coord-check.json (the record preflight.json holds).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadSpec } from '../../core/config/spec.js';
import { writeFileAtomic } from '../../core/output/jsonl.js';
import { coordCheckPlan } from '../../core/preflight/plan.js';
import { assertPassed, describeResult, runCoordCheck, type PreflightRecord } from '../../core/preflight/run.js';
import { testVariantsFromEnv } from '../../core/preflight/test-variants.js';
import { preflightFileTasks } from '../../core/tasks/file/preflight.js';
import { UsageError } from '../usage-error.js';
import { addDataRootOption, dataAccessFromFlags, type DataFlags } from './data-flags.js';

export const COORD_CHECK_FILE = 'coord-check.json';

interface CoordCheckFlags extends DataFlags {
  out?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('coord-check')
    .description('train each width a few steps on one batch and check every layer\'s width scaling (exit 3 when it fails)')
    .argument('<spec>', 'sweep spec, YAML or JSON')
    .option('--out <dir>', `also write <dir>/${COORD_CHECK_FILE}`);
  addDataRootOption(cmd)
    .action(async (file: string, flags: CoordCheckFlags) => {
      const resolved = await loadSpec(file, { yes: true });
      const data = dataAccessFromFlags(file, flags);
      preflightFileTasks(resolved.plans, data, file);
      const result = await runCoordCheck(coordCheckPlan(resolved, undefined, testVariantsFromEnv()), { data });
      if (flags.out) {
        try {
          mkdirSync(flags.out, { recursive: true });
        } catch (err) {
          throw new UsageError(`--out ${flags.out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
        const record: PreflightRecord = { coordCheck: result, skipped: false, time: new Date().toISOString() };
        await writeFileAtomic(join(flags.out, COORD_CHECK_FILE), `${JSON.stringify(record, null, 2)}\n`);
      }
      for (const line of describeResult(result)) if (!line.startsWith('coord check failed')) console.log(line);
      if (flags.out) console.log(`wrote ${join(flags.out, COORD_CHECK_FILE)} (${result.durationMs} ms)`);
      assertPassed(result);
    });
}

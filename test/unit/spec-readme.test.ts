// The README's spec reference stays true: every table marked `<!-- check-keys: SECTION -->`
// lists exactly the keys of that section's schema, and each default it states is the default
// the schema applies ("required" keys have none, "—" keys are optional without a default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import * as analysis from '../../core/analysis/schema.js';
import { executionSchema, kubernetesExecutionSchema } from '../../core/config/execution.js';
import { specSchema } from '../../core/config/spec.js';
import { commandTrainerSchema } from '../../core/config/trainer.js';
import * as trial from '../../core/config/trial.js';
import * as search from '../../core/search/schema.js';

type Obj = z.ZodObject;

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

/** The schema of a section; `kind` picks the variant of a discriminated section. */
function schemaOf(section: string, kind?: string): Obj {
  const byKind: Record<string, Record<string, Obj>> = {
    task: {
      'teacher-mlp': trial.teacherMlpTask, 'circle-power-law': trial.circlePowerLawTask, 'multi-index': trial.multiIndexTask,
      'gaussian-mixture': trial.gaussianMixtureTask, 'teacher-classes': trial.teacherClassesTask, file: trial.fileTask,
      mnist: trial.mnistTask, continual: trial.continualTask,
    } as Record<string, Obj>,
    optimizer: { sgd: trial.sgdSchema, adam: trial.adamSchema } as Record<string, Obj>,
    search: { random: search.randomSearchSchema, 'lr-descent': search.lrDescentSchema, 'lr-refine': search.lrRefineSchema } as Record<string, Obj>,
  };
  if (byKind[section]) {
    const s = byKind[section][kind ?? ''];
    assert.ok(s, `no ${section} kind ${kind}`);
    return s;
  }
  const plain: Record<string, Obj> = {
    spec: specSchema as unknown as Obj,
    model: trial.modelSchema, train: trial.trainSchema, measure: trial.measureSchema,
    'measure.sharpness': trial.sharpnessSchema, 'measure.coordCheck': trial.coordCheckSchema,
    giantStep: trial.giantStepSchema, backend: trial.backendSchema,
    'analysis.lrTransfer': analysis.lrTransferSchema, 'analysis.scalingLaws[]': analysis.scalingLawSchema,
    'analysis.sharpness': analysis.sharpnessAnalysisSchema, 'analysis.phaseDiagram': analysis.phaseDiagramSchema,
    'analysis.forgetting': analysis.forgettingSchema, 'analysis.alignment': analysis.alignmentSchema,
    execution: executionSchema as unknown as Obj, 'execution.kubernetes': kubernetesExecutionSchema as unknown as Obj,
    trainer: commandTrainerSchema as unknown as Obj,
  };
  assert.ok(plain[section], `README names unknown section ${section}`);
  return plain[section];
}

interface Table {
  section: string;
  minimal: Record<string, unknown>;
  rows: { key: string; def: string }[];
}

function tables(): Table[] {
  const out: Table[] = [];
  const lines = README.split('\n');
  lines.forEach((line, i) => {
    const m = /^<!-- check-keys: (\S+)(?: (.*))? -->$/.exec(line);
    if (!m) return;
    const rows: Table['rows'] = [];
    for (let j = i + 3; j < lines.length && lines[j].startsWith('|'); j++) {
      const cells = lines[j].split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      rows.push({ key: cells[0].replace(/`/g, ''), def: cells[1] });
    }
    out.push({ section: m[1], minimal: m[2] ? JSON.parse(m[2]) : {}, rows });
  });
  return out;
}

test('the README documents every section of the spec', () => {
  const sections = tables().map((t) => `${t.section}${t.minimal.kind ? `:${t.minimal.kind}` : ''}`);
  for (const s of ['spec', 'model', 'train', 'measure', 'measure.sharpness', 'measure.coordCheck', 'giantStep', 'backend', 'execution', 'execution.kubernetes',
    'task:teacher-mlp', 'task:circle-power-law', 'task:multi-index', 'task:gaussian-mixture', 'task:teacher-classes', 'task:file', 'task:mnist', 'task:continual',
    'optimizer:sgd', 'optimizer:adam', 'search:random', 'search:lr-descent', 'search:lr-refine',
    'analysis.lrTransfer', 'analysis.scalingLaws[]', 'analysis.sharpness', 'analysis.phaseDiagram', 'analysis.forgetting', 'analysis.alignment']) {
    assert.ok(sections.includes(s), `README.md has no reference table for ${s}`);
  }
  assert.deepEqual(Object.keys(analysis.analysisSchema.shape).map((k) => `analysis.${k}${k === 'scalingLaws' ? '[]' : ''}`).filter((s) => !sections.includes(s)), []);
});

for (const t of tables()) {
  const label = `${t.section}${t.minimal.kind ? ` (${t.minimal.kind})` : ''}`;
  test(`README table of ${label}: every key, every default`, () => {
    const schema = schemaOf(t.section, t.minimal.kind as string | undefined);
    const documented = t.rows.map((r) => r.key);
    assert.deepEqual([...documented].sort(), Object.keys(schema.shape).sort(), `README.md keys of ${label} differ from the schema: update the table`);
    if (t.section === 'spec') return; // the top level's sections have their own tables
    const parsed = schema.safeParse(t.minimal);
    assert.ok(parsed.success, `minimal ${label} config ${JSON.stringify(t.minimal)} is valid`);
    const value = parsed.data as Record<string, unknown>;
    for (const { key, def } of t.rows) {
      if (def === 'required') {
        const without = { ...t.minimal };
        delete without[key];
        assert.equal(schema.safeParse(without).success, false, `${label}.${key} is documented as required`);
      } else if (def === '—') {
        assert.equal(value[key], undefined, `${label}.${key} is documented as optional without default`);
      } else if (/^`.*`$/.test(def)) {
        assert.deepEqual(value[key], YAML.parse(def.slice(1, -1)), `${label}.${key}: README default ${def}`);
      }
    }
  });
}

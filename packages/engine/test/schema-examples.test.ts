// Every op of DESIGN §4 is in the scenario schema with a description and an example, and every example
// both validates against the schema and loads (with a prelude that defines the ids it names).
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadSchemas } from '@shootdown/schemas';
import { describe, expect, it } from 'vitest';
import { formatScenarioError, loadScenarioText, neutralOps } from '../src/scenario/index.js';
import { stringify } from 'yaml';

const schemas = loadSchemas();
const scenarioSchema = schemas['scenario.schema.json'];
const defs = scenarioSchema['$defs'] as Record<string, { description?: string; examples?: unknown[] }>;

// DESIGN §4 "OS-level ops" and "Hardware-level ops", word for word (invpcid-<type> expanded to the four
// INVPCID types, cr3-write[-noflush] to both forms).
const DESIGN_OPS = [
  'process', 'run', 'mmap', 'munmap', 'mprotect', 'key-alloc', 'key-free', 'key-assign', 'key-clear',
  'set-key-rights', 'swapout', 'msync-invalidate', 'madvise-dontneed', 'fork', 'exec', 'access', 'uaccess',
  'kalloc', 'kprotect', 'kfree', 'page-alloc', 'page-free', 'stray-write', 'revoke', 'pressure',
  'interleave', 'speculate', 'repeat', 'check',
  // issue 10's missing pieces: a bare kernel-range flush, and naming a frame before it is allocated
  'flush-kernel-range', 'frame',
  // issue 11's boot phases: steps before late init
  'late-init',
  'pte-store', 'table-store', 'table-alloc', 'table-free', 'tlbi', 'invlpg', 'invpcid-one', 'invpcid-single',
  'invpcid-all', 'invpcid-all-nonglobal', 'cr3-write', 'cr3-write-noflush', 'barrier', 'set-root', 'context',
  // issue 17: a raw descriptor stored at a physical address (Casemate's mem-write)
  'raw-write',
]; // prettier-ignore

/** Defines the ids the examples name (buf, bar, mod, reuse, blk, k, p1), minus the one an example defines. */
function osPrelude(defines: unknown): unknown[] {
  const all = [
    { op: 'process', id: 'p1' },
    { op: 'run', cpu: 0, process: 'p1' },
    { op: 'mmap', id: 'buf', pages: 4 },
    { op: 'mmap', id: 'bar', pages: 4, flags: ['pfnmap'] },
    { op: 'kalloc', id: 'mod', pages: 4 },
    { op: 'page-alloc', id: 'reuse', pages: 4 },
    { op: 'page-alloc', id: 'blk', order: 9 },
    { op: 'key-alloc', id: 'k' },
  ];
  return all.filter((s) => s.id !== defines && !(defines === 'p1' && s.op === 'run'));
}

const hwBlock = {
  frames: { f1: { use: 'data' }, f2: {} },
  tables: { pt1: { level: 'pmd' }, pt2: { level: 'pte' }, root0: { level: 'pgd' } },
  spaces: { user: { asid: 1, mappings: [{ va: '0x400000', frame: 'f1', prot: 'rw', user: true }] } },
};
/** arm64 adds the EL2 / stage-2 regime's spaces its examples name (context el:, tlbi ipas2e1is), and
 *  a table and a frame with the physical addresses raw-write's example uses. */
const armHwBlock = {
  ...hwBlock,
  frames: { ...hwBlock.frames, fraw: { pa: '0x40203000' } },
  tables: { ...hwBlock.tables, ptraw: { level: 'pte', pa: '0x40000000' } },
  spaces: {
    ...hwBlock.spaces,
    vm0: { vmid: 0, mappings: [{ va: '0x80000000', frame: 'f2', prot: 'rw' }] },
    hyp: { el2: true },
  },
};

function x86Op(op: string): boolean {
  return op === 'invlpg' || op.startsWith('invpcid') || op.startsWith('cr3');
}

function isHw(op: string, example: Record<string, unknown>): boolean {
  return !['access', 'speculate'].includes(op) ? !osOp(op) : 'space' in example;
}
function osOp(op: string): boolean {
  return !DESIGN_OPS.slice(DESIGN_OPS.indexOf('pte-store')).includes(op);
}

describe('scenario schema', () => {
  it('has a definition for every op of DESIGN §4, and no other', () => {
    expect([...neutralOps()].sort()).toEqual([...DESIGN_OPS].sort());
  });

  it.each(DESIGN_OPS)('op %s has a description and at least one example', (op) => {
    const d = defs[`op-${op}`];
    expect(d.description?.length ?? 0).toBeGreaterThan(20);
    expect(d.examples?.length ?? 0).toBeGreaterThan(0);
  });

  it('compiles in strict mode together with the other schemas (cross-file $ref to the machine schema)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    for (const s of Object.values(schemas)) ajv.addSchema(s);
    expect(ajv.getSchema('https://shootdown.dev/schemas/scenario.schema.json')).toBeTypeOf('function');
    expect(JSON.stringify(scenarioSchema)).toContain('"$ref":"machine.schema.json"');
  });

  const cases = DESIGN_OPS.flatMap((op) =>
    (defs[`op-${op}`].examples ?? []).map((ex, i) => [op, i, ex] as const),
  );
  it.each(cases)('example %s #%i validates and loads', (op, _i, ex) => {
    const example = ex as Record<string, unknown>;
    // the repeat and interleave examples reference ids the prelude defines
    const hw = isHw(op, example);
    const doc = hw
      ? x86Op(op)
        ? { name: `example-${op}`, machine: { arch: 'x86_64' }, hw: hwBlock, steps: [example] }
        : { name: `example-${op}`, machine: { arch: 'arm64' }, hw: armHwBlock, steps: [example] }
      : { name: `example-${op}`, machine: { cpus: 4 }, steps: [...osPrelude(example['id']), example] };
    const r = loadScenarioText(stringify(doc), `${op}.yaml`);
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    expect(r.scenario.steps.at(-1)!.op).toBe(op);
    expect(r.scenario.hardwareLevel).toBe(hw);
  }); // prettier-ignore

  it('validates the top-level example', () => {
    const top = (scenarioSchema['examples'] as unknown[])[0];
    const r = loadScenarioText(JSON.stringify(top), 'top.json');
    expect(r.ok).toBe(true);
  });
});

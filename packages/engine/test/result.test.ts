// Results (DESIGN §5): byte-identical JSON for the same result whatever order its records were built in,
// and a schema the serialised form satisfies.
import { describe, expect, it } from 'vitest';
import { serializeResult, validateResult, outcomeMatches, outcomeMeets } from '../src/result/index.js';
import type { RunResult } from '../src/result/index.js';
import { pre52 } from './results-fixture.js';

/** The same result with every open record's keys inserted in reverse order. */
function shuffled(r: RunResult): RunResult {
  const rev = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
  return {
    ...rev(r),
    variants: rev(r.variants),
    machine: rev(r.machine),
    params: rev(r.params),
    steps: r.steps.map((s) => rev({ ...s, counters: rev(s.counters) })),
    totals: rev({ ...r.totals, counters: rev(r.totals.counters) }),
    violations: r.violations.map((v) => rev(v)),
  };
}

describe('serializeResult', () => {
  it('is byte-stable: key order of the input does not matter', () => {
    expect(serializeResult(shuffled(pre52))).toBe(serializeResult(pre52));
  });

  it('prints the fixed key order of the result schema, counters sorted, and ends with a newline', () => {
    const text = serializeResult(pre52);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'scenario',
      'selection',
      'policy',
      'variants',
      'machine',
      'tlb',
      'params',
      'steps',
      'totals',
      'violations',
      'notes',
    ]);
    expect(text).toContain('"counters": {\n      "fill": 1,\n      "invlpg": 16,');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('produces JSON the result schema accepts', () => {
    expect(validateResult(JSON.parse(serializeResult(pre52)))).toEqual([]);
  });

  it('has a validator that rejects what the schema forbids, with readable lines', () => {
    const bad = JSON.parse(serializeResult(pre52)) as Record<string, unknown>;
    (bad['steps'] as Record<string, unknown>[])[0]!['outcome'] = 'fault:segv';
    bad['when'] = '2026-01-01';
    expect(validateResult(bad)).toEqual([
      '/when: unknown property "when"; expected one of: scenario, selection, policy, variants, machine, tlb, params, steps, totals, violations, notes, error, breakdown',
      '/steps/0/outcome: expected an outcome, got "fault:segv"',
    ]);
  });
});

describe('outcome matching', () => {
  it('lets plain fault stand for any fault kind (DESIGN §4 "Expectations")', () => {
    expect(outcomeMatches('fault', 'fault:key')).toBe(true);
    expect(outcomeMatches('fault', 'ok-stale')).toBe(false);
    expect(outcomeMatches('fault:write', 'fault:key')).toBe(false);
    expect(outcomeMatches('error:EINVAL', 'error:EINVAL')).toBe(true);
  });
  it('treats a list as any of', () => {
    expect(outcomeMeets({ anyOf: ['ok', 'spurious'], text: '' }, 'spurious')).toBe(true);
    expect(outcomeMeets({ anyOf: ['ok', 'spurious'], text: '' }, 'ok-stale')).toBe(false);
    expect(outcomeMeets({ anyOf: [], text: '' }, 'fault:read')).toBe(true);
  });
});

import type { Comparison } from '@shootdown/engine';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { checkFormat, renderComparisons } from '../src/formats.js';

function comparison(scenario: string, failedExpectations: number): Comparison {
  return {
    scenario,
    columns: [{ selection: 'raw-mmu:x86_64', policy: 'raw-mmu', tlb: 'adversarial' }],
    steps: [
      {
        kind: 'step',
        path: '0',
        op: 'access',
        line: 3,
        cpu: 0,
        expected: 'ok',
        cells: [
          {
            outcome: failedExpectations > 0 ? 'fault:read' : 'ok',
            held: failedExpectations === 0,
            violations: [],
            cycles: 1,
          },
        ],
        diverges: false,
      },
    ],
    counters: [],
    cycles: { kind: 'cycles', name: 'cycles', values: [1], diverges: false },
    expectations: {
      kind: 'expectations',
      name: 'expectations failed',
      values: [failedExpectations],
      diverges: false,
    },
    invariants: [],
    summaries: [
      {
        expectationsFailed: failedExpectations,
        findings: 0,
        notes: 0,
        unsupported: 0,
        verdict: failedExpectations > 0 ? 'expect-fails' : 'holds',
      },
    ],
    firstDivergence: null,
    notes: [],
  };
}

describe('rendering several comparisons', () => {
  it('keeps one comparison exactly as the renderer prints it', () => {
    const one = renderComparisons([comparison('a', 0)], 'json');
    expect(JSON.parse(one)).toMatchObject({ scenario: 'a' });
  });

  it('joins JSON documents into one array', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 0)], 'json');
    expect((JSON.parse(text) as { scenario: string }[]).map((c) => c.scenario)).toEqual(['a', 'b']);
  });

  // Documentation/dev-tools/ktap.rst: subtests are nested KTAP documents indented under their parent,
  // and a parent is "not ok" when a subtest failed.
  it('nests KTAP documents, one parent result per scenario', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 1)], 'ktap');
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['KTAP version 1', '1..2']);
    expect(lines).toContain('  KTAP version 1');
    expect(lines).toContain('ok 1 a');
    expect(lines).toContain('not ok 2 b');
    expect(lines.filter((l) => /^(not )?ok /.test(l))).toEqual(['ok 1 a', 'not ok 2 b']);
  });

  it('separates text reports with a blank line', () => {
    const text = renderComparisons([comparison('a', 0), comparison('b', 0)], 'text');
    expect(text).toMatch(/\n\n/);
    expect(text.indexOf('a')).toBeLessThan(text.lastIndexOf('b'));
  });
});

describe('--format', () => {
  it('accepts the built-in formats', () => {
    for (const f of ['table', 'text', 'markdown', 'json', 'ktap']) expect(() => checkFormat(f)).not.toThrow();
  });

  it('suggests the closest format for a typo', () => {
    try {
      checkFormat('mardown');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).hints).toContain("did you mean 'markdown'?");
    }
  });
});

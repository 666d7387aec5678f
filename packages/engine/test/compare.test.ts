// The comparison model (DESIGN §5): one column per selection, rows for step outcomes, counters, cycles and
// invariants, and the first step where outcomes diverge marked.
import { describe, expect, it } from 'vitest';
import { compareResults, ComparisonError, verdictOf } from '../src/compare/index.js';
import type { RunResult, StepResult } from '../src/result/index.js';
import { freebsd, pre52, results, upstream } from './results-fixture.js';

function withSteps(r: RunResult, steps: StepResult[]): RunResult {
  return { ...r, steps };
}
const s = (path: string, outcome: StepResult['outcome'], pages?: StepResult['pages']): StepResult => ({
  path,
  op: 'access',
  line: 1,
  cpu: 0,
  outcome,
  ...(pages === undefined ? {} : { pages }),
  cycles: 0,
  latency: 0,
  counters: {},
});

describe('compareResults', () => {
  const c = compareResults(results);

  it('has one column per result, in the order given', () => {
    expect(c.columns.map((x) => x.selection)).toEqual([
      'linux-x86',
      'linux-x86:vfree=module-free-pre52',
      'freebsd-amd64',
    ]);
  });

  it('marks the first step whose outcomes differ, and every diverging row', () => {
    // step 5 is where the stale executable entry serves the fetch under module-free-pre52 (spec linux.md)
    expect(c.firstDivergence).toBe('5');
    expect(c.steps.filter((r) => r.diverges).map((r) => r.path)).toEqual(['5']);
    expect(c.steps[5]!.cells.map((x) => x.outcome)).toEqual([
      'fault:not-present',
      'ok-stale',
      'fault:not-present',
    ]);
    expect(c.steps[5]!.cells.map((x) => x.held)).toEqual([true, false, true]);
  });

  it('reports agreement as no divergence', () => {
    expect(
      compareResults([upstream, { ...upstream, selection: 'linux-x86:other=x' }]).firstDivergence,
    ).toBeNull();
  });

  it('counts per-page outcomes in the divergence, not only the summary outcome', () => {
    const a = withSteps(upstream, [s('0', 'ok'), s('1', 'fault:key', ['ok', 'fault:key'])]);
    const b = withSteps({ ...upstream, selection: 'b' }, [
      s('0', 'ok'),
      s('1', 'fault:key', ['fault:key', 'fault:key']),
    ]);
    expect(compareResults([a, b]).firstDivergence).toBe('1');
  });

  it('keeps steps only some results reached, with an empty cell for the others', () => {
    const a = withSteps(upstream, [s('0', 'ok'), s('1', 'ok')]);
    const b = withSteps({ ...upstream, selection: 'b' }, [s('0', 'ok')]);
    const cmp = compareResults([a, b]);
    expect(cmp.steps.map((r) => r.path)).toEqual(['0', '1']);
    expect(cmp.steps[1]!.cells[1]!.outcome).toBeNull();
    expect(cmp.firstDivergence).toBe('1');
  });

  it('lists counters in the shared vocabulary order with zero where a selection did not move them', () => {
    // DESIGN §2: kflush, ipi, invlpg, full, lflush, split, ptalloc, ptfree, …, walk, fill
    expect(c.counters.map((r) => r.name)).toEqual(['kflush', 'ipi', 'invlpg', 'ptalloc', 'walk', 'fill']);
    const invlpg = c.counters.find((r) => r.name === 'invlpg')!;
    expect(invlpg.values).toEqual([48, 16, 20]);
    expect(invlpg.diverges).toBe(true);
    expect(c.counters.find((r) => r.name === 'kflush')!.diverges).toBe(false);
    expect(c.cycles.values).toEqual([14900, 9644, 12300]);
    expect(c.latency.values).toEqual([5633, 3844, 4765]);
  });

  it('separates findings (claimed) from notes (unclaimed) per invariant', () => {
    expect(c.invariants.map((r) => r.invariant)).toEqual([
      'stale-direct-map',
      'stale-exec-alias',
      'wx-alias',
    ]);
    const wx = c.invariants.find((r) => r.invariant === 'wx-alias')!;
    expect(wx.cells).toEqual([
      { count: 0, claimed: null, firstStep: null },
      { count: 1, claimed: true, firstStep: '4' },
      { count: 0, claimed: null, firstStep: null },
    ]);
    expect(c.invariants[0]!.cells[2]).toEqual({ count: 1, claimed: false, firstStep: '1' });
    expect(c.summaries.map((x) => [x.findings, x.notes])).toEqual([
      [0, 0],
      [2, 0],
      [0, 1],
    ]);
  });

  it('refuses to compare results of different scenarios, as a user error', () => {
    const other = { ...freebsd, scenario: 'other' };
    expect(() => compareResults([upstream, other])).toThrow(ComparisonError);
    try {
      compareResults([upstream, other]);
    } catch (e) {
      expect((e as ComparisonError).exitCode).toBe(2);
      expect((e as Error).message).toBe(
        'cannot compare results of different scenarios: "vfree-exec-reuse" and "other"',
      );
    }
    expect(() => compareResults([])).toThrow('nothing to compare');
  });
});

describe('verdictOf', () => {
  it('names the claimed invariants that broke, sorted, before anything else', () => {
    expect(verdictOf(pre52)).toBe('violates stale-exec-alias,wx-alias');
  });
  it('ignores unclaimed invariants (notes)', () => {
    expect(verdictOf(freebsd)).toBe('holds');
  });
  it('says expect-fails when only an expectation failed', () => {
    expect(verdictOf({ ...pre52, violations: [] })).toBe('expect-fails');
  });
  it('says unsupported when the policy could express none of the ops', () => {
    const r = withSteps(upstream, [s('0', 'unsupported'), { ...s('1', 'ok'), op: 'check' }]);
    expect(verdictOf(r)).toBe('unsupported');
  });
});

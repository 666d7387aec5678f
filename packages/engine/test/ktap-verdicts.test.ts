// KTAP that agrees with the exit code (issue 15 item 4), following Documentation/dev-tools/ktap.rst:
// under --expect a selection passes exactly when its run matches its verdict line, a failure the file
// pins is `ok … # XFAIL`; steps the policy cannot express carry `# SKIP`; a parent fails when a subtest
// fails ("Nested tests").
import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/compare/index.js';
import { renderComparison } from '../src/render/index.js';
import type { RunResult } from '../src/result/index.js';
import { checkVerdicts, type VerdictFile } from '../src/verdict/index.js';
import { results } from './results-fixture.js';

const comparison = compareResults(results);

function verdictFile(pre52: string): VerdictFile {
  const [kind, ids] = pre52.split(' ') as [string, string | undefined];
  const line = (selection: string, k: string, invariants: string[], n: number) => ({
    scenario: 'vfree-exec-reuse',
    selection,
    kind: k as 'holds',
    invariants,
    line: n,
  });
  return {
    file: 'topics/vmalloc-perms/expected',
    tlb: 'adversarial',
    verdicts: [
      line('linux-x86', 'holds', [], 1),
      line('linux-x86:vfree=module-free-pre52', kind, ids?.split(',') ?? [], 2),
      line('freebsd-amd64', 'holds', [], 3),
    ],
    ratios: [],
  };
}

function ktap(file: VerdictFile): string[] {
  const mismatches = checkVerdicts(results, file);
  return renderComparison(comparison, 'ktap', { verdicts: { file, mismatches } }).trimEnd().split('\n');
}

const top = (lines: string[]): string[] => lines.filter((l) => /^(not )?ok /.test(l));

describe('KTAP under --expect', () => {
  it('passes a variant that breaks exactly the invariants its verdict line pins, its failures XFAIL', () => {
    const lines = ktap(verdictFile('violates stale-exec-alias,wx-alias'));
    expect(top(lines)).toEqual([
      'ok 1 vfree-exec-reuse:linux-x86',
      'ok 2 vfree-exec-reuse:linux-x86:vfree=module-free-pre52',
      'ok 3 vfree-exec-reuse:freebsd-amd64',
    ]);
    expect(lines).toContain(
      '  ok 6 step 5 access # XFAIL ok-stale; verdict line 2: violates stale-exec-alias,wx-alias',
    );
    expect(lines).toContain('  ok 7 invariants # XFAIL verdict line 2: violates stale-exec-alias,wx-alias');
    expect(lines).toContain('  ok 8 verdict # violates stale-exec-alias,wx-alias');
    // the plan counts the verdict subtest: six steps, invariants, verdict
    expect(lines.filter((l) => l === '  1..8')).toHaveLength(3);
    expect(lines.some((l) => /^\s*not ok /.test(l))).toBe(false);
  });

  it('fails the selection whose run disagrees with its line, and only that one', () => {
    const lines = ktap(verdictFile('holds'));
    expect(top(lines)).toEqual([
      'ok 1 vfree-exec-reuse:linux-x86',
      'not ok 2 vfree-exec-reuse:linux-x86:vfree=module-free-pre52',
      'ok 3 vfree-exec-reuse:freebsd-amd64',
    ]);
    expect(lines).toContain('  not ok 6 step 5 access # ok-stale');
    expect(lines).toContain('  not ok 8 verdict # violates stale-exec-alias,wx-alias');
    expect(lines).toContain(
      '  # topics/vmalloc-perms/expected:2: vfree-exec-reuse linux-x86:vfree=module-free-pre52: expected holds, got violates stale-exec-alias,wx-alias',
    );
  });

  it('fails a run the verdict file does not list', () => {
    const file = verdictFile('holds');
    const lines = ktap({ ...file, verdicts: file.verdicts.filter((v) => v.selection !== 'freebsd-amd64') });
    expect(top(lines)[2]).toBe('not ok 3 vfree-exec-reuse:freebsd-amd64');
  });
});

describe('KTAP without a verdict file', () => {
  /** freebsd-amd64 cannot express step 3 (kfree here): `unsupported`, with or without an expectation on it. */
  function unsupported(held: boolean | undefined): string[] {
    const r = results[2]!;
    const steps = r.steps.map((s) =>
      s.path === '3'
        ? {
            ...s,
            outcome: 'unsupported' as const,
            ...(held === undefined ? {} : { expectation: { expected: 'ok', held } }),
          }
        : s,
    );
    const run: RunResult = {
      ...r,
      steps,
      totals: { ...r.totals, unsupported: 1, expectationsFailed: held === false ? 1 : 0 },
    };
    return renderComparison(compareResults([run]), 'ktap')
      .trimEnd()
      .split('\n');
  }

  it('marks an unsupported step # SKIP and passes when nothing was expected of it', () => {
    const lines = unsupported(undefined);
    expect(lines).toContain('  ok 4 step 3 kfree # SKIP unsupported by this policy');
    expect(top(lines)).toEqual(['ok 1 vfree-exec-reuse:freebsd-amd64']);
  });

  it('keeps an unsupported step whose expectation failed not ok, as the exit code counts it', () => {
    const lines = unsupported(false);
    expect(lines).toContain('  not ok 4 step 3 kfree # SKIP unsupported by this policy');
    expect(top(lines)).toEqual(['not ok 1 vfree-exec-reuse:freebsd-amd64']);
  });
});

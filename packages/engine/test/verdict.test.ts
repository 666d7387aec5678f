// Verdict files (DESIGN §4 "The catalogue"): `<scenario> <selection> <verdict>` lines, `#` comments, the
// TLB model they were written for; parsed with line:column errors and checked against runs.
import { describe, expect, it } from 'vitest';
import { checkVerdicts, loadVerdictFile, parseVerdicts, verdictLine } from '../src/verdict/index.js';
import { freebsd, pre52, results, upstream } from './results-fixture.js';

const good = `# vfree topic: which vfree variants keep W^X across reuse
tlb adversarial

vfree-exec-reuse linux-x86 holds
vfree-exec-reuse linux-x86:vfree=module-free-pre52 violates wx-alias, stale-exec-alias  # spec linux.md
vfree-exec-reuse freebsd-amd64 holds
herd-mp-tlbi raw-mmu:arm64 out-of-scope # depends on reordering
`;

describe('parseVerdicts', () => {
  it('reads verdicts, comments and the TLB model', () => {
    const r = parseVerdicts(good, 'expected');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.verdicts.tlb).toBe('adversarial');
    expect(r.verdicts.verdicts).toEqual([
      { scenario: 'vfree-exec-reuse', selection: 'linux-x86', kind: 'holds', invariants: [], line: 4 },
      {
        scenario: 'vfree-exec-reuse',
        selection: 'linux-x86:vfree=module-free-pre52',
        kind: 'violates',
        invariants: ['stale-exec-alias', 'wx-alias'],
        line: 5,
      },
      { scenario: 'vfree-exec-reuse', selection: 'freebsd-amd64', kind: 'holds', invariants: [], line: 6 },
      { scenario: 'herd-mp-tlbi', selection: 'raw-mmu:arm64', kind: 'out-of-scope', invariants: [], line: 7 },
    ]);
  });

  it('defaults to the adversarial model (DESIGN §2: the default for judging safety)', () => {
    const r = parseVerdicts('a linux-x86 holds\n', 'e');
    expect(r.ok && r.verdicts.tlb).toBe('adversarial');
  });

  it('reports every mistake with line and column', () => {
    const text = [
      'vfree-exec-reuse linux-x86 hold',
      'tlb optimistic',
      'vfree-exec-reuse linux-x86:vfree=x violates wx-alais,stale-exec-alias',
      'vfree-exec-reuse',
      'Bad_Name linux-x86 holds',
      'vfree-exec-reuse linux-x86:vfree=module-free-pre52 violates',
      'a linux-x86 holds',
      'a linux-x86 unsupported',
      'a freebsd-amd64 holds extra',
    ].join('\n');
    const r = parseVerdicts(text, 'expected');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '1:28 unknown verdict "hold"; did you mean "holds"?',
      '2:5 expected tlb adversarial or tlb precise, got "optimistic"',
      '3:45 unknown invariant "wx-alais"; did you mean "wx-alias"?',
      '4:17 expected <scenario> <selection> <verdict>',
      '5:1 "Bad_Name" is not a scenario name (kebab-case)',
      '6:60 violates needs invariant ids (violates wx-alias[,…])',
      '8:1 a linux-x86 already has a verdict at line 7',
      '9:23 unexpected "extra" after verdict holds',
    ]);
    expect(r.errors.every((e) => e.file === 'expected')).toBe(true);
  });

  it('reads a file from disk, and reports a missing one as an error', async () => {
    const missing = await loadVerdictFile(new URL('./fixtures/lang/nope', import.meta.url).pathname);
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    expect(missing.errors[0]!.message).toBe('no such file');
  });
});

describe('checkVerdicts', () => {
  const file = (() => {
    const r = parseVerdicts(good, 'expected');
    if (!r.ok) throw new Error('fixture');
    return r.verdicts;
  })();

  it('finds no mismatch when every run has its verdict', () => {
    expect(checkVerdicts(results, file)).toEqual([]);
  });

  it('reports a run whose verdict changed, with the line of the file', () => {
    const fixed = { ...pre52, violations: [], totals: { ...pre52.totals, expectationsFailed: 0 } };
    expect(checkVerdicts([fixed], file)).toEqual([
      {
        kind: 'differs',
        scenario: 'vfree-exec-reuse',
        selection: 'linux-x86:vfree=module-free-pre52',
        expected: 'violates stale-exec-alias,wx-alias',
        actual: 'holds',
        line: 5,
        message:
          'expected:5: vfree-exec-reuse linux-x86:vfree=module-free-pre52: expected violates stale-exec-alias,wx-alias, got holds',
      },
    ]);
  });

  it('requires exactly the listed invariants, not a subset', () => {
    const partial = { ...pre52, violations: pre52.violations.filter((v) => v.invariant === 'wx-alias') };
    expect(checkVerdicts([partial], file).map((m) => m.actual)).toEqual(['violates wx-alias']);
  });

  it('reports a run the file does not list', () => {
    const other = { ...upstream, selection: 'linux-x86:vfree=arch-vunmap-v2' };
    const m = checkVerdicts([other], file);
    expect(m.map((x) => [x.kind, x.line, x.message])).toEqual([
      [
        'unlisted',
        0,
        'vfree-exec-reuse linux-x86:vfree=arch-vunmap-v2: no verdict in expected (the run says holds)',
      ],
    ]);
  });

  it('reports a run under another TLB model than the file was written for', () => {
    const precise = { ...freebsd, tlb: 'precise' as const };
    expect(checkVerdicts([precise], file).map((x) => [x.kind, x.message])).toEqual([
      ['tlb', 'expected:6: verdicts were written for the adversarial TLB model, the run used precise'],
    ]);
  });

  it('writes a verdict line from a run that parses back to the same verdict', () => {
    const line = verdictLine(pre52);
    expect(line).toBe(
      'vfree-exec-reuse linux-x86:vfree=module-free-pre52 violates stale-exec-alias,wx-alias',
    );
    const back = parseVerdicts(line, 'x');
    expect(back.ok && checkVerdicts([pre52], back.verdicts)).toEqual([]);
  });
});

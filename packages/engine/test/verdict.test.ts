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

describe('ratio pins (spec linux.md §7.4: a topic pins its calibration)', () => {
  // The fixture's totals: latency 5633 / 3844 / 4765, work 14900 / 9644 / 12300.
  const pins = (lines: string): string => `${good}${lines}\n`;

  it('reads a pinned ratio with its clock, value and tolerance', () => {
    const r = parseVerdicts(
      pins('ratio vfree-exec-reuse freebsd-amd64 / linux-x86 latency 0.85 ± 0.01'),
      'expected',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.verdicts.ratios).toEqual([
      {
        scenario: 'vfree-exec-reuse',
        selection: 'freebsd-amd64',
        baseline: 'linux-x86',
        clock: 'latency',
        value: 0.85,
        tolerance: 0.01,
        line: 8,
      },
    ]);
  });

  it('holds a ratio inside its tolerance and reports one outside it, on either clock', () => {
    // 4765 / 5633 = 0.8459; 12300 / 14900 = 0.8255
    const ok = parseVerdicts(
      pins(
        'ratio vfree-exec-reuse freebsd-amd64 / linux-x86 latency 0.85 +- 0.01\n' +
          'ratio vfree-exec-reuse freebsd-amd64 / linux-x86 work 0.83 ± 0.005',
      ),
      'expected',
    );
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(checkVerdicts(results, ok.verdicts)).toEqual([]);
    const off = parseVerdicts(
      pins('ratio vfree-exec-reuse freebsd-amd64 / linux-x86 work 0.90 ± 0.05'),
      'expected',
    );
    if (!off.ok) throw new Error(JSON.stringify(off.errors));
    const m = checkVerdicts(results, off.verdicts);
    expect(m.map((x) => [x.kind, x.line])).toEqual([['ratio', 8]]);
    expect(m[0]!.message).toContain('got 0.8255');
  });

  it('skips a pin whose runs are not among the results (a partial compare)', () => {
    const r = parseVerdicts(
      pins('ratio vfree-exec-reuse freebsd-amd64 / linux-x86 work 0.1 ± 0.01'),
      'expected',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(checkVerdicts([upstream, pre52], r.verdicts).filter((x) => x.kind === 'ratio')).toEqual([]);
    expect(freebsd.totals.cycles).toBe(12300);
  });

  it('locates every mistake in a ratio line', () => {
    const r = parseVerdicts(
      'ratio a-b linux-x86 | linux-x86 cycles x ~ 0.1\nratio a-b linux-x86 / linux-x86 latency 0.3\n',
      'expected',
    );
    if (r.ok) throw new Error('expected errors');
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '1:21 expected "/" between the selection and its baseline, got "|"',
      '1:33 expected the clock latency or work, got "cycles"',
      '1:40 expected a non-negative decimal ratio, got "x"',
      '1:42 expected ± (or +-) before the tolerance, got "~"',
      '2:44 expected ratio <scenario> <selection> / <baseline> latency|work <value> ± <tolerance>',
    ]);
  });
});

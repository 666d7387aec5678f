// `shootdown import herd` end to end on the importer's own litmus fixtures (test/fixtures/herd, written for
// these tests; herd7's catalogue is not copied). The kinds in fixtures.kinds come from the Arm ARM (D8.13
// TLB maintenance completes at DSB and IS forms reach every PE; D8.16.1 break-before-make), each argued in
// that file. Bad input: exit 2 with file:line:column and nothing written; a .litmus file runs under `run`.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { fixturesDir } from './helpers/fixtures.js';

const DIR = join(fixturesDir, 'herd');
const f = (name: string): string => join(DIR, name);

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

interface Report {
  tests: {
    name: string;
    status: string;
    reasons: string[];
    verdict?: string;
    kind?: string;
    agrees?: boolean;
    executions: number;
    positive?: number;
    states?: { state: string; executions: number; satisfies: boolean }[];
    scenario?: string;
  }[];
  totals: {
    tests: number;
    judged: number;
    unsupported: number;
    bounded: number;
    withKind: number;
    agree: number;
  };
}

describe('shootdown import herd', () => {
  it('judges every fixture of the index and agrees with the kinds the Arm ARM gives', async () => {
    const r = await runCli(
      ['import', 'herd', `@${f('@fixtures')}`, '--kinds', f('fixtures.kinds'), '--json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const verdicts = Object.fromEntries(report.tests.map((t) => [t.name, t.verdict]));
    expect(verdicts).toEqual({
      'bbm-remap': 'Required',
      'remap-no-break': 'Allowed',
      'unmap-fault': 'Allowed',
      'tlbi-no-dsb': 'Allowed',
      'tlbi-dsb': 'Forbidden',
      'local-tlbi': 'Allowed',
      'readonly-swp': 'Allowed',
      'vmall-branch': 'Required',
    });
    expect(report.totals).toEqual({ tests: 8, judged: 8, unsupported: 0, bounded: 0, withKind: 8, agree: 8 });
  });

  it('enumerates interleavings and both entries after a missing break, like herd7 states', async () => {
    const r = await runCli(['import', 'herd', f('remap-no-break.litmus'), '--states', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const t = (JSON.parse(r.stdout) as Report).tests[0]!;
    // P1's two loads may each see the old (1) or new (2) page once the entry changed: all four states
    expect(t.states!.map((s) => s.state)).toEqual([
      '1:X3=1; 1:X4=1',
      '1:X3=1; 1:X4=2',
      '1:X3=2; 1:X4=1',
      '1:X3=2; 1:X4=2',
    ]);
    expect(t.states!.filter((s) => s.satisfies).map((s) => s.state)).toEqual(['1:X3=2; 1:X4=1']);
  });

  it('prints a text report with one line per test and the totals', async () => {
    const r = await runCli(
      ['import', 'herd', f('tlbi-dsb.litmus'), f('tlbi-no-dsb.litmus'), '--kinds', f('fixtures.kinds')],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^tlbi-dsb\s+Forbidden\s+\d+ executions, 0 satisfy\s+herd7 Forbidden: agrees$/m);
    expect(r.stdout).toMatch(
      /^tlbi-no-dsb\s+Allowed\s+\d+ executions, [1-9]\d* satisfy\s+herd7 Allowed: agrees$/m,
    );
    expect(r.stdout).toContain('2 tests: 2 judged, 0 unsupported, 0 over the bound, 2 with a kind, 2 agree');
  });

  it('reports what a test uses that is not modelled, per test', async () => {
    const r = await runCli(
      ['import', 'herd', f('af-cas-unsupported.litmus'), f('handler-unsupported.litmus'), '--json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const [af, handler] = (JSON.parse(r.stdout) as Report).tests;
    expect(af!.status).toBe('unsupported');
    expect(af!.reasons.join('; ')).toMatch(/access flag \(af:0\).*; instruction CASAL/);
    expect(handler!.reasons).toEqual(['fault handler P0.F (exception entry and return are not modelled)']);
  });

  it('exits 1 when a kind disagrees', async () => {
    const dir = mkdtempSync(join(home.dir, 'kinds-'));
    const kinds = join(dir, 'k.txt');
    await import('node:fs').then((fs) => fs.writeFileSync(kinds, 'tlbi-dsb Allowed\n'));
    const r = await runCli(['import', 'herd', f('tlbi-dsb.litmus'), '--kinds', kinds], home);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stdout).toMatch(/tlbi-dsb .*herd7 Allowed: DIFFERS/);
    expect(r.stderr).toContain('tlbi-dsb: herd7 kind Allowed, judged Forbidden here');
  });

  it('writes each judged test as a raw-mmu:arm64 scenario that replays its witness', async () => {
    const out = join(mkdtempSync(join(home.dir, 'out-')), 'scenarios');
    const r = await runCli(
      ['import', 'herd', f('remap-no-break.litmus'), f('bbm-remap.litmus'), '--scenarios', out],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['bbm-remap.yaml', 'remap-no-break.yaml']);
    const text = readFileSync(join(out, 'remap-no-break.yaml'), 'utf8');
    expect(text).toContain('serve: new');
    expect(text).toContain('serve: old');
    // the witness breaks break-before-make; the scenario's expectations hold
    const run = await runCli(
      ['run', join(out, 'remap-no-break.yaml'), '--policy', 'raw-mmu:arm64', '--format', 'json'],
      home,
    );
    expect(run.code, describeRun(run)).toBe(1);
    const result = JSON.parse(run.stdout) as {
      totals: { expectationsFailed: number };
      violations: { invariant: string }[];
    };
    expect(result.totals.expectationsFailed).toBe(0);
    expect(result.violations.map((v) => v.invariant)).toEqual(['break-before-make']);
    const bbm = await runCli(['run', join(out, 'bbm-remap.yaml'), '--policy', 'raw-mmu:arm64'], home);
    expect(bbm.code, describeRun(bbm)).toBe(0);
  });

  it('accepts a .litmus file wherever a scenario is', async () => {
    const r = await runCli(
      ['run', f('bbm-remap.litmus'), '--policy', 'raw-mmu:arm64', '--format', 'json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const result = JSON.parse(r.stdout) as { scenario: string; steps: { op: string }[] };
    expect(result.scenario).toBe('bbm-remap');
    expect(result.steps.map((s) => s.op)).toEqual([
      'set-root',
      'access',
      'pte-store',
      'barrier',
      'tlbi',
      'barrier',
      'pte-store',
      'barrier',
      'access',
    ]);
    const u = await runCli(['run', f('handler-unsupported.litmus'), '--policy', 'raw-mmu:arm64'], home);
    expect(u.code, describeRun(u)).toBe(2);
    expect(u.stderr).toContain('handler-unsupported.litmus:1:9: unsupported: fault handler P0.F');
  });

  it.each([
    ['bad-unknown-instruction.litmus', "8:2: unknown instruction 'FROB'"],
    ['bad-missing-semicolon.litmus', "7:25: expected ';' at the end of the code row"],
    ['bad-condition.litmus', "8:19: expected a location, found ')'"],
  ])('exits 2 on %s with file:line:column and writes nothing', async (file, message) => {
    const out = join(mkdtempSync(join(home.dir, 'bad-')), 'scenarios');
    const r = await runCli(['import', 'herd', f('bbm-remap.litmus'), f(file), '--scenarios', out], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:${message}`);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    const run = await runCli(['run', f(file), '--policy', 'raw-mmu:arm64'], home);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toContain(`${file}:${message}`);
  });

  it('is described by --help, with examples, under the import topic', async () => {
    const r = await runCli(['import', 'herd', '--help'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('import herd @tests/@all --kinds tests/kinds.txt');
    expect(r.stdout).toContain('--max-executions');
    const top = await runCli(['import', '--help'], home);
    expect(top.stdout).toContain('herd7 AArch64 VMSA litmus tests (import herd)');
  });

  it('lets a walk miss its own thread’s store unless --variant ETS2 (herd7 kinds.txt vs VMSA-ETS2-kinds.txt)', async () => {
    const verdict = async (...extra: string[]) => {
      const r = await runCli(['import', 'herd', f('walk-miss.litmus'), '--json', ...extra], home);
      expect(r.code, describeRun(r)).toBe(0);
      return (JSON.parse(r.stdout) as Report).tests[0]!.verdict;
    };
    expect(await verdict()).toBe('Allowed');
    expect(await verdict('--variant', 'ETS2')).toBe('Forbidden');
    expect(await verdict('--variant', 'vmsa,fatal')).toBe('Allowed');
    const bad = await runCli(['import', 'herd', f('walk-miss.litmus'), '--variant', 'ETS'], home);
    expect(bad.code, describeRun(bad)).toBe(2);
    expect(bad.stderr).toContain('--variant ETS: not a herd7 variant the importer reads');
  });

  it('exits 2 on a malformed kinds file and on a missing index', async () => {
    const dir = mkdtempSync(join(home.dir, 'kinds-'));
    const kinds = join(dir, 'k.txt');
    await import('node:fs').then((fs) => fs.writeFileSync(kinds, '# ok\nbbm-remap Maybe\n'));
    const r = await runCli(['import', 'herd', f('bbm-remap.litmus'), '--kinds', kinds], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("k.txt:2:11: expected a kind (Allowed, Forbidden, Required), found 'Maybe'");
    const i = await runCli(['import', 'herd', `@${join(dir, 'nope')}`], home);
    expect(i.code, describeRun(i)).toBe(2);
    expect(i.stderr).toContain('no such index file');
  });
});

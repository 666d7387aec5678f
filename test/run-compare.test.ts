// `run` and `compare` end to end: results, renderers, --out, --expect, --set, and their bad-input paths.
// Expected outcomes come from the sources: the hardware scenario from the Intel SDM (a repointed PTE is
// served stale until INVLPG), the vfree ones from spec linux.md §3.4 and DESIGN §4's catalogue example.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { fixturesDir } from './helpers/fixtures.js';

const HW = join(fixturesDir, 'scenarios', 'hw-invlpg.yaml');
const PRE52 = 'linux-x86:vfree=module-free-pre52';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

interface ResultJson {
  scenario: string;
  selection: string;
  steps: { op: string; outcome: string }[];
  violations: { invariant: string; claimed: boolean }[];
}

interface ComparisonJson {
  scenario: string;
  columns: { selection: string }[];
  firstDivergence: string | null;
  summaries: { verdict: string }[];
}

function expectPlainError(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
}

describe.concurrent('run', () => {
  it('runs a hardware scenario under raw-mmu: stale until INVLPG (SDM Vol. 3A §4.10.4.1), exit 0', async () => {
    const r = await runCli(['run', HW, '--policy', 'raw-mmu:x86_64', '--format', 'json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const res = JSON.parse(r.stdout) as ResultJson;
    expect(res.selection).toBe('raw-mmu:x86_64');
    expect(res.steps.map((s) => s.outcome)).toEqual(['ok', 'ok', 'ok', 'ok-stale', 'ok', 'ok']);
  });

  it('gives byte-identical JSON for the same inputs (DESIGN §5)', async () => {
    const args = ['run', 'vfree-exec-reuse', '--policy', PRE52, '--format', 'json'];
    const [a, b] = await Promise.all([runCli(args, home), runCli(args, home)]);
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('exits 1 when a claimed invariant breaks: the pre-5.2 module loader leaves W+X (DESIGN §4, spec linux.md §3.4)', async () => {
    const r = await runCli(['run', 'vfree-exec-reuse', '--policy', PRE52, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const res = JSON.parse(r.stdout) as ResultJson;
    expect(res.violations.filter((v) => v.claimed).map((v) => v.invariant)).toContain('wx-alias');
  });

  it('writes --out atomically and nothing on stdout', async () => {
    const out = join(home.dir, 'reports', 'hw.md');
    const r = await runCli(
      ['run', HW, '--policy', 'raw-mmu:x86_64', '--format', 'markdown', '--out', out],
      home,
    );
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/\| step \|/);
  });

  it('rejects an unknown variant with the closest one, exit 2, and writes no --out', async () => {
    const out = join(home.dir, 'never.txt');
    const r = await runCli(
      ['run', 'vfree-exec-reuse', '--policy', 'linux-x86:vfree=module-free-pre25', '--out', out],
      home,
    );
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("did you mean 'module-free-pre52'?");
    expect(existsSync(out)).toBe(false);
    expectPlainError(r.stderr);
  });

  it('rejects an unknown policy with the closest one, exit 2', async () => {
    const r = await runCli(['run', HW, '--policy', 'freebsd-amd46'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("did you mean 'freebsd-amd64'?");
  });

  it('rejects a --set that is not an assignment, exit 2', async () => {
    const r = await runCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--set', 'pages'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('expected name=value');
  });

  it('rejects a --set of an unknown param with the closest one, exit 2', async () => {
    const r = await runCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--set', 'pags=8'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('"pages"');
  });

  it('rejects a --set of the wrong type, exit 2', async () => {
    const r = await runCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--set', 'pages=many'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('pages');
  });

  it('applies --set to the run', async () => {
    const r = await runCli(
      ['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--set', 'pages=8', '--format', 'json'],
      home,
    );
    expect([0, 1]).toContain(r.code);
    expect((JSON.parse(r.stdout) as { params: { pages: number } }).params.pages).toBe(8);
  });

  it('rejects a missing scenario file, exit 2', async () => {
    const r = await runCli(['run', 'nowhere.yaml', '--policy', 'linux-x86'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('nowhere.yaml');
    expectPlainError(r.stderr);
  });

  it('rejects an unknown format with the closest one, exit 2', async () => {
    const r = await runCli(['run', HW, '--policy', 'raw-mmu:x86_64', '--format', 'mardown'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("did you mean 'markdown'?");
  });
});

describe.concurrent('compare', () => {
  it('--vary gives one column per variant, the default first', async () => {
    const pol = await runCli(['policies', 'linux-x86', '--json'], home);
    const vfree = (
      JSON.parse(pol.stdout) as {
        mechanisms: { name: string; default: string; variants: { name: string }[] }[];
      }[]
    )[0]!.mechanisms.find((m) => m.name === 'vfree')!;
    const r = await runCli(['compare', 'vfree-exec-reuse', '--vary', 'linux-x86:vfree', '--json'], home);
    expect([0, 1], describeRun(r)).toContain(r.code);
    const out = JSON.parse(r.stdout) as { comparisons: ComparisonJson[] };
    expect(out.comparisons).toHaveLength(1);
    const cols = out.comparisons[0]!.columns.map((c) => c.selection);
    expect(cols).toHaveLength(vfree.variants.length);
    expect(cols[0]).toBe('linux-x86');
    expect(cols).toContain(PRE52);
  });

  it('marks where merged VM_FLUSH_RESET_PERMS and the pre-5.2 loader diverge (spec linux.md §3.4)', async () => {
    const r = await runCli(
      ['compare', 'vfree-exec-reuse', '--policy', 'linux-x86', '--policy', PRE52, '--format', 'json'],
      home,
    );
    const c = (JSON.parse(r.stdout) as { comparisons: ComparisonJson[] }).comparisons[0]!;
    expect(c.columns.map((x) => x.selection)).toEqual(['linux-x86', PRE52]);
    expect(c.firstDivergence).not.toBeNull();
    expect(c.summaries[1]!.verdict).toMatch(/^violates .*wx-alias/);
    expect(r.code).toBe(1);
  });

  it('renders several scenarios as one valid document per format', async () => {
    const json = await runCli(['compare', HW, HW, '--policy', 'raw-mmu:x86_64', '--format', 'json'], home);
    expect(json.code, describeRun(json)).toBe(0);
    expect((JSON.parse(json.stdout) as { comparisons: unknown[] }).comparisons).toHaveLength(2);
    const ktap = await runCli(['compare', HW, HW, '--policy', 'raw-mmu:x86_64', '--format', 'ktap'], home);
    expect(ktap.code, describeRun(ktap)).toBe(0);
    // Documentation/dev-tools/ktap.rst: a version line, a plan, then one result line per test.
    expect(ktap.stdout).toMatch(/^KTAP version 1\n1\.\.2\n/);
    expect(ktap.stdout).toMatch(/\nok 1 hw-invlpg\n/);
    expect(ktap.stdout).toMatch(/\nok 2 hw-invlpg\n$/);
  });

  it('stays silent on stderr when it is not a terminal', async () => {
    const r = await runCli(
      ['compare', HW, HW, '--policy', 'raw-mmu:x86_64', '--policy', 'raw-mmu:arm64'],
      home,
    );
    expect(r.stderr).not.toMatch(/\[\d+\/\d+\]/);
  });

  it('--expect passes when every run matches its verdict, exit 0', async () => {
    const file = join(home.dir, 'expected-ok');
    writeFileSync(file, '# SDM Vol. 3A §4.10.4.1\ntlb adversarial\nhw-invlpg raw-mmu:x86_64 holds\n');
    const r = await runCli(['compare', HW, '--policy', 'raw-mmu:x86_64', '--expect', file], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toContain('1 of 1 runs match');
  });

  it('--expect fails on a verdict the run contradicts, exit 1', async () => {
    const file = join(home.dir, 'expected-wrong');
    // The SDM says every expectation of hw-invlpg holds, so `expect-fails` is wrong.
    writeFileSync(file, 'hw-invlpg raw-mmu:x86_64 expect-fails\n');
    const r = await runCli(['compare', HW, '--policy', 'raw-mmu:x86_64', '--expect', file, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const out = JSON.parse(r.stdout) as { verdicts: { mismatches: { kind: string; expected: string }[] } };
    expect(out.verdicts.mismatches).toEqual([
      expect.objectContaining({ kind: 'differs', expected: 'expect-fails' }),
    ]);
  });

  it('rejects a malformed verdict file at file:line:column, exit 2, before running', async () => {
    const file = join(home.dir, 'expected-bad');
    writeFileSync(file, 'hw-invlpg raw-mmu:x86_64 holds\nhw-invlpg raw-mmu:arm64 fine\n');
    const r = await runCli(['compare', HW, '--policy', 'raw-mmu:x86_64', '--expect', file], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain(`${file}:2:`);
    expect(r.stdout).toBe('');
    expectPlainError(r.stderr);
  });

  it('needs at least one selection, exit 2', async () => {
    const r = await runCli(['compare', HW], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('--policy');
  });

  it('runs nothing and writes no --out when one scenario of several is malformed', async () => {
    const bad = join(home.dir, 'broken.yaml');
    writeFileSync(bad, 'name: broken\nsteps:\n  - { op: nope }\n');
    const out = join(home.dir, 'cmp.md');
    const r = await runCli(['compare', HW, bad, '--policy', 'raw-mmu:x86_64', '--out', out], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('broken.yaml:3:');
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toBe('');
  });
});

// `compare` on worker threads (DESIGN §8: the whole catalogue "on all cores") must not change a byte of the
// report: DESIGN §5 says the same inputs give byte-identical results, and `--jobs` is not an input of a
// run. Each case runs the built CLI serially (`--jobs 1`) and on several workers and compares the outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { copyFixtureOutside } from './helpers/fixtures.js';

// Scenarios from three topics and selections from three policies, so the pairs are many more than the
// workers and the workers finish out of order.
const SCENARIOS = ['vfree-exec-reuse', 'arch-vunmap-33-pages', 'pkey-free-reuse', 'cve-2022-39188'];
const SELECTIONS = [
  '--vary',
  'linux-x86:vfree',
  '--vary',
  'freebsd-amd64:pkru-remove',
  '--policy',
  'arm64-pkey',
  '--policy',
  'linux-x86:pfnmap-flush=pfnmap-late',
];

interface ComparisonJson {
  scenario: string;
  columns: { selection: string }[];
}

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

describe.concurrent('compare --jobs', () => {
  it('--format json: byte-identical on 1 and 3 workers, scenarios and columns in the order given', async () => {
    const args = ['compare', ...SCENARIOS, ...SELECTIONS, '--format', 'json'];
    const [serial, parallel] = await Promise.all([
      runCli([...args, '--jobs', '1'], home),
      runCli([...args, '--jobs', '3'], home),
    ]);
    // Several of these selections break a claimed invariant (spec linux.md §3.4, §5.7): exit 1 both ways.
    expect(serial.code, describeRun(serial)).toBe(1);
    expect(parallel.code, describeRun(parallel)).toBe(serial.code);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(parallel.stderr).toBe(serial.stderr);
    const comparisons = (JSON.parse(serial.stdout) as { comparisons: ComparisonJson[] }).comparisons;
    expect(comparisons.map((c) => c.scenario)).toEqual(SCENARIOS);
    // Every --policy in the order given, then every --vary expansion, default variant first (DESIGN §6).
    for (const c of comparisons) {
      expect(c.columns.slice(0, 3).map((x) => x.selection)).toEqual([
        'arm64-pkey',
        'linux-x86:pfnmap-flush=pfnmap-late',
        'linux-x86',
      ]);
    }
  });

  it('--json with --expect: the same verdict report and exit code on 1 and 2 workers', async () => {
    const args = ['compare', 'vfree-exec-reuse', 'arch-vunmap-33-pages', '--vary', 'linux-x86:vfree'];
    const expectArgs = [...args, '--expect', 'vmalloc-perms', '--json'];
    const [serial, parallel] = await Promise.all([
      runCli([...expectArgs, '--jobs', '1'], home),
      runCli([...expectArgs, '--jobs', '2'], home),
    ]);
    expect(serial.stdout.length, describeRun(serial)).toBeGreaterThan(0);
    expect(parallel.code, describeRun(parallel)).toBe(serial.code);
    expect(parallel.stdout).toBe(serial.stdout);
  });

  it('the default (one worker per core) gives the serial table', async () => {
    const args = ['compare', ...SCENARIOS, ...SELECTIONS];
    const [serial, parallel] = await Promise.all([
      runCli([...args, '--jobs', '1'], home),
      runCli(args, home),
    ]);
    expect(serial.stdout.length, describeRun(serial)).toBeGreaterThan(0);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(parallel.code).toBe(serial.code);
  });

  it('rejects --jobs 0 as bad input (exit 2, no stack trace)', async () => {
    const r = await runCli(['compare', 'vfree-exec-reuse', '--policy', 'linux-x86', '--jobs', '0'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
  });
});

describe('compare --jobs with a linked third-party plug-in', () => {
  let own: CliHome;
  beforeAll(async () => {
    own = makeHome();
    const dir = copyFixtureOutside('plugin-distro', own);
    const r = await runCli(['plugins', 'link', '--no-install', dir], own);
    expect(r.code, describeRun(r)).toBe(0);
  });
  afterAll(() => own.cleanup());

  it('every worker loads the linked plug-in too: its columns match the serial run', async () => {
    const args = ['compare', 'vfree-exec-reuse', 'pkey-free-reuse', '--policy', 'linux-x86'];
    const withDistro = [...args, '--policy', 'distro-x86', '--format', 'json'];
    const [serial, parallel] = await Promise.all([
      runCli([...withDistro, '--jobs', '1'], own),
      runCli([...withDistro, '--jobs', '2'], own),
    ]);
    expect(serial.stdout.length, describeRun(serial)).toBeGreaterThan(0);
    const columns = (JSON.parse(parallel.stdout) as { comparisons: ComparisonJson[] }).comparisons.map((c) =>
      c.columns.map((x) => x.selection),
    );
    expect(columns).toEqual([
      ['linux-x86', 'distro-x86'],
      ['linux-x86', 'distro-x86'],
    ]);
    expect(parallel.stdout).toBe(serial.stdout);
  });
});

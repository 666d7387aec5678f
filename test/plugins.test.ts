// Plug-ins the oclif way (DESIGN §3, TOOLCHAIN "oclif"): a plug-in created outside the workspace, packed
// with `npm pack`, installed with `plugins install file:<tarball>`, or linked with `plugins link`; and a
// plug-in whose registration throws, which must be named in a warning while the others keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { copyFixtureOutside, npmPack } from './helpers/fixtures.js';

// The four built-in policies (DESIGN §1 "The house": reference, linux-x86, freebsd-amd64, arm64-pkey).
const BUILT_IN = ['arm64-pkey', 'freebsd-amd64', 'linux-x86', 'reference'];
const PRE52 = 'linux-x86:vfree=module-free-pre52';
const DISTRO_PRE52 = 'distro-x86:module-loader=legacy-pre52';

interface ComparisonJson {
  columns: { selection: string }[];
  summaries: { verdict: string }[];
  invariants: { invariant: string; cells: { count: number; claimed: boolean | null }[] }[];
}

/**
 * The fixture `distro-x86` reuses the host's linux-x86 through the registry, so its legacy loader column
 * must equal linux-x86 with the pre-5.2 module loader; and that loader leaves a W+X alias (DESIGN §4's
 * catalogue example, spec linux.md §3.4), which distro-x86 claims to prevent: a finding, exit 1.
 */
async function expectDistroInCompare(home: CliHome): Promise<void> {
  const r = await runCli(
    ['compare', 'vfree-exec-reuse', '--policy', DISTRO_PRE52, '--policy', PRE52, '--format', 'json'],
    home,
  );
  expect(r.code, describeRun(r)).toBe(1);
  const c = (JSON.parse(r.stdout) as { comparisons: ComparisonJson[] }).comparisons[0]!;
  expect(c.columns.map((x) => x.selection)).toEqual([DISTRO_PRE52, PRE52]);
  expect(c.summaries[0]!.verdict).toBe(c.summaries[1]!.verdict);
  const wx = c.invariants.find((row) => row.invariant === 'wx-alias');
  expect(wx?.cells[0]).toMatchObject({ claimed: true });
  expect(wx!.cells[0]!.count).toBeGreaterThan(0);
}

interface PolicyJson {
  readonly name: string;
}

function policyNames(stdout: string): string[] {
  return (JSON.parse(stdout) as PolicyJson[]).map((p) => p.name);
}

describe('a plug-in whose registration throws', () => {
  let home: CliHome;
  beforeAll(() => {
    home = makeHome();
  });
  afterAll(() => home.cleanup());

  it('installs from a tarball and is listed by `plugins`', async () => {
    const tgz = npmPack(copyFixtureOutside('plugin-throws', home), home);
    const install = await runCli(['plugins', 'install', `file:${tgz}`], home);
    expect(install.code, describeRun(install)).toBe(0);
    const list = await runCli(['plugins'], home);
    expect(list.code, describeRun(list)).toBe(0);
    expect(list.stdout).toContain('shootdown-policy-broken');
  });

  it('is named in one warning on stderr and every other policy still works', async () => {
    const r = await runCli(['policies', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('shootdown-policy-broken'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: plug-in shootdown-policy-broken was not loaded: .*deliberate failure/,
    );
    // No stack trace: the warning is one line, and stdout is still clean JSON.
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(policyNames(r.stdout)).toEqual(BUILT_IN);
  });

  it('goes away with `plugins uninstall`', async () => {
    const un = await runCli(['plugins', 'uninstall', 'shootdown-policy-broken'], home);
    expect(un.code, describeRun(un)).toBe(0);
    const r = await runCli(['policies', '--json'], home);
    expect(r.stderr).not.toContain('shootdown-policy-broken');
  });
});

describe('a third-party policy plug-in installed from a tarball', () => {
  let home: CliHome;
  beforeAll(() => {
    home = makeHome();
  });
  afterAll(() => home.cleanup());

  it('installs with `plugins install file:<tarball>` (offline: no registry dependency)', async () => {
    const tgz = npmPack(copyFixtureOutside('plugin-distro', home), home);
    const r = await runCli(['plugins', 'install', `file:${tgz}`], home);
    expect(r.code, describeRun(r)).toBe(0);
    const list = await runCli(['plugins'], home);
    expect(list.stdout).toContain('shootdown-policy-distro');
  });

  it('adds its policy next to the built-in ones', async () => {
    const r = await runCli(['policies', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(policyNames(r.stdout)).toEqual([...BUILT_IN, 'distro-x86'].sort());
    expect(r.stderr).not.toContain('warning');
  });

  it('is usable in compare', async () => {
    await expectDistroInCompare(home);
  });

  it('keeps working next to a plug-in whose registration throws', async () => {
    const tgz = npmPack(copyFixtureOutside('plugin-throws', home), home);
    const install = await runCli(['plugins', 'install', `file:${tgz}`], home);
    expect(install.code, describeRun(install)).toBe(0);
    const r = await runCli(['compare', 'vfree-exec-reuse', '--policy', DISTRO_PRE52, '--json'], home);
    expect(r.stderr).toMatch(/warning: plug-in shootdown-policy-broken was not loaded/);
    expect(r.code, describeRun(r)).toBe(1);
    expect((JSON.parse(r.stdout) as { comparisons: unknown[] }).comparisons).toHaveLength(1);
  });
});

describe('a third-party policy plug-in linked from a working copy', () => {
  let home: CliHome;
  let dir: string;
  beforeAll(() => {
    home = makeHome();
    dir = copyFixtureOutside('plugin-distro', home);
  });
  afterAll(() => home.cleanup());

  it('links with `plugins link` and is listed as a link', async () => {
    const r = await runCli(['plugins', 'link', '--no-install', dir], home);
    expect(r.code, describeRun(r)).toBe(0);
    const list = await runCli(['plugins'], home);
    expect(list.stdout).toMatch(/shootdown-policy-distro .*\(link\)/);
  });

  it('is usable in compare', async () => {
    await expectDistroInCompare(home);
  });

  it('goes away with `plugins unlink`', async () => {
    const r = await runCli(['plugins', 'unlink', 'shootdown-policy-distro'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const pol = await runCli(['policies', '--json'], home);
    expect(policyNames(pol.stdout)).not.toContain('distro-x86');
  });
});

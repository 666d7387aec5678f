// Plug-ins the oclif way (DESIGN §3, TOOLCHAIN "oclif"): a plug-in created outside the workspace, packed
// with `npm pack`, installed with `plugins install file:<tarball>`, or linked with `plugins link`; and a
// plug-in whose registration throws, which must be named in a warning while the others keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { copyFixtureOutside, npmPack } from './helpers/fixtures.js';

// The four built-in policies (DESIGN §1 "The house": reference, linux-x86, freebsd-amd64, arm64-pkey).
const BUILT_IN = ['arm64-pkey', 'freebsd-amd64', 'linux-x86', 'reference'];

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

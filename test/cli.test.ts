// The built CLI end to end, one child process per command: each command's happy path and its bad-input
// path, with the exit codes of DESIGN §6 (0 done, 1 finding, 2 bad input) and no stack trace, ever.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listScenarios } from '@shootdown/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

/** A user mistake is a few plain lines: no stack frames, no oclif internals. */
function expectPlainError(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(25);
}

interface PolicyJson {
  name: string;
  mechanisms: {
    name: string;
    default: string;
    variants: { name: string; description: string; source: string }[];
  }[];
}

describe.concurrent('policies', () => {
  it('lists the four built-in policies with their mechanisms, defaults and sources', async () => {
    const r = await runCli(['policies', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const policies = JSON.parse(r.stdout) as PolicyJson[];
    // DESIGN §1: reference, linux-x86, freebsd-amd64, arm64-pkey, found like any plug-in.
    expect(policies.map((p) => p.name)).toEqual(['arm64-pkey', 'freebsd-amd64', 'linux-x86', 'reference']);
    // DESIGN §7: the mechanisms each plug-in must model.
    const mechs = (name: string) => policies.find((p) => p.name === name)!.mechanisms.map((m) => m.name);
    expect(mechs('linux-x86')).toEqual(
      expect.arrayContaining(['vfree', 'unmapped-alloc', 'free-pgtables', 'pfnmap-flush']),
    );
    expect(mechs('freebsd-amd64')).toContain('pkru-remove');
    // DESIGN §3: one default per mechanism, every variant with a description and a source.
    for (const p of policies) {
      for (const m of p.mechanisms) {
        expect(m.variants.map((v) => v.name)).toContain(m.default);
        for (const v of m.variants) {
          expect(v.description.trim(), `${p.name}:${m.name}=${v.name}`).not.toBe('');
          expect(v.source.trim(), `${p.name}:${m.name}=${v.name}`).not.toBe('');
        }
      }
    }
    expect(r.stderr).not.toContain('warning');
  });

  it('prints a readable listing marking the default variant', async () => {
    const r = await runCli(['policies', 'linux-x86'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^linux-x86 {2}\(linux, x86_64\)/);
    expect(r.stdout).toMatch(/\* \S+ \(default\)/);
    expect(r.stdout).toContain('source: ');
  });

  it('rejects an unknown policy with the closest name, exit 2', async () => {
    const r = await runCli(['policies', 'linux-x68'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("unknown policy 'linux-x68'");
    expect(r.stderr).toContain("did you mean 'linux-x86'?");
    expectPlainError(r.stderr);
  });
});

describe.concurrent('scenarios', () => {
  it('lists every catalogue scenario', async () => {
    const r = await runCli(['scenarios', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const rows = JSON.parse(r.stdout) as { topic: string; name: string }[];
    const expected = listScenarios().map((s) => `${s.topic}/${s.name}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((s) => `${s.topic}/${s.name}`)).toEqual(expected);
  });

  it('prints topics and names for a person', async () => {
    const r = await runCli(['scenarios'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const first = listScenarios()[0];
    expect(r.stdout).toContain(first.topic);
    expect(r.stdout).toContain(first.name);
  });

  it('rejects an unknown topic, exit 2', async () => {
    const r = await runCli(['scenarios', '--topic', 'no-such-topic'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('no such catalogue topic');
    expectPlainError(r.stderr);
  });
});

describe.concurrent('validate', () => {
  it('accepts a catalogue scenario by name', async () => {
    const name = listScenarios()[0].name;
    const r = await runCli(['validate', name], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain(`${name}: ok`);
  });

  it('reports a malformed scenario at file:line:column and exits 2', async () => {
    // Line 5 misspells an op (column 11 is where the value starts); line 6 names CPU 9 on a 4-CPU machine.
    const file = join(home.dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: bad-one',
        'machine: { cpus: 4 }',
        'steps:',
        '  - { op: kalloc, id: mod, pages: 4 }',
        '  - { op: acess, cpu: 2, region: mod, kind: exec }',
        '  - { op: access, cpu: 9, region: mod, kind: exec, expect: ok }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', 'bad.yaml'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('bad.yaml:5:11:');
    expect(r.stderr).toContain('bad.yaml:6:');
    expect(r.stderr).toMatch(/access/); // the suggestion for the misspelt op
    expectPlainError(r.stderr);
  });

  it('reports a missing file as bad input, with the closest catalogue name', async () => {
    const name = listScenarios()[0].name;
    const r = await runCli(['validate', `${name}x`], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('no such file');
    expect(r.stderr).toContain(`did you mean '${name}'`);
  });

  it('reports per file in --json, still exiting 2', async () => {
    const r = await runCli(['validate', 'missing.yaml', '--json'], home);
    expect(r.code, describeRun(r)).toBe(2);
    const out = JSON.parse(r.stdout) as { scenario: string; ok: boolean; errors: string[] }[];
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ scenario: 'missing.yaml', ok: false });
  });
});

describe.concurrent('explain', () => {
  it('explains an invariant (DESIGN §3: wx-alias — writable through one entry, executable through another)', async () => {
    const r = await runCli(['explain', 'wx-alias'], home);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^wx-alias/);
    expect(r.stdout).toMatch(/writable/);
    expect(r.stdout).toMatch(/executable/);
    // spec linux.md §1.2: mainline Linux on x86 keeps INV-WX.
    expect(r.stdout).toMatch(/claimed by default by: .*linux-x86/);
  });

  it('explains a variant with its source', async () => {
    const r = await runCli(['explain', 'linux-x86:vfree=module-free-pre52', '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const e = JSON.parse(r.stdout) as { kind: string; variant: { name: string; source: string } };
    expect(e.kind).toBe('variant');
    expect(e.variant.name).toBe('module-free-pre52');
    // spec linux.md §0 K-MOD: the pre-5.2 kernel/module.c path.
    expect(e.variant.source).toMatch(/module\.c/);
  });

  it('suggests the closest variant, exit 2', async () => {
    const r = await runCli(['explain', 'linux-x86:vfree=module-free-pre5'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("did you mean 'linux-x86:vfree=module-free-pre52'?");
    expectPlainError(r.stderr);
  });

  it('rejects what is neither an invariant nor a policy, as JSON under --json', async () => {
    const r = await runCli(['explain', 'wx-alais', '--json'], home);
    expect(r.code, describeRun(r)).toBe(2);
    const e = JSON.parse(r.stdout) as { error: { code: string; exitCode: number; message: string } };
    expect(e.error).toMatchObject({ code: 'bad-input', exitCode: 2 });
    expect(e.error.message).toContain("did you mean 'wx-alias'?");
  });
});

describe.concurrent('the command line itself', () => {
  it('offers the commands of DESIGN §6', async () => {
    const r = await runCli(['--help'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const commands = r.stdout
      .slice(r.stdout.indexOf('COMMANDS'))
      .split('\n')
      .slice(1)
      .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    expect(commands).toEqual([
      'autocomplete',
      'compare',
      'explain',
      'explore',
      'help',
      'merge',
      'minimize',
      'plugins',
      'policies',
      'run',
      'scenarios',
      'validate',
    ]);
  });

  it('rejects an unknown flag with exit 2 and no stack trace', async () => {
    const r = await runCli(['scenarios', '--bogus'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('--bogus');
    expectPlainError(r.stderr);
  });

  it('rejects an unknown command with exit 2', async () => {
    const r = await runCli(['frobnicate'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('frobnicate');
    expectPlainError(r.stderr);
  });
});

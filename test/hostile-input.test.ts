// Issue 13, the CLI's side of hostile input: each of these ends in exit 2 with a plain, located message,
// before anything runs and without writing --out. One child process per case, kept few (the unit tests in
// packages/engine/test/hostile.test.ts and packages/cli/test cover the variations in process).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome('shootdown-hostile-');
});
afterAll(() => home.cleanup());

function expectPlainError(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
  expect(stderr).not.toMatch(/internal error|FATAL|Native stack/);
}

describe.concurrent('hostile input through the CLI', () => {
  it('validate and run agree: a machine the MMU cannot build is bad input for both', async () => {
    const f = join(home.dir, 'tiny.yaml');
    writeFileSync(
      f,
      'name: tiny\nmachine: { cpus: 2, memory: 4095B }\nsteps:\n  - { op: kalloc, id: a, pages: 1 }\n',
    );
    const out = join(home.dir, 'tiny.out');
    for (const args of [
      ['validate', f],
      ['run', f, '--policy', 'linux-x86', '--out', out],
    ]) {
      const r = await runCli(args, home);
      expect(r.code, describeRun(r)).toBe(2);
      expect(r.stdout + r.stderr).toContain(
        'tiny.yaml:2:29: must be at least one 4 KiB frame (at /machine/memory)',
      );
      expectPlainError(r.stderr);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('a selection naming a prototype property is an unknown mechanism, exit 2', async () => {
    const r = await runCli(
      ['compare', 'vfree-exec-reuse', '--vary', 'linux-x86:__proto__', '--jobs', '1'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain("policy 'linux-x86' has no mechanism '__proto__'");
    expectPlainError(r.stderr);
  });

  it('an empty verdict file and a mistyped topic name are exit 2, the topic with a suggestion', async () => {
    const empty = join(home.dir, 'empty.verdicts');
    writeFileSync(empty, '');
    const a = await runCli(['compare', 'vfree-exec-reuse', '--policy', 'linux-x86', '--expect', empty], home);
    expect(a.code, describeRun(a)).toBe(2);
    expect(a.stderr).toContain('empty.verdicts:1:1: no verdicts');
    const b = await runCli(['scenarios', '--topic', 'vmaloc'], home);
    expect(b.code, describeRun(b)).toBe(2);
    expect(b.stderr).toContain("did you mean 'vmalloc-perms'?");
  });

  it('--out refuses a device before running and writes to stdout for -', async () => {
    const a = await runCli(['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--out', '/dev/null'], home);
    expect(a.code, describeRun(a)).toBe(2);
    expect(a.stderr).toContain('--out /dev/null: is a device');
    const b = await runCli(
      ['run', 'vfree-exec-reuse', '--policy', 'linux-x86', '--out', '-', '--format', 'text'],
      home,
    );
    expect(b.code, describeRun(b)).toBe(0);
    expect(b.stdout).toContain('vfree-exec-reuse');
  });
});

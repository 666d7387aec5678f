// `run` ends its process as soon as its report is written (packages/cli/bin/run.js): the whole report still
// reaches a reader that drains the pipe late, the findings summary reaches stderr, and the exit code is the
// command's. The report (~0.55 MB) is more than the pipe node's child_process makes holds (a socket pair,
// ~208 KiB of buffer on Linux), so node's write of it is still pending when the command returns: an exit
// that did not wait for it truncates the report (this test fails so). Every access expects `ok` on a
// region already unmapped (munmap zapped its PTEs and flushed), so the walk finds no present entry and the
// access faults (Intel SDM Vol. 3A §4.7): a failed expectation per step, exit 1.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

const ACCESSES = 2500;

let home: CliHome;
let scenario: string;
beforeAll(() => {
  home = makeHome();
  scenario = join(home.dir, 'many-accesses.yaml');
  const steps = [
    '  - { op: process, id: p }',
    '  - { op: run, cpu: 0, process: p }',
    '  - { op: mmap, cpu: 0, id: heap, pages: 2, prot: rw, flags: [populate] }',
    '  - { op: munmap, cpu: 0, region: heap }',
    ...Array.from(
      { length: ACCESSES },
      () => '  - { op: access, cpu: 0, region: heap, kind: read, expect: ok }',
    ),
  ];
  writeFileSync(
    scenario,
    `name: many-accesses\ndescription: 'More report than a pipe holds.'\nmachine: { cpus: 2, memory: 64MiB }\nsteps:\n${steps.join('\n')}\n`,
  );
});
afterAll(() => home.cleanup());

/** `shootdown <args>` with its stdout read only after `delayMs`: the process meets a full pipe. */
function runReadLate(
  args: readonly string[],
  delayMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd: home.dir, env: home.env });
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), delayMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('run exits once its report is written', () => {
  it('a reader that drains the pipe late gets the whole report; the findings summary and exit 1 stay', async () => {
    const out = join(home.dir, 'report.txt');
    const file = await runCli(['run', scenario, '--policy', 'linux-x86', '--out', out], home);
    expect(file.code, describeRun(file)).toBe(1);
    const report = readFileSync(out, 'utf8');
    expect(report.length).toBeGreaterThan(512 * 1024);

    const late = await runReadLate(['run', scenario, '--policy', 'linux-x86'], 1000);
    expect(late.code, late.stderr).toBe(1);
    expect(late.stdout).toBe(report.endsWith('\n') ? report : `${report}\n`);
    expect(late.stderr).toBe(file.stderr);
    expect(late.stderr).toMatch(/expect/);
  });
});

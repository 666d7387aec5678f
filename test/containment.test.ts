// Issue 13 item 5: a third-party plug-in that loops, throws, exits or allocates without bound in the middle of a
// run costs its own column — verdict `error`, naming the plug-in, the selection and what happened — while
// the other columns complete; the command exits 3 and stderr carries no native stack trace. The limits
// are generous enough that the healthy column (milliseconds of work) finishes on a loaded machine; the
// looping column is the only one that ever meets the time limit.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';
import { copyFixtureOutside } from './helpers/fixtures.js';

interface ComparisonJson {
  columns: { selection: string }[];
  summaries: { verdict: string }[];
}

let home: CliHome;
beforeAll(async () => {
  home = makeHome('shootdown-contain-');
  const dir = copyFixtureOutside('plugin-runaway', home);
  const r = await runCli(['plugins', 'link', '--no-install', dir], home);
  expect(r.code, describeRun(r)).toBe(0);
}, 300_000);
afterAll(() => home.cleanup());

describe('plug-in containment', () => {
  it('gives a looping, a throwing, a memory-hungry and an exiting policy an error column each; the rest completes', async () => {
    const r = await runCli(
      [
        'compare',
        'vfree-exec-reuse',
        ...['linux-x86', 'runaway-loops', 'runaway-throws', 'runaway-hungry', 'runaway-exits'].flatMap(
          (p) => ['--policy', p],
        ),
        '--timeout',
        '30',
        '--max-memory',
        '128',
        '--jobs',
        '2',
        '--format',
        'json',
      ],
      home,
    );
    expect(r.code, describeRun(r)).toBe(3);
    const c = (JSON.parse(r.stdout) as { comparisons: ComparisonJson[] }).comparisons[0]!;
    expect(c.columns.map((x) => x.selection)).toEqual([
      'linux-x86',
      'runaway-loops',
      'runaway-throws',
      'runaway-hungry',
      'runaway-exits',
    ]);
    expect(c.summaries.map((s) => s.verdict)).toEqual(['holds', 'error', 'error', 'error', 'error']);
    const plugin = 'vfree-exec-reuse: plug-in shootdown-policy-runaway';
    expect(r.stderr).toContain(`${plugin}, runaway-loops: the run exceeded its time limit (--timeout 30 s)`);
    expect(r.stderr).toContain(
      `${plugin}, runaway-throws: the policy threw at step 0 (line 7): deliberate failure in the middle of a run`,
    );
    expect(r.stderr).toContain(
      `${plugin}, runaway-hungry: the run exhausted its memory limit (--max-memory 128 MiB)`,
    );
    expect(r.stderr).toContain(`${plugin}, runaway-exits: the run exited (code 7)`);
    expect(r.stderr).not.toMatch(/FATAL ERROR|Native stack trace|\n\s+at [\w.<>]+ \(/);
  }, 600_000);

  // explore and minimize run each candidate scenario on the same contained workers (issue 16): a looping
  // plug-in costs one time limit and is named, as compare names it, instead of hanging the command
  it('explore stops at the first scenario a looping policy does not complete: exit 3, the scenario written', async () => {
    const out = `${home.dir}/explore-loops.yaml`;
    const r = await runCli(
      [
        'explore',
        '--policy',
        'linux-x86',
        '--policy',
        'runaway-loops',
        '--runs',
        '50',
        '--timeout',
        '10',
        '--out',
        out,
      ],
      home,
    );
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toContain('explore: scenario 1 of seed 1 did not complete under every selection');
    expect(r.stderr).toContain(
      'error: explored-seed-1: plug-in shootdown-policy-runaway, runaway-loops: the run exceeded its time limit (--timeout 10 s)',
    );
    expect(r.stderr).not.toMatch(/FATAL ERROR|Native stack trace|\n\s+at [\w.<>]+ \(/);
    // the scenario is written as drawn, and it is a valid scenario
    const v = await runCli(['validate', out], home);
    expect(v.code, describeRun(v)).toBe(0);
  }, 600_000);

  it('explore --json names a throwing policy’s run error', async () => {
    const r = await runCli(
      ['explore', '--policy', 'linux-x86', '--policy', 'runaway-throws', '--runs', '50', '--json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(3);
    const json = JSON.parse(r.stdout) as { found: boolean; runs: number; runErrors: string[] };
    expect(json.found).toBe(false);
    expect(json.runs).toBe(1);
    expect(json.runErrors).toHaveLength(1);
    expect(json.runErrors[0]).toMatch(
      /^explored-seed-1: plug-in shootdown-policy-runaway, runaway-throws: the policy threw at step \d+ .*deliberate failure in the middle of a run$/,
    );
  }, 600_000);

  it('minimize of a scenario a looping policy does not complete: exit 3 naming the run, nothing written', async () => {
    const out = `${home.dir}/minimize-loops.yaml`;
    const r = await runCli(
      [
        'minimize',
        'vfree-exec-reuse',
        '--policy',
        'linux-x86',
        '--policy',
        'runaway-loops',
        '--timeout',
        '10',
        '--out',
        out,
      ],
      home,
    );
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toContain(
      'error: vfree-exec-reuse: plug-in shootdown-policy-runaway, runaway-loops: the run exceeded its time limit (--timeout 10 s)',
    );
    expect(existsSync(out)).toBe(false);
  }, 600_000);

  // `run` keeps a linked or installed plug-in's run on a worker (run-here.ts): the heap cap holds
  it('run: a memory-hungry third-party policy is an error column under --max-memory, exit 3', async () => {
    const r = await runCli(
      ['run', 'vfree-exec-reuse', '--policy', 'runaway-hungry', '--max-memory', '128', '--format', 'json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(3);
    expect((JSON.parse(r.stdout) as { error?: string }).error).toBe(
      'runaway-hungry: the run exhausted its memory limit (--max-memory 128 MiB)',
    );
    expect(r.stderr).toContain(
      'error: vfree-exec-reuse: plug-in shootdown-policy-runaway, runaway-hungry: the run exhausted its memory limit',
    );
    expect(r.stderr).not.toMatch(/FATAL ERROR|Native stack trace|\n\s+at [\w.<>]+ \(/);
  }, 600_000);
});

// With only the built-in plug-ins, `run` runs on the command's own thread (run-here.ts); the time limit
// still ends it. The scenario is hundreds of 32 MiB vmalloc areas allocated and freed: tens of seconds of
// work, against a limit of one.
describe('run on the command’s own thread', () => {
  let plain: CliHome;
  beforeAll(() => {
    plain = makeHome('shootdown-run-here-');
  });
  afterAll(() => plain.cleanup());

  it('ends a built-in run at --timeout: an error column, exit 3, no native trace', async () => {
    const file = join(plain.dir, 'long-run.yaml');
    writeFileSync(
      file,
      [
        'name: long-run',
        "description: 'Hundreds of large vmalloc areas allocated and freed.'",
        'machine: { cpus: 8, memory: 256MiB }',
        'steps:',
        '  - op: repeat',
        '    times: 1000',
        '    steps:',
        '      - { op: kalloc, id: buf, pages: 8192 }',
        '      - { op: kfree, region: buf }',
        '',
      ].join('\n'),
    );
    const r = await runCli(
      ['run', file, '--policy', 'linux-x86', '--timeout', '1', '--format', 'json'],
      plain,
    );
    expect(r.code, describeRun(r)).toBe(3);
    expect((JSON.parse(r.stdout) as { error?: string }).error).toBe(
      'linux-x86: the run exceeded its time limit (--timeout 1 s)',
    );
    expect(r.stderr).toContain(
      'error: long-run: plug-in @shootdown/policy-linux-x86, linux-x86: the run exceeded its time limit (--timeout 1 s)',
    );
    expect(r.stderr).not.toMatch(/FATAL ERROR|Native stack trace|\n\s+at [\w.<>]+ \(/);
  }, 600_000);
});

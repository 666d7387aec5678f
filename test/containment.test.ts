// Issue 13 item 5: a third-party plug-in that loops, throws or allocates without bound in the middle of a
// run costs its own column — verdict `error`, naming the plug-in, the selection and what happened — while
// the other columns complete; the command exits 3 and stderr carries no native stack trace. The limits
// are generous enough that the healthy column (milliseconds of work) finishes on a loaded machine; the
// looping column is the only one that ever meets the time limit.
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
  it('gives a looping, a throwing and a memory-hungry policy an error column each; the rest completes', async () => {
    const r = await runCli(
      [
        'compare',
        'vfree-exec-reuse',
        ...['linux-x86', 'runaway-loops', 'runaway-throws', 'runaway-hungry'].flatMap((p) => ['--policy', p]),
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
    ]);
    expect(c.summaries.map((s) => s.verdict)).toEqual(['holds', 'error', 'error', 'error']);
    const plugin = 'vfree-exec-reuse: plug-in shootdown-policy-runaway';
    expect(r.stderr).toContain(`${plugin}, runaway-loops: the run exceeded its time limit (--timeout 30 s)`);
    expect(r.stderr).toContain(
      `${plugin}, runaway-throws: the policy threw at step 0 (line 7): deliberate failure in the middle of a run`,
    );
    expect(r.stderr).toContain(
      `${plugin}, runaway-hungry: the run exhausted its memory limit (--max-memory 128 MiB)`,
    );
    expect(r.stderr).not.toMatch(/FATAL ERROR|Native stack trace|\n\s+at [\w.<>]+ \(/);
  }, 600_000);
});

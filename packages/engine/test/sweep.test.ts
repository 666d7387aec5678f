// Scaling sweeps (issue 12 item 5): the sweep's overrides, its table from the runs, and its drawings.
import { describe, expect, it } from 'vitest';
import { SweepError, sweepOverrides, sweepResult } from '../src/compare/index.js';
import { renderSweep } from '../src/render/index.js';
import type { RunResult } from '../src/result/index.js';
import { upstream } from './results-fixture.js';

/** A run of `selection` at cpus=`cpus` with the given totals. */
function run(selection: string, cpus: number, latency: number, work: number): RunResult {
  return {
    ...upstream,
    scenario: 'populate',
    selection,
    params: { pages: 16, cpus },
    totals: { ...upstream.totals, latency, cycles: work },
  };
}

const spec = { param: 'cpus', values: [2, 8] };
const runs = [
  [run('linux-x86', 2, 100, 200), run('linux-x86:unmapped-alloc=gfp-unmapped', 2, 40, 50)],
  [run('linux-x86', 8, 130, 800), run('linux-x86:unmapped-alloc=gfp-unmapped', 8, 40.5, 60)],
];
const sweep = sweepResult(spec, runs);

describe('sweepOverrides', () => {
  it('adds the swept value to the other --set overrides, one map per value in order', () => {
    expect(sweepOverrides(spec, { pages: 16 })).toEqual([
      { pages: 16, cpus: 2 },
      { pages: 16, cpus: 8 },
    ]);
  });
  it('refuses an empty list, a value given twice and a param also given with --set', () => {
    expect(() => sweepOverrides({ param: 'cpus', values: [] }, {})).toThrow(SweepError);
    expect(() => sweepOverrides({ param: 'cpus', values: [2, 2] }, {})).toThrow(/given twice/);
    expect(() => sweepOverrides(spec, { cpus: 4 })).toThrow(/also given with --set/);
  });
});

describe('sweepResult', () => {
  it('keeps per value and selection the latency and work totals, values as the runs used them', () => {
    expect(sweep).toEqual({
      scenario: 'populate',
      param: 'cpus',
      selections: ['linux-x86', 'linux-x86:unmapped-alloc=gfp-unmapped'],
      unit: 'invlpg',
      points: [
        {
          value: 2,
          cells: [
            { selection: 'linux-x86', latency: 100, work: 200 },
            { selection: 'linux-x86:unmapped-alloc=gfp-unmapped', latency: 40, work: 50 },
          ],
        },
        {
          value: 8,
          cells: [
            { selection: 'linux-x86', latency: 130, work: 800 },
            { selection: 'linux-x86:unmapped-alloc=gfp-unmapped', latency: 40.5, work: 60 },
          ],
        },
      ],
    });
  });
  it('refuses runs whose selections differ between values', () => {
    expect(() => sweepResult(spec, [runs[0], [runs[1][1], runs[1][0]]])).toThrow(/ran selections/);
  });
});

describe('renderSweep', () => {
  it('markdown: one row per value and selection, ratios to the first selection at the same value', () => {
    const md = renderSweep(sweep, 'markdown')!;
    expect(md).toContain('| cpus=2 | linux-x86 | 100 | 200 | 1.000 | 1.000 |');
    expect(md).toContain('| cpus=2 | linux-x86:unmapped-alloc=gfp-unmapped | 40 | 50 | 0.400 | 0.250 |');
    expect(md).toContain('| cpus=8 | linux-x86:unmapped-alloc=gfp-unmapped | 40.5 | 60 | 0.312 | 0.075 |');
  });
  it('table and text: aligned columns; text is ASCII only', () => {
    const text = renderSweep(sweep, 'text')!;
    expect(text).toMatch(/^cpus=8 +linux-x86 +130 +800 +1\.000 +1\.000$/m);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
    expect(renderSweep(sweep, 'table')).toMatch(/^cpus=8 +│ linux-x86 +│ +130 │ +800 │/m);
  });
  it('json: the SweepResult itself', () => {
    expect(JSON.parse(renderSweep(sweep, 'json')!)).toEqual(sweep);
  });
  it('html: self-contained, a chart per clock with axis labels, units and a legend', () => {
    const html = renderSweep(sweep, 'html')!;
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('latency total (invlpg units)</text>');
    expect(html).toContain('work total (invlpg units)</text>');
    expect(html).toMatch(/<text [^>]*text-anchor="middle">cpus<\/text>/);
    expect(html).toContain('>linux-x86:unmapped-alloc=gfp-unmapped</text>');
    expect(html).not.toMatch(/<script|https?:\/\/|<link /);
    expect(renderSweep(sweep, 'html')).toBe(html);
  });
  it('has no drawing for other formats', () => {
    expect(renderSweep(sweep, 'ktap')).toBeUndefined();
  });
});

// `compare --sweep` end to end (issue 12 item 5): one run per value of a scenario param, latency and
// work totals per value and selection, and exit 2 with nothing run for a sweep that cannot be run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

const BASE = [
  'compare',
  'populate-unmapped',
  '--policy',
  'linux-x86',
  '--policy',
  'linux-x86:unmapped-alloc=gfp-unmapped',
];
const SMALL = [...BASE, '--set', 'pages=16', '--jobs', '1'];

interface SweepJson {
  scenario: string;
  param: string;
  selections: string[];
  unit: string;
  points: { value: number; cells: { selection: string; latency: number; work: number }[] }[];
}

describe.concurrent('compare --sweep', () => {
  it('runs the selections once per value and gives latency and work totals per value', async () => {
    const r = await runCli([...SMALL, '--sweep', 'cpus=2,8', '--format', 'json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const s = (JSON.parse(r.stdout) as { comparisons: []; sweep: SweepJson }).sweep;
    expect(s.param).toBe('cpus');
    expect(s.unit).toBe('invlpg');
    expect(s.selections).toEqual(['linux-x86', 'linux-x86:unmapped-alloc=gfp-unmapped']);
    expect(s.points.map((p) => p.value)).toEqual([2, 8]);
    // Upstream removes each page from the direct map with a kernel-range flush that IPIs every other
    // CPU (spec linux.md §4.1; arch/x86/mm/tlb.c flush_tlb_kernel_range → on_each_cpu): its work grows
    // with the CPU count, and more than __GFP_UNMAPPED's, which takes pages from an already-unmapped block.
    const [zap2, gfp2] = s.points[0].cells;
    const [zap8, gfp8] = s.points[1].cells;
    expect(zap8.work).toBeGreaterThan(zap2.work);
    expect(zap8.work - zap2.work).toBeGreaterThan(gfp8.work - gfp2.work);
    expect(zap8.latency).toBeGreaterThan(gfp8.latency);
  });

  it('is deterministic and writes a self-contained HTML report with a chart', async () => {
    const out = join(home.dir, 'sweep.html');
    const args = [...SMALL, '--sweep', 'cpus=2,4', '--format', 'html'];
    const r = await runCli([...args, '--out', out], home);
    expect(r.code, describeRun(r)).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<svg ');
    expect(html).toContain('latency total (invlpg units)');
    const again = await runCli(args, home);
    expect(again.stdout).toBe(html);
  });

  it.each([
    [['--sweep', 'nosuch=1,2'], /unknown param "nosuch"/],
    [['--sweep', 'cpus='], /at least one value/],
    [['--sweep', 'cpus=2,,4'], /empty value/],
    [['--sweep', 'cpus=2,four'], /param "cpus" is integer, got string "four"/],
    [['--sweep', 'cpus=2,4', '--set', 'cpus=8'], /also given with --set/],
    [['--sweep', 'cpus=2,4', '--sweep', 'pages=8,16'], /given 2 times/],
    [['--sweep', 'cpus=2,4', '--format', 'ktap'], /--sweep draws/],
  ])('bad sweep %j: exit 2 with the reason, nothing run or written', async (extra, message) => {
    const out = join(home.dir, `bad-${extra.join('_').replace(/[^\w]/g, '')}.txt`);
    const r = await runCli([...BASE, ...extra, '--out', out], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
});

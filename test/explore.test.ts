// `shootdown explore` (issue 16 items 1 and 4): at a fixed seed and a bounded number of scenarios it
// rediscovers divergences the catalogue documents — the vmalloc-perms topic's verdicts for the vfree
// variants (packages/catalog/topics/vmalloc-perms/expected, reviewed against spec linux.md §3.3–§3.4) —
// shrinks each to a handful of steps, and writes a scenario that validates and reproduces with
// `compare`; the same seed gives the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, repoRoot, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

/** The invariants a topic's verdict file says `scenario` breaks under `selection`. */
function documentedIn(topic: string, scenario: string, selection: string): string[] {
  const text = readFileSync(join(repoRoot, `packages/catalog/topics/${topic}/expected`), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith(`${scenario} ${selection} violates `));
  if (line === undefined) throw new Error(`${topic}/expected: no violates line for ${scenario} ${selection}`);
  return line.split(' ')[3]!.split(',');
}

/** What vmalloc-perms says `vfree-exec-reuse` breaks under a vfree variant. */
function documented(variant: string): string[] {
  return documentedIn('vmalloc-perms', 'vfree-exec-reuse', `linux-x86:vfree=${variant}`);
}

interface ExploreJson {
  found: boolean;
  runs: number;
  steps: number;
  signature: string;
  yaml: string;
}

interface CompareJson {
  comparisons: { invariants: { invariant: string; cells: { claimed: boolean | null }[] }[] }[];
}

const RUNS = '300';

describe('explore', () => {
  // Three variants the catalogue documents as breaking claimed invariants where upstream does not:
  // the pre-5.2 module loader (no VM_FLUSH_RESET_PERMS), vfree's lazy purge without the reset, and
  // resetting the direct map before the flush (the W+X window of 868b104d7379's discussion).
  it.each(['module-free-pre52', 'vfree-lazy-noreset', 'reset-then-flush'])(
    'rediscovers vfree=%s breaking what the catalogue says, shrunk to a handful of steps',
    async (variant) => {
      const out = join(home.dir, `explored-${variant}.yaml`);
      const sel = ['--policy', 'linux-x86', '--policy', `linux-x86:vfree=${variant}`];
      const r = await runCli(
        ['explore', ...sel, '--seed', '1', '--runs', RUNS, '--out', out, '--json'],
        home,
      );
      // a divergence is a finding: exit 1, like compare
      expect(r.code, describeRun(r)).toBe(1);
      const json = JSON.parse(r.stdout) as ExploreJson;
      expect(json.found).toBe(true);
      expect(json.steps).toBeLessThanOrEqual(6);
      expect(readFileSync(out, 'utf8')).toBe(json.yaml);
      const doc = parse(json.yaml) as { steps: { op: string }[] };
      expect(doc.steps.map((s) => s.op)).toContain('kfree');

      const v = await runCli(['validate', out], home);
      expect(v.code, describeRun(v)).toBe(0);
      const c = await runCli(['compare', out, ...sel, '--json'], home);
      expect(c.code, describeRun(c)).toBe(1);
      const inv = (JSON.parse(c.stdout) as CompareJson).comparisons[0]!.invariants;
      const claimed = (k: number): string[] =>
        inv.filter((i) => i.cells[k]!.claimed === true).map((i) => i.invariant);
      expect(claimed(0)).toEqual([]);
      expect(claimed(1).length).toBeGreaterThan(0);
      for (const id of claimed(1)) expect(documented(variant)).toContain(id);
    },
  );

  // free-pgtables: the generic split-TLB flush (seed 004, Nadav Amit) misses the instruction side when a
  // munmap frees a page table, so a walk through the freed table survives on a split TLB
  it('rediscovers tlb-flush=generic-split walking a freed page table (free-pgtables)', async () => {
    const out = join(home.dir, 'explored-generic-split.yaml');
    const sel = ['--policy', 'linux-x86', '--policy', 'linux-x86:tlb-flush=generic-split'];
    const r = await runCli(['explore', ...sel, '--seed', '1', '--runs', RUNS, '--out', out, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const json = JSON.parse(r.stdout) as ExploreJson;
    expect(json.steps).toBeLessThanOrEqual(6);
    const doc = parse(json.yaml) as { machine: { tlbSides?: string }; steps: { op: string }[] };
    expect(doc.machine.tlbSides).toBe('split');
    expect(doc.steps.map((s) => s.op)).toContain('munmap');
    const c = await runCli(['compare', out, ...sel, '--json'], home);
    expect(c.code, describeRun(c)).toBe(1);
    const inv = (JSON.parse(c.stdout) as CompareJson).comparisons[0]!.invariants;
    const claimed = (k: number): string[] =>
      inv.filter((i) => i.cells[k]!.claimed === true).map((i) => i.invariant);
    expect(claimed(0)).toEqual([]);
    expect(claimed(1)).toEqual(
      documentedIn('free-pgtables', 'exec-then-readonly-split', 'linux-x86:tlb-flush=generic-split'),
    );
  });

  it('is deterministic for a seed', async () => {
    const args = [
      'explore',
      '--policy',
      'linux-x86',
      '--policy',
      'linux-x86:vfree=module-free-pre52',
      '--seed',
      '7',
      '--runs',
      RUNS,
    ];
    const [a, b] = await Promise.all([runCli(args, home), runCli(args, home)]);
    expect(a.code, describeRun(a)).toBe(1);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it('with one selection, looks for a claimed invariant that breaks', async () => {
    const r = await runCli(
      ['explore', '--policy', 'linux-x86:vfree=module-free-pre52', '--seed', '1', '--runs', RUNS, '--json'],
      home,
    );
    expect(r.code, describeRun(r)).toBe(1);
    const json = JSON.parse(r.stdout) as ExploreJson;
    expect(json.found).toBe(true);
    const broken = /claimed invariants broken: (\S+)/.exec(json.signature)![1]!.split('+');
    for (const id of broken) expect(documented('module-free-pre52')).toContain(id);
  });

  it('refuses a bad --cost-ratio and an unknown selection (exit 2)', async () => {
    const a = await runCli(['explore', '--policy', 'linux-x86', '--cost-ratio', 'x'], home);
    expect(a.code, describeRun(a)).toBe(2);
    expect(a.stderr).toContain('--cost-ratio x');
    const b = await runCli(['explore', '--policy', 'linux-x86:vfree=nope'], home);
    expect(b.code, describeRun(b)).toBe(2);
  });
});

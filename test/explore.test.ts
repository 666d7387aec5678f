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

/** `compare` of an explored file under its selections (a finding: exit 1); the claimed invariants each
 *  column broke. */
async function claimedPerColumn(file: string, sel: string[]): Promise<(column: number) => string[]> {
  const c = await runCli(['compare', file, ...sel, '--json'], home);
  expect(c.code, describeRun(c)).toBe(1);
  const inv = (JSON.parse(c.stdout) as CompareJson).comparisons[0]!.invariants;
  return (k) => inv.filter((i) => i.cells[k]!.claimed === true).map((i) => i.invariant);
}

describe('explore', () => {
  // Three variants the catalogue documents as breaking claimed invariants where upstream does not:
  // the pre-5.2 module loader (no VM_FLUSH_RESET_PERMS), vfree's lazy purge without the reset, and
  // resetting the direct map before the flush (the W+X window of 868b104d7379's discussion). The seed is
  // the first (of 1–4) whose first divergence is the documented one.
  it.each([
    ['module-free-pre52', '1'],
    ['vfree-lazy-noreset', '1'],
    ['reset-then-flush', '1'],
  ])(
    'rediscovers vfree=%s breaking what the catalogue says, shrunk to a handful of steps (seed %s)',
    async (variant, seed) => {
      const out = join(home.dir, `explored-${variant}.yaml`);
      const sel = ['--policy', 'linux-x86', '--policy', `linux-x86:vfree=${variant}`];
      const r = await runCli(
        ['explore', ...sel, '--seed', seed, '--runs', RUNS, '--out', out, '--json'],
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
      const claimed = await claimedPerColumn(out, sel);
      expect(claimed(0)).toEqual([]);
      expect(claimed(1).length).toBeGreaterThan(0);
      for (const id of claimed(1)) expect(documented(variant)).toContain(id);
    },
  );

  // pkey-lifetime: FreeBSD's original pmap_remove() drops a range's key when the pages are swapped out,
  // so after the refault an access the key's rights deny succeeds (seed 003, D39556; spec
  // freebsd-amd64.md §9.1 row A). The catalogue's swapout-refault: `original` fails its expectations,
  // `swapout-fix` holds. Reaching it takes the key ops and swap-out the wider vocabulary draws: a key,
  // a populated mapping assigned to it, rights none, a swap-out and an access, in that order.
  it('rediscovers pkru-remove=original losing a key across swap-out (pkey-lifetime)', async () => {
    const out = join(home.dir, 'explored-pkru-remove.yaml');
    const sel = [
      '--policy',
      'freebsd-amd64:pkru-remove=original',
      '--policy',
      'freebsd-amd64:pkru-remove=swapout-fix',
    ];
    const r = await runCli(['explore', ...sel, '--seed', '1', '--runs', '600', '--out', out, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const json = JSON.parse(r.stdout) as ExploreJson;
    // the key, the mapping, the assignment, the rights, the swap-out and the access; a process running
    expect(json.steps).toBeLessThanOrEqual(10);
    expect(json.signature).toMatch(/^first divergence at (access|uaccess): ok vs (fault:key|error:EFAULT)/);
    const ops = (parse(json.yaml) as { steps: { op: string }[] }).steps.map((s) => s.op);
    for (const op of ['key-alloc', 'key-assign', 'set-key-rights', 'swapout']) expect(ops).toContain(op);
    const verdicts = readFileSync(join(repoRoot, 'packages/catalog/topics/pkey-lifetime/expected'), 'utf8');
    expect(verdicts).toContain('swapout-refault freebsd-amd64:pkru-remove=original expect-fails');
    expect(verdicts).toContain('swapout-refault freebsd-amd64:pkru-remove=swapout-fix holds');
    const c = await runCli(['compare', out, ...sel, '--json'], home);
    const cmp = JSON.parse(c.stdout) as { comparisons: { firstDivergence: unknown }[] };
    expect(cmp.comparisons[0]!.firstDivergence).not.toBeNull();
  });

  // pagetable-protection: before 7a30df49f63a a nested mmu_gather lost freed_tables and arm64 flushed
  // leaf-only (TLBI VALE1IS), leaving walk-cache entries to the freed tables (Jan Stancek's report; spec
  // linux.md §5.8). The generator reaches it through interleave: a munmap on CPU 1 inside CPU 0's
  // munmap (the read-locked part, since 4.20).
  it('rediscovers nested-gather=nested-reset leaving a walk-cache entry to a freed table', async () => {
    const out = join(home.dir, 'explored-nested-reset.yaml');
    const sel = ['--policy', 'arm64-pkey', '--policy', 'arm64-pkey:nested-gather=nested-reset'];
    const r = await runCli(['explore', ...sel, '--seed', '3', '--runs', '400', '--out', out, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const json = JSON.parse(r.stdout) as ExploreJson;
    expect(json.steps).toBeLessThanOrEqual(8);
    const doc = parse(json.yaml) as {
      steps: { op: string; operation?: { op: string }; steps?: { op: string }[] }[];
    };
    const inner = doc.steps.find((s) => s.op === 'interleave');
    expect(inner?.operation?.op).toBe('munmap');
    expect(inner?.steps?.map((s) => s.op)).toContain('munmap');
    const claimed = await claimedPerColumn(out, sel);
    expect(claimed(0)).toEqual([]);
    const documentedHere = documentedIn(
      'pagetable-protection',
      'pt-leaf-only-walk-cache',
      'arm64-pkey:nested-gather=nested-reset',
    );
    for (const id of documentedHere) expect(claimed(1)).toContain(id);
  });

  // free-pgtables: the asm-generic tlb_flush builds its fake VMA with VM_EXEC only if an executable VMA was
  // unmapped, and on a split TLB the range flush then skips the instruction side (tlb-v6.S
  // v6wbi_flush_user_tlb_range), walk entries to the PTE page free_pgtables just freed included. With the
  // instruction-side pkey-tag misjudgement gone (x86 keys do not gate fetches), a plain munmap and the
  // next mmap are the first divergence at seed 1.
  it('rediscovers tlb-flush=generic-split leaving instruction-side walk entries to a freed table', async () => {
    const out = join(home.dir, 'explored-generic-split.yaml');
    const sel = ['--policy', 'linux-x86', '--policy', 'linux-x86:tlb-flush=generic-split'];
    const r = await runCli(['explore', ...sel, '--seed', '1', '--runs', '100', '--out', out, '--json'], home);
    expect(r.code, describeRun(r)).toBe(1);
    const json = JSON.parse(r.stdout) as ExploreJson;
    expect(json.steps).toBeLessThanOrEqual(6);
    const ops = (parse(json.yaml) as { steps: { op: string }[] }).steps.map((s) => s.op);
    expect(ops).toContain('munmap');
    const claimed = await claimedPerColumn(out, sel);
    expect(claimed(0)).toEqual([]);
    const documentedHere = documentedIn(
      'free-pgtables',
      'exec-then-readonly-split',
      'linux-x86:tlb-flush=generic-split',
    );
    for (const id of documentedHere) expect(claimed(1)).toContain(id);
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

// `shootdown minimize` on catalogue scenarios (issue 16 item 2): the scenario it writes validates, is
// smaller, and shows what the original shows — the verdicts the catalogue records for it (vmalloc-perms
// and pkey-lifetime `expected` files) — and the same inputs give the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
beforeAll(() => {
  home = makeHome();
});
afterAll(() => home.cleanup());

interface Doc {
  machine: { cpus: number };
  steps: { op: string; kind?: string }[];
}

interface CompareJson {
  comparisons: {
    firstDivergence: string | null;
    steps: { path: string; op: string; cells: { outcome: string }[] }[];
    invariants: { invariant: string; cells: { claimed: boolean | null }[] }[];
  }[];
}

const PRE52 = ['--policy', 'linux-x86', '--policy', 'linux-x86:vfree=module-free-pre52'];

describe('minimize', () => {
  it('shrinks vfree-exec-reuse to the steps the pre-5.2 stale executable entry needs, deterministically', async () => {
    const out = join(home.dir, 'vfree-min.yaml');
    const [r, again] = await Promise.all([
      runCli(['minimize', 'vfree-exec-reuse', ...PRE52, '--out', out, '--json'], home),
      runCli(['minimize', 'vfree-exec-reuse', ...PRE52], home),
    ]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(again.code, describeRun(again)).toBe(0);
    const json = JSON.parse(r.stdout) as { steps: { before: number; after: number }; yaml: string };
    const text = readFileSync(out, 'utf8');
    expect(json.yaml).toBe(text);
    expect(again.stdout).toBe(text);
    expect(json.steps.before).toBe(7);
    expect(json.steps.after).toBeLessThan(7);
    const doc = parse(text) as Doc;
    // what the window needs (spec linux.md §3.3, 868b104d7379's cover letter): executable memory, freed
    // without resetting its permissions first, its frames reused, and an execute through the old address
    const ops = doc.steps.map((s) => s.op);
    for (const op of ['kalloc', 'kprotect', 'kfree', 'page-alloc']) expect(ops).toContain(op);
    expect(doc.steps.some((s) => s.op === 'access' && s.kind === 'exec')).toBe(true);
    expect(doc.machine.cpus).toBeLessThanOrEqual(4);

    const v = await runCli(['validate', out], home);
    expect(v.code, describeRun(v)).toBe(0);
    const c = await runCli(['compare', out, ...PRE52, '--json'], home);
    expect(c.code, describeRun(c)).toBe(1);
    const cmp = (JSON.parse(c.stdout) as CompareJson).comparisons[0]!;
    const first = cmp.steps.find((s) => s.path === cmp.firstDivergence)!;
    expect(first.op).toBe('access');
    expect(first.cells.map((x) => x.outcome)).toEqual(['fault:not-present', 'ok-stale']);
    // the verdict the catalogue records for module-free-pre52 (vmalloc-perms/expected), none for upstream
    const claimed = (k: number): string[] =>
      cmp.invariants
        .filter((i) => i.cells[k]!.claimed === true)
        .map((i) => i.invariant)
        .sort();
    expect(claimed(0)).toEqual([]);
    expect(claimed(1)).toEqual(['stale-after-free', 'stale-exec-alias', 'wx-alias']);
  });

  it('keeps pkru-remove=original losing the key across swap-out in a smaller swapout-refault', async () => {
    const sel = [
      '--policy',
      'freebsd-amd64:pkru-remove=original',
      '--policy',
      'freebsd-amd64:pkru-remove=swapout-fix',
    ];
    const r = await runCli(['minimize', 'swapout-refault', ...sel, '--json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const json = JSON.parse(r.stdout) as { steps: { before: number; after: number }; yaml: string };
    expect(json.steps.after).toBeLessThan(json.steps.before);
    const doc = parse(json.yaml) as Doc;
    const ops = doc.steps.map((s) => s.op);
    // seed 003 (D39556): the key survives only if swap-in restores it — so the key, the swap-out and an
    // access by the thread whose PKRU denies the key must all stay
    for (const op of ['key-alloc', 'key-assign', 'set-key-rights', 'swapout']) expect(ops).toContain(op);
  });

  it('refuses a scenario that shows nothing to keep (exit 2)', async () => {
    const r = await runCli(['minimize', 'vfree-exec-reuse', '--policy', 'linux-x86'], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('nothing to minimize');
    expect(r.stdout).toBe('');
  });
});

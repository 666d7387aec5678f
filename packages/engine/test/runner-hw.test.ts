// Hardware-level scenarios under raw-mmu: the instruction semantics the specs name, run through the
// scenario loader and the runner exactly as the CLI would.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { PolicyRegistry } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { loadScenarioText, runScenario, TraceRecorder, type RunResult, type Scenario } from '../src/index.js';

function load(name: string, set: Record<string, string> = {}): Scenario {
  const url = new URL(`./fixtures/runner/${name}.yaml`, import.meta.url);
  const loaded = loadScenarioText(readFileSync(url, 'utf8'), `${name}.yaml`, { set });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

function run(name: string, selection: string, set: Record<string, string> = {}): RunResult {
  return runScenario(load(name, set), { registry: new PolicyRegistry(), selection });
}

function outcomes(r: RunResult): string[] {
  return r.steps.map((s) => s.outcome);
}

function failed(r: RunResult): string[] {
  return r.steps
    .filter((s) => s.expectation?.held === false)
    .map((s) => `${s.path}: ${s.expectation!.detail}`);
}

describe('raw-mmu:x86_64', () => {
  it('a missing INVLPG after a store leaves a stale hit; INVLPG ends it (SDM §4.10.4)', () => {
    const r = run('x86-missing-invlpg', 'raw-mmu:x86_64');
    expect(failed(r)).toEqual([]);
    expect(outcomes(r)).toEqual(['ok', 'ok', 'ok', 'ok-stale', 'ok', 'ok']);
    expect(r.steps[4].counters['invlpg']).toBe(1);
    expect(r.selection).toBe('raw-mmu:x86_64');
  });
  it('INVLPG drops the current PCID’s walk-cache entries (spec linux.md §2.1)', () => {
    expect(failed(run('x86-invlpg-walk-cache', 'raw-mmu:x86_64'))).toEqual([]);
  });
  it('without INVLPG the unlinked PTE table is still walked through the walk cache', () => {
    const r = run('x86-walk-cache-stale', 'raw-mmu:x86_64');
    expect(failed(r)).toEqual([]);
    expect(r.steps.at(-1)!.outcome).toBe('ok-stale');
  });
  it('walk: before-store is unsupported on x86 (only herd7’s arm64 VMSA model states it)', () => {
    const s = load('x86-missing-invlpg');
    const access = s.steps[1] as Extract<Scenario['steps'][number], { op: 'access' }>;
    const r = runScenario(
      { ...s, steps: [s.steps[0], s.steps[1], s.steps[2], { ...access, walk: 'before-store' }] },
      { registry: new PolicyRegistry(), selection: 'raw-mmu:x86_64' },
    );
    expect(outcomes(r)).toEqual(['ok', 'ok', 'ok', 'unsupported']);
  });
  it('reports OS-level ops as unsupported and goes on', () => {
    const s = load('x86-missing-invlpg');
    const process = { ...s.steps[0], op: 'process', id: 'p' } as unknown as Scenario['steps'][number];
    const r = runScenario(
      { ...s, steps: [process, ...s.steps] },
      { registry: new PolicyRegistry(), selection: 'raw-mmu:x86_64' },
    );
    expect(r.steps[0].outcome).toBe('unsupported');
    expect(r.totals.unsupported).toBe(1);
    expect(r.steps.at(-1)!.outcome).toBe('ok');
  });
});

describe('raw-mmu:arm64', () => {
  it('break-before-make is reported at the offending store, not at the correct sequence', () => {
    const r = run('arm64-bbm', 'raw-mmu:arm64');
    expect(failed(r)).toEqual([]);
    const bbm = r.violations.filter((v) => v.invariant === 'break-before-make');
    expect(bbm).toHaveLength(1);
    // raw-mmu judges every invariant: the violation is a finding, not a note.
    expect(bbm[0]).toMatchObject({ step: '2', address: 0x400000, claimed: true });
  });
  it('check no-violations fails after a break-before-make violation (issue 11 defect 5)', () => {
    const r = run('arm64-bbm-check', 'raw-mmu:arm64');
    expect(r.steps[2].expectation).toEqual({ expected: 'no-violations', held: true });
    expect(r.steps[4].expectation).toMatchObject({ held: false, detail: '1 finding(s): break-before-make' });
    expect(r.totals.findings).toBe(1);
  });
  it('a last-level TLBI leaves a walk-cache entry to the freed PTE table; an all-levels TLBI does not', () => {
    const leaf = run('arm64-leaf-tlbi', 'raw-mmu:arm64');
    const v = leaf.violations.filter((x) => x.invariant === 'freed-pagetable-walk');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ step: '8', cpu: 1 });
    const all = run('arm64-leaf-tlbi', 'raw-mmu:arm64', { tlbi: 'vae1is' });
    expect(all.violations.filter((x) => x.invariant === 'freed-pagetable-walk')).toEqual([]);
  });
  it('serve: is reported ignored under stale-first, where the stale entry always serves', () => {
    const url = new URL('../../catalog/topics/hardware/either-new-then-old.yaml', import.meta.url);
    const text = readFileSync(url, 'utf8').replace('onConflict: either', 'onConflict: stale-first');
    const loaded = loadScenarioText(text, 'either.yaml', {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const r = runScenario(loaded.scenario, { registry: new PolicyRegistry(), selection: 'raw-mmu:arm64' });
    expect(r.steps[3]).toMatchObject({ outcome: 'ok-stale', ignored: ['serve'] });
  });
  // A kernel fills a page-table page before it links it (Linux mm/memory.c __pte_alloc: pte_alloc_one, then
  // pmd_install → pmd_populate); raw-write already adopted such a table at its declared level.
  it('a table-store fills a table nothing links yet (at its declared level); a freed one is skipped', () => {
    const r = run('arm64-fill-before-link', 'raw-mmu:arm64');
    expect(failed(r)).toEqual([]);
    expect(outcomes(r)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'skipped']);
    expect(r.notes.join('\n')).toMatch(/step 5 \(line 15\): skipped: table 'gone' was freed/);
  });
  // herd7 herd/libdir/aarch64hwreqs.cat (DSB-ob; [IFB]) and aarch64.cat (TLBI-ob): see unsynced-stores.ts.
  it('walk: before-store reads an entry as it was before a store nothing has ordered before the walk (herd7 without ETS2)', () => {
    const r = run('arm64-walk-before-store', 'raw-mmu:arm64');
    expect(failed(r)).toEqual([]);
    expect(outcomes(r)).toEqual([
      'ok',
      'ok',
      'ok',
      'fault:not-present',
      'ok',
      'fault:not-present',
      'ok',
      'skipped',
      'ok',
      'ok',
      'skipped',
      'fault:not-present',
      'ok',
      'fault:not-present',
      'ok',
      'skipped',
    ]);
    expect(r.notes.filter((n) => n.includes('walk: before-store'))).toHaveLength(3);
  });
  it('x86 instructions are unsupported on arm64', () => {
    const r = run('x86-missing-invlpg', 'raw-mmu:arm64');
    expect(r.steps[4].outcome).toBe('unsupported');
  });
});

describe('determinism', () => {
  it('a trace recorder sees the run’s events and steps and does not change the result', () => {
    const s = load('x86-missing-invlpg');
    const trace = new TraceRecorder(s.name, 'raw-mmu:x86_64');
    const traced = runScenario(s, { registry: new PolicyRegistry(), selection: 'raw-mmu:x86_64', trace });
    const recorded = trace.take();
    const kinds = recorded.events.map((e) => e.kind);
    expect(kinds).toContain('store');
    expect(kinds).toContain('flush');
    expect(recorded.steps.map((st) => st.path)).toEqual(traced.steps.map((st) => st.path));
    expect(JSON.stringify(traced)).toBe(JSON.stringify(run('x86-missing-invlpg', 'raw-mmu:x86_64')));
  });
  it('the same run twice gives byte-identical JSON', () => {
    for (const [name, sel] of [
      ['arm64-bbm', 'raw-mmu:arm64'],
      ['x86-missing-invlpg', 'raw-mmu:x86_64'],
    ] as const) {
      expect(JSON.stringify(run(name, sel))).toBe(JSON.stringify(run(name, sel)));
    }
  });
});

// The reference plug-in under OS-level scenarios, loaded exactly as a third-party plug-in is.
// Expectations come from DESIGN §4 (the vfree-exec-reuse example), spec linux.md §1.1 (on_each_cpu
// costs C−1 IPIs) and §6 (PKRU gates data accesses; rights per thread, inherited at fork, reset at exec).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioText, runScenario, type PolicyRegistry, type RunResult } from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

let registry: PolicyRegistry;

beforeAll(async () => {
  registry = await referenceRegistry();
});

function run(name: string, selection = 'reference'): RunResult {
  const url = new URL(`./fixtures/runner/${name}.yaml`, import.meta.url);
  const loaded = loadScenarioText(readFileSync(url, 'utf8'), `${name}.yaml`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return runScenario(loaded.scenario, { registry, selection });
}

function failed(r: RunResult): string[] {
  return r.steps
    .filter((s) => s.expectation?.held === false)
    .map((s) => `${s.path} ${s.op}: ${s.expectation?.detail}`);
}

describe('reference policy', () => {
  it('vfree-exec-reuse: the freed executable alias is gone before its frames are reused (DESIGN §4)', () => {
    const r = run('vfree-exec-reuse');
    expect(failed(r)).toEqual([]);
    expect(r.violations).toEqual([]);
    expect(r.totals.findings).toBe(0);
  });
  it('every shootdown is one IPI to each other CPU (spec linux.md §1.1)', () => {
    const r = run('vfree-exec-reuse');
    for (const s of r.steps) expect(s.counters['ipi'] ?? 0).toBe((s.counters['kflush'] ?? 0) * 3);
    expect(r.totals.counters['kflush']).toBeGreaterThan(0);
  });
  it('munmap: no CPU may still hold the entry, a later access kills the process', () => {
    const r = run('user-lifecycle');
    expect(failed(r)).toEqual([]);
    expect(r.steps[4]!.pages).toEqual(['ok', 'ok']); // one outcome per page (DESIGN §4)
    expect(r.violations).toEqual([]);
  });
  it('speculate under an OS policy walks the CPU’s loaded tables and fills only that CPU (DESIGN §2)', () => {
    const r = run('speculate-os');
    expect(failed(r)).toEqual([]);
    const spec = r.steps.filter((s) => s.op === 'speculate');
    expect(spec.map((s) => s.outcome)).toEqual(['ok', 'ok']);
    expect(spec[0]!.counters['walk']).toBe(2); // one speculative walk per page, nothing architectural
  });
  it('protection keys: per-thread rights, inherited at fork, reset at exec, kept across swap-out', () => {
    const r = run('pkey-rights');
    expect(failed(r)).toEqual([]);
    expect(r.violations).toEqual([]);
  });
  it('page-table frames are write-protected outside the privileged context', () => {
    const r = run('pagetable-stray');
    expect(failed(r)).toEqual([]);
  });
  it('a revoke interleaved at munmap’s cleared phase leaves no translation to the PFNs', () => {
    const r = run('revoke-race');
    expect(failed(r)).toEqual([]);
    expect(r.violations.filter((v) => v.invariant === 'pfn-release')).toEqual([]);
    const paths = r.steps.map((s) => s.path);
    expect(paths.indexOf('5.0')).toBeLessThan(paths.indexOf('5.op')); // nested step ran inside munmap
  });
  it('hardware-level ops are unsupported under a policy', () => {
    const url = new URL('./fixtures/runner/x86-missing-invlpg.yaml', import.meta.url);
    const loaded = loadScenarioText(readFileSync(url, 'utf8'), 'x.yaml');
    if (!loaded.ok) throw new Error('load');
    const r = runScenario(loaded.scenario, { registry, selection: 'reference' });
    expect(r.steps.every((s) => s.outcome === 'unsupported')).toBe(true);
  });
  it('is deterministic: the same run twice gives byte-identical JSON', () => {
    for (const name of ['vfree-exec-reuse', 'pkey-rights', 'revoke-race']) {
      expect(JSON.stringify(run(name))).toBe(JSON.stringify(run(name)));
    }
  });
});

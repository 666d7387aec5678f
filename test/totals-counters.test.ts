// A result's totals count from the same point as its cycles (DESIGN §5): what the scenario's steps did,
// not the policy's boot. A boot that flushes (the reference policy's boot-time full flush) or allocates page
// tables (FreeBSD's pmap_bootstrap-like set-up) must not show in a comparison's counter rows, where it would
// charge one design with work the scenario never asked of it; so the totals are the sum of the top-level
// steps' counter deltas, for every catalogue scenario under each base policy.
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import type { PolicyRegistry } from '@shootdown/core';
import { loadScenarioFile, loadScenarioText, runScenario } from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';

const POLICIES = ['linux-x86', 'freebsd-amd64', 'arm64-pkey', 'reference'];

let registry: PolicyRegistry;
beforeAll(async () => {
  registry = (await loadRegistryLikeCli({ userPlugins: false })).registry;
});

describe('totals.counters', () => {
  it('are the sum of the top-level steps, boot excluded, for every catalogue scenario', async () => {
    const options = loadOptionsFor(registry);
    let compared = 0;
    for (const { name, path } of listScenarios()) {
      const loaded = await loadScenarioFile(path, options);
      if (!loaded.ok) throw new Error(`${path}: does not load`);
      for (const selection of POLICIES) {
        const r = runScenario(loaded.scenario, { registry, selection });
        if (r.error !== undefined) continue;
        const sum: Record<string, number> = {};
        // Nested steps (an interleave's, a repeat's) are listed too, with a dotted path; their work is
        // already in their parent's delta.
        for (const step of r.steps.filter((x) => !x.path.includes('.')))
          for (const [k, v] of Object.entries(step.counters)) sum[k] = (sum[k] ?? 0) + v;
        for (const k of Object.keys(sum)) if (sum[k] === 0) delete sum[k];
        expect({ run: `${name} ${selection}`, counters: r.totals.counters }).toEqual({
          run: `${name} ${selection}`,
          counters: sum,
        });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  }, 240_000);

  it('leave out the boot: a scenario whose one step does no work counts nothing', () => {
    // The reference boot ends with a full flush broadcast to every other CPU (plugins/reference/src/os.ts),
    // FreeBSD's boot allocates page-table pages: neither is the scenario's work.
    const text = `name: idle
description: One check, nothing else.
machine: { cpus: 4, memory: 64MiB, tlb: adversarial }
steps:
  - { op: check, expect: no-violations }
`;
    const loaded = loadScenarioText(text, 'idle.yaml', loadOptionsFor(registry));
    if (!loaded.ok) throw new Error('does not load');
    for (const selection of POLICIES) {
      const r = runScenario(loaded.scenario, { registry, selection });
      expect({ selection, counters: r.totals.counters }).toEqual({ selection, counters: {} });
    }
  });
});

// The machine block's `costs` (schemas/machine.schema.json → cost-model.schema.json) reaches the MMU: a
// scenario prices its own events. Weights and units: spec linux.md §7.2 (one INVLPG = 1, an IPI 15 by
// default); cycles are the weighted sum of the counters (DESIGN §2 "Costs and events").
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCostModel } from '@shootdown/mmu';
import { loadScenarioText, runScenario, type PolicyRegistry, type RunResult } from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

let registry: PolicyRegistry;

beforeAll(async () => {
  registry = await referenceRegistry();
});

// A kernel mapping freed while another CPU has used it: the free shoots it down (spec linux.md §1.1).
function scenario(machine: string): string {
  return [
    'name: priced-shootdown',
    `machine: ${machine}`,
    'steps:',
    '  - { op: kalloc, id: buf, pages: 2 }',
    '  - { op: access, cpu: 1, region: buf, kind: write, expect: ok }',
    '  - { op: kfree, region: buf }',
    '',
  ].join('\n');
}

function run(machine: string): RunResult {
  const loaded = loadScenarioText(scenario(machine), 'priced.yaml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return runScenario(loaded.scenario, { registry, selection: 'reference' });
}

describe('machine costs', () => {
  it('a weight set in the scenario changes the cycles by exactly that weight times the count', () => {
    const base = run('{ cpus: 4 }');
    const priced = run('{ cpus: 4, costs: { ipi: 100 } }');
    const extra = 100 - defaultCostModel['ipi']!;
    expect(priced.steps.length).toBe(base.steps.length);
    let ipis = 0;
    // Same events, one weight changed: per step the counters agree, the cycles differ by ipis × extra.
    base.steps.forEach((b, i) => {
      const p = priced.steps[i]!;
      expect(p.counters).toEqual(b.counters);
      const n = b.counters['ipi'] ?? 0;
      ipis += n;
      expect(p.cycles - b.cycles).toBeCloseTo(n * extra, 9);
    });
    expect(ipis).toBeGreaterThan(0);
    expect(priced.totals.cycles - base.totals.cycles).toBeCloseTo(ipis * extra, 9);
  });

  it('omitted weights keep the cost model defaults', () => {
    expect(run('{ cpus: 4, costs: {} }').totals.cycles).toBe(run('{ cpus: 4 }').totals.cycles);
  });

  it('a negative weight is refused at load with its line and column', () => {
    const loaded = loadScenarioText(scenario('{ cpus: 4, costs: { ipi: -1 } }'), 'priced.yaml');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors[0]).toMatchObject({ file: 'priced.yaml', line: 2, pointer: '/machine/costs/ipi' });
    expect(loaded.errors[0]!.column).toBeGreaterThan(1);
  });

  it('a weight that is not a number is refused at load', () => {
    const loaded = loadScenarioText(scenario("{ cpus: 4, costs: { ipi: 'cheap' } }"), 'priced.yaml');
    expect(loaded.ok).toBe(false);
  });
});

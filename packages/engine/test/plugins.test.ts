// Programmatic plug-in loading (the CLI's path) and what the runner does with what plug-ins add:
// a failing plug-in is named and the others keep working; contributed variants, ops and probes reach
// the run; ops other policies never declared are `unsupported` there (DESIGN §3, §4).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  expandVary,
  loadPlugins,
  loadScenarioText,
  runScenario,
  scenarioOptionsFor,
  type PolicyRegistry,
} from '../src/index.js';

const dir = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const reference = dir('../../../plugins/reference');
const toy = dir('./fixtures/runner/plugins/extra-variant');
const broken = dir('./fixtures/runner/plugins/throws');

function toyRun(registry: PolicyRegistry, selection: string) {
  const text = readFileSync(new URL('./fixtures/runner/toy-ops.yaml', import.meta.url), 'utf8');
  const loaded = loadScenarioText(text, 'toy-ops.yaml', scenarioOptionsFor(registry));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return runScenario(loaded.scenario, { registry, selection });
}

describe('loadPlugins', () => {
  it('names the plug-in that throws and keeps the others', async () => {
    const r = await loadPlugins([broken, reference, toy]);
    expect(r.loaded.map((l) => l.plugin)).toEqual([
      '@shootdown/policy-reference',
      'fixture-runner-extra-variant',
    ]);
    expect(r.failures).toEqual([
      { plugin: 'fixture-runner-throws', message: 'register(ctx) threw: this plug-in is broken on purpose' },
    ]);
    expect(r.registry.policies().map((p) => p.name)).toEqual(['reference', 'toy']);
  });
  it('expands --vary <policy>:<mechanism> to one selection per variant, default first', async () => {
    const { registry } = await loadPlugins([toy]);
    expect(expandVary(registry, 'toy:greeting').map((s) => s.text)).toEqual(['toy', 'toy:greeting=bye']);
  });
});

describe('contributed ops and probes in a run', () => {
  it('reach the selected variant through the run’s container', async () => {
    const { registry } = await loadPlugins([toy, reference]);
    const hello = toyRun(registry, 'toy');
    expect(hello.steps.filter((s) => s.expectation?.held === false)).toEqual([]);
    const bye = toyRun(registry, 'toy:greeting=bye');
    expect(bye.steps[2]).toMatchObject({ op: 'toy.greet', value: 'bye', expectation: { held: false } });
    expect(bye.steps[3]).toMatchObject({ value: 'bye' });
  });
  it('are unsupported under a policy that did not declare them', async () => {
    const { registry } = await loadPlugins([toy, reference]);
    const r = toyRun(registry, 'reference');
    expect(r.steps[2]!.outcome).toBe('unsupported');
    expect(r.steps[3]!.outcome).toBe('unsupported');
    expect(r.steps[0]!.outcome).toBe('ok');
  });
  it('an interleave whose phase never comes reports its nested steps as skipped', async () => {
    const { registry } = await loadPlugins([toy]);
    const r = toyRun(registry, 'toy');
    const nested = r.steps.find((s) => s.path === '4.0');
    expect(nested).toMatchObject({ outcome: 'skipped' });
    expect(r.steps.find((s) => s.path === '4.op')).toMatchObject({ outcome: 'unsupported' });
    expect(r.notes.some((n) => n.includes("phase 'flushed'"))).toBe(true);
  });
  it('an op the policy reports unsupported does not stop the run', async () => {
    const { registry } = await loadPlugins([toy]);
    const r = toyRun(registry, 'toy');
    expect(r.steps.at(-1)).toMatchObject({ op: 'check', outcome: 'ok', value: 'alive' });
  });
});

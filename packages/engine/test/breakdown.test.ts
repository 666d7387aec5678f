// `RunOptions.breakdown` (issue 12 item 6): one step's latency and work by event kind and by CPU. Every
// step of every runner fixture is broken down in turn, and the breakdown must add up to that step's own
// latency and work as the result reports them; a run without the option is byte-identical to before.
import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allSteps,
  loadScenarioText,
  renderBreakdown,
  runScenario,
  scenarioOptionsFor,
  serializeResult,
  validateResult,
  type PolicyRegistry,
  type RunResult,
  type Scenario,
} from '../src/index.js';
import { referenceRegistry } from './reference-registry.js';

const fixtures = new URL('./fixtures/runner/', import.meta.url);
let registry: PolicyRegistry;

beforeAll(async () => {
  // The toy plug-in adds a variant and an op of its own (toy-ops.yaml uses it).
  registry = await referenceRegistry({ toy: true });
});

function load(file: string): Scenario {
  const loaded = loadScenarioText(
    readFileSync(new URL(file, fixtures), 'utf8'),
    file,
    scenarioOptionsFor(registry),
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

const selectionOf = (s: Scenario): string => (s.hw ? `raw-mmu:${s.hw.arch ?? 'x86_64'}` : 'reference');

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Each figure is rounded to 1e-6: n of them may differ from the rounded total by n × 5e-7. */
function closeTo(actual: number, expected: number, terms: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual((terms + 1) * 5e-7);
}

const files = readdirSync(fixtures)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('step cost breakdown', () => {
  it('adds up to each step’s latency and work, for every step of every fixture', () => {
    let broken = 0;
    let withIpi = 0;
    for (const f of files) {
      const scenario = load(f);
      const plain = runScenario(scenario, { registry, selection: selectionOf(scenario) });
      for (const step of allSteps(scenario)) {
        const r = runScenario(scenario, {
          registry,
          selection: selectionOf(scenario),
          breakdown: step.path,
        });
        const b = r.breakdown!;
        const record = r.steps.find((s) => s.path === step.path)!;
        expect(b.step, `${f} ${step.path}`).toBe(step.path);
        expect(b.latency).toBe(record.latency);
        expect(b.work).toBe(record.cycles);
        closeTo(sum(b.events.map((e) => e.latency)), record.latency, b.events.length);
        closeTo(sum(b.events.map((e) => e.work)), record.cycles, b.events.length);
        closeTo(sum(b.cpus.map((c) => c.work)), record.cycles, b.cpus.length);
        for (const e of b.events) {
          expect(e.latency).toBeCloseTo(e.onPath * e.weight, 6);
          expect(e.work).toBeCloseTo(e.count * e.weight, 6);
        }
        // every CPU's events, priced, are its work
        const weight = new Map(b.events.map((e) => [e.event, e.weight]));
        for (const c of b.cpus) {
          const priced = Object.entries(c.events).map(([n, k]) => k * weight.get(n)!);
          closeTo(sum(priced), c.work, priced.length);
        }
        expect(b.cpus.find((c) => c.cpu === step.cpu)?.role).toBe('initiator');
        // the breakdown is all that differs from the plain run
        const { breakdown: _, ...rest } = r;
        expect(serializeResult(rest as RunResult)).toBe(serializeResult(plain));
        expect(validateResult(JSON.parse(serializeResult(r)))).toEqual([]);
        broken++;
        if (b.events.some((e) => e.event === 'ipi')) withIpi++;
      }
    }
    expect(broken).toBeGreaterThan(50);
    expect(withIpi).toBeGreaterThan(0);
  }, 120_000);

  it('is absent unless asked for', () => {
    const scenario = load('vfree-exec-reuse.yaml');
    const r = runScenario(scenario, { registry, selection: 'reference' });
    expect(r.breakdown).toBeUndefined();
    expect(serializeResult(r)).not.toContain('"breakdown"');
  });

  it('breaks down a composite step over everything it ran, nested steps included', () => {
    const scenario = load('revoke-race.yaml');
    const composite = scenario.steps.find((s) => s.op === 'interleave' || s.op === 'repeat')!;
    const r = runScenario(scenario, { registry, selection: 'reference', breakdown: composite.path });
    const record = r.steps.find((s) => s.path === composite.path)!;
    expect(r.breakdown!.latency).toBe(record.latency);
    closeTo(sum(r.breakdown!.events.map((e) => e.work)), record.cycles, r.breakdown!.events.length);
  });

  it('draws the events and the CPUs, the totals equal to the step’s', () => {
    const scenario = load('vfree-exec-reuse.yaml');
    const steps = allSteps(scenario);
    // the reference OS shoots down with an IPI to every CPU (plugins/reference os.ts): find such a step
    const withIpi = steps
      .map((s) => runScenario(scenario, { registry, selection: 'reference', breakdown: s.path }))
      .find((r) => r.breakdown!.events.some((e) => e.event === 'ipi'))!;
    const b = withIpi.breakdown!;
    const text = renderBreakdown(withIpi, b, 'text')!;
    expect(text).toContain(`cost of step ${b.step} (${b.label}, cpu ${b.cpu})`);
    expect(text).toMatch(/^by event:$/mu);
    expect(text).toMatch(/^by CPU:$/mu);
    expect(text).toMatch(/^ipi_send +IPI send, per target/mu);
    const totals = text.split('\n').filter((l) => l.startsWith('total'));
    expect(totals[0]).toMatch(new RegExp(`${b.latency}\\s+${b.work}$`, 'u'));
    expect(totals[1]).toMatch(new RegExp(`${b.work}$`, 'u'));
    expect(text).not.toMatch(/[^\x20-\x7e\n]/u); // plain text is ASCII
    const table = renderBreakdown(withIpi, b, 'table')!;
    expect(table).toContain(' │ ');
    const md = renderBreakdown(withIpi, b, 'markdown')!;
    expect(md).toContain('| event | what | weight | count | on path | latency | work |');
    expect(md).toContain('| cpu | role | work | events charged there |');
    expect(renderBreakdown(withIpi, b, 'ktap')).toBeUndefined();
  });
});

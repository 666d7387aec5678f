// `run --breakdown <step>` end to end (issue 12 item 6): one step's latency and work by event kind and by
// CPU, from a run on a worker thread; the JSON result carries it (schemas/result.schema.json), the text
// forms draw it, and a step the scenario does not have is exit 2 with the reason, nothing run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import type { PolicyRegistry } from '@shootdown/core';
import {
  formatScenarioError,
  loadScenarioText,
  runScenario,
  validateResult,
  type StepBreakdown,
} from '@shootdown/engine';
import { defaultCostModel } from '@shootdown/mmu';
import { describeRun, makeHome, runCli, type CliHome } from './helpers/cli.js';

let home: CliHome;
let registry: PolicyRegistry;
beforeAll(async () => {
  home = makeHome();
  registry = (await loadRegistryLikeCli({ userPlugins: false })).registry;
});
afterAll(() => home.cleanup());

// Step 4 of populate-unmapped allocates the guest pages; upstream removes each from the direct map with a
// kernel-range flush to every other CPU (spec linux.md §4.1).
const BASE = ['run', 'populate-unmapped', '--policy', 'linux-x86', '--set', 'pages=4', '--set', 'cpus=8'];

interface Breakdown {
  step: string;
  cpu: number;
  latency: number;
  work: number;
  events: { event: string; weight: number; count: number; onPath: number; latency: number; work: number }[];
  cpus: { cpu: number; role: string; work: number; events: Record<string, number> }[];
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe.concurrent('run --breakdown', () => {
  it('puts the breakdown in the JSON result; it adds up to the step’s latency and work', async () => {
    const r = await runCli([...BASE, '--breakdown', '4', '--format', 'json'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const result = JSON.parse(r.stdout) as {
      steps: { path: string; latency: number; cycles: number }[];
      breakdown: Breakdown;
    };
    expect(validateResult(result)).toEqual([]);
    const b = result.breakdown;
    const step = result.steps.find((s) => s.path === '4')!;
    expect([b.step, b.latency, b.work]).toEqual(['4', step.latency, step.cycles]);
    expect(sum(b.events.map((e) => e.latency))).toBeCloseTo(step.latency, 5);
    expect(sum(b.events.map((e) => e.work))).toBeCloseTo(step.cycles, 5);
    expect(sum(b.cpus.map((c) => c.work))).toBeCloseTo(step.cycles, 5);
    // every other CPU took the direct-map flush IPIs
    expect(b.cpus.filter((c) => c.role === 'target').map((c) => c.cpu)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(b.cpus[0]).toMatchObject({ cpu: 0, role: 'initiator' });
    const plain = await runCli([...BASE, '--format', 'json'], home);
    expect(plain.stdout).not.toContain('"breakdown"');
    const { breakdown: _, ...rest } = result;
    expect(JSON.stringify(rest, null, 2) + '\n').toBe(plain.stdout);
  });

  it('draws it as text: the events, the CPUs, totals equal to the step’s', async () => {
    const r = await runCli([...BASE, '--breakdown', '4', '--format', 'text'], home);
    expect(r.code, describeRun(r)).toBe(0);
    const json = await runCli([...BASE, '--breakdown', '4', '--format', 'json'], home);
    const b = (JSON.parse(json.stdout) as { breakdown: Breakdown }).breakdown;
    expect(r.stdout).toMatch(/^cost of step 4 \(page-alloc guest 4p/u);
    expect(r.stdout).toMatch(/^ipi +IPI handler on a target +15 /mu);
    expect(r.stdout).toMatch(/^1-7 +target +7 x /mu);
    const totals = r.stdout.split('\n').filter((l) => l.startsWith('total'));
    expect(totals[0]).toMatch(new RegExp(` ${b.latency} +${b.work}$`, 'u'));
    expect(totals[1]).toMatch(new RegExp(` ${b.work}$`, 'u'));
  });

  it.each([
    [['--breakdown', '99'], /scenario populate-unmapped has no step "99"; its top-level steps are 0–6/],
    [['--breakdown', 'abc'], /has no step "abc"/],
    [['--breakdown', '-1'], /has no step "-1"/],
    [['--breakdown', '4.op'], /did you mean --breakdown 4\?/],
    [
      ['--breakdown', '4', '--format', 'ktap'],
      /--breakdown prints table, text, markdown, json; not --format ktap/,
    ],
    [['--breakdown', '4', '--format', 'html'], /not --format html/],
  ])('bad --breakdown %j: exit 2 with the reason, nothing run or written', async (extra, message) => {
    const out = join(home.dir, `bad-${extra.join('_').replace(/[^\w]/g, '')}.txt`);
    const r = await runCli([...BASE, ...extra, '--out', out], home);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });
});

// One page of kernel memory flushed from CPU 0 on a machine of `cpus` CPUs (step 1).
const ONE_PAGE_FLUSH = (cpus: number): string => `name: one-page-kernel-flush
description: A single-page kernel TLB flush reaching every CPU.
machine: { cpus: ${cpus}, memory: 64MiB, tlb: adversarial }
steps:
  - { op: kalloc, id: buf, pages: 1 }
  - { op: flush-kernel-range, cpu: 0, region: buf }
`;

function breakdownOf(selection: string, cpus: number): StepBreakdown {
  const loaded = loadScenarioText(ONE_PAGE_FLUSH(cpus), 'one-page.yaml', loadOptionsFor(registry));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatScenarioError(e)).join('\n'));
  const r = runScenario(loaded.scenario, { registry, selection, breakdown: '1' });
  return r.breakdown!;
}

const w = (name: string): number => defaultCostModel[name] ?? 0;

describe('a single-page shootdown broken down by hand from the cost model (spec linux.md §7.4)', () => {
  // linux-x86: flush_tlb_kernel_range → on_each_cpu(do_kernel_range_flush, info, 1) (arch/x86/mm/tlb.c):
  // one INVLPG on every CPU. smp_call_function_many_cond (kernel/smp.c) sends the N−1 IPIs, runs the
  // local INVLPG while the targets run theirs, and waits for every acknowledgement. So the initiator
  // waits for kflush, N−1 sends, then the last target's handler (entry + INVLPG) and its acknowledgement;
  // its own INVLPG is shorter and off the path. Every CPU pays its INVLPG, every target its handler.
  it.each([2, 8, 64])('linux-x86 on %i CPUs', (n) => {
    const b = breakdownOf('linux-x86', n);
    const latency = w('kflush') + (n - 1) * w('ipi_send') + w('ipi') + w('invlpg') + w('ipi_wire');
    const work = w('kflush') + (n - 1) * (w('ipi_send') + w('ipi')) + n * w('invlpg');
    expect(b.latency).toBeCloseTo(latency, 6);
    expect(b.work).toBeCloseTo(work, 6);
    const rows = Object.fromEntries(b.events.map((e) => [e.event, [e.count, e.onPath]]));
    expect(rows).toEqual({
      kflush: [1, 1],
      ipi: [n - 1, 1],
      ipi_send: [n - 1, n - 1],
      ipi_wire: [0, 1],
      invlpg: [n, 1],
    });
    const ipi = b.events.find((e) => e.event === 'ipi')!;
    expect([ipi.weight, ipi.latency, ipi.work]).toEqual([w('ipi'), w('ipi'), (n - 1) * w('ipi')]);
    expect(b.cpus).toHaveLength(n);
    expect(b.cpus[0]).toEqual({
      cpu: 0,
      role: 'initiator',
      work: w('kflush') + (n - 1) * w('ipi_send') + w('invlpg'),
      events: { kflush: 1, ipi_send: n - 1, invlpg: 1 },
    });
    for (const c of b.cpus.slice(1)) {
      expect(c).toEqual({
        cpu: c.cpu,
        role: 'target',
        work: w('ipi') + w('invlpg'),
        events: { ipi: 1, invlpg: 1 },
      });
    }
  });

  // arm64: a broadcast TLBI and its DSB (arch/arm64/include/asm/tlbflush.h flush_tlb_kernel_range): the
  // hardware reaches every CPU, so the initiator's own instructions are the whole cost on both clocks.
  it('arm64-pkey: no IPI term, latency equals work, all of it on the initiator', () => {
    const b = breakdownOf('arm64-pkey', 8);
    expect(b.events.some((e) => e.event.startsWith('ipi'))).toBe(false);
    expect(b.events.some((e) => e.event === 'dsb')).toBe(true);
    expect(b.latency).toBe(b.work);
    expect(b.cpus.map((c) => c.role)).toEqual(['initiator']);
  });
});

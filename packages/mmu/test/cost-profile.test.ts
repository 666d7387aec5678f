// The cost breakdown of the two clocks (spec linux.md §7.4) by event kind and by CPU: which events lie on
// the initiator's latency path, which each CPU paid as work. Expectations are the section's definitions
// worked by hand with round weights; the property test checks that the breakdown always adds up to the
// clocks the counters keep, whatever the sequence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, type CostProfileReport, type Machine } from '../src/index.js';
import { propertyRuns } from './helpers.js';

const COSTS = {
  invlpg: 1,
  full: 30,
  ipi: 10,
  ipi_send: 1,
  ipi_wire: 4,
  kflush: 5,
  dsb: 5,
  tlbi_leaf: 1,
  'test.weighted': 7,
};

function machine(cpus: number, arch: 'x86_64' | 'arm64' = 'x86_64'): Machine {
  const m = createMachine({ arch, cpus, memory: '16MiB' }, COSTS);
  m.beginStep(0);
  m.startCostProfile();
  return m;
}

/** name → [count, onPath], for compact expectations. */
function events(r: CostProfileReport): Record<string, [number, number]> {
  return Object.fromEntries(r.events.map((e) => [e.name, [e.count, e.onPath]]));
}

const latencyOf = (r: CostProfileReport): number => r.events.reduce((s, e) => s + e.onPath * e.weight, 0);
const workOf = (r: CostProfileReport): number =>
  r.events.reduce((s, e) => s + (e.name === 'ipi_wire' ? 0 : e.count * e.weight), 0);

describe('cost profile (spec linux.md §7.4 by event kind and by CPU)', () => {
  it('an on_each_cpu shootdown: sends, the last target’s handler and one acknowledgement on the path', () => {
    const m = machine(4);
    m.count('kflush');
    m.ipi(0, 'all', (c) => m.invlpg(c, 0x1000));
    const r = m.stopCostProfile();
    // Latency 5 + 3·1 + 10 + 1 + 4 (two-clocks.test.ts): kflush, three sends, the last target's entry and
    // INVLPG, its acknowledgement. The sender's own INVLPG ran in parallel: work, not latency.
    expect(events(r)).toEqual({
      ipi_send: [3, 3],
      ipi_wire: [0, 1],
      kflush: [1, 1],
      ipi: [3, 1],
      invlpg: [4, 1],
    });
    expect(r.events.map((e) => e.name)).toEqual(['ipi_send', 'ipi_wire', 'kflush', 'ipi', 'invlpg']);
    expect(r.events.find((e) => e.name === 'ipi')!.weight).toBe(10);
    expect(latencyOf(r)).toBe(m.latency);
    expect(workOf(r)).toBe(m.cycles);
    expect(r.byCpu).toEqual([
      { ipi_send: 3, kflush: 1, invlpg: 1 },
      { ipi: 1, invlpg: 1 },
      { ipi: 1, invlpg: 1 },
      { ipi: 1, invlpg: 1 },
    ]);
  });

  it('a sender whose own share outlasts its targets: the share is on the path, no acknowledgement', () => {
    const m = machine(2);
    m.ipi(0, 'all', (c) => (c === 0 ? m.flushGlobal(c) : m.invlpg(c, 0x1000)));
    const r = m.stopCostProfile();
    // Send 1, then max(own full flush 30, target 10 + 1 + wire 4 = 15): 1 + 30.
    expect(m.latency).toBe(31);
    expect(events(r)).toEqual({ ipi_send: [1, 1], ipi: [1, 0], full: [1, 1], invlpg: [1, 0] });
    expect(latencyOf(r)).toBe(m.latency);
  });

  it('csd_lock: a second round to a busy target waits for the first, both rounds on the path', () => {
    const m = machine(2);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    m.ipi(0, [1], (c) => m.invlpg(c, 0x2000));
    const r = m.stopCostProfile();
    expect(events(r)).toEqual({ ipi_send: [2, 2], ipi_wire: [0, 2], ipi: [2, 2], invlpg: [2, 2] });
    expect(latencyOf(r)).toBe(2 * 16);
  });

  it('a target busy before the send starts its handler from its own chain, not the sender’s', () => {
    const m = machine(2);
    m.runOn(1);
    m.count('test.weighted', 3); // CPU 1 busy 21 units (a policy counter registered after the start)
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    const r = m.stopCostProfile();
    // The target's handler starts at 21 (its own clock), not at the send (1): 21 + 10 + 1 + 4 = 36.
    expect(m.latency).toBe(36);
    expect(events(r)).toEqual({
      ipi_send: [1, 0],
      ipi_wire: [0, 1],
      ipi: [1, 1],
      invlpg: [1, 1],
      'test.weighted': [3, 3],
    });
    expect(r.byCpu).toEqual([{ ipi_send: 1 }, { ipi: 1, invlpg: 1, 'test.weighted': 3 }]);
  });

  it('arm64 broadcast TLBI + DSB: the initiator’s own events, no IPI terms', () => {
    const m = machine(4, 'arm64');
    m.tlbi(0, 'VALE1', { va: 0x1000, asid: 1 });
    m.dsb(0);
    const r = m.stopCostProfile();
    expect(events(r)).toEqual({ tlbi_leaf: [1, 1], tlbi_broadcast: [1, 1], dsb: [1, 1] });
    expect(r.events.find((e) => e.name === 'tlbi_broadcast')!.weight).toBe(0);
    expect(latencyOf(r)).toBe(6);
  });

  it('banks each step on its initiator: the path of several steps is the sum of theirs', () => {
    const m = machine(2);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    m.beginStep(1);
    m.invlpg(1, 0x1000);
    const r = m.stopCostProfile();
    expect(events(r)).toEqual({ ipi_send: [1, 1], ipi_wire: [0, 1], ipi: [1, 1], invlpg: [2, 2] });
    expect(latencyOf(r)).toBe(m.latency);
  });

  it('starts only at a step boundary and stops only once', () => {
    const m = createMachine({ arch: 'x86_64', cpus: 2, memory: '16MiB' }, COSTS);
    m.beginStep(0);
    m.invlpg(0, 0x1000);
    expect(() => m.startCostProfile()).toThrow(/step boundary/u);
    m.beginStep(0);
    m.startCostProfile();
    expect(m.stopCostProfile().events).toEqual([]);
    expect(() => m.stopCostProfile()).toThrow(/startProfile first/u);
  });

  it('leaves the clocks as an unprofiled machine keeps them', () => {
    const run = (profiled: boolean): [number, number, readonly number[]] => {
      const m = createMachine({ arch: 'x86_64', cpus: 4, memory: '16MiB' }, COSTS);
      m.beginStep(0);
      if (profiled) m.startCostProfile();
      m.count('kflush');
      m.ipi(0, 'others', (c) => m.invlpg(c, 0x1000));
      m.invlpg(0, 0x1000);
      m.beginStep(2);
      m.ipi(2, 'all', (c) => m.flushGlobal(c));
      return [m.latency, m.cycles, m.workByCpu()];
    };
    expect(run(true)).toEqual(run(false));
  });

  type Cmd =
    | { op: 'ipi'; from: number; targets: number[]; full: boolean }
    | { op: 'invlpg'; cpu: number }
    | { op: 'count'; cpu: number; n: number }
    | { op: 'step'; cpu: number };
  const CPUS = 4;
  const cpu = fc.integer({ min: 0, max: CPUS - 1 });
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({
      op: fc.constant('ipi' as const),
      from: cpu,
      targets: fc.uniqueArray(cpu, { minLength: 1, maxLength: CPUS }),
      full: fc.boolean(),
    }),
    fc.record({ op: fc.constant('invlpg' as const), cpu }),
    fc.record({ op: fc.constant('count' as const), cpu, n: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ op: fc.constant('step' as const), cpu }),
  );

  it('adds up, for any sequence, to the latency and work the counters keep, in total and per CPU', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 30 }), (cmds) => {
        const m = createMachine({ arch: 'x86_64', cpus: CPUS, memory: '16MiB' }, COSTS);
        m.beginStep(0);
        m.count('kflush'); // charged before the profile: outside it
        m.beginStep(0);
        const lat0 = m.latency;
        const work0 = m.cycles;
        const cpu0 = m.workByCpu();
        m.startCostProfile();
        for (const c of cmds) {
          if (c.op === 'ipi') {
            m.ipi(c.from, c.targets, (t) => (c.full ? m.flushGlobal(t) : m.invlpg(t, 0x1000)));
          } else if (c.op === 'invlpg') m.invlpg(c.cpu, 0x2000);
          else if (c.op === 'count') {
            m.runOn(c.cpu);
            m.count('test.weighted', c.n);
          } else m.beginStep(c.cpu);
        }
        const r = m.stopCostProfile();
        expect(latencyOf(r)).toBeCloseTo(m.latency - lat0, 9);
        expect(workOf(r)).toBeCloseTo(m.cycles - work0, 9);
        const weight = new Map(r.events.map((e) => [e.name, e.weight]));
        const cpuNow = m.workByCpu();
        r.byCpu.forEach((ev, k) => {
          const w = Object.entries(ev).reduce((s, [n, c]) => s + c * weight.get(n)!, 0);
          expect(w).toBeCloseTo(cpuNow[k]! - cpu0[k]!, 9);
        });
        for (const e of r.events) expect(e.onPath).toBeGreaterThanOrEqual(0);
      }),
      { seed: 12, numRuns: propertyRuns(300) },
    );
  });
});

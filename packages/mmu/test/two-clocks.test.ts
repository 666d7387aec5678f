// The two clocks of spec linux.md §7.4: latency of the initiating CPU (send, the slowest target's
// handler, acknowledgement; no IPI term for a local flush) and work summed over all CPUs.
import { describe, expect, it } from 'vitest';
import { createMachine } from '../src/index.js';

// Round weights so every expectation below is exact arithmetic from the section's definitions.
const COSTS = { invlpg: 1, full: 30, ipi: 10, ipi_send: 1, ipi_wire: 4, kflush: 5, dsb: 5, tlbi_leaf: 1 };

function machine(cpus: number, arch: 'x86_64' | 'arm64' = 'x86_64') {
  const m = createMachine({ arch, cpus, memory: '16MiB' }, COSTS);
  m.beginStep(0);
  return m;
}

describe('two clocks (spec linux.md §7.4)', () => {
  it('a local flush costs the same on both clocks: no IPI term', () => {
    const m = machine(4);
    m.count('kflush');
    m.invlpg(0, 0x1000);
    expect(m.latency).toBe(5 + 1);
    expect(m.cycles).toBe(5 + 1);
  });

  it('an on_each_cpu shootdown: targets in parallel on the latency clock, every handler in the work', () => {
    const m = machine(4);
    m.count('kflush');
    m.ipi(0, 'all', (c) => m.invlpg(c, 0x1000));
    // Latency: kflush, three sends, then the last target (started after the third send) runs its entry
    // and its INVLPG, and the acknowledgement comes back: 5 + 3·1 + 10 + 1 + 4. The sender's own INVLPG
    // ran while the targets ran theirs.
    expect(m.latency).toBe(5 + 3 * 1 + 10 + 1 + 4);
    // Work: kflush, every send, every target's entry, every CPU's INVLPG (the §7.3 sum plus the sends).
    expect(m.cycles).toBe(5 + 3 * (1 + 10) + 4 * 1);
  });

  it('grows the latency with the number of targets only by the sends, the work by whole handlers', () => {
    const lat: number[] = [];
    const work: number[] = [];
    for (const cpus of [2, 8, 32]) {
      const m = machine(cpus);
      m.ipi(0, 'others', (c) => m.invlpg(c, 0x1000));
      lat.push(m.latency);
      work.push(m.cycles);
    }
    expect(lat).toEqual([1 + 10 + 1 + 4, 7 + 10 + 1 + 4, 31 + 10 + 1 + 4]);
    expect(work).toEqual([12, 7 * 12, 31 * 12]);
  });

  it('a sender that sends again to a target still handling it waits first (csd_lock)', () => {
    const m = machine(2);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    m.ipi(0, [1], (c) => m.invlpg(c, 0x2000));
    // Two full rounds back to back: each 1 + 10 + 1 + 4.
    expect(m.latency).toBe(2 * 16);
  });

  it('the initiator waits for its targets before it charges anything else', () => {
    const m = machine(2);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    m.invlpg(0, 0x3000);
    expect(m.latency).toBe(16 + 1);
  });

  it('a round that is only the sender’s own share: its time is the sender’s before anything it charges next', () => {
    const m = machine(2);
    m.ipi(0, [0], (c) => m.invlpg(c, 0x1000));
    m.invlpg(0, 0x2000);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x3000));
    // No target ran beside the share, so it is plain sender time: 1, then its INVLPG 1, then a round to CPU 1
    // sent after both: 1 + 10 + 1 + 4.
    expect(m.latency).toBe(1 + 1 + (1 + 10 + 1 + 4));
  });

  it('banks each step on its own initiator: a step on another CPU starts from a clean clock', () => {
    const m = machine(2);
    m.ipi(0, [1], (c) => m.invlpg(c, 0x1000));
    m.beginStep(1);
    m.invlpg(1, 0x1000);
    expect(m.latency).toBe(16 + 1);
    expect(m.cycles).toBe(12 + 1);
  });

  it('arm64: a broadcast TLBI and its DSB are the initiator’s own time, with no IPI term', () => {
    const m = machine(8, 'arm64');
    m.tlbi(0, 'VALE1', { va: 0x1000, asid: 1 });
    m.dsb(0);
    expect(m.latency).toBe(1 + 5);
    expect(m.cycles).toBe(1 + 5);
    expect(m.counter('ipi')).toBe(0);
  });

  it('keeps work per CPU: the breakdown by CPU sums to the work', () => {
    const m = machine(4);
    m.count('kflush');
    m.ipi(0, 'all', (c) => m.invlpg(c, 0x1000));
    const byCpu = m.workByCpu();
    expect(byCpu).toEqual([5 + 3 * 1 + 1, 11, 11, 11]);
    expect(byCpu.reduce((a, b) => a + b, 0)).toBe(m.cycles);
  });
});

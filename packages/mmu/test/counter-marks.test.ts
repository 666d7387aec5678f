// Counter marks: the engine's per-step counters (DESIGN §5: a step's counters are what moved during it,
// standard names first, then the others sorted) taken as a Float64Array mark and a changed-since walk
// instead of two snapshot records per step. They must say exactly what `delta(snapshot)` says, without
// its zero entries, in the same key order — including counters first registered after the mark, past the
// first 64 (where the value array grows), and fractional amounts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, STANDARD_COUNTERS } from '../src/index.js';
import { propertyRuns } from './helpers.js';

function nonZero(r: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(r).filter(([, v]) => v !== 0);
}

describe('counter marks', () => {
  it('changedSince lists what moved since the mark, standard names first, then the rest sorted', () => {
    const m = createMachine({ memory: '16MiB', cpus: 2 }, {});
    m.count('pol.zeta', 2);
    m.invlpg(0, 0x1000);
    const mark = m.counters.mark();
    m.count('pol.zeta', 3);
    m.count('pol.alpha'); // registered after the mark: counts from zero
    m.count('ipi', 2);
    m.invlpg(1, 0x2000);
    expect(Object.entries(m.counters.changedSince(mark))).toEqual([
      ['ipi', 2],
      ['invlpg', 1],
      ['pol.alpha', 1],
      ['pol.zeta', 3],
    ]);
    // A counter that moved and came back is not listed; nothing moved: nothing listed.
    const again = m.counters.mark();
    m.count('pol.zeta', 1);
    m.count('pol.zeta', -1);
    expect(m.counters.changedSince(again)).toEqual({});
  });

  it('an empty mark gives every counter that is not zero', () => {
    const m = createMachine({ memory: '16MiB', cpus: 1 }, {});
    m.count('split');
    m.count('pol.b', 4);
    expect(Object.entries(m.counters.changedSince(new Float64Array(0)))).toEqual([
      ['split', 1],
      ['pol.b', 4],
    ]);
  });

  it('a mark array of the right length is reused; one of another length is not written', () => {
    const m = createMachine({ memory: '16MiB', cpus: 1 }, {});
    const first = m.counters.mark();
    m.count('full', 2);
    expect(m.counters.mark(first)).toBe(first);
    expect(first[STANDARD_COUNTERS.indexOf('full')]).toBe(2);
    const short = new Float64Array(3);
    const fresh = m.counters.mark(short);
    expect(fresh).not.toBe(short);
    expect([...short]).toEqual([0, 0, 0]);
  });

  it('agrees with delta(snapshot) on random counts, across the growth past 64 names', () => {
    const name = fc.oneof(
      fc.constantFrom(...STANDARD_COUNTERS),
      fc.integer({ min: 0, max: 99 }).map((i) => `pol.n${i}`),
    );
    const amount = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double({ min: -2, max: 2, noNaN: true }));
    const ops = fc.array(fc.tuple(name, amount), { maxLength: 60 });
    fc.assert(
      fc.property(ops, ops, (before, during) => {
        const m = createMachine({ memory: '16MiB', cpus: 1 }, {});
        for (const [n, v] of before) m.count(n, v);
        const snap = m.snapshot();
        const mark = m.counters.mark();
        for (const [n, v] of during) m.count(n, v);
        expect(Object.entries(m.counters.changedSince(mark))).toEqual(nonZero(m.delta(snap).counters));
      }),
      { seed: 23, numRuns: propertyRuns(200) },
    );
  });
});

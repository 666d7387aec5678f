// StaleSet on its own against a naive list of records (DESIGN §2: one record per changed entry, with a
// per-side CPU mask of its possible holders): lookups by (level, index, tag) per CPU and side, chains,
// holders, per-CPU counts, the per-frame index, heldAt's order, growth past the first 64 records and
// past 32 CPUs (a second mask word), and the listener's calls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_PAGES, LEVEL_SIZE, type Level } from '../src/index.js';
import { StaleSet, type StaleListener } from '../src/stale.js';
import { propertyRuns } from './helpers.js';

const CPUS = 40;
const SIDES = 2;
const TAGS = [1, 2, 7];

interface Rec {
  level: number;
  tag: number;
  index: number;
  out: number;
  /** Holders per side. */
  sides: [Set<number>, Set<number>];
}

type Op =
  | {
      k: 'add';
      level: number;
      tag: number;
      index: number;
      out: number;
      cpus: number[];
      sideMask: number;
      perSide: boolean;
      other: number[];
    }
  | { k: 'drop'; pick: number; cpu: number; sideMask: number };

const cpuList = fc.uniqueArray(fc.integer({ min: 0, max: CPUS - 1 }), { maxLength: 5 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('add' as const),
      level: fc.integer({ min: 1, max: 3 }),
      tag: fc.constantFrom(...TAGS),
      index: fc.integer({ min: 0, max: 3 }),
      out: fc.constantFrom(0, 1, 5, 511, 512, 513, 262143, 262144),
      cpus: cpuList,
      sideMask: fc.integer({ min: 1, max: 3 }),
      perSide: fc.boolean(),
      other: cpuList,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('drop' as const),
      pick: fc.nat(),
      cpu: fc.integer({ min: 0, max: CPUS - 1 }),
      sideMask: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

function mask(words: number, cpus: readonly number[]): Uint32Array {
  const m = new Uint32Array(words);
  for (const c of cpus) m[c >>> 5] |= 1 << (c & 31);
  return m;
}

function check(s: StaleSet, model: Map<number, Rec>, calls: { added: number; removed: number }): void {
  expect(s.live).toBe(model.size);
  expect([...s.liveRecords()].sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
  expect(calls.added - calls.removed).toBe(model.size);
  const order = new Map<number, number>();
  for (let i = 0; i < s.live; i++) order.set(s.liveAt(i), i);
  for (let c = 0; c < CPUS; c++) {
    let n = 0;
    for (const r of model.values()) if (r.sides[0].has(c) || r.sides[1].has(c)) n++;
    expect(s.cpuRefs[c], `cpuRefs[${c}]`).toBe(n);
  }
  for (const [id, r] of model) {
    const all = [...new Set([...r.sides[0], ...r.sides[1]])].sort((a, b) => a - b);
    expect(s.holders(id)).toEqual(all);
    expect([s.level[id], s.tag[id], s.index[id], s.out[id]]).toEqual([r.level, r.tag, r.index, r.out]);
  }
  for (const level of [1, 2, 3])
    for (const tag of TAGS)
      for (let index = 0; index <= 3; index++) {
        const keyed = [...model].filter(([, r]) => r.level === level && r.tag === tag && r.index === index);
        const chain: number[] = [];
        for (let r = s.chain(level, index, tag); r >= 0; r = s.nextInChain(r)) chain.push(r);
        expect(chain.sort((a, b) => a - b)).toEqual(keyed.map(([id]) => id).sort((a, b) => a - b));
        for (const cpu of [0, 31, 32, 39])
          for (const side of [0, 1]) {
            const got: number[] = [];
            for (let r = s.find(cpu, side, level, index, tag); r >= 0; r = s.findNext(r, cpu, side))
              got.push(r);
            const want = keyed.filter(([, r]) => r.sides[side].has(cpu)).map(([id]) => id);
            expect(
              got.sort((a, b) => a - b),
              `find ${cpu}/${side} L${level} ${index} t${tag}`,
            ).toEqual(want.sort((a, b) => a - b));
          }
      }
  // heldAt: the records a CPU holds for one VA at levels lo..hi under the matching tags, latest in the
  // live list first.
  for (const cpu of [0, 1, 33])
    for (const [lo, hi, va] of [
      [1, 3, 0],
      [1, 3, 4096],
      [2, 2, 0],
    ]) {
      const out: number[] = [];
      s.heldAt(va, lo, hi, cpu, 7, (not, t) => t !== not, out);
      const want = [...model]
        .filter(
          ([, r]) =>
            r.level >= lo &&
            r.level <= hi &&
            r.tag !== 7 &&
            r.index === Math.floor(va / LEVEL_SIZE[r.level as Level]) &&
            (r.sides[0].has(cpu) || r.sides[1].has(cpu)),
        )
        .map(([id]) => id)
        .sort((a, b) => order.get(b)! - order.get(a)!);
      expect(out).toEqual(want);
    }
  // reaching: records whose output range holds the frame, in live-list order.
  for (const pfn of [0, 5, 511, 512, 1000, 262143, 262144, 262200]) {
    const want = [...model]
      .filter(([, r]) => pfn >= r.out && pfn < r.out + LEVEL_PAGES[r.level as Level])
      .map(([id]) => id)
      .sort((a, b) => order.get(a)! - order.get(b)!);
    expect(s.reaching(pfn), `reaching ${pfn}`).toEqual(want);
  }
}

describe('StaleSet against a list of records', () => {
  it('adds, drops per CPU and side, lookups, holders, counts, per-frame index and heldAt agree', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 160 }), (ops) => {
        const calls = { added: 0, removed: 0 };
        const listener: StaleListener = {
          staleAdded: () => calls.added++,
          staleRemoved: () => calls.removed++,
        };
        const s = new StaleSet(CPUS, SIDES, listener, true);
        expect(s.framesIndexed).toBe(true);
        const model = new Map<number, Rec>();
        for (const [i, o] of ops.entries()) {
          if (i % 40 === 39) check(s, model, calls);
          if (o.k === 'add') {
            let r: number;
            let sides: [Set<number>, Set<number>];
            if (o.perSide) {
              const m = new Uint32Array(2 * s.words);
              m.set(mask(s.words, o.cpus), 0);
              m.set(mask(s.words, o.other), s.words);
              r = s.add(o.level, o.tag, o.index, 0, o.out, 1, 0, m, 0, 3, true);
              sides = [new Set(o.cpus), new Set(o.other)];
            } else {
              // An offset into a bigger array, as the machine passes its tag-mask rows.
              const m = new Uint32Array(3 * s.words);
              m.set(mask(s.words, o.cpus), s.words);
              r = s.add(o.level, o.tag, o.index, 0, o.out, 1, 0, m, s.words, o.sideMask);
              sides = [new Set(o.sideMask & 1 ? o.cpus : []), new Set(o.sideMask & 2 ? o.cpus : [])];
            }
            if (sides[0].size + sides[1].size === 0) {
              expect(r).toBe(-1);
              continue;
            }
            expect(model.has(r)).toBe(false);
            model.set(r, { level: o.level, tag: o.tag, index: o.index, out: o.out, sides });
          } else {
            if (model.size === 0) continue;
            const ids = [...model.keys()];
            const id = ids[o.pick % ids.length];
            const rec = model.get(id)!;
            // Drop for a CPU that holds it (most of the time) or any.
            const held = [...rec.sides[0], ...rec.sides[1]];
            const cpu = o.pick % 3 === 0 || held.length === 0 ? o.cpu : held[o.pick % held.length];
            s.drop(id, cpu, o.sideMask);
            if (o.sideMask & 1) rec.sides[0].delete(cpu);
            if (o.sideMask & 2) rec.sides[1].delete(cpu);
            if (rec.sides[0].size + rec.sides[1].size === 0) model.delete(id);
            if (model.has(id)) expect(s.holds(id, cpu)).toBe(rec.sides[0].has(cpu) || rec.sides[1].has(cpu));
          }
        }
        check(s, model, calls);
      }),
      { numRuns: propertyRuns(120), seed: 31 },
    );
  });

  it('a set without the per-frame index says so', () => {
    const s = new StaleSet(2, 1, { staleAdded: () => {}, staleRemoved: () => {} });
    expect(s.framesIndexed).toBe(false);
    const r = s.add(1, 1, 5, 0, 9, 0, 0, new Uint32Array([3]), 0, 3);
    expect([...s.liveView()]).toEqual([r]);
    expect(s.holders(r)).toEqual([0, 1]);
    s.drop(r, 0, 1);
    expect([s.holds(r, 0), s.holds(r, 1), s.live]).toEqual([false, true, 1]);
    s.drop(r, 1, 1);
    expect([s.live, s.liveView().length, s.cpuRefs[1]]).toEqual([0, 0, 0]);
  });
});

// The stale set answers a chain-head question from the answer it gave last and skips levels that hold no
// record (stale.ts `head`): an invalidation sent to every CPU asks the same (level, VA, tag) once per CPU.
// Whatever it remembers, every chain must hold exactly the live records of its key, and `find` must name
// the first of them a CPU holds — checked after each random add and drop, each question asked twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StaleSet } from '../src/stale.js';
import { propertyRuns } from './helpers.js';

const CPUS = 3;

type Cmd =
  | { op: 'add'; level: number; index: number; tag: number; cpus: number }
  | { op: 'drop'; pick: number; cpu: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    level: fc.integer({ min: 1, max: 2 }),
    index: fc.constant(5),
    tag: fc.integer({ min: 0, max: 1 }),
    cpus: fc.integer({ min: 1, max: (1 << CPUS) - 1 }),
  }),
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: CPUS - 1 }) }),
);

describe('stale set chain heads', () => {
  it('every chain holds exactly the live records of its key; find names the first one a CPU holds', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 10, maxLength: 150, size: 'max' }), (cmds) => {
        const s = new StaleSet(CPUS, 1, { staleAdded() {}, staleRemoved() {} });
        const holders = new Uint32Array(1);
        const check = (): void => {
          // Four keys and level 3 (never used): every change touches a key it
          // may remember.
          for (let level = 1; level <= 3; level++)
            for (let index = 5; index <= 5; index++)
              for (let tag = 0; tag < 2; tag++) {
                const want = [...s.liveRecords()]
                  .filter((r) => s.level[r] === level && s.index[r] === index && s.tag[r] === tag)
                  .sort((a, b) => a - b);
                for (let twice = 0; twice < 2; twice++) {
                  const got: number[] = [];
                  for (let r = s.chain(level, index, tag); r >= 0; r = s.nextInChain(r)) got.push(r);
                  expect([...got].sort((a, b) => a - b)).toEqual(want);
                  for (let cpu = 0; cpu < CPUS; cpu++)
                    expect(s.find(cpu, 0, level, index, tag)).toBe(got.find((r) => s.holds(r, cpu)) ?? -1);
                }
              }
        };
        // The chain of one key, asked right before and right after a change to it: what the set remembers
        // from the first question must not answer the second.
        const chainOf = (level: number, index: number, tag: number): number[] => {
          const got: number[] = [];
          for (let r = s.chain(level, index, tag); r >= 0; r = s.nextInChain(r)) got.push(r);
          return got.sort((a, b) => a - b);
        };
        const liveOf = (level: number, index: number, tag: number): number[] =>
          [...s.liveRecords()]
            .filter((r) => s.level[r] === level && s.index[r] === index && s.tag[r] === tag)
            .sort((a, b) => a - b);
        for (const c of cmds) {
          if (c.op === 'add') {
            holders[0] = c.cpus;
            chainOf(c.level, c.index, c.tag);
            s.add(c.level, c.tag, c.index, 0, 0, 0, 1, holders, 0, 1);
            expect(chainOf(c.level, c.index, c.tag)).toEqual(liveOf(c.level, c.index, c.tag));
          } else if (s.live > 0) {
            const r = s.liveRecords()[c.pick % s.live]!;
            const key = [s.level[r]!, s.index[r]!, s.tag[r]!] as const;
            chainOf(...key);
            s.drop(r, c.cpu, 1);
            expect(chainOf(...key)).toEqual(liveOf(...key));
          }
          check();
        }
      }),
      { seed: 14, numRuns: propertyRuns(60, 6) },
    );
  });
});

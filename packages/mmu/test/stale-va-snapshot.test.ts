// The stale set answers "every record at this VA" from a snapshot it made when a second CPU asked for the same
// VA with nothing added or removed since (stale.ts `recordsAt`): a flush of one page on every CPU asks once
// per CPU. Whatever it remembers, the answer must be exactly the live records at that VA — level by level,
// each tag's chain in its order — after every random add and drop, asked by one CPU and then by others.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_SIZE, type Level } from '../src/constants.js';
import { StaleSet } from '../src/stale.js';
import { propertyRuns } from './helpers.js';

const CPUS = 3;
/** Two VAs in one 2 MiB region (they share level-2 and level-3 records) and one outside it. */
const VAS = [0x40000000, 0x40001000, 0x40200000];

type Cmd =
  | { op: 'add'; level: number; va: number; tag: number; cpus: number }
  | { op: 'drop'; pick: number; cpu: number }
  | { op: 'ask'; va: number; cpu: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    level: fc.integer({ min: 1, max: 3 }),
    va: fc.integer({ min: 0, max: VAS.length - 1 }),
    tag: fc.integer({ min: 0, max: 2 }),
    cpus: fc.integer({ min: 1, max: (1 << CPUS) - 1 }),
  }),
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: CPUS - 1 }) }),
  fc.record({
    op: fc.constant('ask' as const),
    va: fc.integer({ min: 0, max: VAS.length - 1 }),
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
  }),
);

describe('stale set records at a VA', () => {
  it('a snapshot answers exactly the live records at the VA, in chain order per tag and level', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 10, maxLength: 150, size: 'max' }), (cmds) => {
        const s = new StaleSet(CPUS, 1, { staleAdded() {}, staleRemoved() {} });
        const holders = new Uint32Array(1);
        // The records at `va` the chains hold, as recordsAt promises to list them (tags in any order).
        const want = (va: number): number[] => {
          const out: number[] = [];
          for (let l = 1; l <= 3; l++)
            for (let tag = 0; tag <= 2; tag++)
              for (
                let r = s.chain(l, Math.floor(va / LEVEL_SIZE[l as Level]), tag);
                r >= 0;
                r = s.nextInChain(r)
              )
                out.push(r);
          return out;
        };
        const live = (va: number): number[] =>
          [...s.liveRecords()]
            .filter((r) => s.index[r] === Math.floor(va / LEVEL_SIZE[s.level[r] as Level]))
            .sort((a, b) => a - b);
        const ask = (va: number, cpu: number): void => {
          const n = s.recordsAt(va, cpu);
          if (n < 0) return;
          const got = s.vaRecords.slice(0, n);
          expect([...got].sort((a, b) => a - b)).toEqual(live(va));
          // Per tag, the order of the chain walk (level by level, chain order).
          for (let tag = 0; tag <= 2; tag++)
            expect(got.filter((r) => s.tag[r] === tag)).toEqual(want(va).filter((r) => s.tag[r] === tag));
        };
        for (const c of cmds) {
          if (c.op === 'add') {
            holders[0] = c.cpus;
            const l = c.level as Level;
            s.add(l, c.tag, Math.floor(VAS[c.va]! / LEVEL_SIZE[l]), 0, 0, 0, 1, holders, 0, 1);
          } else if (c.op === 'drop') {
            if (s.live > 0) s.drop(s.liveRecords()[c.pick % s.live]!, c.cpu, 1);
          } else {
            // Asked by this CPU, then by every CPU: the later asks answer from a snapshot.
            ask(VAS[c.va]!, c.cpu);
            for (let cpu = 0; cpu < CPUS; cpu++) ask(VAS[c.va]!, cpu);
          }
        }
      }),
      { seed: 14, numRuns: propertyRuns(60, 6) },
    );
  });
});

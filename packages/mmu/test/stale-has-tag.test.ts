// StaleSet.hasTag answers the tag counted last from its count box, and any other tag at once while that one is
// the only tag live; heldAt asks the tags in its list of live tags (stale.ts). After each random add and drop,
// for tags in use, gone and never used, hasTag must say whether some live record carries the tag, and heldAt
// must find every live record of a VA that a CPU holds, whatever its tag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StaleSet } from '../src/stale.js';
import { propertyRuns } from './helpers.js';

const CPUS = 3;
const TAGS = 3;

type Cmd =
  { op: 'add'; tag: number; index: number; cpus: number } | { op: 'drop'; pick: number; cpu: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    tag: fc.integer({ min: 0, max: TAGS - 1 }),
    index: fc.integer({ min: 0, max: 3 }),
    cpus: fc.integer({ min: 1, max: (1 << CPUS) - 1 }),
  }),
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: CPUS - 1 }) }),
);

describe('stale set live tags', () => {
  it('hasTag is true exactly for the tags of live records; heldAt finds every live record a CPU holds', () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { minLength: 10, maxLength: 120, size: 'max' }),
        fc.boolean(),
        (cmds, batched) => {
          const s = new StaleSet(CPUS, 1, { staleAdded() {}, staleRemoved() {} });
          s.setBatched(batched);
          const holders = new Uint32Array(1);
          const out: number[] = [];
          for (const c of cmds) {
            if (c.op === 'add') {
              holders[0] = c.cpus;
              s.add(1, c.tag, c.index, 0, 0, 0, 1, holders, 0, 1);
            } else if (s.live > 0) {
              s.drop(s.liveRecords()[c.pick % s.live]!, c.cpu, 1);
            }
            const live = new Set([...s.liveRecords()].map((r) => s.tag[r]));
            for (let tag = 0; tag <= TAGS; tag++) expect(s.hasTag(tag)).toBe(live.has(tag));
            for (let index = 0; index < 4; index++)
              for (let cpu = 0; cpu < CPUS; cpu++) {
                const n = s.heldAt(index * 4096, 1, 1, cpu, -1, () => true, out);
                const want = [...s.liveRecords()].filter((r) => s.index[r] === index && s.holds(r, cpu));
                expect(out.slice(0, n).sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
              }
          }
        },
      ),
      { seed: 14, numRuns: propertyRuns(80, 8) },
    );
  });
});

// The stale set's per-frame index (stale.ts `reaching`) must name exactly the live records a scan of the
// whole live list finds for a frame, in the same order — the invariants' findings depend on that order.
// Random adds and drops of 4 KiB and 2 MiB leaf records, fixed seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVEL_PAGES } from '../src/index.js';
import { StaleSet } from '../src/stale.js';
import { propertyRuns } from './helpers.js';

const FRAMES = 2048;
const CPUS = 3;

type Cmd =
  { op: 'add'; level: 1 | 2; frame: number; cpus: number } | { op: 'drop'; pick: number; cpu: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    level: fc.constantFrom(1 as const, 1 as const, 1 as const, 2 as const),
    frame: fc.integer({ min: 0, max: FRAMES - 1 }),
    cpus: fc.integer({ min: 1, max: (1 << CPUS) - 1 }),
  }),
  fc.record({ op: fc.constant('drop' as const), pick: fc.nat(), cpu: fc.integer({ min: 0, max: CPUS - 1 }) }),
);

function scan(s: StaleSet, pfn: number): number[] {
  const out: number[] = [];
  for (const r of s.liveRecords()) {
    const first = s.out[r]!;
    if (pfn >= first && pfn < first + LEVEL_PAGES[s.level[r] as 1 | 2]) out.push(r);
  }
  return out;
}

describe('stale set per-frame index', () => {
  it('reaching(pfn) equals a scan of the live list, in live-list order', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 200 }), (cmds) => {
        const s = new StaleSet(CPUS, 1, { staleAdded() {}, staleRemoved() {} }, true);
        const holders = new Uint32Array(1);
        const probes = new Set<number>();
        for (const c of cmds) {
          if (c.op === 'add') {
            // a 2 MiB leaf's output is 2 MiB aligned
            const out = c.level === 2 ? c.frame - (c.frame % 512) : c.frame;
            holders[0] = c.cpus;
            s.add(c.level, 1, c.frame, 0, out, 0, 1, holders, 0, 1);
            probes.add(c.frame);
          } else if (s.live > 0) {
            s.drop(s.liveRecords()[c.pick % s.live]!, c.cpu, 1);
          }
          for (const pfn of probes) expect(s.reaching(pfn)).toEqual(scan(s, pfn));
        }
      }),
      { seed: 14, numRuns: propertyRuns(200) },
    );
  });
});

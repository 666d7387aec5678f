// flushRangeSide is the per-MVA loop of a Harvard TLB's flush_tlb_range computed over the cached entries:
// it must leave exactly what calling flushPageSide at each strided address leaves, in both TLB models,
// and count the same number of invlpg.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, Mode, Pte, type Machine, type SpaceId } from '../src/index.js';
import { USER_VA, propertyRuns, rig } from './helpers.js';

const PAGES = 6;
type Side = 'data' | 'instr' | 'both';
type Cmd =
  | { op: 'map'; page: number; frame: number; x: boolean }
  | { op: 'unmap'; page: number }
  | { op: 'access'; cpu: number; page: number; exec: boolean }
  | { op: 'unlink' }
  | { op: 'relink' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('map' as const),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
    frame: fc.integer({ min: 0, max: 3 }),
    x: fc.boolean(),
  }),
  fc.record({ op: fc.constant('unmap' as const), page: fc.integer({ min: 0, max: PAGES - 1 }) }),
  fc.record({
    op: fc.constant('access' as const),
    cpu: fc.integer({ min: 0, max: 1 }),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
    exec: fc.boolean(),
  }),
  // Unlinking the level-1 table leaves walk-cache entries pointing at it (stale records in the
  // adversarial model), which the range flush must drop where the per-page loop would.
  fc.constant({ op: 'unlink' as const }),
  fc.constant({ op: 'relink' as const }),
);

interface Built {
  m: Machine;
  mm: SpaceId;
  frames: number[];
}

function build(tlb: 'precise' | 'adversarial', cmds: Cmd[]): Built {
  const { m, table, data } = rig({ cpus: 2, tlb, tlbSides: 'split', tlbEntries: 64, tlbAssociativity: 64 });
  const mm = m.createSpace(1, table);
  m.ensurePath(mm, USER_VA, 1, table);
  m.setRoot(0, mm);
  m.setRoot(1, mm);
  const frames = Array.from({ length: 4 }, () => data());
  const l1 = m.lookup(mm, USER_VA).tables[3];
  let linked = true;
  for (const c of cmds) {
    // Leaves are stored into the level-1 table itself: it takes stores whether linked or not.
    if (c.op === 'map')
      m.storeInTable(l1, c.page, Pte.USER | Pte.WRITABLE | (c.x ? Pte.XUSER : 0), frames[c.frame]!);
    else if (c.op === 'unmap') m.storeInTable(l1, c.page, 0, 0);
    else if (c.op === 'unlink') {
      if (linked) m.clearEntry(mm, USER_VA, 2);
      linked = false;
    } else if (c.op === 'relink') {
      if (!linked) m.setTable(mm, USER_VA, 2, l1);
      linked = true;
    } else m.access(c.cpu, USER_VA + c.page * 4096, c.exec ? Access.EXEC : Access.READ, Mode.USER);
  }
  return { m, mm, frames };
}

function state(b: Built): string[] {
  const out: string[] = [];
  for (const f of b.frames)
    for (const t of b.m.cachedTranslations(f)) out.push(`${t.cpus.join('+')}:${t.va}->${t.pfn}:${t.flags}`);
  for (const w of b.m.staleWalkEntries())
    out.push(`walk ${w.cpus.join('+')}:L${w.level}:${w.va}->${w.tablePfn}`);
  for (let p = 0; p < PAGES; p++)
    for (const cpu of [0, 1])
      for (const kind of [Access.READ, Access.EXEC]) {
        const o = b.m.access(cpu, USER_VA + p * 4096, kind, Mode.USER);
        out.push(`${cpu}/${p}/${kind}=${o}@${b.m.lastPfn}`);
      }
  return out.sort();
}

describe('flushRangeSide (split I/D TLB, spec linux.md §5.5)', () => {
  it('equals flushPageSide at every strided address, in both models', () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { minLength: 4, maxLength: 30 }),
        // Ranges may start below the 2 MiB region of the level-1 table (its walk entry's base).
        fc.integer({ min: -2, max: PAGES - 1 }),
        fc.integer({ min: 1, max: PAGES + 2 }),
        fc.constantFrom(4096, 8192),
        fc.constantFrom<Side>('data', 'instr', 'both'),
        fc.constantFrom<'precise' | 'adversarial'>('precise', 'adversarial'),
        (cmds, first, n, stride, side, tlb) => {
          const start = USER_VA + first * 4096;
          const end = start + n * 4096;
          const ranged = build(tlb, cmds);
          const looped = build(tlb, cmds);
          const before = looped.m.counter('invlpg');
          ranged.m.flushRangeSide(0, start, end, stride, side);
          for (let va = start; va < end; va += stride) looped.m.flushPageSide(0, va, side);
          expect(ranged.m.counter('invlpg')).toBe(looped.m.counter('invlpg'));
          expect(looped.m.counter('invlpg') - before).toBe(Math.ceil((end - start) / stride));
          expect(state(ranged)).toEqual(state(looped));
        },
      ),
      { numRuns: propertyRuns(500), seed: 5 },
    );
  });
});

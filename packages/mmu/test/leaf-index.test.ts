// validTranslations answers from the tables' leaf index (leaf-index.ts) instead of scanning every table:
// it must name exactly what a scan of every live table finds, in the same order. Random hardware-level
// stores on a few tables linked at one or several places — 4 KiB leaves, runs of them (setLeaves), 2 MiB
// blocks, clears, zeroing, splits, tables freed, unlinked and adopted again (a recycled slot still holds
// its old entries) — with the index built at a random point (it is built on the first question), fixed seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTRIES_PER_TABLE, LEVEL_PAGES, LEVEL_SIZE, Pte, type Level, type Machine } from '../src/index.js';
import { USER_VA, propertyRuns, rig } from './helpers.js';

const RW = Pte.WRITABLE | Pte.USER;
const DATA_FRAMES = 6;

type Found = { space: number; va: number; level: number; flags: number; pfn: number };

/** The scan validTranslations did before the index — every entry of every live table — for each probe. */
function scan(m: Machine, probes: readonly number[]): Map<number, Found[]> {
  const t = m.tables;
  const out = new Map<number, Found[]>(probes.map((p) => [p, []]));
  for (let slot = 0; slot < t.slotPfn.length; slot++) {
    if (t.slotPfn[slot]! < 0 || t.slotLive[slot] === 0 || t.slotUsed[slot] === 0) continue;
    const level = t.slotLevel[slot] as Level;
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      const e = slot * ENTRIES_PER_TABLE + i;
      const f = t.flags[e]!;
      if ((f & Pte.PRESENT) === 0 || (f & Pte.TABLE) !== 0) continue;
      const first = t.out[e]!;
      for (const pfn of probes) {
        if (pfn < first || pfn >= first + LEVEL_PAGES[level]) continue;
        const list = out.get(pfn)!;
        list.push({
          space: t.slotSpace[slot]!,
          va: t.slotBase[slot]! + i * LEVEL_SIZE[level],
          level,
          flags: f,
          pfn: first,
        });
        const ex = t.extraAliases.get(slot) ?? [];
        for (let k = 0; k < ex.length; k += 3)
          list.push({ space: ex[k]!, va: ex[k + 1]! + i * LEVEL_SIZE[level], level, flags: f, pfn: first });
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.space - b.space || a.va - b.va);
  return out;
}

type Cmd =
  | { op: 'leaf'; pt: number; index: number; frame: number; flags: number }
  | { op: 'block'; pmd: number; index: number; frame: number }
  | { op: 'clear'; pt: number; index: number }
  | { op: 'link'; pmd: number; index: number; pt: number }
  | { op: 'unlink'; pmd: number; index: number }
  | { op: 'zero'; pt: number }
  | { op: 'free'; pt: number }
  | { op: 'split'; pmd: number; index: number }
  | { op: 'more'; pmd: number; frame: number }
  | { op: 'run'; pmd: number; index: number; nr: number; frame: number }
  | { op: 'ask' };

const small = fc.integer({ min: 0, max: 3 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('leaf' as const),
      pt: fc.nat(3),
      index: small,
      frame: fc.nat(DATA_FRAMES - 1),
      flags: fc.constantFrom(RW, Pte.USER, RW | Pte.GLOBAL),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('block' as const),
      pmd: fc.nat(1),
      index: small,
      frame: fc.nat(2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('clear' as const), pt: fc.nat(3), index: small }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('link' as const), pmd: fc.nat(1), index: small, pt: fc.nat(3) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unlink' as const), pmd: fc.nat(1), index: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zero' as const), pt: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('free' as const), pt: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('split' as const), pmd: fc.nat(1), index: small }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('more' as const),
      pmd: fc.nat(1),
      frame: fc.nat(DATA_FRAMES - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('run' as const),
      pmd: fc.nat(1),
      index: small,
      nr: fc.integer({ min: 1, max: 4 }),
      frame: fc.nat(DATA_FRAMES - 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('ask' as const) }) },
);

describe('validTranslations from the leaf index: 1 GiB blocks', () => {
  it('names a 1 GiB block for each frame it maps, and only while it is present', () => {
    const { m, table } = rig({ cpus: 2 });
    const a = m.createSpace(1, table);
    m.ensurePath(a, USER_VA, 3, table);
    m.validTranslations(0); // the index is built now; the block below is indexed as it is stored
    m.setLeaf(a, USER_VA, 3, 262144, RW);
    const named = { space: a, va: USER_VA, level: 3, flags: m.lookup(a, USER_VA).flags, pfn: 262144 };
    for (const f of [262144, 262144 + 600, 2 * 262144 - 1]) expect(m.validTranslations(f)).toEqual([named]);
    for (const f of [262143, 2 * 262144]) expect(m.validTranslations(f)).toEqual([]);
    m.clearEntry(a, USER_VA, 3);
    expect(m.validTranslations(262144 + 600)).toEqual([]);
  });
});

describe('validTranslations from the leaf index', () => {
  it('names what a scan of every live table names, in the same order, wherever the index is built', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 20, maxLength: 120, size: 'max' }), (cmds) => {
        const { m, table, data } = rig({ cpus: 2 });
        const a = m.createSpace(1, table);
        const b = m.createSpace(2, table);
        m.ensurePath(a, USER_VA, 3, table);
        m.ensurePath(b, USER_VA, 3, table);
        // Two PMD tables, one per space; four PTE tables linked wherever the commands put them.
        const pmds = [table(), table()];
        m.setTable(a, USER_VA, 3, pmds[0]!);
        m.setTable(b, USER_VA, 3, pmds[1]!);
        const spaceOf = [a, b];
        const pts = [table(), table(), table(), table()];
        // Linked at the start: one table per space, one in both (two aliases), one unlinked.
        m.storeInTable(pmds[0]!, 0, Pte.TABLE, pts[0]!);
        m.storeInTable(pmds[1]!, 0, Pte.TABLE, pts[1]!);
        m.storeInTable(pmds[0]!, 1, Pte.TABLE, pts[2]!);
        m.storeInTable(pmds[1]!, 1, Pte.TABLE, pts[2]!);
        const frames = Array.from({ length: DATA_FRAMES }, () => data());
        // Outputs for blocks beyond the data frames: two 2 MiB-aligned, one not (the MMU takes it as given);
        // probes inside each and just outside, where a block must not be named.
        const blocks = [2048, 2560, 3001];
        const probes = [
          ...frames,
          blocks[0]! - 1,
          blocks[0]!,
          blocks[0]! + 3,
          blocks[1]! + 511,
          blocks[2]! - 1,
          blocks[2]!,
          blocks[2]! + 511,
          blocks[2]! + 512,
        ];
        let asked = false;
        let more = 0;
        const ask = (): void => {
          asked = true;
          const want = scan(m, probes);
          for (const f of probes) expect(m.validTranslations(f)).toEqual(want.get(f));
        };
        for (const c of cmds) {
          switch (c.op) {
            case 'leaf':
              if (m.tables.isTable(pts[c.pt]!))
                m.storeInTable(pts[c.pt]!, c.index, c.flags, frames[c.frame]!);
              break;
            case 'block':
              m.storeInTable(pmds[c.pmd]!, c.index, RW, blocks[c.frame]!);
              break;
            case 'clear':
              if (m.tables.isTable(pts[c.pt]!)) m.storeInTable(pts[c.pt]!, c.index, 0, 0);
              break;
            case 'link':
              m.storeInTable(pmds[c.pmd]!, c.index, Pte.TABLE, pts[c.pt]!);
              break;
            case 'unlink':
              m.storeInTable(pmds[c.pmd]!, c.index, 0, 0);
              break;
            case 'zero':
              m.zeroTable(pts[c.pt]!);
              break;
            case 'free':
              // The OS gives the frame back; its content ends once nothing links it (then a link adopts it
              // again, possibly into another table's recycled slot).
              if (!m.frames.isFree(pts[c.pt]!)) m.frames.free(pts[c.pt]!);
              break;
            case 'split': {
              const f = m.tables.flags[m.tables.slotOf[pmds[c.pmd]!]! * ENTRIES_PER_TABLE + c.index]!;
              if ((f & (Pte.PRESENT | Pte.TABLE)) === Pte.PRESENT)
                m.splitLeaf(
                  spaceOf[c.pmd]!,
                  USER_VA + c.index * LEVEL_SIZE[2],
                  m.frames.allocAny('page-table'),
                );
              break;
            }
            case 'more': {
              // A new table (the table arrays grow past their first 16 slots, index included).
              const pt = m.frames.allocAny('page-table');
              m.storeInTable(pmds[c.pmd]!, 4 + (more++ % 500), Pte.TABLE, pt);
              m.storeInTable(pt, 0, RW, frames[c.frame]!);
              break;
            }
            case 'run': {
              // setLeaves (set_ptes) into the table at the space's first PMD entry, when one is linked there.
              const f = m.tables.flags[m.tables.slotOf[pmds[c.pmd]!]! * ENTRIES_PER_TABLE]!;
              if ((f & (Pte.PRESENT | Pte.TABLE)) === (Pte.PRESENT | Pte.TABLE))
                m.setLeaves(spaceOf[c.pmd]!, USER_VA + c.index * 4096, 1, c.nr, frames[c.frame]!, RW);
              break;
            }
            case 'ask':
              ask();
              break;
          }
          if (asked) ask();
        }
        ask();
      }),
      { seed: 14, numRuns: propertyRuns(100, 6) },
    );
  });
});

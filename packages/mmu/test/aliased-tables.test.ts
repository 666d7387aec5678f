// A table linked at several places translates through each (DESIGN §2; README "Table lifecycles"): a
// store into it changes every alias's translation, so the old translation may stay cached under every
// alias on the CPUs that loaded that alias's space; unlinking one place leaves the others.
import { describe, expect, it } from 'vitest';
import { LEVEL_SIZE, Pte, type TableLink } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const TWO_MIB = LEVEL_SIZE[2];

function threeAliases() {
  const { m, table, data } = rig({ cpus: 3 });
  const a = m.createSpace(1, table);
  const b = m.createSpace(2, table);
  m.ensurePath(a, USER_VA, 2, table);
  m.ensurePath(b, USER_VA, 2, table);
  const pt = table();
  const places = [
    { space: a, va: USER_VA },
    { space: b, va: USER_VA + TWO_MIB },
    { space: a, va: USER_VA + 4 * TWO_MIB },
  ];
  for (const p of places) m.setTable(p.space, p.va, 2, pt);
  const f = data();
  m.storeInTable(pt, 3, RW_USER, f);
  m.setRoot(0, a);
  m.setRoot(1, b);
  return { m, a, b, pt, f, places, data };
}

describe('a table linked at three places', () => {
  it('a store into it leaves the old translation cached under every alias, on the CPUs of that alias’s space', () => {
    const { m, a, b, pt, f, places } = threeAliases();
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual(
      [...places].sort((x, y) => x.space - y.space || x.va - y.va).map((p) => [p.space, p.va + 3 * 4096]),
    );
    m.storeInTable(pt, 3, 0, 0);
    expect(m.reachers(f)).toMatchObject({ valid: 0, stale: 3 });
    expect(m.cachedCpus(a, USER_VA + 3 * 4096)).toEqual([0]);
    expect(m.cachedCpus(b, USER_VA + TWO_MIB + 3 * 4096)).toEqual([1]);
    expect(m.cachedCpus(a, USER_VA + 4 * TWO_MIB + 3 * 4096)).toEqual([0]);
    expect(m.cachedCpus(a, USER_VA + TWO_MIB + 3 * 4096)).toEqual([]);
  });

  it('unlinking the first place, then a middle one: the others keep translating, and only they retire later', () => {
    const { m, a, b, pt, f, data } = threeAliases();
    m.clearEntry(a, USER_VA, 2);
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual([
      [a, USER_VA + 4 * TWO_MIB + 3 * 4096],
      [b, USER_VA + TWO_MIB + 3 * 4096],
    ]);
    m.clearEntry(b, USER_VA + TWO_MIB, 2);
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual([
      [a, USER_VA + 4 * TWO_MIB + 3 * 4096],
    ]);
    // A new leaf in the table appears at the one remaining place only.
    const g = data();
    m.storeInTable(pt, 9, RW_USER, g);
    expect(m.validTranslations(g).map((t) => [t.space, t.va])).toEqual([
      [a, USER_VA + 4 * TWO_MIB + 9 * 4096],
    ]);
    expect(m.lookup(a, USER_VA + 4 * TWO_MIB + 9 * 4096)).toMatchObject({ present: true, pfn: g });
  });

  it('unlinking a middle place first keeps the first and the last', () => {
    const { m, a, b, f } = threeAliases();
    m.clearEntry(b, USER_VA + TWO_MIB, 2);
    expect(m.validTranslations(f).map((t) => [t.space, t.va])).toEqual([
      [a, USER_VA + 3 * 4096],
      [a, USER_VA + 4 * TWO_MIB + 3 * 4096],
    ]);
    expect(m.reachers(f).valid).toBe(2);
  });
});

describe('pointers inside an unlinked table', () => {
  it('clearing a pointer in a table no root reaches retires nothing: nothing translated through it', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [, , l2, pt] = m.lookup(mm, USER_VA).tables;
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 3); // unlink l2 (its pointer to pt stays inside it)
    const before = m.staleWalkEntries();
    m.storeInTable(l2, 0, 0, 0);
    expect(m.staleWalkEntries()).toEqual(before);
    // pt is linked nowhere now: freed, its content goes with it.
    m.frames.free(pt);
    expect(m.tables.isTable(pt)).toBe(false);
  });
});

describe('tableLinked reports where the link was made', () => {
  it('the space and VA of a link in a reachable table; space -1 for a link inside an unlinked table', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    const l2 = m.lookup(mm, USER_VA).tables[2];
    const links: TableLink[] = [];
    m.observe({ tableLinked: (l) => links.push(l) });
    const pt = table();
    m.setTable(mm, USER_VA + 3 * TWO_MIB, 2, pt);
    expect(links).toEqual([
      {
        pfn: pt,
        level: 1,
        space: mm,
        va: USER_VA + 3 * TWO_MIB,
        otherLinks: 0,
        unclean: false,
        freedSince: false,
      },
    ]);
    m.clearEntry(mm, USER_VA, 3); // l2 is no longer reachable
    links.length = 0;
    const pt2 = table();
    m.storeInTable(l2, 5, Pte.TABLE, pt2);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ pfn: pt2, level: 1, space: -1, otherLinks: 0 });
  });
});

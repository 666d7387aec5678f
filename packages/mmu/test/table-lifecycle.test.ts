// Table lifecycles at the hardware level: a table linked at two places translates through both; a root
// is a table like any other; linking is reported to observers with what Casemate's double-use needs.
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, type TableLink } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('a table linked under two parents', () => {
  it('translates through both; unlinking one keeps the other; a store in it retires both aliases', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 2, table);
    m.ensurePath(b, USER_VA * 2, 2, table);
    const pt = table();
    m.setTable(a, USER_VA, 2, pt);
    m.setTable(b, USER_VA * 2, 2, pt);
    const p = data();
    m.setLeaf(a, USER_VA, 1, p, RW_USER);
    expect(m.validTranslations(p).map((t) => [t.space, t.va])).toEqual([
      [a, USER_VA],
      [b, USER_VA * 2],
    ]);
    m.setRoot(0, a);
    m.setRoot(1, b);
    expect(m.access(1, USER_VA * 2, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(p);
    m.clearEntry(a, USER_VA, 2);
    expect(m.lookup(b, USER_VA * 2).pfn).toBe(p);
    expect(m.validTranslations(p)).toHaveLength(1);
    // Clearing the leaf through b leaves b's old translation possibly cached on CPU 1.
    m.clearEntry(b, USER_VA * 2, 1);
    expect(m.access(1, USER_VA * 2, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.validTranslations(p)).toHaveLength(0);
  });

  it('reports each link with the links it already had and whether an old walk-cache entry is left', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const links: TableLink[] = [];
    m.observe({ tableLinked: (l) => links.push(l) });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 2, table);
    m.ensurePath(b, USER_VA, 2, table);
    m.setRoot(0, a);
    const pt = table();
    m.setTable(a, USER_VA, 2, pt);
    links.length = 0;
    m.setTable(b, USER_VA, 2, pt);
    expect(links[0]).toMatchObject({ pfn: pt, otherLinks: 1, unclean: false, freedSince: false });
    m.clearEntry(b, USER_VA, 2);
    m.clearEntry(a, USER_VA, 2);
    links.length = 0;
    // Unlinked from a (whose ASID CPU 0 may cache) with no TLBI: a walk-cache entry may still point at it.
    m.setTable(b, USER_VA, 2, pt);
    expect(links[0]).toMatchObject({ otherLinks: 0, unclean: true, freedSince: false });
  });
});

describe('roots are tables', () => {
  it('a freed root frame reused as the root of a new ASID keeps translating what it held', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const root = table();
    const a = m.createSpace(1, root);
    m.ensurePath(a, USER_VA, 1, table);
    const p = data();
    m.setLeaf(a, USER_VA, 1, p, RW_USER);
    m.frames.free(root);
    const links: TableLink[] = [];
    m.observe({ tableLinked: (l) => links.push(l) });
    const b = m.createSpace(2, root);
    expect(links[0]).toMatchObject({ pfn: root, level: 4, otherLinks: 1, freedSince: true });
    expect(m.lookup(b, USER_VA).pfn).toBe(p);
    expect(m.validTranslations(p).map((t) => t.space)).toEqual([a, b]);
  });
});

describe('a retired space (pgd_free)', () => {
  it('stops linking its root: the freed frame comes back as a table of another level, loads of it are refused', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const root = table();
    const a = m.createSpace(1, root);
    m.ensurePath(a, USER_VA, 1, table);
    const p = data();
    m.setLeaf(a, USER_VA, 1, p, RW_USER);
    m.setRoot(0, a);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    const b = m.createSpace(2, table);
    m.setRoot(0, b);
    // exit_mmap cleared the leaf (no flush yet), then pgd_free.
    m.clearEntry(a, USER_VA, 1);
    m.retireSpace(a);
    m.frames.free(root);
    expect(m.tables.isTable(root)).toBe(false);
    expect(() => m.setRoot(1, a)).toThrow(/retired/);
    expect(() => m.setLeaf(a, USER_VA, 1, p, RW_USER)).toThrow(/retired/);
    // The frame is a level-3 table of b now (the adopt of a live root at another level is refused).
    m.frames.setTag(root, 'page-table');
    const slot1 = 512 * 2 ** 30; // the second pgd slot: a pointer to a level-3 table
    m.setTable(b, slot1, 4, root);
    expect(m.readEntry(b, slot1, 4).pfn).toBe(root);
    expect(m.tables.slotLevel[m.tables.slotOf[root]]).toBe(3);
    // ASID 1's TLB entry is not a page-table matter: CPU 0 may still hold it until a flush of ASID 1.
    expect(m.staleLeaf.reaching(p).length).toBeGreaterThan(0);
  });

  it('keeps the root linked while a CPU still has the space loaded, until that CPU loads another root', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const root = table();
    const a = m.createSpace(1, root);
    const b = m.createSpace(2, table);
    m.setRoot(1, a);
    m.retireSpace(a);
    m.frames.free(root);
    expect(m.tables.isTable(root)).toBe(true);
    m.setRoot(1, b);
    expect(m.tables.isTable(root)).toBe(false);
  });

  it('is refused for the kernel space and for stage-2 spaces', () => {
    const { m, kernel, table } = rig({ arch: 'arm64', cpus: 1 });
    expect(() => m.retireSpace(kernel)).toThrow(/kernel/);
    const s2 = m.createStage2Space(1, table);
    expect(() => m.retireSpace(s2)).toThrow(/EL1&0/);
  });
});

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

// Sources: DESIGN §3's second rule (a tree freed while no CPU has it installed is not a finding); Casemate
// (rems-project/casemate fd6825d) src/lib/src/model.c try_unregister_root (release_table unmarks the whole
// tree, examples/tests/good_free_tree.c) and step_dsb_invalid_unclean_unmark_children (a clean unlink
// unmarks the subtree); double-use is model.c mark_cb.
describe('links held by freed tables', () => {
  // VA 0's pgd entry names the pud; USER_VA (1 GiB) is a pud entry below it; G512 the second pgd entry.
  const G512 = 2 ** 39;

  /** Space 1 with pud → pmd → pte linked for USER_VA, and the links observed from here on. */
  function threeLevels() {
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const links: TableLink[] = [];
    m.observe({ tableLinked: (l) => links.push(l) });
    const a = m.createSpace(1, table);
    const [pud, pmd, pte] = [table(), table(), table()];
    m.setTable(a, 0, 4, pud);
    m.setTable(a, USER_VA, 3, pmd);
    m.setTable(a, USER_VA, 2, pte);
    return { m, table, links, a, pud, pmd, pte };
  }

  it('a freed root counts as a link only while a CPU can walk it (DESIGN §3, Casemate good_free_tree)', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 2 });
    const links: TableLink[] = [];
    m.observe({ tableLinked: (l) => links.push(l) });
    const rootA = table();
    const a = m.createSpace(1, rootA);
    const b = m.createSpace(2, table);
    const pud = table();
    m.setTable(a, 0, 4, pud);
    m.setRoot(0, a);
    m.setRoot(1, a);
    m.setRoot(0, b);
    m.frames.free(rootA);
    links.length = 0;
    // CPU 1 still runs a: its walks arrive at the pud through the freed root.
    m.setTable(b, 0, 4, pud);
    expect(links).toMatchObject([{ pfn: pud, otherLinks: 1 }]);
    m.clearEntry(b, 0, 4);
    m.setRoot(1, b);
    links.length = 0;
    // No CPU has ASID 1 loaded, and no walk-cache entry of a loaded ASID leads to the freed root.
    m.setTable(b, 0, 4, pud);
    expect(links).toMatchObject([{ pfn: pud, otherLinks: 0 }]);
  });

  it('a freed middle table still linked in a loaded tree keeps counting', () => {
    const { m, table, links, a, pud, pmd } = threeLevels();
    m.setRoot(0, a);
    m.frames.free(pud);
    expect(m.tables.isTable(pud)).toBe(true);
    m.setTable(a, G512, 4, table());
    links.length = 0;
    m.setTable(a, G512 + USER_VA, 3, pmd);
    expect(links).toMatchObject([{ pfn: pmd, otherLinks: 1 }]);
  });

  it('a freed table a walk-cache entry of a loaded ASID still leads to keeps counting', () => {
    const { m, table, links, a, pmd, pte } = threeLevels();
    m.setRoot(0, a);
    // The pud is unlinked with no TLBI: CPU 0 may still walk into it, then through the freed pmd.
    m.clearEntry(a, 0, 4);
    m.frames.free(pmd);
    m.setTable(a, G512, 4, table());
    m.ensurePath(a, G512 + USER_VA, 2, table);
    links.length = 0;
    m.setTable(a, G512 + USER_VA, 2, pte);
    expect(links).toMatchObject([{ pfn: pte, otherLinks: 1 }]);
    // Once the TLBI has gone, nothing walks into the freed pmd any more.
    m.clearEntry(a, G512 + USER_VA, 2);
    m.tlbi(0, 'VMALLE1');
    m.dsb(0);
    links.length = 0;
    m.setTable(a, G512 + USER_VA, 2, pte);
    expect(links).toMatchObject([{ pfn: pte, otherLinks: 0 }]);
  });

  it("a freed, unlinked table's pointers go with its content: the tables they named lose the link", () => {
    const { m, table, links, a, pud, pmd, pte } = threeLevels();
    m.clearEntry(a, 0, 4);
    // pmd freed first (pud still names it: kept), then pud: both go, and pte loses its only link.
    m.frames.free(pmd);
    expect(m.tables.isTable(pmd)).toBe(true);
    m.frames.free(pud);
    expect(m.tables.isTable(pud)).toBe(false);
    expect(m.tables.isTable(pmd)).toBe(false);
    expect(m.tables.slotLinks[m.tables.slotOf[pte]]).toBe(0);
    m.ensurePath(a, G512 + USER_VA, 2, table);
    links.length = 0;
    m.setTable(a, G512 + USER_VA, 2, pte);
    expect(links).toMatchObject([{ pfn: pte, otherLinks: 0 }]);
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

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

// A store finds its level-1 table from the one the previous store found in the same 2 MiB region (core.ts
// tableAt), as long as no table pointer was overwritten since: the path must follow every relink, unlink and
// retire, exactly as a walk from the root would.
import { describe, expect, it } from 'vitest';
import { Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('level-1 stores after the tables above them change', () => {
  it('go into the table now linked, throw once none is, and throw in a retired space', () => {
    const { m, table, data } = rig({ arch: 'x86_64', cpus: 2 });
    const s = m.createSpace(1, table);
    m.ensurePath(s, USER_VA, 1, table);
    const first = m.lookup(s, USER_VA).tables;
    m.setLeaf(s, USER_VA, 1, data(), RW_USER);
    // Relink the 2 MiB region to another table: the next store lands there, not in the first one.
    m.clearEntry(s, USER_VA, 2);
    const pt = table();
    m.setTable(s, USER_VA, 2, pt);
    const p = data();
    m.setLeaf(s, USER_VA + 4096, 1, p, RW_USER);
    expect(m.lookup(s, USER_VA + 4096)).toMatchObject({
      present: true,
      pfn: p,
      tables: [...first.slice(0, 3), pt],
    });
    expect(m.lookup(s, USER_VA).present).toBe(false);
    // Unlinked with no table in its place: the store has no table to go into.
    m.clearEntry(s, USER_VA, 2);
    expect(() => m.setLeaf(s, USER_VA, 1, p, RW_USER)).toThrow(/no level-1 table/);
    m.setTable(s, USER_VA, 2, pt);
    m.clearEntry(s, USER_VA + 4096, 1);
    m.retireSpace(s);
    expect(() => m.setLeaf(s, USER_VA + 4096, 1, p, RW_USER)).toThrow(/retired/);
  });

  it('a level-3 pointer overwritten above the cached path moves it too', () => {
    const { m, table, data } = rig({ arch: 'x86_64', cpus: 1 });
    const s = m.createSpace(1, table);
    m.ensurePath(s, USER_VA, 1, table);
    m.setLeaf(s, USER_VA, 1, data(), RW_USER);
    m.clearEntry(s, USER_VA, 3);
    expect(() => m.clearEntry(s, USER_VA, 1)).toThrow(/no level-2 table/);
    m.ensurePath(s, USER_VA, 1, table);
    const p = data();
    m.setLeaf(s, USER_VA, 1, p, RW_USER);
    expect(m.lookup(s, USER_VA).pfn).toBe(p);
  });
});

// Break-before-make on a block ↔ table change (spec arm64-pkey.md §3.2, §7.3): FEAT_BBM level 2 without
// conflict aborts (BBML2_NOABORT) allows the change in place only when the translations stay the same —
// every valid entry of the table maps the block's frame at its offset with the block's permissions
// (access and dirty flags aside: hardware may set those). Anything else is a size violation.
import { describe, expect, it } from 'vitest';
import { Pte, type BbmViolation } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;
const BLOCK = 1024;

function blockRig() {
  const r = rig({ arch: 'arm64', cpus: 2, features: { 'bbml2-noabort': true } });
  const seen: BbmViolation[] = [];
  r.m.observe({ bbmViolation: (v) => seen.push(v) });
  const mm = r.m.createSpace(2, r.table);
  r.m.ensurePath(mm, USER_VA, 2, r.table);
  r.m.setRoot(1, mm);
  r.m.setLeaf(mm, USER_VA, 2, BLOCK, RW_USER);
  /** An unlinked level-1 table holding the block's 512 pages, with `edit` applied to entry 7. */
  const pageTable = (edit?: { flags?: number; out?: number; skip?: boolean }): number => {
    const t = r.table();
    r.m.tables.adopt(t, 1); // a level-1 table frame, filled before it is linked
    for (let i = 0; i < 512; i++) {
      if (i === 7 && edit !== undefined) {
        if (edit.skip === true) continue;
        r.m.storeInTable(t, i, edit.flags ?? RW_USER, edit.out ?? BLOCK + i);
      } else r.m.storeInTable(t, i, RW_USER, BLOCK + i);
    }
    return t;
  };
  return { ...r, mm, seen, pageTable };
}

describe('BBML2_NOABORT: block → table in place', () => {
  it('the same pages, accessed/dirty aside, or a page left invalid: no violation', () => {
    for (const edit of [undefined, { flags: RW_USER | Pte.ACCESSED | Pte.DIRTY }, { skip: true }]) {
      const { m, mm, seen, pageTable } = blockRig();
      m.setTable(mm, USER_VA, 2, pageTable(edit));
      expect(seen).toEqual([]);
    }
  });

  it('a page with another frame or other permissions: a size violation, naming the CPU that may hold the block', () => {
    for (const edit of [{ out: BLOCK + 8 }, { flags: Pte.USER }]) {
      const { m, mm, seen, pageTable } = blockRig();
      m.setTable(mm, USER_VA, 2, pageTable(edit));
      expect(seen).toEqual([{ space: mm, va: USER_VA, level: 2, reason: 'size', cpus: [1] }]);
    }
  });

  it('table → block: allowed when the block maps what the table mapped, a violation otherwise', () => {
    const { m, mm, seen, pageTable } = blockRig();
    m.setTable(mm, USER_VA, 2, pageTable());
    m.setLeaf(mm, USER_VA, 2, BLOCK, RW_USER);
    expect(seen).toEqual([]);
    m.setTable(mm, USER_VA, 2, pageTable());
    m.setLeaf(mm, USER_VA, 2, BLOCK + 512, RW_USER);
    expect(seen.map((v) => v.reason)).toEqual(['size']);
  });
});

describe('a new descriptor while another size may still be cached (conflict, arm64-pkey.md §7.3)', () => {
  function cleared(bbml2: boolean) {
    const r = rig({ arch: 'arm64', cpus: 3, features: { 'bbml2-noabort': bbml2 } });
    const seen: BbmViolation[] = [];
    r.m.observe({ bbmViolation: (v) => seen.push(v) });
    const mm = r.m.createSpace(2, r.table);
    r.m.ensurePath(mm, USER_VA, 1, r.table);
    r.m.setRoot(2, mm);
    return { ...r, mm, seen };
  }

  it('a 2 MiB block over a page some CPU may still hold at another frame: conflict naming that CPU', () => {
    const { m, mm, seen } = cleared(false);
    m.setLeaf(mm, USER_VA + 7 * 4096, 1, 5000, RW_USER);
    m.clearEntry(mm, USER_VA + 7 * 4096, 1);
    m.clearEntry(mm, USER_VA, 2); // the level-1 table goes; the block takes its place
    m.setLeaf(mm, USER_VA, 2, BLOCK, RW_USER);
    expect(seen).toEqual([{ space: mm, va: USER_VA, level: 2, reason: 'conflict', cpus: [2] }]);
  });

  it('BBML2_NOABORT: the same page inside the new block is no conflict; another frame still is', () => {
    for (const [frame, expected] of [
      [BLOCK + 7, []],
      [5000, ['conflict']],
    ] as const) {
      const { m, mm, seen } = cleared(true);
      m.setLeaf(mm, USER_VA + 7 * 4096, 1, frame, RW_USER);
      m.clearEntry(mm, USER_VA + 7 * 4096, 1);
      m.clearEntry(mm, USER_VA, 2);
      m.setLeaf(mm, USER_VA, 2, BLOCK, RW_USER);
      expect(seen.map((v) => v.reason)).toEqual(expected);
    }
  });

  it('a page under a block some CPU may still hold: conflict unless it maps the same frame (BBML2)', () => {
    for (const bbml2 of [false, true]) {
      const { m, mm, table, seen } = cleared(bbml2);
      m.clearEntry(mm, USER_VA, 2);
      m.setLeaf(mm, USER_VA, 2, BLOCK, RW_USER);
      m.clearEntry(mm, USER_VA, 2);
      m.setTable(mm, USER_VA, 2, table());
      m.setLeaf(mm, USER_VA + 9 * 4096, 1, BLOCK + 9, RW_USER);
      m.setLeaf(mm, USER_VA + 10 * 4096, 1, 6000, RW_USER);
      expect(seen.map((v) => [v.reason, v.va])).toEqual(
        bbml2
          ? [['conflict', USER_VA + 10 * 4096]]
          : // Without BBML2 the block first replaces a table pointer CPU 2's walk cache may still hold
            // (unlinked with no TLBI, arm64-pkey.md §7.3), then the table descriptor replaces a block that
            // may be cached, and so does every page under it, same frame or not.
            [
              ['conflict', USER_VA],
              ['conflict', USER_VA],
              ['conflict', USER_VA + 9 * 4096],
              ['conflict', USER_VA + 10 * 4096],
            ],
      );
    }
  });
});

// Sources: spec arm64-pkey.md §7.3 (invalid → DSB → TLBI → DSB → new descriptor); Arm ARM D8.13 (TLBI VALE1
// leaves walk-cache entries, VAE1 does not); Casemate (rems-project/casemate fd6825d) src/lib/src/model.c
// step_write_on_invalid_unclean, "BBM invalid unclean->valid" (examples/tests/bad_bbm_missing_tlbi.c).
describe('a table pointer replaced while a walk-cache entry of the old one may be held (Casemate bad_bbm_missing_tlbi)', () => {
  function unlinked() {
    const r = rig({ arch: 'arm64', cpus: 2 });
    const seen: BbmViolation[] = [];
    r.m.observe({ bbmViolation: (v) => seen.push(v) });
    const mm = r.m.createSpace(2, r.table);
    r.m.ensurePath(mm, USER_VA, 2, r.table);
    const old = r.table();
    r.m.setTable(mm, USER_VA, 2, old); // an empty level-1 table: no leaf is ever cached from it
    r.m.setRoot(1, mm);
    r.m.clearEntry(mm, USER_VA, 2);
    return { ...r, mm, seen, old };
  }

  it('another table with no TLBI + DSB since the unlink: conflict naming the CPU that may walk the old one', () => {
    const { m, mm, seen, table } = unlinked();
    m.setTable(mm, USER_VA, 2, table());
    expect(seen).toEqual([{ space: mm, va: USER_VA, level: 2, reason: 'conflict', cpus: [1] }]);
  });

  it('the same table again, or another one after TLBI VAE1 + DSB: none; a last-level TLBI leaves the walk entry', () => {
    const same = unlinked();
    same.m.setTable(same.mm, USER_VA, 2, same.old);
    expect(same.seen).toEqual([]);
    for (const [op, expected] of [
      ['VAE1', []],
      ['VALE1', ['conflict']],
    ] as const) {
      const { m, mm, seen, table } = unlinked();
      m.tlbi(0, op, { broadcast: true, va: USER_VA, asid: 2 });
      m.dsb(0);
      m.setTable(mm, USER_VA, 2, table());
      expect(seen.map((v) => v.reason)).toEqual(expected);
    }
  });
});

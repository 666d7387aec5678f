// break-before-make (Arm ARM D8.16; spec arm64-pkey.md §7.3) as the invariant reports it: which of the
// three breaches it was (another output frame, another size, a CPU still holding a different
// translation), the level, the address, and the first CPU that may hold the old translation (none: null).
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import type { InvariantViolation } from '../src/index.js';
import { UDATA, fixture, read } from './machine-fixture.js';

const VA = 0x400000;

function bbm(f: ReturnType<typeof fixture>): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === 'break-before-make');
}

/** `cpus` switch to a second address space and drop every ASID-1 entry (local TLBI ASIDE1 + DSB). */
function leaveAsid1(f: ReturnType<typeof fixture>, cpus: readonly number[]): void {
  const other = f.m.createSpace(2, f.table);
  for (const c of cpus) {
    f.m.setRoot(c, other);
    f.m.tlbi(c, 'ASIDE1', { asid: 1, broadcast: false });
    f.m.dsb(c);
  }
}

describe('break-before-make sites', () => {
  it('a valid entry replaced by one with another output frame: the reason, the level, the address', () => {
    const f = fixture('arm64', ['break-before-make']);
    const a = f.frame();
    f.map(f.user, VA, a, UDATA);
    f.mon.take();
    f.m.setLeaf(f.user, VA, 1, f.frame(), UDATA);
    const v = bbm(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: VA, frame: null, claimed: true });
    expect(v[0].explanation).toBe(
      `a valid entry was replaced by one with another output frame at 0x400000 (level 1)`,
    );
  });

  it('a block replaced by a table in place is a size change, named at its level', () => {
    const f = fixture('arm64');
    f.m.ensurePath(f.user, VA, 2, f.table);
    f.m.setLeaf(f.user, VA, 2, 512, UDATA); // 2 MiB block
    f.mon.take();
    f.m.setTable(f.user, VA, 2, f.table()); // split without break (no FEAT_BBM level 2)
    const v = bbm(f);
    expect(v).toHaveLength(1);
    expect(v[0].explanation).toBe(
      'a valid entry was replaced by one of another size (block ↔ table) at 0x400000 (level 2)',
    );
    expect(v[0].claimed).toBe(false); // not claimed by this fixture: a note
  });

  it('a store after an invalid entry but before the TLBI names the one CPU that may hold the old entry', () => {
    const f = fixture('arm64');
    // CPU 0 runs another address space and has nothing of ASID 1 left: only CPU 1 may cache the entry.
    leaveAsid1(f, [0]);
    const a = f.frame();
    f.map(f.user, VA, a, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // break, but no TLBI + DSB
    f.mon.take();
    f.m.setLeaf(f.user, VA, 1, f.frame(), UDATA);
    const v = bbm(f);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: 1, address: VA, frame: null });
    expect(v[0].explanation).toBe(
      'an entry was written while a CPU may still hold a different translation for it at 0x400000 (level 1)',
    );
  });

  it('no CPU can hold the old entry (its ASID flushed everywhere): the violation names no CPU', () => {
    const f = fixture('arm64');
    const a = f.frame();
    f.map(f.user, VA, a, UDATA);
    leaveAsid1(f, [0, 1]);
    f.mon.take();
    f.m.setLeaf(f.user, VA, 1, f.frame(), UDATA); // still a breach of the sequence, held nowhere
    const v = bbm(f);
    expect(v).toHaveLength(1);
    expect(v[0].cpu).toBeNull();
  });

  it('a write of the same output with other permissions is no breach (D8.16 allows permission changes)', () => {
    const f = fixture('arm64');
    const a = f.frame();
    f.map(f.user, VA, a, UDATA);
    expect(read(f, 1, VA, true)).toBe(0);
    f.mon.take();
    f.m.setLeaf(f.user, VA, 1, a, Pte.PRESENT | Pte.USER);
    expect(bbm(f)).toEqual([]);
  });
});

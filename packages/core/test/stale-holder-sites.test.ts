// The CPU a stale-entry site names is one that may still hold the entry (DESIGN §3 "Invariants": `cpu`
// is a holder). A user entry is held per PCID: after CPU 0 switched to another process and dropped PCID 1
// (INVPCID single-context, Intel SDM 3A §4.10.4.1), only CPU 1 — the CPU that ran the process — may
// still hold PCID 1's entries. So the site must name CPU 1, not the first CPU of the machine.
import { Access, Mode, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KEXEC, UDATA, fixture, freeFrame } from './machine-fixture.js';

const VA = 0x400000;
const MODULE_VA = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map
const UEXEC = Pte.PRESENT | Pte.USER | Pte.XUSER;

/** Process 1 (PCID 1) runs on CPU 1 only; CPU 0 runs another process and holds nothing of PCID 1. */
function cpu1Only(ids: InvariantId[]) {
  const f = fixture('x86_64', ids);
  const other = f.m.createSpace(2, f.table);
  f.m.setRoot(0, other);
  f.m.invpcid(0, 1, 1);
  return f;
}

function only(f: ReturnType<typeof fixture>, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}

describe('a stale user entry held by CPU 1 alone is named with CPU 1', () => {
  it('stale-exec-alias: executable user text unmapped without a flush, its frame freed', () => {
    const f = cpu1Only(['stale-exec-alias']);
    const p = f.frame();
    f.map(f.user, VA, p, UEXEC);
    expect(f.m.access(1, VA, Access.EXEC, Mode.USER)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // munmap, flush_tlb_mm_range not yet
    f.mon.take();
    freeFrame(f, p);
    expect(only(f, 'stale-exec-alias')).toEqual([
      expect.objectContaining({
        cpu: 1,
        address: VA,
        frame: p,
        explanation: `frame ${p} is free but a stale executable entry for 0x400000 may still be cached`,
      }),
    ]);
  });

  it('wx-alias: a stale writable user entry beside module text on the same (reused) frame', () => {
    const f = cpu1Only(['wx-alias']);
    const p = f.frame();
    f.map(f.user, VA, p, UDATA);
    expect(f.m.access(1, VA, Access.WRITE, Mode.USER)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // zapped, flush pending: CPU 1 may still write the frame
    freeFrame(f, p);
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    f.mon.take();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC); // module_alloc hands the frame out as kernel text
    expect(only(f, 'wx-alias')).toEqual([
      expect.objectContaining({
        cpu: 1,
        address: VA,
        frame: p,
        explanation: `frame ${p} is writable and executable at once (a stale writable entry for 0x400000)`,
      }),
    ]);
  });
});

// The CPU a stale-entry site names is one that may still hold the entry (DESIGN §3 "Invariants": `cpu`
// is a holder). A user entry is held per PCID: after CPU 0 switched to another process and dropped PCID 1
// (INVPCID single-context, Intel SDM 3A §4.10.4.1), only CPU 1 — the CPU that ran the process — may
// still hold PCID 1's entries. So the site must name CPU 1, not the first CPU of the machine.
import { Access, Mode, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KDATA, KEXEC, UDATA, fixture, freeFrame } from './machine-fixture.js';

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

describe('what the site names when several entries reach a freed frame', () => {
  it('stale-exec-alias names a present executable entry, not a stale entry that grants nothing more', () => {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA + 0x1000, p, Pte.PRESENT | Pte.GLOBAL); // a read-only alias
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.m.access(1, MODULE_VA + 0x1000, Access.READ, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA + 0x1000, 1); // stale, but not executable
    f.m.setLeaf(f.m.kernelSpace, MODULE_VA, 1, p, KEXEC | Pte.ACCESSED); // stale copy with the same rights
    f.mon.operationReturned();
    f.mon.take();
    // Freed while the module text still maps it — the book first, as linux-mm's frame sink does.
    f.book.setState(p, FrameState.Free);
    f.m.frames.free(p);
    expect(only(f, 'stale-exec-alias')).toEqual([
      expect.objectContaining({
        cpu: null,
        address: null,
        frame: p,
        explanation: `frame ${p} is free but a present executable entry still maps it`,
      }),
    ]);
  });
});

describe('wx-alias: what the site names', () => {
  it('present writable and executable entries, beside a stale read-only one: the present entries', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA + 0x1000, p, Pte.PRESENT | Pte.GLOBAL);
    expect(f.m.access(1, MODULE_VA + 0x1000, Access.READ, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA + 0x1000, 1); // a stale read-only alias: neither side
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    f.mon.take();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    expect(only(f, 'wx-alias').map((v) => [v.cpu, v.address, v.explanation])).toEqual([
      [null, null, `frame ${p} is writable and executable at once (present entries)`],
    ]);
  });
});

describe('wx-alias: the executable side is the kernel, stale entries included', () => {
  it("a process's stale executable entry beside the kernel's writable linear map is no kernel W^X", () => {
    const f = cpu1Only(['wx-alias']);
    const p = f.frame();
    f.map(f.user, VA, p, UEXEC);
    expect(f.m.access(1, VA, Access.EXEC, Mode.USER)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // munmap of its text, CPU 1 not flushed yet
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA); // the kernel writes the frame (page cache)
    f.mon.operationReturned();
    expect(only(f, 'wx-alias')).toEqual([]);
  });
});

describe('wx-alias: a latent record is no path (DESIGN §3, second honesty rule)', () => {
  it('a writable user entry cached under a PCID no CPU has loaded does not alias kernel text', () => {
    const f = cpu1Only(['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, Pte.PRESENT | Pte.GLOBAL); // its read-only linear map
    f.map(f.user, VA, p, UDATA);
    expect(f.m.access(1, VA, Access.WRITE, Mode.USER)).toBe(0);
    f.m.clearEntry(f.user, VA, 1); // zapped, CPU 1 not flushed
    const third = f.m.createSpace(3, f.table);
    f.m.setRoot(1, third, { noflush: true }); // CPU 1 runs another process, PCID 1 kept: latent
    f.mon.take();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(only(f, 'wx-alias')).toEqual([]);
    f.m.setRoot(1, f.user, { noflush: true }); // PCID 1 loaded again without a flush: the entry counts
    f.map(f.m.kernelSpace, MODULE_VA + 0x1000, p, KEXEC); // the next store judges the frame
    expect(only(f, 'wx-alias').map((v) => [v.cpu, v.address])).toEqual([[1, VA]]);
  });
});

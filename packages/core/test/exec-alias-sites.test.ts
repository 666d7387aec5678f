// wx-alias (INV-WX) and stale-exec-alias (INV-XALIAS) at their sites: present entries (no CPU, no
// address) or a stale entry (its holder, its address, whether it was the writable or the executable
// side), free or reused, and what is no alias at all (one kernel RWX entry; a stale entry that grants
// nothing more than the current one — DESIGN §3, first honesty rule).
import { Access, Mode, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { FrameState, type InvariantId, type InvariantViolation } from '../src/index.js';
import { KDATA, KEXEC, fixture, freeFrame, read } from './machine-fixture.js';

const MODULE_VA = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map
const KRO = Pte.PRESENT | Pte.GLOBAL;
type F = ReturnType<typeof fixture>;

function only(f: F, id: InvariantId): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === id);
}
const hex = (va: number): string => `0x${va.toString(16)}`;

describe('wx-alias sites', () => {
  it('present entries: no CPU and no address to name', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    f.mon.take();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    const v = only(f, 'wx-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ cpu: null, address: null, frame: p, claimed: true });
    expect(v[0].explanation).toBe(`frame ${p} is writable and executable at once (present entries)`);
  });

  it('a stale writable linear-map entry: its holder and address, named as the writable side', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, KDATA);
    expect(read(f, 1, dm)).toBe(0);
    f.m.invlpg(0, dm); // CPU 0 holds nothing of it
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KRO); // set_memory_ro, CPU 1 not flushed yet
    f.mon.take();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC); // set_memory_x on the alias before the flush
    const v = only(f, 'wx-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: dm, frame: p });
    expect(v[0].explanation).toBe(
      `frame ${p} is writable and executable at once (a stale writable entry for ${hex(dm)})`,
    );
  });

  it('a stale executable module entry: named as the executable side', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KRO);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, MODULE_VA, 1, p, KRO); // set_memory_nx, flush pending
    f.mon.take();
    f.m.setLeaf(f.m.kernelSpace, f.m.directMapVa(p), 1, p, KDATA); // set_memory_rw on the alias: too early
    const v = only(f, 'wx-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: MODULE_VA, frame: p });
    expect(v[0].explanation).toBe(
      `frame ${p} is writable and executable at once (a stale executable entry for ${hex(MODULE_VA)})`,
    );
  });

  it('one kernel RWX entry is not an alias of itself', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KDATA | Pte.XKERNEL);
    expect(only(f, 'wx-alias')).toEqual([]);
  });

  it('nor is its stale copy, left by a clear whose flush is pending: still one entry', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KDATA | Pte.XKERNEL);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // vunmap, the flush to come
    f.mon.operationReturned();
    expect(only(f, 'wx-alias')).toEqual([]);
    // a read-only alias beside the stale RWX copy adds no writable or executable entry
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KRO);
    f.mon.operationReturned();
    expect(only(f, 'wx-alias')).toEqual([]);
  });

  it('a present RWX entry beside a read-only one: the one RWX entry is both sides, no alias', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KRO);
    f.map(f.m.kernelSpace, MODULE_VA, p, KDATA | Pte.XKERNEL);
    expect(only(f, 'wx-alias')).toEqual([]);
    // made writable, the linear-map alias is a second writable entry: now an alias
    f.m.setLeaf(f.m.kernelSpace, f.m.directMapVa(p), 1, p, KDATA);
    expect(only(f, 'wx-alias')).toHaveLength(1);
  });

  it('a stale RWX copy and a present writable alias are two entries: an alias', () => {
    const f = fixture('x86_64', ['wx-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KDATA | Pte.XKERNEL);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1);
    f.mon.take();
    f.map(f.m.kernelSpace, f.m.directMapVa(p), p, KDATA);
    const v = only(f, 'wx-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: MODULE_VA, frame: p });
  });
});

describe('stale-exec-alias sites', () => {
  function moduleText() {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC);
    expect(f.m.access(1, MODULE_VA, Access.EXEC, Mode.KERNEL)).toBe(0);
    f.m.invlpg(0, MODULE_VA);
    return { f, p };
  }

  it('a stale executable entry of a free frame: the holder, the address, "free"', () => {
    const { f, p } = moduleText();
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // vunmap, flush_tlb_kernel_range not yet
    f.mon.take();
    freeFrame(f, p);
    const v = only(f, 'stale-exec-alias');
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ address: MODULE_VA, frame: p });
    expect(v[0].explanation).toBe(
      `frame ${p} is free but a stale executable entry for ${hex(MODULE_VA)} may still be cached`,
    );
  });

  it('a present executable entry of a frame freed and reused: no CPU, no address, "reused"', () => {
    const { f, p } = moduleText();
    f.mon.take();
    f.book.setState(p, FrameState.Free); // freed without vunmap: the entry stays
    f.m.frames.free(p);
    const free = only(f, 'stale-exec-alias');
    expect(free).toHaveLength(1);
    expect(free[0]).toMatchObject({ cpu: null, address: null, frame: p });
    expect(free[0].explanation).toBe(`frame ${p} is free but a present executable entry still maps it`);
    // Handed out again: the same entry now executes another owner's data. Still the same episode.
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    f.mon.operationReturned();
    expect(only(f, 'stale-exec-alias')).toEqual([]);
  });

  it('an executable entry made after the reuse is the new owner’s, not a stale alias', () => {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    freeFrame(f, p);
    f.m.frames.setTag(p, 'data');
    f.book.setState(p, FrameState.Allocated);
    f.map(f.m.kernelSpace, MODULE_VA, p, KEXEC); // module_alloc of the new owner
    f.mon.operationReturned();
    expect(only(f, 'stale-exec-alias')).toEqual([]);
  });

  it('a stale entry without the exec right is not an executable alias', () => {
    const f = fixture('x86_64', ['stale-exec-alias']);
    const p = f.frame();
    f.map(f.m.kernelSpace, MODULE_VA, p, KRO);
    f.map(f.m.kernelSpace, MODULE_VA + 0x1000, p, KEXEC);
    expect(read(f, 1, MODULE_VA)).toBe(0);
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA, 1); // a stale read-only entry
    f.m.clearEntry(f.m.kernelSpace, MODULE_VA + 0x1000, 1);
    for (let c = 0; c < 2; c++) f.m.invlpg(c, MODULE_VA + 0x1000); // the executable one flushed
    f.mon.take();
    freeFrame(f, p);
    expect(only(f, 'stale-exec-alias')).toEqual([]);
  });
});

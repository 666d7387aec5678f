// stale-direct-map (soft; spec `stale-dmap`): a cached linear-map entry less permissive than the current
// one costs a spurious fault (x86 spurious_kernel_fault, arch/x86/mm/fault.c) — only that direction, only
// while the current entry maps the same frame, and only until a flush drops the cached one.
import { Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { KDATA, fixture, read } from './machine-fixture.js';

const KREAD = Pte.PRESENT | Pte.GLOBAL;

function cachedThen(flags: number, now: number | null) {
  const f = fixture('x86_64', ['stale-direct-map']);
  const p = f.frame();
  const dm = f.m.directMapVa(p);
  f.map(f.m.kernelSpace, dm, p, flags);
  expect(read(f, 1, dm)).toBe(0);
  if (now === null) f.m.clearEntry(f.m.kernelSpace, dm, 1);
  else f.m.setLeaf(f.m.kernelSpace, dm, 1, p, now);
  f.mon.operationReturned();
  return { f, p, dm };
}

const notes = (f: ReturnType<typeof fixture>) =>
  f.mon.take().filter((v) => v.invariant === 'stale-direct-map');

describe('stale-direct-map: which cached entries', () => {
  it('a cached writable entry under a read-only one is more permissive: not this note', () => {
    expect(notes(cachedThen(KDATA, KREAD).f)).toEqual([]);
  });

  it('a cached entry whose current entry is gone: no spurious fault to note', () => {
    expect(notes(cachedThen(KREAD, null).f)).toEqual([]);
  });

  it('a note is never claimed, even by a policy that names it', () => {
    const v = notes(cachedThen(KREAD, KDATA).f);
    expect(v.map((x) => x.claimed)).toEqual([false]);
  });
});

describe('stale-direct-map: settling', () => {
  it('ends with the flush that drops the cached entry; the next tightening is noted again', () => {
    const { f, p, dm } = cachedThen(KREAD, KDATA);
    expect(notes(f).map((v) => v.frame)).toEqual([p]);
    f.m.flushGlobal(0);
    f.m.flushGlobal(1);
    f.mon.operationReturned();
    expect(notes(f)).toEqual([]);
    // Read-only again, cached, then writable again: a second spurious-fault window.
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KREAD);
    f.m.flushGlobal(0);
    f.m.flushGlobal(1);
    expect(read(f, 0, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KDATA);
    f.mon.operationReturned();
    expect(notes(f).map((v) => [v.frame, v.address])).toEqual([[p, dm]]);
  });
});

describe('stale-direct-map: one note per window, at its holder', () => {
  it('a window that lasts over several operations is one note', () => {
    const { f, p } = cachedThen(KREAD, KDATA);
    expect(notes(f).map((v) => v.frame)).toEqual([p]);
    f.mon.operationReturned();
    f.mon.operationReturned();
    expect(notes(f)).toEqual([]);
  });

  it('names the CPU the flush has not reached yet', () => {
    const f = fixture('x86_64', ['stale-direct-map']);
    const p = f.frame();
    const dm = f.m.directMapVa(p);
    f.map(f.m.kernelSpace, dm, p, KREAD);
    expect(read(f, 1, dm)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, dm, 1, p, KDATA); // set_memory_rw
    f.m.invlpg(0, dm); // flush_tlb_kernel_range done on CPU 0, CPU 1 not yet
    f.mon.operationReturned();
    expect(notes(f).map((v) => [v.cpu, v.address])).toEqual([[1, dm]]);
  });
});

describe('stale-direct-map: only the linear map', () => {
  it('a kernel alias outside the linear map (module text, vmalloc) made more permissive is no note', () => {
    const f = fixture('x86_64', ['stale-direct-map']);
    const p = f.frame();
    const va = 2 ** 47 + 2 ** 40; // a kernel-half address outside the linear map
    f.map(f.m.kernelSpace, va, p, KREAD);
    expect(read(f, 1, va)).toBe(0);
    f.m.setLeaf(f.m.kernelSpace, va, 1, p, KDATA);
    f.mon.operationReturned();
    expect(notes(f)).toEqual([]);
  });
});

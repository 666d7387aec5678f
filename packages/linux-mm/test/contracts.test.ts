import { describe, expect, it } from 'vitest';
import { FRAME_MERMAP, FrameState, PROT_READ, PROT_WRITE } from '@shootdown/core';
import {
  defaultLinuxMmConfig,
  LinuxMm,
  PAGE_SIZE,
  type FrameSink,
  type LinuxMmConfig,
} from '../src/index.js';
import { FakeArch } from './fake-arch.js';

/** A FrameSink that keeps what the generic mm told it (DESIGN §3 invariants, core README "Feeding"). */
class RecordingBook implements FrameSink {
  readonly state = new Map<number, number>();
  readonly flags = new Map<number, number>();
  readonly keys: string[] = [];
  readonly revoked: number[] = [];
  setState(pfn: number, state: FrameState): void {
    this.state.set(pfn, state);
  }
  setFlag(pfn: number, flag: number, on: boolean): void {
    const f = this.flags.get(pfn) ?? 0;
    this.flags.set(pfn, on ? f | flag : f & ~flag);
  }
  setExpectedKey(pid: number, start: number, end: number, key: number): void {
    this.keys.push(`set ${pid} ${start.toString(16)}-${end.toString(16)} ${key}`);
  }
  clearExpectedKey(pid: number, start: number, end: number): void {
    this.keys.push(`clear ${pid} ${start.toString(16)}-${end.toString(16)}`);
  }
  markRevoked(pfns: readonly number[]): void {
    this.revoked.push(...pfns);
  }
}

function machine(tweak: (c: LinuxMmConfig) => LinuxMmConfig = (c) => c) {
  const arch = new FakeArch(2);
  const book = new RecordingBook();
  const lm = new LinuxMm(arch, tweak(defaultLinuxMmConfig(4096, 16)), book);
  const { pid } = lm.processes.createProcess(0);
  lm.processes.run(0, pid!);
  return { arch, book, lm, pid: pid! };
}

describe('frame bookkeeping for the invariants', () => {
  it('reserved, allocated, page-table, unmapped-pool and free states follow the allocator', () => {
    const { book, lm } = machine();
    expect(book.state.get(0)).toBe(FrameState.Reserved);
    expect(book.state.get(lm.initMm.pgd)).toBe(FrameState.PageTable);
    const a = lm.pageAllocator.alloc(0, 0, []);
    expect(book.state.get(a.pfn!)).toBe(FrameState.Allocated);
    lm.pageAllocator.free(0, a.pfn!, 0);
    expect(book.state.get(a.pfn!)).toBe(FrameState.Free);
    const u = lm.pageAllocator.alloc(0, 0, ['unmapped']);
    expect(book.state.get(u.pfn!)).toBe(FrameState.Unmapped);
    // The rest of the converted pageblock sits in the unmapped pool.
    expect(book.state.get(u.pfn! ^ 1)).toBe(FrameState.UnmappedPool);
    lm.pageAllocator.free(0, u.pfn!, 0);
    expect(book.state.get(u.pfn!)).toBe(FrameState.UnmappedPool);
    expect(lm.pageAllocator.pageblockFreetype(u.pfn!)).toBe('Unmovable+unmapped');
  });

  it('page-alloc reuse: takes back the named frames; `unmapped` is reported ignored, not dropped (DESIGN §4)', () => {
    const { book, lm } = machine();
    const a = lm.pageAllocator.alloc(0, 0, []);
    lm.pageAllocator.free(0, a.pfn!, 0);
    const plain = lm.pageAllocator.alloc(0, 0, [], [a.pfn!]);
    expect(plain).toEqual({ outcome: 'ok', pfn: a.pfn, order: 0 });
    lm.pageAllocator.free(0, a.pfn!, 0);
    // Taking named frames off the free lists never zaps their direct-map entry (spec linux.md §4.1, §4.3), so the
    // flag has no effect: the frame is plain allocated data and the step says so.
    const r = lm.pageAllocator.alloc(0, 0, ['unmapped'], [a.pfn!]);
    expect(r).toEqual({ outcome: 'ok', pfn: a.pfn, order: 0, ignored: ['unmapped'] });
    expect(book.state.get(a.pfn!)).toBe(FrameState.Allocated);
    // A frame that is not free cannot be taken back.
    expect(lm.pageAllocator.alloc(0, 0, ['unmapped'], [a.pfn!]).outcome).toBe('error:EBUSY');
  });

  it('a mermapped frame is flagged until the window is flushed', () => {
    const { book, lm } = machine();
    const va = lm.mermap.get(0, lm.initMm, 200, 1);
    expect(book.flags.get(200)! & FRAME_MERMAP).toBe(FRAME_MERMAP);
    lm.mermap.put(0, lm.initMm, va);
    expect(book.flags.get(200)! & FRAME_MERMAP).toBe(FRAME_MERMAP); // put does not flush
    lm.mermap.flushWindow(0);
    expect(book.flags.get(200)! & FRAME_MERMAP).toBe(0);
  });

  it('freeing a mermapped page flushes the window first; the buggy caller variant does not (spec §4.5)', () => {
    for (const [noflush, flushes, flag] of [
      [false, 1, 0],
      [true, 0, FRAME_MERMAP],
    ] as const) {
      const { arch, book, lm } = machine((c) => ({ ...c, mermapFreeNoflush: noflush }));
      const u = lm.pageAllocator.alloc(0, 0, ['unmapped']);
      const va = lm.mermap.get(0, lm.initMm, u.pfn!, 1);
      lm.mermap.put(0, lm.initMm, va);
      lm.pageAllocator.free(0, u.pfn!, 0);
      expect(arch.mermapFlushes, `noflush=${noflush}`).toBe(flushes);
      expect(book.flags.get(u.pfn!)! & FRAME_MERMAP).toBe(flag);
    }
  });

  it('expected keys follow pkey_mprotect and munmap; revoke marks the PFNs', () => {
    const { book, lm, pid } = machine();
    const vm = lm.vmMaps.of(pid)!;
    const { key } = lm.processes.keyAlloc(0, null);
    const { start } = vm.map(
      { cpu: 0 },
      { addr: 0x400000, pages: 2, prot: PROT_READ | PROT_WRITE, flags: ['fixed'] },
    );
    expect(vm.assignKey({ cpu: 0 }, start!, start! + 2 * PAGE_SIZE, key!, ['persist'])).toEqual({
      outcome: 'ok',
      ignored: ['persist'],
    });
    vm.unmap({ cpu: 0 }, start!, start! + 2 * PAGE_SIZE);
    expect(book.keys).toEqual([`set ${pid} 400000-402000 ${key}`, `clear ${pid} 400000-402000`]);
    const dev = vm.map({ cpu: 0 }, { addr: 0x800000, pages: 2, prot: PROT_READ, flags: ['fixed', 'pfnmap'] });
    const frames = lm.processes.framesOf(pid, dev.start!, 2);
    expect(lm.processes.revoke(0, pid, dev.start!, dev.start! + 2 * PAGE_SIZE)).toEqual({ outcome: 'ok' });
    expect(book.revoked).toEqual(frames);
    expect(lm.processes.framesOf(pid, dev.start!, 2)).toEqual([-1, -1]);
  });
});

describe('contract reports', () => {
  it('system-call failures are error:<ERRNO> outcomes', () => {
    const { lm, pid } = machine();
    const vm = lm.vmMaps.of(pid)!;
    expect(vm.unmap({ cpu: 0 }, 0x400001, 0x402000).outcome).toBe('error:EINVAL');
    vm.map({ cpu: 0 }, { addr: 0x400000, pages: 1, prot: PROT_READ, flags: ['fixed'] });
    expect(
      vm.map({ cpu: 0 }, { addr: 0x400000, pages: 1, prot: PROT_READ, flags: ['fixed-excl'] }).outcome,
    ).toBe('error:EEXIST');
    expect(vm.fault({ cpu: 0 }, 0x900000, 'read').outcome).toBe('fault:not-present');
    expect(vm.fault({ cpu: 0 }, 0x400000, 'write').outcome).toBe('fault:write');
    expect(lm.processes.keyFree(0, 5).outcome).toBe('error:EINVAL');
  });

  it('variants without VM_FLUSH_RESET_PERMS report the flag as ignored', () => {
    const { lm } = machine((c) => ({ ...c, vfree: 'module-free-pre52' }));
    expect(lm.kernelMemory.allocate(0, 2, ['reset-perms']).ignored).toEqual(['reset-perms']);
    const merged = machine();
    expect(merged.lm.kernelMemory.allocate(0, 2, ['reset-perms']).ignored).toBeUndefined();
  });

  it('key rights round-trip through the x86 PKRU encoding, per thread', () => {
    const { lm, pid } = machine();
    const { key } = lm.processes.keyAlloc(0, PROT_READ);
    expect(lm.processes.keyRights(0, key!)).toBe(PROT_READ | 4); // PKRU never restricts execute
    lm.processes.run(1, pid); // a second thread: clone copies the register
    lm.processes.setKeyRights(1, key!, 0);
    expect(lm.processes.keyRights(1, key!)).toBe(4);
    expect(lm.processes.keyRights(0, key!)).toBe(PROT_READ | 4);
  });

  it('the gather factory exposes the state core inspects', () => {
    const { lm, pid } = machine();
    const g = lm.gathers.create(pid);
    g.begin(0, false);
    g.startVma({ start: 0x400000, end: 0x401000, exec: true, huge: false, pfnmap: false });
    g.noteCleared(0x400000, 'pte', undefined);
    expect(g.state).toMatchObject({ start: 0x400000, end: 0x401000, vmaExec: true, clearedLevels: ['pte'] });
    g.finish();
  });
});

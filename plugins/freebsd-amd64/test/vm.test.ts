// VM paths around the key questions: partial reclaim, fork copy-on-write, MADV_DONTNEED, exit
// (spec freebsd-amd64.md §3.3, §4.3, §5.1).
import type { FaultSignal, Phase } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { boot, keyedHeap, mapOn, ok, PAGE, read, type World } from './harness.js';

describe('partial reclaim (swapout with a range)', () => {
  it('goes page by page through pmap_remove_all and never touches the rangeset, even under original', () => {
    // spec §5.1: partial RSS trimming uses vm_page_try_remove_all (PV lists), not pmap_remove.
    const w = boot('freebsd-amd64:pkru-remove=original');
    const { pid, start } = keyedHeap(w);
    const before = w.counters.get('freebsd.invalidate_page');
    ok(mapOn(w, 0).swapOut({ cpu: 0 }, start, start + 2 * PAGE));
    expect(w.counters.get('freebsd.invalidate_page') - before).toBe(2);
    expect(w.pmaps.of(pid)?.lookup(start)).toBeUndefined();
    expect(w.sys.pmap(pid)?.pkru.size).toBe(1);
    expect(read(w, 1, start)).toBe('fault:key');
  });
});

describe('fork copy-on-write (vm_map_copy_entry)', () => {
  it('write-protects the parent with one pmap_invalidate_all; the child shares frames until a write copies', () => {
    const w = boot();
    const pid = w.kernel.createProcess(0).pid as number;
    ok(w.kernel.run(0, pid));
    const map = mapOn(w, 0);
    const start = map.map({ cpu: 0 }, { pages: 2, prot: 3, flags: ['populate'] }).start as number;
    expect(w.kernel.access(0, start, 'write', true).outcome).toBe('ok');
    const all = w.counters.get('freebsd.invalidate_all');
    const child = w.kernel.fork(0).pid as number;
    expect(w.counters.get('freebsd.invalidate_all') - all).toBe(1);
    const parentFrame = w.pmaps.of(pid)?.lookup(start)?.pfn;
    expect(w.pmaps.of(child)?.lookup(start)?.pfn).toBe(parentFrame);
    expect(w.pmaps.of(pid)?.lookup(start)?.prot).toBe(1);
    // The parent's write faults on the read-only entry, vm_fault copies the page.
    expect(w.kernel.access(0, start, 'write', true).outcome).toBe('ok');
    const copied = w.pmaps.of(pid)?.lookup(start)?.pfn;
    expect(copied).not.toBe(parentFrame);
    expect(w.pmaps.of(child)?.lookup(start)?.pfn).toBe(parentFrame);
  });
});

describe('MADV_DONTNEED (pmap_advise)', () => {
  it('keeps entries and keys, one pmap_invalidate_all for the accessed/modified bits it cleared', () => {
    const w = boot();
    const { pid, start, end } = keyedHeap(w);
    const all = w.counters.get('freebsd.invalidate_all');
    ok(mapOn(w, 0).discard({ cpu: 0 }, start, end));
    expect(w.counters.get('freebsd.invalidate_all') - all).toBe(1);
    expect(w.pmaps.of(pid)?.lookup(start)?.key).toBe(1);
  });
});

describe('exit (vmspace_exit → pmap_remove_pages)', () => {
  it('drops every key range and mapping and frees the frames', () => {
    const w = boot();
    const { pid, start } = keyedHeap(w, { persist: true });
    const frame = w.pmaps.of(pid)?.lookup(start)?.pfn as number;
    ok(w.kernel.exit(0));
    expect(w.kernel.processState(pid)).toBe('exited');
    expect(w.sys.pmap(pid)?.pkru.size).toBe(0);
    expect(w.pmaps.of(pid)?.lookup(start)).toBeUndefined();
    expect(w.m.frames.isFree(frame)).toBe(true);
    expect(w.kernel.current(0)).toBeNull();
  });
});

describe('trap_pfault on a key fault', () => {
  it('kills the process on a user access and never calls vm_fault (spec §1.1, §12.6)', () => {
    const w = boot();
    const { pid, start } = keyedHeap(w);
    expect(read(w, 1, start)).toBe('fault:key');
    expect(w.kernel.processState(pid)).toBe('killed');
  });

  it('raises SIGSEGV/SEGV_PKUERR (trap.c: PGEX_PK from user mode) naming no si_pkey, and reports the entry key', () => {
    const delivered: FaultSignal[] = [];
    const w = boot('freebsd-amd64', {}, undefined, { deliver: (_c, _p, s) => (delivered.push(s), true) });
    const { pid, start } = keyedHeap(w, { key: 3 });
    expect(w.kernel.access(1, start, 'read', true)).toEqual({ outcome: 'fault:key', key: 3 });
    expect(delivered).toEqual([{ signo: 'SIGSEGV', code: 'SEGV_PKUERR', addr: start }]);
    // A handler ran: the thread goes on (the default action would have killed the process).
    expect(w.kernel.processState(pid)).toBe('alive');
  });

  it('classifies the other user faults as vm_fault_trap does: no entry SEGV_MAPERR, protection SEGV_ACCERR', () => {
    const delivered: FaultSignal[] = [];
    const w = boot('freebsd-amd64', {}, undefined, { deliver: (_c, _p, s) => (delivered.push(s), true) });
    const { start, end } = keyedHeap(w);
    ok(w.kernel.setKeyRights(1, 1, 3));
    ok(mapOn(w, 0).protect({ cpu: 0 }, start, end, 1));
    expect(w.kernel.access(1, start, 'write', true).outcome).toBe('fault:write');
    expect(w.kernel.access(1, end + 64 * PAGE, 'read', true).outcome).toBe('fault:not-present');
    expect(delivered.map((s) => s.code)).toEqual(['SEGV_ACCERR', 'SEGV_MAPERR']);
  });

  it('turns a copyout into EFAULT and the process lives on', () => {
    const w = boot();
    const { pid, start } = keyedHeap(w);
    expect(w.kernel.uaccess(1, start, 'copyout', null).outcome).toBe('error:EFAULT');
    expect(w.kernel.processState(pid)).toBe('alive');
  });
});

describe('exec single-threads the process', () => {
  it('leaves the other CPUs without a thread of it', () => {
    const w = boot();
    const { pid } = keyedHeap(w);
    ok(w.kernel.exec(0));
    expect(w.kernel.current(0)).toBe(pid);
    expect(w.kernel.current(1)).toBeNull();
    // spec §1.5: the PKRU after exec is assumed to be the XSAVE init value 0 (every key rw) [unverified].
    expect(w.kernel.keyRights(0, 1)).toBe(3);
  });
});

describe('the direct map (create_pagetables)', () => {
  it('maps every frame writable, global and not executable through the kernel pmap', () => {
    const w = boot();
    const last = w.m.frames.count - 1;
    const e = w.pmaps.kernel.lookup(w.pmaps.directMap.addressOf(last));
    expect(e).toMatchObject({ present: true, pfn: last, prot: 3, user: false, global: true });
  });
});

describe('a fault inside munmap (vm_map_remove holds the map write-locked)', () => {
  // sys/vm/vm_map.c vm_map_remove: vm_map_lock … vm_map_delete … vm_map_unlock; vm_fault's vm_map_lookup takes
  // the read side, so a fault on another CPU waits out the whole delete and then finds no entry.
  for (const phase of ['cleared', 'flushed'] as const) {
    it(`at ${phase}: the other thread's fault on the range is SEGV_MAPERR and maps nothing`, () => {
      let nested: ((p: Phase) => void) | null = null;
      const delivered: FaultSignal[] = [];
      const w: World = boot(
        'freebsd-amd64',
        { tlb: 'precise' },
        { reach: (p) => nested?.(p) },
        { deliver: (_c, _p, s) => (delivered.push(s), true) },
      );
      const pid = w.kernel.createProcess(0).pid as number;
      ok(w.kernel.run(0, pid));
      ok(w.kernel.run(1, pid));
      const map = mapOn(w, 0);
      const start = map.map({ cpu: 0 }, { pages: 2, prot: 3, flags: ['populate'] }).start as number;
      const other = map.map({ cpu: 0 }, { pages: 1, prot: 3, flags: [] }).start as number;
      const frames = [0, 1].map((i) => w.pmaps.of(pid)?.lookup(start + i * PAGE)?.pfn as number);
      const seen: string[] = [];
      nested = (p) => {
        if (p !== phase) return;
        nested = null;
        seen.push(read(w, 1, start + PAGE), read(w, 1, other));
      };
      ok(map.unmap({ cpu: 0 }, start, start + 2 * PAGE));
      // The page outside the range is not part of the delete: after the unlock its entry is still there.
      expect(seen).toEqual(['fault:not-present', 'ok']);
      expect(delivered.map((s) => s.code)).toEqual(['SEGV_MAPERR']);
      expect(w.pmaps.of(pid)?.lookup(start + PAGE)).toBeUndefined();
      for (const f of frames) expect(w.m.frames.isFree(f)).toBe(true);
      // Once the lock is released, faults on the (now unmapped) range are ordinary again.
      expect(read(w, 1, other)).toBe('ok');
    });
  }
});

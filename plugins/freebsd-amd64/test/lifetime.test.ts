// Spec freebsd-amd64.md §9.1: the observable outcome of every scenario under every pkru-remove variant.
// "fault" = fault:key on a user access (the thread T on cpu 1 denies K); "lost" = the access succeeds because
// the page came back with key 0. T's copyin is EFAULT when the key applies (spec §1.1).
import { describe, expect, it } from 'vitest';
import { boot, keyedHeap, mapOn, ok, PAGE, read } from './harness.js';

const VARIANTS = ['original', 'swapout-fix', 'map-delete', 'explicit-clear-only'] as const;
type Variant = (typeof VARIANTS)[number];
const sel = (v: Variant) => `freebsd-amd64:pkru-remove=${v}`;

/** Expected outcome of T's final read per variant, from the §9.1 table. */
function table(row: Record<Variant, 'fault:key' | 'ok'>) {
  return VARIANTS.map((v) => [v, row[v]] as const);
}

describe('A. full swap-out, swap-in, access by T (spec §9.1 row A)', () => {
  it.each(
    table({
      original: 'ok',
      'swapout-fix': 'fault:key',
      'map-delete': 'fault:key',
      'explicit-clear-only': 'fault:key',
    }),
  )('%s → %s', (v, want) => {
    const w = boot(sel(v));
    const { pid, start } = keyedHeap(w);
    ok(mapOn(w, 0).swapOut({ cpu: 0 }));
    expect(read(w, 0, start)).toBe('ok'); // the owner swaps the page in
    // §9.1 counters: under original the rangeset is empty after swap-in and the entry carries key 0.
    const pmap = w.pmaps.of(pid);
    expect(pmap?.lookup(start)?.key).toBe(v === 'original' ? 0 : 1);
    expect(w.sys.pmap(pid)?.pkru.size).toBe(v === 'original' ? 0 : 1);
    expect(read(w, 1, start + PAGE)).toBe(want);
  });
});

describe('B. mprotect(PROT_NONE) then read-write, access by T (row B)', () => {
  it.each(
    table({
      original: 'ok',
      'swapout-fix': 'ok',
      'map-delete': 'fault:key',
      'explicit-clear-only': 'fault:key',
    }),
  )('%s → %s, and only the mprotected sub-range loses the key', (v, want) => {
    const w = boot(sel(v));
    const { start } = keyedHeap(w);
    const map = mapOn(w, 0);
    ok(map.protect({ cpu: 0 }, start + PAGE, start + 3 * PAGE, 0));
    ok(map.protect({ cpu: 0 }, start + PAGE, start + 3 * PAGE, 3));
    // Outside the sub-range the key stays in every variant (map entries are clipped to the range).
    expect(w.kernel.uaccess(1, start, 'copyin', null).outcome).toBe('error:EFAULT');
    expect(w.kernel.uaccess(1, start + 3 * PAGE, 'copyin', null).outcome).toBe('error:EFAULT');
    expect(w.kernel.uaccess(1, start + PAGE, 'copyin', null).outcome).toBe(
      want === 'ok' ? 'ok' : 'error:EFAULT',
    );
    expect(read(w, 1, start + 2 * PAGE)).toBe(want);
  });

  it.each(VARIANTS)("B'. %s: while PROT_NONE, T gets a protection fault, not a key fault", (v) => {
    const w = boot(sel(v));
    const { start } = keyedHeap(w);
    ok(mapOn(w, 0).protect({ cpu: 0 }, start, start + 4 * PAGE, 0));
    expect(read(w, 1, start)).toBe('fault:read');
  });
});

describe('C. msync(MS_INVALIDATE), access by T (row C)', () => {
  it.each(
    table({
      original: 'ok',
      'swapout-fix': 'ok',
      'map-delete': 'fault:key',
      'explicit-clear-only': 'fault:key',
    }),
  )('%s → %s', (v, want) => {
    const w = boot(sel(v));
    const { start, end } = keyedHeap(w);
    ok(mapOn(w, 0).invalidate({ cpu: 0 }, start, end));
    expect(read(w, 1, start)).toBe(want);
  });
});

describe('D. munmap, mmap at the same address, access by T (rows D, D-persist, D-untouched)', () => {
  function remap(v: Variant, opts: { persist?: boolean; populate?: boolean }): string {
    const w = boot(sel(v));
    const { start, end } = keyedHeap(w, { ...opts, pages: 2 });
    const map = mapOn(w, 0);
    ok(map.unmap({ cpu: 0 }, start, end));
    const again = map.map({ cpu: 0 }, { addr: start, pages: 2, prot: 3, flags: ['fixed'] });
    expect(again.start).toBe(start);
    return read(w, 1, start);
  }
  it.each(
    table({ original: 'ok', 'swapout-fix': 'ok', 'map-delete': 'ok', 'explicit-clear-only': 'fault:key' }),
  )('D %s → %s', (v, want) => expect(remap(v, {})).toBe(want));
  it.each(VARIANTS)('D-persist %s → fault:key', (v) => expect(remap(v, { persist: true })).toBe('fault:key'));
  it.each(VARIANTS)('D-untouched %s → fault:key (vm_map_delete skips the pmap call)', (v) =>
    expect(remap(v, { populate: false })).toBe('fault:key'),
  );
  it('a partial munmap of a never-touched mapping clips it, which gives it an object: the key goes', () => {
    // vm_map_entry_clone → vm_map_entry_charge_object → vm_map_entry_back (sys/vm/vm_map.c).
    const w = boot(sel('map-delete'));
    const { start } = keyedHeap(w, { populate: false, pages: 2 });
    const map = mapOn(w, 0);
    ok(map.unmap({ cpu: 0 }, start, start + PAGE));
    ok(map.map({ cpu: 0 }, { addr: start, pages: 1, prot: 3, flags: ['fixed'] }));
    // pmap_remove1 returns before the key hook when nothing is resident: touch something first.
    expect(read(w, 0, start + PAGE)).toBe('ok');
    ok(map.unmap({ cpu: 0 }, start, start + PAGE));
    ok(map.map({ cpu: 0 }, { addr: start, pages: 1, prot: 3, flags: ['fixed'] }));
    expect(read(w, 1, start)).toBe('fault:key');
  });
});

describe("E. fork (rows E, E')", () => {
  it.each(VARIANTS)('E %s: the child thread denying K faults', (v) => {
    const w = boot(sel(v));
    const pid = w.kernel.createProcess(0).pid as number;
    ok(w.kernel.run(0, pid));
    const map = mapOn(w, 0);
    const start = map.map({ cpu: 0 }, { pages: 2, prot: 3, flags: ['populate'] }).start as number;
    ok(map.assignKey({ cpu: 0 }, start, start + 2 * PAGE, 1, []));
    const child = w.kernel.fork(0).pid as number;
    ok(w.kernel.run(1, child));
    ok(w.kernel.setKeyRights(1, 1, 0));
    expect(read(w, 1, start + PAGE)).toBe('fault:key');
  });

  it.each(VARIANTS)("E' %s: a CLEAR in the parent leaves the child's copy", (v) => {
    const w = boot(sel(v));
    const pid = w.kernel.createProcess(0).pid as number;
    ok(w.kernel.run(0, pid));
    const map = mapOn(w, 0);
    const start = map.map({ cpu: 0 }, { pages: 2, prot: 3, flags: ['populate'] }).start as number;
    ok(map.assignKey({ cpu: 0 }, start, start + 2 * PAGE, 1, []));
    const child = w.kernel.fork(0).pid as number;
    ok(map.clearKey({ cpu: 0 }, start, start + 2 * PAGE));
    expect(w.pmaps.of(pid)?.keyFor(start)).toBe(0);
    expect(w.pmaps.of(child)?.keyFor(start)).toBe(1);
    ok(w.kernel.run(1, child));
    ok(w.kernel.setKeyRights(1, 1, 0));
    expect(w.kernel.access(1, start, 'write', true).outcome).toBe('fault:key');
  });
});

describe('F. exec, map the same address, access by a thread denying K (row F)', () => {
  it.each(VARIANTS)('%s → ok: exec drops every key, PERSIST included', (v) => {
    const w = boot(sel(v));
    const { pid, start } = keyedHeap(w, { persist: true, pages: 2 });
    ok(w.kernel.exec(0));
    expect(w.sys.pmap(pid)?.pkru.size).toBe(0);
    const map = mapOn(w, 0);
    ok(map.map({ cpu: 0 }, { addr: start, pages: 2, prot: 3, flags: ['fixed'] }));
    ok(w.kernel.setKeyRights(0, 1, 0));
    expect(read(w, 0, start)).toBe('ok');
  });
});

describe("G. PERSIST ranges survive every implicit removal (rows G, G')", () => {
  it.each(VARIANTS)('%s: swap-out, mprotect round trip and msync all keep the key', (v) => {
    const w = boot(sel(v));
    const { start, end } = keyedHeap(w, { persist: true });
    const map = mapOn(w, 0);
    ok(map.swapOut({ cpu: 0 }));
    expect(w.kernel.uaccess(1, start, 'copyin', null).outcome).toBe('error:EFAULT');
    ok(map.protect({ cpu: 0 }, start, end, 0));
    ok(map.protect({ cpu: 0 }, start, end, 3));
    expect(w.kernel.uaccess(1, start, 'copyin', null).outcome).toBe('error:EFAULT');
    ok(map.invalidate({ cpu: 0 }, start, end));
    expect(read(w, 1, start)).toBe('fault:key');
  });

  it.each(VARIANTS)('%s: CLEAR removes a PERSIST range', (v) => {
    const w = boot(sel(v));
    const { start, end } = keyedHeap(w, { persist: true });
    ok(mapOn(w, 0).clearKey({ cpu: 0 }, start, end));
    expect(read(w, 1, start)).toBe('ok');
  });
});

describe('H. SET on a hole, then mmap into it (row H)', () => {
  it.each(VARIANTS)('%s → fault:key', (v) => {
    const w = boot(sel(v));
    const pid = w.kernel.createProcess(0).pid as number;
    ok(w.kernel.run(0, pid));
    ok(w.kernel.run(1, pid));
    const map = mapOn(w, 0);
    const at = 0x40000000;
    ok(map.assignKey({ cpu: 0 }, at, at + 2 * PAGE, 1, []));
    ok(w.kernel.setKeyRights(1, 1, 0));
    ok(map.map({ cpu: 0 }, { addr: at, pages: 2, prot: 3, flags: ['fixed'] }));
    expect(read(w, 1, at)).toBe('fault:key');
  });
});

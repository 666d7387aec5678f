// Flush counts when a key changes in present entries (spec freebsd-amd64.md §7, §9.1 counter expectations):
// SET over resident pages = exactly one pmap_invalidate_range (one pmap_invalidate_all at >= 4096 pages), over
// non-resident pages none; IPIs only to CPUs with the pmap in pm_active; with PCID an inactive CPU is flushed at
// its next activation instead.
import { describe, expect, it } from 'vitest';
import { boot, mapOn, ok, PAGE, read, type World } from './harness.js';

function counts(w: World, names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, w.counters.get(n)]));
}

function delta(w: World, fn: () => void): Record<string, number> {
  const names = ['kflush', 'ipi', 'invlpg', 'full', 'freebsd.invalidate_range', 'freebsd.invalidate_all'];
  const before = counts(w, names);
  fn();
  const after = counts(w, names);
  return Object.fromEntries(names.map((n) => [n, after[n] - before[n]]));
}

function twoThreads(w: World, pages: number, populate: boolean): number {
  const pid = w.kernel.createProcess(0).pid as number;
  ok(w.kernel.run(0, pid));
  ok(w.kernel.run(1, pid));
  return mapOn(w, 0).map({ cpu: 0 }, { pages, prot: 3, flags: populate ? ['populate'] : [] }).start as number;
}

describe('SET shootdowns (pmap_pkru_update_range)', () => {
  it.each(['original', 'swapout-fix', 'map-delete', 'explicit-clear-only'])(
    '%s: over 4 resident pages with the pmap active on 2 CPUs: one ranged invalidation, one IPI, 4 INVLPG per CPU',
    (v) => {
      const w = boot(`freebsd-amd64:pkru-remove=${v}`);
      const start = twoThreads(w, 4, true);
      const d = delta(w, () => ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + 4 * PAGE, 1, [])));
      expect(d).toMatchObject({ kflush: 1, 'freebsd.invalidate_range': 1, ipi: 1, invlpg: 8, full: 0 });
    },
  );

  it('over never-touched pages, and again with the same key: no shootdown at all', () => {
    const w = boot();
    const start = twoThreads(w, 4, false);
    const map = mapOn(w, 0);
    expect(delta(w, () => ok(map.assignKey({ cpu: 0 }, start, start + 4 * PAGE, 1, []))).kflush).toBe(0);
    expect(read(w, 0, start)).toBe('ok');
    expect(delta(w, () => ok(map.assignKey({ cpu: 0 }, start, start + 4 * PAGE, 1, []))).kflush).toBe(0);
  });

  it('at PMAP_INVLPG_THRESHOLD (4096 pages) the range escalates to one pmap_invalidate_all', () => {
    const w = boot('freebsd-amd64', { memory: '64MiB' });
    const start = twoThreads(w, 4096, true);
    const d = delta(w, () => ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + 4096 * PAGE, 1, [])));
    expect(d).toMatchObject({
      kflush: 1,
      'freebsd.invalidate_all': 1,
      'freebsd.invalidate_range': 0,
      invlpg: 0,
    });
    expect(d['full']).toBe(2);
  });

  it('a CPU where the pmap is not active gets no IPI', () => {
    const w = boot();
    const start = twoThreads(w, 2, true);
    ok(w.kernel.run(1, null));
    const d = delta(w, () => ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + 2 * PAGE, 1, [])));
    expect(d).toMatchObject({ kflush: 1, ipi: 0, invlpg: 2 });
  });

  it('with PCID, that CPU flushes the stale key at its next activation (pm_gen zeroed by the shootdown)', () => {
    const w = boot('freebsd-amd64', { features: { pcid: true } });
    const start = twoThreads(w, 1, true);
    expect(read(w, 1, start)).toBe('ok'); // cpu 1 caches the entry with key 0
    const pid = w.kernel.current(1) as number;
    ok(w.kernel.run(1, null));
    ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + PAGE, 1, []));
    ok(w.kernel.run(1, pid));
    ok(w.kernel.setKeyRights(1, 1, 0));
    expect(read(w, 1, start)).toBe('fault:key');
  });
});

describe('pkey-tag fault injection (pkru-update=no-invalidate, spec §7.5)', () => {
  it('without the shootdown a remote CPU keeps using its entry tagged with the old key', () => {
    const w = boot('freebsd-amd64:pkru-update=no-invalidate');
    const start = twoThreads(w, 1, true);
    expect(read(w, 1, start)).toBe('ok');
    ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + PAGE, 1, []));
    ok(w.kernel.setKeyRights(1, 1, 0));
    expect(read(w, 1, start)).toBe('ok-stale');
  });

  it('with it, the same access faults on the key', () => {
    const w = boot();
    const start = twoThreads(w, 1, true);
    expect(read(w, 1, start)).toBe('ok');
    ok(mapOn(w, 0).assignKey({ cpu: 0 }, start, start + PAGE, 1, []));
    ok(w.kernel.setKeyRights(1, 1, 0));
    expect(read(w, 1, start)).toBe('fault:key');
  });
});

describe('removal shootdowns (pmap_remove1, spec §7.2)', () => {
  it('munmap of one page: pmap_invalidate_page; of several: one pmap_invalidate_all', () => {
    const w = boot();
    const start = twoThreads(w, 4, true);
    const map = mapOn(w, 0);
    const one = delta(w, () => ok(map.unmap({ cpu: 0 }, start, start + PAGE)));
    expect(one).toMatchObject({ kflush: 1, invlpg: 2, ipi: 1, 'freebsd.invalidate_all': 0 });
    const rest = delta(w, () => ok(map.unmap({ cpu: 0 }, start + PAGE, start + 4 * PAGE)));
    expect(rest).toMatchObject({ kflush: 1, 'freebsd.invalidate_all': 1, ipi: 1, full: 2 });
  });
});

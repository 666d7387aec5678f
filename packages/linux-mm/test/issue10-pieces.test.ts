// The linux-mm side of issue 10's missing pieces: the VM_IMMEDIATE_UNMAP hint chosen by the caller (seed 000
// arch_vunmap), a page allocation that starts at a fresh pageblock (mm/page_alloc.c __rmqueue_smallest /
// expand), and the lazy-purge state the `linux.vmap-lazy` probe reports (mm/vmalloc.c).
import { describe, expect, it } from 'vitest';
import {
  BuddyZone,
  GFP_UNMAPPED,
  LinuxKernelMemory,
  MIGRATE_MOVABLE,
  PAGEBLOCK_NR_PAGES,
  PTE_EXEC,
  PTE_WRITE,
  VM_FLUSH_RESET_PERMS,
  vmapLazyState,
  type VfreeVariant,
} from '../src/index.js';
import { makeMachine } from './fake-arch.js';

function vfreeOps(variant: VfreeVariant, immediate: boolean | undefined, exec: boolean): string[] {
  const { arch, lm } = makeMachine(4, 8192, (c) => ({ ...c, vfree: variant }));
  const km = new LinuxKernelMemory(lm);
  const r = km.allocate(
    0,
    4,
    ['reset-perms'],
    undefined,
    immediate === undefined ? undefined : { immediate },
  );
  const area = lm.vmalloc.areas.get(r.start!)!;
  area.prot = exec ? (area.prot & ~PTE_WRITE) | PTE_EXEC : area.prot & ~PTE_WRITE;
  area.everExec = exec;
  arch.clear();
  lm.vmalloc.vfree(0, area.addr);
  return arch.log.map((l) => l.split(' ')[0]!);
}

describe('VM_IMMEDIATE_UNMAP as the caller sets it (seed 000 arch_vunmap)', () => {
  const np = ['dmapInvalid', 'dmapInvalid', 'dmapInvalid', 'dmapInvalid'];
  const def = ['dmapDefault', 'dmapDefault', 'dmapDefault', 'dmapDefault'];
  it('immediate: the direct map goes not-present before vm_unmap_aliases(), back to RW after it', () => {
    expect(vfreeOps('arch-vunmap-v2', true, false)).toEqual([...np, 'flushTlbKernelRange', ...def]);
  });
  it('not immediate: the direct map is reset RW first, then vm_unmap_aliases() — even for executed memory', () => {
    expect(vfreeOps('arch-vunmap-v2', false, true)).toEqual([...def, 'flushTlbKernelRange']);
  });
  it("without the hint the series' callers decide: executable memory is immediate", () => {
    expect(vfreeOps('arch-vunmap-v2', undefined, true)).toEqual([...np, 'flushTlbKernelRange', ...def]);
    expect(vfreeOps('arch-vunmap-v2', undefined, false)).toEqual([...def, 'flushTlbKernelRange']);
  });
  it('merged vfree has no such flag: the hint is reported ignored and changes nothing', () => {
    const { lm } = makeMachine(4, 8192, (c) => ({ ...c, vfree: 'reset-perms' }));
    const r = new LinuxKernelMemory(lm).allocate(0, 4, ['reset-perms'], undefined, { immediate: false });
    expect(r.ignored).toEqual(['immediate']);
    expect(vfreeOps('reset-perms', false, true)).toEqual(vfreeOps('reset-perms', undefined, true));
  });
});

describe('a page allocation that starts at a fresh pageblock (mm/page_alloc.c)', () => {
  it('skips a partly used pageblock and serves the first frame of a wholly free one', () => {
    const zone = new BuddyZone(4096);
    const used = zone.rmqueue(0, MIGRATE_MOVABLE);
    const fresh = zone.rmqueueFresh(0, MIGRATE_MOVABLE);
    expect(fresh % PAGEBLOCK_NR_PAGES).toBe(0);
    expect(Math.floor(fresh / PAGEBLOCK_NR_PAGES)).not.toBe(Math.floor(used / PAGEBLOCK_NR_PAGES));
    // expand() gave the rest of the block back: every other frame of it is free.
    for (let p = fresh + 1; p < fresh + PAGEBLOCK_NR_PAGES; p++) expect(zone.isFree(p)).toBe(true);
    expect(zone.freePages).toBe(4096 - 2);
  });

  it('__GFP_UNMAPPED under freetypes: a fresh pageblock is a new direct-map conversion, one more flush', () => {
    const { arch, lm } = makeMachine(4, 4096, (c) => ({ ...c, unmappedAlloc: 'gfp-unmapped' }));
    arch.clear();
    const first = lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    lm.allocator.allocPages(0, 0, GFP_UNMAPPED);
    expect(arch.kernelFlushes).toHaveLength(1);
    const fresh = lm.allocator.allocPages(0, 0, GFP_UNMAPPED, true);
    expect(arch.kernelFlushes).toHaveLength(2);
    expect(fresh % PAGEBLOCK_NR_PAGES).toBe(0);
    expect(Math.floor(fresh / PAGEBLOCK_NR_PAGES)).not.toBe(Math.floor(first / PAGEBLOCK_NR_PAGES));
  });
});

describe('vmalloc lazy-purge state (mm/vmalloc.c free_vmap_area_noflush, __purge_vmap_area_lazy)', () => {
  it('counts pages with their guard pages, one area per lazily freed range, and the areas each purge took', () => {
    const { lm } = makeMachine(4, 8192, (c) => ({ ...c, vfree: 'reset-perms' }));
    const a = lm.vmalloc.vmalloc(0, 4, 0)!;
    const b = lm.vmalloc.vmalloc(0, 2, 0)!;
    lm.vmalloc.vfree(0, a.addr);
    lm.vmalloc.vfree(0, b.addr);
    expect(vmapLazyState(lm)).toEqual({
      vmap_lazy_nr: 5 + 3,
      lazy_max_pages: 24576,
      lazy_areas: 2,
      purges: 0,
      last_purged_areas: 0,
    });
    // A VM_FLUSH_RESET_PERMS free purges the list with its one flush: the two areas and itself.
    const c = lm.vmalloc.vmalloc(0, 1, VM_FLUSH_RESET_PERMS)!;
    lm.vmalloc.vfree(0, c.addr);
    expect(vmapLazyState(lm)).toMatchObject({
      vmap_lazy_nr: 0,
      lazy_areas: 0,
      purges: 1,
      last_purged_areas: 3,
    });
  });
});

describe('mermap windows, large gets and the reserved page (RFC mm/mermap.c mermap_alloc)', () => {
  it('one get may take every usable page; only mermap_get_reserved() reaches the last one, one page at a time', () => {
    const { arch, lm } = makeMachine(2, 4096); // fake window: 8 pages
    const w = lm.mermap.usablePages();
    const big = lm.mermap.get(0, lm.initMm, 100, w);
    expect(big).toBe(lm.mermap.windowBase(0));
    expect(lm.mermap.get(0, lm.initMm, 200, 1)).toBe(-1);
    expect(lm.mermap.get(0, lm.initMm, 200, 2, true)).toBe(-1); // WARN_ON_ONCE(size != PAGE_SIZE)
    const rsv = lm.mermap.get(0, lm.initMm, 200, 1, true);
    expect(rsv).toBe(lm.mermap.windowBase(0) + w * 4096);
    expect(lm.mermap.get(0, lm.initMm, 201, 1, true)).toBe(-1);
    expect(arch.mermapFlushes).toBe(0);
    lm.mermap.put(0, lm.initMm, rsv);
    lm.mermap.put(0, lm.initMm, big);
    // Nothing live: restart at the base after one local flush.
    expect(lm.mermap.get(0, lm.initMm, 300, 2)).toBe(lm.mermap.windowBase(0));
    expect(arch.mermapFlushes).toBe(1);
  });
});

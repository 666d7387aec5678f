import { describe, expect, it } from 'vitest';
import {
  PAGE_SIZE,
  PTE_EXEC,
  PTE_WRITE,
  VFREE_VARIANTS,
  VM_FLUSH_RESET_PERMS,
  type VfreeVariant,
} from '../src/index.js';
import { LAYOUT, makeMachine } from './fake-arch.js';

/** n copies of a log entry name. */
function rep(name: string, n: number): string[] {
  return Array.from({ length: n }, () => name);
}

function vmallocMachine(vfree: VfreeVariant, cpus = 4) {
  return makeMachine(cpus, 8192, (c) => ({ ...c, vfree }));
}

describe('lazy_max_pages and the lazy purge (spec linux.md §3.1, §3.2)', () => {
  it('lazy_max_pages = fls(cpus) × 8192 with 4 KiB pages', () => {
    const table: [number, number][] = [
      [1, 8192],
      [2, 16384],
      [4, 24576],
      [8, 32768],
      [16, 40960],
    ];
    for (const [cpus, pages] of table)
      expect(vmallocMachine('reset-perms', cpus).lm.vmalloc.lazyMaxPages()).toBe(pages);
  });

  it('vfree adds the area and its guard page to vmap_lazy_nr without flushing, and frees the pages at once', () => {
    const { arch, lm } = vmallocMachine('reset-perms');
    const free = lm.allocator.freePageCount();
    const area = lm.vmalloc.vmalloc(0, 4, 0)!;
    expect(area.size).toBe(5 * PAGE_SIZE);
    arch.clear();
    lm.vmalloc.vfree(0, area.addr);
    expect(lm.vmalloc.vmapLazyNr).toBe(5);
    expect(arch.kernelFlushes).toHaveLength(0);
    // The 4 data pages are back; the kernel PUD/PMD/PTE tables built for the area stay (vfree never
    // frees kernel page tables, spec §3.6).
    expect(lm.allocator.freePageCount()).toBe(free - 3);
  });

  it('purges only once vmap_lazy_nr exceeds lazy_max_pages, with one flush over the whole list', () => {
    const { arch, lm } = vmallocMachine('reset-perms', 1);
    const max = lm.vmalloc.lazyMaxPages();
    let first = -1;
    let last = -1;
    for (let i = 0; i < max / 2; i++) {
      const a = lm.vmalloc.vmalloc(0, 1, 0)!;
      if (i === 0) first = a.addr;
      last = a.addr;
      lm.vmalloc.vfree(0, a.addr);
    }
    expect(lm.vmalloc.vmapLazyNr).toBe(max); // equal is not above: no purge yet
    expect(arch.kernelFlushes).toHaveLength(0);
    const a = lm.vmalloc.vmalloc(0, 1, 0)!;
    lm.vmalloc.vfree(0, a.addr);
    expect(arch.kernelFlushes).toEqual([[first, a.addr + 2 * PAGE_SIZE]]);
    expect(last).toBeLessThan(a.addr);
    expect(lm.vmalloc.vmapLazyNr).toBe(0);
  });

  it('vm_unmap_aliases() with nothing lazy and nothing dirty flushes nothing', () => {
    const { arch, lm } = vmallocMachine('reset-perms');
    lm.vmalloc.vmUnmapAliases(0);
    expect(arch.kernelFlushes).toHaveLength(0);
  });

  it('a dirty vmap block widens the flush to its dirty range (vm_map_ram/vm_unmap_ram)', () => {
    const { arch, lm } = vmallocMachine('reset-perms');
    const addr = lm.vmalloc.blocks.vmMapRam(0, [100, 101, 102]);
    lm.vmalloc.blocks.vmUnmapRam(0, addr + PAGE_SIZE, 2);
    lm.vmalloc.vmUnmapAliases(0);
    expect(arch.kernelFlushes).toEqual([[addr + PAGE_SIZE, addr + 3 * PAGE_SIZE]]);
    // The dirty range was consumed: a second call flushes nothing.
    lm.vmalloc.vmUnmapAliases(0);
    expect(arch.kernelFlushes).toHaveLength(1);
  });
});

describe('vfree of VM_FLUSH_RESET_PERMS memory (spec linux.md §3.3, §3.4)', () => {
  function freeSpecial(variant: VfreeVariant, exec = true) {
    const { arch, lm } = vmallocMachine(variant);
    const area = lm.vmalloc.vmalloc(0, 4, VM_FLUSH_RESET_PERMS)!;
    // The caller made it RO+X (set_memory_ro + set_memory_x).
    area.prot = exec ? (area.prot & ~PTE_WRITE) | PTE_EXEC : area.prot & ~PTE_WRITE;
    area.everExec = exec;
    const dmapStart = Math.min(...Array.from(area.pages, (p) => lm.pageAddress(p)));
    const dmapEnd = Math.max(...Array.from(area.pages, (p) => lm.pageAddress(p) + PAGE_SIZE));
    arch.clear();
    lm.vmalloc.vfree(0, area.addr);
    const ops = arch.log.map((l) => l.split(' ')[0]);
    return { arch, area, ops, dmapStart, dmapEnd };
  }

  it('reset-perms: invalid → one flush over direct map ∪ lazy range → default', () => {
    const { arch, area, ops, dmapStart } = freeSpecial('reset-perms');
    expect(ops).toEqual([...rep('dmapInvalid', 4), 'flushTlbKernelRange', ...rep('dmapDefault', 4)]);
    expect(dmapStart).toBeLessThan(LAYOUT.vmallocStart);
    expect(arch.kernelFlushes).toEqual([[dmapStart, area.addr + 5 * PAGE_SIZE]]);
  });

  it('5.2-rc (868b104d7379): the range degenerates to the vmalloc address, the direct map is not covered', () => {
    for (const v of ['reset-perms-5.2rc', 'vmalloc-range-only'] as const) {
      const { arch, area, dmapEnd } = freeSpecial(v);
      expect(arch.kernelFlushes).toEqual([[area.addr, area.addr + 5 * PAGE_SIZE]]);
      expect(dmapEnd).toBeLessThan(area.addr);
    }
  });

  it('arch-vunmap-v2: executable → NP, vm_unmap_aliases, P+RW; not executable → P+RW first (the W+X order)', () => {
    expect(freeSpecial('arch-vunmap-v2', true).ops).toEqual([
      ...rep('dmapInvalid', 4),
      'flushTlbKernelRange',
      ...rep('dmapDefault', 4),
    ]);
    const notExec = freeSpecial('arch-vunmap-v2', false);
    expect(notExec.ops).toEqual([...rep('dmapDefault', 4), 'flushTlbKernelRange']);
    // vm_unmap_aliases(): only the lazily freed vmalloc range (span N + 1 pages).
    expect(notExec.arch.kernelFlushes).toEqual([[notExec.area.addr, notExec.area.addr + 5 * PAGE_SIZE]]);
  });

  it('reset-then-flush (K-RV RFC): direct map default before the flush', () => {
    expect(freeSpecial('reset-then-flush').ops).toEqual([...rep('dmapDefault', 4), 'flushTlbKernelRange']);
  });

  it('reset-perms-setmemory: set_memory_nx, set_memory_rw, then one flush — three flushes', () => {
    const { ops, arch } = freeSpecial('reset-perms-setmemory');
    expect(ops).toEqual(['setMemory', 'setMemory', 'flushTlbKernelRange']);
    expect(arch.log[0]).toBe(`setMemory 4 +0 -${PTE_EXEC}`);
    expect(arch.log[1]).toBe(`setMemory 4 +${PTE_WRITE} -0`);
  });

  it('module-free-pre52: set_memory_rw on the still-executable text, then a lazy vfree with no flush', () => {
    const { ops, arch } = freeSpecial('module-free-pre52');
    expect(ops).toEqual(['setMemory']);
    expect(arch.log[0]).toBe(`setMemory 4 +${PTE_WRITE} -0`);
  });

  it('vfree-lazy-noreset and vfree-skip-flush flush nothing', () => {
    expect(freeSpecial('vfree-lazy-noreset').arch.kernelFlushes).toHaveLength(0);
    const skip = freeSpecial('vfree-skip-flush');
    expect(skip.arch.kernelFlushes).toHaveLength(0);
    expect(skip.ops).toEqual(rep('dmapDefault', 4));
  });

  it('other lazily freed areas are purged by the same flush', () => {
    const { arch, lm } = vmallocMachine('reset-perms');
    const other = lm.vmalloc.vmalloc(0, 2, 0)!;
    lm.vmalloc.vfree(0, other.addr);
    const area = lm.vmalloc.vmalloc(0, 4, VM_FLUSH_RESET_PERMS)!;
    arch.clear();
    lm.vmalloc.vfree(0, area.addr);
    expect(arch.kernelFlushes).toHaveLength(1);
    expect(arch.kernelFlushes[0][1]).toBe(Math.max(other.addr + 3 * PAGE_SIZE, area.addr + 5 * PAGE_SIZE));
    expect(lm.vmalloc.vmapLazyNr).toBe(0);
  });
});

describe('an unknown vfree name is refused, never a silent no-op (issue 10 defect 7)', () => {
  it('LinuxMm refuses a vfree variant vfree.ts has no case for, naming it', () => {
    // packages/linux-mm vfree.ts vfreeArea switches on the name; a name without a case skipped the unmap
    // and every flush and still freed the pages (mm/vmalloc.c vfree always unmaps: remove_vm_area).
    expect(() => vmallocMachine('reset-perms-v9' as VfreeVariant)).toThrow(
      /no implementation of the vfree variant 'reset-perms-v9'/,
    );
  });
  it('every declared vfree variant builds', () => {
    for (const v of VFREE_VARIANTS) expect(() => vmallocMachine(v)).not.toThrow();
  });
});

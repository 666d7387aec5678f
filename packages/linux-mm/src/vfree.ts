/**
 * The vfree paths of spec linux.md §3.3/§3.4, one per variant. Every path starts like the kernel's
 * vfree(): remove_vm_area() clears the vmalloc PTEs without a flush and puts the range on the lazy
 * purge list; they differ in what happens to the direct-map alias and which flush covers what
 * before the pages go back to the buddy allocator.
 */
import { PAGE_SIZE, VM_FLUSH_RESET_PERMS } from './constants.js';
import type { LinuxMm } from './linux-mm.js';
import { PTE_EXEC, PTE_WRITE } from './pte.js';
import type { VmStruct } from './vmalloc.js';
import { NO_START } from './vmalloc.js';

export function vfreeArea(mm: LinuxMm, cpu: number, area: VmStruct): void {
  const vm = mm.vmalloc;
  const dm = mm.arch.directMap;
  const reset = (area.flags & VM_FLUSH_RESET_PERMS) !== 0;
  const n = area.nrPages;

  switch (mm.config.vfree) {
    case 'vfree-lazy-noreset':
      vm.removeVmArea(cpu, area.addr);
      break;

    case 'module-free-pre52': {
      // K-MOD free_module(): disable_ro_nx() makes the text RW (still X: the W+X window) and the
      // NX sections X, each set_memory_* a CPA with its own flush, then a plain lazy vfree. Only module
      // memory went through it (an area made executable or read-only); a plain vfree() did none of it.
      const moduleMemory = area.everExec || (area.prot & PTE_WRITE) === 0;
      if (moduleMemory && (area.prot & PTE_WRITE) === 0) setMemory(mm, cpu, area, PTE_WRITE, 0);
      if (moduleMemory && (area.prot & PTE_EXEC) === 0 && area.prot !== 0)
        setMemory(mm, cpu, area, PTE_EXEC, 0);
      vm.removeVmArea(cpu, area.addr);
      break;
    }

    case 'arch-vunmap-v2': {
      // S000 arch_vunmap(area, deallocate_pages = 1); VM_HAS_SPECIAL_PERMS = our reset flag and
      // VM_IMMEDIATE_UNMAP = the caller's hint (kalloc `immediate:`), by default "was executable" — the
      // series' callers were the executable-memory ones. [inference] vfree calls it only for such areas.
      const immediate = area.immediateUnmap ?? area.everExec;
      vm.removeVmArea(cpu, area.addr);
      if (!reset && !immediate) break;
      if (!immediate) {
        for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
        vm.vmUnmapAliases(cpu);
      } else {
        for (let i = 0; i < n; i++) dm.setDirectMapInvalidNoflush(cpu, area.pages[i]);
        vm.vmUnmapAliases(cpu);
        for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
      }
      break;
    }

    case 'reset-perms-5.2rc':
    case 'vmalloc-range-only':
      // 868b104d7379 vm_remove_mappings(): the range was taken from the *vmalloc* address, so it
      // degenerates to [addr, addr] and the flush covers the lazy vmalloc range only (fixed by 8e41f8726dcf).
      vm.removeVmArea(cpu, area.addr);
      if (!reset) break;
      for (let i = 0; i < n; i++) dm.setDirectMapInvalidNoflush(cpu, area.pages[i]);
      vm.vmUnmapAliasesRange(cpu, area.addr, area.addr, true);
      for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
      break;

    case 'reset-perms': {
      // vfree() → remove_vm_area() → vm_reset_perms() (mm/vmalloc.c), spec §3.3.
      vm.removeVmArea(cpu, area.addr);
      if (!reset) break;
      const [start, end] = directMapRange(mm, area);
      for (let i = 0; i < n; i++) dm.setDirectMapInvalidNoflush(cpu, area.pages[i]);
      vm.vmUnmapAliasesRange(cpu, start, end, n > 0);
      for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
      break;
    }

    case 'reset-perms-setmemory': {
      // 5.2 fallback without set_direct_map_*: set_memory_nx then set_memory_rw on the vmalloc alias
      // (NX before RW: no W+X), then remove and flush the direct-map range (spec §3.4: 3 flushes).
      if (reset) {
        setMemory(mm, cpu, area, 0, PTE_EXEC);
        setMemory(mm, cpu, area, PTE_WRITE, 0);
      }
      vm.removeVmArea(cpu, area.addr);
      if (reset) {
        const [start, end] = directMapRange(mm, area);
        vm.vmUnmapAliasesRange(cpu, start, end, true);
      }
      break;
    }

    case 'reset-then-flush': {
      // K-RV RFC: direct map back to default first, then the flush — the cross-alias W+X window.
      vm.removeVmArea(cpu, area.addr);
      if (!reset) break;
      const [start, end] = directMapRange(mm, area);
      for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
      vm.vmUnmapAliasesRange(cpu, start, end, true);
      break;
    }

    case 'vfree-skip-flush':
      // Unsafe bound: no flush at all; the range is recycled at once and the direct map reset.
      if (!reset) {
        vm.removeVmArea(cpu, area.addr);
        break;
      }
      vm.areas.delete(area.addr);
      vm.vunmapRangeNoflush(cpu, area.addr, area.addr + n * PAGE_SIZE);
      vm.space.release(area.addr);
      for (let i = 0; i < n; i++) dm.setDirectMapDefaultNoflush(cpu, area.pages[i]);
      break;

    default: {
      // A name this switch does not implement must not skip the unmap and every flush and then free the
      // pages (issue 10 defect 7). LinuxMm refuses such a configuration at construction; this is the
      // compile-time guard that every VfreeVariant has a case.
      const unknown: never = mm.config.vfree;
      throw new Error(`linux-mm vfree: no implementation of the vfree variant '${String(unknown)}'`);
    }
  }
  for (let i = 0; i < n; i++) mm.allocator.freePages(cpu, area.pages[i], 0);
}

/** [min, max) of page_address() over the area's pages (vm_reset_perms), or "no range". */
function directMapRange(mm: LinuxMm, area: VmStruct): [number, number] {
  let start = NO_START;
  let end = 0;
  for (let i = 0; i < area.nrPages; i++) {
    const a = mm.pageAddress(area.pages[i]);
    start = Math.min(start, a);
    end = Math.max(end, a + PAGE_SIZE);
  }
  return [start, end];
}

/** set_memory_*() on the vmalloc alias (the arch's CPA), keeping the area's recorded protection. */
function setMemory(mm: LinuxMm, cpu: number, area: VmStruct, set: number, clear: number): void {
  mm.arch.directMap.setMemory(cpu, area.addr, area.nrPages, set, clear);
  area.prot = (area.prot | set) & ~clear;
  if (area.prot & PTE_EXEC) area.everExec = true;
}

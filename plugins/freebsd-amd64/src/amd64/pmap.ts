// The amd64 pmap of one user address space (sys/amd64/amd64/pmap.c). Leaf entries are mirrored in a PteStore
// (typed arrays, key in flag bits 12..15) and the MMU's page tables receive every store. The PKRU rangeset (pm_pkru) is the source of truth for keys;
// PTE key bits are a cache of it refreshed at every pmap_enter (spec freebsd-amd64.md §4.1).
import type { Counters, PhaseHook } from '@shootdown/core';
import { Pte } from '@shootdown/mmu';
import { VM_PROT_EXECUTE, VM_PROT_NONE, VM_PROT_WRITE } from '../constants.js';
import type { KeyLifetime } from '../policy/key-lifetime.js';
import { RemovePredicate, Rangeset } from '../pkru/rangeset.js';
import type { Amd64Hw } from './hw.js';
import { PteStore } from './pte-store.js';
import type { DelayedInvl } from './delayed-invl-pages.js';
import type { Shootdown, ShootdownTarget } from './shootdown.js';

/** Why a removal happens (spec §8 RemoveReason): recorded for traces, never branched on by the pmap. */
export type RemoveReason = 'munmap' | 'mprotect-none' | 'msync-invalidate' | 'swapout' | 'exec' | 'other';

export interface PmapDeps {
  readonly hw: Amd64Hw;
  readonly shootdown: Shootdown;
  readonly counters: Counters;
  readonly phases: PhaseHook | undefined;
  readonly lifetime: KeyLifetime;
  /** CPU supports PKU (CPUID PKU + CR4.PKE); without it the rangeset is never consulted. */
  readonly pku: boolean;
  readonly di: DelayedInvl;
}

export class Amd64Pmap implements ShootdownTarget {
  readonly space: number;
  readonly active: Uint8Array;
  readonly pcidValid: Uint8Array;
  /** pm_pkru. */
  readonly pkru = new Rangeset();
  /** Present leaf entries. */
  readonly ptes = new PteStore();

  constructor(
    readonly pid: number,
    private readonly deps: PmapDeps,
  ) {
    this.space = deps.hw.createSpace();
    this.active = new Uint8Array(deps.hw.cpus);
    this.pcidValid = new Uint8Array(deps.hw.cpus);
  }

  /** pmap_pkru_get: the key a new entry at `page` gets (0 when no node covers it). */
  keyFor(page: number): number {
    if (!this.deps.pku) return 0;
    const k = this.pkru.keyAt(page);
    return k < 0 ? 0 : k;
  }

  pfnAt(page: number): number {
    return this.ptes.pfn(page);
  }

  /** Key bits of the present entry at `page`, or -1 when nothing is mapped there. */
  keyAt(page: number): number {
    return this.ptes.has(page) ? (this.ptes.flags(page) & Pte.KEY_MASK) >>> Pte.KEY_SHIFT : -1;
  }

  flagsAt(page: number): number {
    return this.ptes.flags(page);
  }

  /**
   * pmap_enter of a 4 KiB user page. The key comes from the rangeset *now* (pmap_pkru_get), whatever the
   * previous entry carried. Replacing a present entry by a different one is invalidated with
   * pmap_invalidate_page, as pmap_enter does when the old mapping was valid and changes frame or rights.
   */
  enter(cpu: number, page: number, pfn: number, prot: number, dirty: boolean): void {
    let flags = Pte.PRESENT | Pte.USER | Pte.ACCESSED | (this.keyFor(page) << Pte.KEY_SHIFT);
    if ((prot & VM_PROT_WRITE) !== 0) flags |= Pte.WRITABLE | (dirty ? Pte.DIRTY : 0);
    if ((prot & VM_PROT_EXECUTE) !== 0) flags |= Pte.XUSER;
    const had = this.ptes.has(page);
    if (!this.ptes.set(page, pfn, flags)) return;
    this.deps.hw.storeLeaf(cpu, this.space, page * 4096, pfn, flags);
    if (had) this.deps.shootdown.page(cpu, this, page * 4096);
  }

  /** pmap_remove: pmap_remove1(..., map_delete = false). */
  remove(cpu: number, startPage: number, endPage: number, _why: RemoveReason): void {
    this.remove1(cpu, startPage, endPage, this.deps.lifetime.removeClearsKeys);
  }

  /** pmap_map_delete (rG1e0e335b0f0d): the logical unmap from vm_map_delete. */
  mapDelete(cpu: number, startPage: number, endPage: number): void {
    this.remove1(cpu, startPage, endPage, this.deps.lifetime.mapDeleteClearsKeys);
  }

  /** pmap_remove_swapout (D39556 revision 1): pmap_remove without the key hook. */
  removeSwapout(cpu: number, startPage: number, endPage: number): void {
    this.remove1(cpu, startPage, endPage, false);
  }

  /**
   * pmap_remove1. Returns early, before the key hook, when nothing but the top-level table is resident
   * (`resident_count <= 1`): a pmap with no mappings keeps its keys (spec §5.1). One page: one
   * pmap_invalidate_page; any other range: one pmap_invalidate_all at the end if a non-global valid entry went.
   */
  private remove1(cpu: number, startPage: number, endPage: number, clearKeys: boolean): void {
    if (this.ptes.size === 0) return;
    // pmap_pkru_on_remove ignores rangeset_remove_pred's error: a failed split silently keeps the keys.
    if (clearKeys && this.deps.pku) this.pkru.removePred(startPage, endPage, RemovePredicate.NonPersist);
    const pages = this.presentIn(startPage, endPage);
    if (pages.length === 0) return;
    const di = this.deps.di;
    di.start();
    for (const p of pages) {
      di.page(this.ptes.pfn(p));
      this.clear(cpu, p);
    }
    this.deps.phases?.reach('cleared');
    if (endPage - startPage === 1) this.deps.shootdown.page(cpu, this, startPage * 4096);
    else this.deps.shootdown.all(cpu, this);
    this.deps.phases?.reach('flushed');
    di.finish();
  }

  /**
   * pmap_protect: only ever removes rights; VM_PROT_NONE is pmap_remove (as the source does), and a request
   * keeping both write and execute changes nothing. One pmap_invalidate_all if any entry changed.
   */
  protect(cpu: number, startPage: number, endPage: number, prot: number): void {
    if (prot === VM_PROT_NONE) {
      this.remove(cpu, startPage, endPage, 'mprotect-none');
      return;
    }
    if ((prot & (VM_PROT_WRITE | VM_PROT_EXECUTE)) === (VM_PROT_WRITE | VM_PROT_EXECUTE)) return;
    let changed = false;
    for (const p of this.presentIn(startPage, endPage)) {
      const pfn = this.ptes.pfn(p);
      let flags = this.ptes.flags(p);
      const before = flags;
      if ((prot & VM_PROT_WRITE) === 0) flags &= ~(Pte.WRITABLE | Pte.DIRTY);
      if ((prot & VM_PROT_EXECUTE) === 0) flags &= ~Pte.XUSER;
      if (flags === before) continue;
      this.ptes.set(p, pfn, flags);
      this.deps.hw.storeLeaf(cpu, this.space, p * 4096, pfn, flags);
      changed = true;
    }
    if (changed) this.invalidateAllPhased(cpu);
  }

  /** pmap_invalidate_all between the scenario's `cleared` and `flushed` points (DESIGN §4 interleave). */
  private invalidateAllPhased(cpu: number): void {
    this.deps.phases?.reach('cleared');
    this.deps.shootdown.all(cpu, this);
    this.deps.phases?.reach('flushed');
  }

  /**
   * pmap_pkru_update_range: rewrite the key bits of every present entry; one pmap_invalidate_range if any
   * entry changed (none over holes or not-yet-faulted pages). `flush: false` is the fault-injection variant.
   */
  updateKeys(cpu: number, startPage: number, endPage: number, key: number, flush: boolean): number {
    let changed = 0;
    for (const p of this.presentIn(startPage, endPage)) {
      const pfn = this.ptes.pfn(p);
      const flags = (this.ptes.flags(p) & ~Pte.KEY_MASK) | (key << Pte.KEY_SHIFT);
      if (!this.ptes.set(p, pfn, flags)) continue;
      this.deps.hw.storeLeaf(cpu, this.space, p * 4096, pfn, flags);
      changed++;
    }
    if (changed > 0) {
      this.deps.phases?.reach('cleared');
      if (flush) this.deps.shootdown.range(cpu, this, startPage, endPage);
      this.deps.phases?.reach('flushed');
    }
    return changed;
  }

  /**
   * pmap_copy at fork: parent entries copied into the child with PG_W/PG_M/PG_A cleared and key bits verbatim
   * (the parent range was write-protected by pmap_protect just before, vm_map_copy_entry).
   */
  copyFrom(cpu: number, src: Amd64Pmap, startPage: number, endPage: number): void {
    for (const p of src.presentIn(startPage, endPage)) {
      const pfn = src.ptes.pfn(p);
      const flags = src.ptes.flags(p) & ~(Pte.DIRTY | Pte.ACCESSED);
      this.ptes.set(p, pfn, flags);
      this.deps.hw.storeLeaf(cpu, this.space, p * 4096, pfn, flags);
    }
  }

  /** pmap_remove_all for one page of this pmap (PV-list removal): one pmap_invalidate_page, never the key hook. */
  removeAllOf(cpu: number, page: number): void {
    if (!this.ptes.has(page)) return;
    this.clear(cpu, page);
    this.deps.shootdown.page(cpu, this, page * 4096);
  }

  /** pmap_advise(MADV_DONTNEED): clear accessed/modified bits; one pmap_invalidate_all if any changed. */
  advise(cpu: number, startPage: number, endPage: number): void {
    let changed = false;
    for (const p of this.presentIn(startPage, endPage)) {
      const pfn = this.ptes.pfn(p);
      const flags = this.ptes.flags(p);
      const cleared = flags & ~(Pte.ACCESSED | Pte.DIRTY);
      if (cleared === flags) continue;
      this.ptes.set(p, pfn, cleared);
      this.deps.hw.storeLeaf(cpu, this.space, p * 4096, pfn, cleared);
      changed = true;
    }
    if (changed) this.invalidateAllPhased(cpu);
  }

  /** pmap_remove_pages (exec, exit): pmap_pkru_deassign_all, every entry cleared, one pmap_invalidate_all. */
  removePages(cpu: number): void {
    if (this.deps.pku) this.pkru.removeAll();
    if (this.ptes.size === 0) return;
    for (const p of [...this.ptes.pages()]) this.clear(cpu, p);
    this.deps.shootdown.all(cpu, this);
  }

  /**
   * pmap_activate_sw on `cpu` (pmap_activate_sw_pcid_nopti): a CPU whose PCID generation was zeroed by a
   * shootdown reloads CR3 with a flush; otherwise CR3 is loaded with the no-flush bit. Without PCID every
   * CR3 load flushes non-global entries.
   */
  activate(cpu: number): void {
    this.active[cpu] = 1;
    const keep = this.deps.hw.pcid && this.pcidValid[cpu] === 1;
    this.deps.hw.loadCr3(cpu, this.space, keep);
    this.pcidValid[cpu] = 1;
  }

  /** The CPU switched to another pmap (pm_active bit cleared in pmap_activate_sw). */
  deactivate(cpu: number): void {
    this.active[cpu] = 0;
  }

  /** Present pages in [start, end), ascending: walks the range or the map, whichever is smaller. */
  presentIn(startPage: number, endPage: number): number[] {
    const out: number[] = [];
    if (endPage - startPage <= this.ptes.size) {
      for (let p = startPage; p < endPage; p++) if (this.ptes.has(p)) out.push(p);
      return out;
    }
    for (const p of this.ptes.pages()) if (p >= startPage && p < endPage) out.push(p);
    return out.sort((a, b) => a - b);
  }

  private clear(cpu: number, page: number): void {
    this.ptes.delete(page);
    this.deps.hw.clearLeaf(cpu, this.space, page * 4096);
  }
}

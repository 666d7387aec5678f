// Anonymous vm_objects (sys/vm/vm_object.c) reduced to what the key experiments observe: per object a page
// array (frame, "never touched" or "on swap") and a reference count of map entries; per frame a count of
// objects holding it, which stands in for FreeBSD's shadow-object chains after fork: a frame held twice is
// copy-on-write (mapped read-only, copied on the first write fault). Typed arrays, no object per page.

import { ArrayLease } from '@shootdown/mmu';

/** Page slot states besides a frame number (>= 0). */
export const PAGE_ABSENT = -1;
export const PAGE_SWAPPED = -2;

export interface FrameSource {
  /** vm_page_alloc: a zeroed frame for user data, or -1 when memory is exhausted. */
  allocFrame(cpu: number): number;
  /** vm_page_free. */
  freeFrame(cpu: number, pfn: number): void;
  /** Charge shared work (core's SHARED_WORK; spec linux.md §7.4). */
  charge?(work: 'zero_page' | 'copy_page', n: number): void;
}

export class VmObjects {
  private pages: (Int32Array | null)[] = [];
  private refs: number[] = [];
  /** Objects holding each frame (COW sharing after fork). */
  private readonly frameRefs: Int32Array;

  constructor(
    frames: number,
    private readonly source: FrameSource,
    /** Where the per-frame array comes from (the machine's, recycled with it; default: a new one). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.frameRefs = lease.take(Int32Array, frames);
  }

  /** vm_object_allocate(OBJT_SWAP / anonymous, size): every page absent, one reference. */
  allocate(sizePages: number): number {
    const id = this.pages.length;
    this.pages.push(new Int32Array(sizePages).fill(PAGE_ABSENT));
    this.refs.push(1);
    return id;
  }

  reference(obj: number): void {
    this.refs[obj] = this.refs[obj] + 1;
  }

  /** A copy of the window [offset, offset + pages) of `obj` sharing its frames (the child side of a COW fork). */
  duplicate(obj: number, offset: number, pages: number): number {
    const src = (this.pages[obj] as Int32Array).slice(offset, offset + pages);
    const id = this.pages.length;
    this.pages.push(src);
    this.refs.push(1);
    for (let i = 0; i < src.length; i++) {
      const pfn = src[i];
      if (pfn >= 0) this.frameRefs[pfn] = this.frameRefs[pfn] + 1;
    }
    return id;
  }

  page(obj: number, index: number): number {
    return (this.pages[obj] as Int32Array)[index];
  }

  /** True when another object holds the frame too: writing it needs a copy first. */
  shared(pfn: number): boolean {
    return this.frameRefs[pfn] > 1;
  }

  /** Fault a page in: zero-fill an absent page, swap in a swapped one. Returns the frame or -1 (no memory). */
  fill(cpu: number, obj: number, index: number): number {
    const arr = this.pages[obj] as Int32Array;
    const cur = arr[index];
    if (cur >= 0) return cur;
    const pfn = this.source.allocFrame(cpu);
    if (pfn < 0) return -1;
    // vm_fault: an absent anonymous page is zero-filled (pmap_zero_page), a swapped one paged in.
    this.source.charge?.(cur === PAGE_SWAPPED ? 'copy_page' : 'zero_page', 1);
    arr[index] = pfn;
    this.frameRefs[pfn] = 1;
    return pfn;
  }

  /** Copy-on-write break: this object gets its own copy of the page's frame. */
  copyOnWrite(cpu: number, obj: number, index: number): number {
    const arr = this.pages[obj] as Int32Array;
    const old = arr[index];
    const pfn = this.source.allocFrame(cpu);
    if (pfn < 0) return -1;
    this.source.charge?.('copy_page', 1); // vm_fault_cow: pmap_copy_page
    arr[index] = pfn;
    this.frameRefs[pfn] = 1;
    this.frameRefs[old] = this.frameRefs[old] - 1;
    return pfn;
  }

  /**
   * Page a resident page out to swap (the page daemon after the process's mappings were removed). Frames
   * still shared with another object stay resident (vm_swapout_object_deactivate: shadow_count > 1).
   * Returns true when the frame went.
   */
  pageOut(cpu: number, obj: number, index: number): boolean {
    const arr = this.pages[obj] as Int32Array;
    const pfn = arr[index];
    if (pfn < 0 || this.shared(pfn)) return false;
    arr[index] = PAGE_SWAPPED;
    this.frameRefs[pfn] = 0;
    this.source.freeFrame(cpu, pfn);
    return true;
  }

  /**
   * vm_map_entry_delete → vm_object_page_remove of the entry's window, then vm_object_deallocate: frames no
   * other object holds are freed. The caller removed every mapping first (vm_map_delete order).
   */
  release(cpu: number, obj: number, offset: number, pages: number): void {
    const arr = this.pages[obj] as Int32Array;
    for (let i = offset; i < offset + pages; i++) {
      const pfn = arr[i];
      arr[i] = PAGE_ABSENT;
      if (pfn < 0) continue;
      const left = this.frameRefs[pfn] - 1;
      this.frameRefs[pfn] = left;
      if (left === 0) this.source.freeFrame(cpu, pfn);
    }
    const r = this.refs[obj] - 1;
    this.refs[obj] = r;
    if (r === 0) this.pages[obj] = null;
  }
}

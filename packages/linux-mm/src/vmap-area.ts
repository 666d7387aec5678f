/**
 * Kernel virtual address allocation in [vmallocStart, vmallocEnd) (mm/vmalloc.c alloc_vmap_area):
 * lowest-address first fit. A lazily freed area keeps its range busy until __purge_vmap_area_lazy
 * recycles it — that is what makes a lazy purge necessary at all.
 */
export class VmapAreaSpace {
  /** Busy ranges as parallel sorted arrays [start, end). Few areas: plain arrays are enough. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(
    readonly vstart: number,
    readonly vend: number,
  ) {}

  /** The lowest free range of `size` bytes aligned to `align`, or -1. */
  alloc(size: number, align: number): number {
    let candidate = alignUp(this.vstart, align);
    for (let i = 0; i < this.starts.length; i++) {
      if (candidate + size <= this.starts[i]) break;
      candidate = Math.max(candidate, alignUp(this.ends[i], align));
    }
    if (candidate + size > this.vend) return -1;
    this.insert(candidate, candidate + size);
    return candidate;
  }

  /** Claim an exact range (used to place an area where an earlier one was). */
  claim(start: number, end: number): boolean {
    for (let i = 0; i < this.starts.length; i++)
      if (start < this.ends[i] && this.starts[i] < end) return false;
    this.insert(start, end);
    return true;
  }

  private insert(start: number, end: number): void {
    let i = 0;
    while (i < this.starts.length && this.starts[i] < start) i++;
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
  }

  /** Give a range back (the purge recycled it). */
  release(start: number): void {
    const i = this.starts.indexOf(start);
    if (i < 0) throw new Error(`vmap: no busy area at ${start}`);
    this.starts.splice(i, 1);
    this.ends.splice(i, 1);
  }

  busyCount(): number {
    return this.starts.length;
  }
}

function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

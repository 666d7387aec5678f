// vm_map entries (sys/vm/vm_map.c), in parallel sorted arrays of page numbers: start, end, protection,
// max protection, backing object (-1: none yet) and offset into it. Clipping follows vm_map_clip_start /
// vm_map_clip_end, including vm_map_entry_clone's rule that splitting an entry first gives it a backing
// object (vm_map_entry_charge_object → vm_map_entry_back): a partial munmap or mprotect of a never-touched
// anonymous mapping therefore makes it "have an object", which decides whether vm_map_delete calls the pmap.
import type { VmObjects } from './objects.js';

export interface EntryView {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
  readonly maxProt: number;
  readonly obj: number;
  readonly offset: number;
}

export class MapEntries {
  start: number[] = [];
  end: number[] = [];
  prot: number[] = [];
  maxProt: number[] = [];
  obj: number[] = [];
  offset: number[] = [];

  constructor(private readonly objects: VmObjects) {}

  get count(): number {
    return this.start.length;
  }

  view(i: number): EntryView {
    return {
      start: this.start[i],
      end: this.end[i],
      prot: this.prot[i],
      maxProt: this.maxProt[i],
      obj: this.obj[i],
      offset: this.offset[i],
    };
  }

  /** vm_map_lookup_entry: index of the entry containing `page`, or -1. */
  lookup(page: number): number {
    const i = this.floor(page);
    return i >= 0 && this.end[i] > page ? i : -1;
  }

  /** First entry with end > page (the one containing it, or the next one), or count. */
  firstEndingAfter(page: number): number {
    const i = this.floor(page);
    if (i >= 0 && this.end[i] > page) return i;
    return i + 1;
  }

  /** True when [start, end) overlaps no entry. */
  isFree(start: number, end: number): boolean {
    const i = this.firstEndingAfter(start);
    return i >= this.count || this.start[i] >= end;
  }

  /** True when [start, end) is covered by entries without holes (vm_map_sync's first pass). */
  isCovered(start: number, end: number): boolean {
    let at = start;
    for (let i = this.firstEndingAfter(start); i < this.count && at < end; i++) {
      if (this.start[i] > at) return false;
      at = this.end[i];
    }
    return at >= end;
  }

  /** vm_map_insert of an anonymous entry without object (vm_map_find / vm_map_fixed after the delete). */
  insert(start: number, end: number, prot: number, maxProt: number): number {
    const at = this.floor(start) + 1;
    this.start.splice(at, 0, start);
    this.end.splice(at, 0, end);
    this.prot.splice(at, 0, prot);
    this.maxProt.splice(at, 0, maxProt);
    this.obj.splice(at, 0, -1);
    this.offset.splice(at, 0, 0);
    return at;
  }

  /** vm_map_entry_back: give an entry without object its anonymous object now. */
  back(i: number): number {
    let obj = this.obj[i];
    if (obj < 0) {
      obj = this.objects.allocate(this.end[i] - this.start[i]);
      this.obj[i] = obj;
      this.offset[i] = 0;
    }
    return obj;
  }

  /** vm_map_clip_start: split entry i so that an entry starts at `page` (if inside). Returns that entry's index. */
  clipStart(i: number, page: number): number {
    const s = this.start[i];
    if (page <= s || page >= this.end[i]) return i;
    this.back(i);
    this.objects.reference(this.obj[i]);
    const off = this.offset[i] + (page - s);
    this.start.splice(i + 1, 0, page);
    this.end.splice(i + 1, 0, this.end[i]);
    this.prot.splice(i + 1, 0, this.prot[i]);
    this.maxProt.splice(i + 1, 0, this.maxProt[i]);
    this.obj.splice(i + 1, 0, this.obj[i]);
    this.offset.splice(i + 1, 0, off);
    this.end[i] = page;
    return i + 1;
  }

  /** vm_map_clip_end: split entry i so that it ends at `page` (if inside). */
  clipEnd(i: number, page: number): void {
    if (page > this.start[i] && page < this.end[i]) this.clipStart(i, page);
  }

  remove(i: number): void {
    this.start.splice(i, 1);
    this.end.splice(i, 1);
    this.prot.splice(i, 1);
    this.maxProt.splice(i, 1);
    this.obj.splice(i, 1);
    this.offset.splice(i, 1);
  }

  /** A lowest free gap of `pages` at or above `from` (vm_map_findspace), aligned to `align` pages. */
  findSpace(from: number, pages: number, align: number, limit: number): number {
    let at = Math.ceil(from / align) * align;
    for (let i = this.firstEndingAfter(at); i < this.count; i++) {
      if (this.start[i] >= at + pages) break;
      at = Math.ceil(this.end[i] / align) * align;
    }
    return at + pages <= limit ? at : -1;
  }

  private floor(page: number): number {
    const s = this.start;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= page) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/**
 * Per-CPU vmap blocks (mm/vmalloc.c vb_alloc/vb_free, struct vmap_block): vm_map_ram() of a few
 * pages bumps inside the CPU's current block; vm_unmap_ram() clears the PTEs without a flush and
 * records a dirty range. _vm_unmap_aliases() widens its flush by every dirty range (and forgets
 * them), and blocks that are all free-or-dirty are purged like lazily freed areas.
 */
import { PAGE_SIZE } from './constants.js';
import type { Vmalloc } from './vmalloc.js';
import { PAGE_KERNEL } from './vmalloc.js';

/** VMAP_BBMAP_BITS on a 64-bit machine with a large vmalloc space (VMAP_BBMAP_BITS_MAX). */
export const VMAP_BBMAP_BITS = 1024;
/** VMAP_MAX_ALLOC = BITS_PER_LONG: larger requests get their own vmap area. */
export const VMAP_MAX_ALLOC = 64;

interface VmapBlock {
  readonly start: number;
  /** Next free page offset (vb->free counts the pages left after it). */
  used: number;
  /** Pages unmapped but not yet flushed/purged (vb->dirty). */
  dirty: number;
  /** vb->dirty_min / dirty_max, in pages; min = VMAP_BBMAP_BITS and max = 0 when clean. */
  dirtyMin: number;
  dirtyMax: number;
}

export class VmapBlocks {
  /** Each CPU's blocks (vmap_block_queue free list). */
  private readonly perCpu: VmapBlock[][];
  /** Large vm_map_ram() mappings that got their own area: start → pages. */
  private readonly large = new Map<number, number>();

  constructor(private readonly vm: Vmalloc) {
    this.perCpu = Array.from({ length: vm.mm.arch.nrCpus }, () => []);
  }

  /** vm_map_ram(pages, count): the kernel address, or -1 when out of VA space. */
  vmMapRam(cpu: number, pfns: ArrayLike<number>): number {
    const n = pfns.length;
    if (n > VMAP_MAX_ALLOC) {
      const addr = this.vm.space.alloc((n + 1) * PAGE_SIZE, PAGE_SIZE);
      if (addr < 0) return -1;
      this.large.set(addr, n);
      this.vm.vmapPagesRange(cpu, addr, pfns, PAGE_KERNEL);
      return addr;
    }
    let vb = this.perCpu[cpu].find((b) => VMAP_BBMAP_BITS - b.used >= n);
    if (!vb) {
      const start = this.vm.space.alloc(VMAP_BBMAP_BITS * PAGE_SIZE, VMAP_BBMAP_BITS * PAGE_SIZE);
      if (start < 0) return -1;
      vb = { start, used: 0, dirty: 0, dirtyMin: VMAP_BBMAP_BITS, dirtyMax: 0 };
      this.perCpu[cpu].push(vb);
    }
    const addr = vb.start + vb.used * PAGE_SIZE;
    vb.used += n;
    this.vm.vmapPagesRange(cpu, addr, pfns, PAGE_KERNEL);
    return addr;
  }

  /** vm_unmap_ram(addr, count): PTEs cleared, no flush; the range becomes dirty (vb_free). */
  vmUnmapRam(cpu: number, addr: number, n: number): void {
    const large = this.large.get(addr);
    if (large !== undefined) {
      this.large.delete(addr);
      this.vm.vunmapRangeNoflush(cpu, addr, addr + large * PAGE_SIZE);
      this.vm.freeVmapAreaNoflush(cpu, addr, addr + (large + 1) * PAGE_SIZE);
      return;
    }
    for (let c = 0; c < this.perCpu.length; c++) {
      const list = this.perCpu[c];
      for (let i = 0; i < list.length; i++) {
        const vb = list[i];
        if (addr < vb.start || addr >= vb.start + VMAP_BBMAP_BITS * PAGE_SIZE) continue;
        const offset = (addr - vb.start) / PAGE_SIZE;
        this.vm.vunmapRangeNoflush(cpu, addr, addr + n * PAGE_SIZE);
        vb.dirtyMin = Math.min(vb.dirtyMin, offset);
        vb.dirtyMax = Math.max(vb.dirtyMax, offset + n);
        vb.dirty += n;
        if (vb.dirty === VMAP_BBMAP_BITS) {
          // free_vmap_block(): the whole block goes to the lazy purge list.
          list.splice(i, 1);
          this.vm.freeVmapAreaNoflush(cpu, vb.start, vb.start + VMAP_BBMAP_BITS * PAGE_SIZE);
        }
        return;
      }
    }
    throw new Error(`vm_unmap_ram: ${addr} is not mapped by vm_map_ram`);
  }

  /**
   * The dirty part of _vm_unmap_aliases(): the union of every block's dirty range (reset so it is
   * not flushed again), then purge_fragmented_blocks_allcpus(). Returns [start, end) or null.
   */
  collectDirty(cpu: number): [number, number] | null {
    let start = Number.MAX_SAFE_INTEGER;
    let end = 0;
    for (const list of this.perCpu) {
      for (const vb of list) {
        if (vb.dirtyMax && vb.dirty !== VMAP_BBMAP_BITS) {
          start = Math.min(start, vb.start + vb.dirtyMin * PAGE_SIZE);
          end = Math.max(end, vb.start + vb.dirtyMax * PAGE_SIZE);
          vb.dirtyMin = VMAP_BBMAP_BITS;
          vb.dirtyMax = 0;
        }
      }
    }
    for (const list of this.perCpu) {
      for (let i = list.length - 1; i >= 0; i--) {
        const vb = list[i];
        const free = VMAP_BBMAP_BITS - vb.used;
        // purge_fragmented_block(): every page is either free or dirty, and not all are free.
        if (free + vb.dirty === VMAP_BBMAP_BITS && vb.dirty !== 0) {
          list.splice(i, 1);
          this.vm.freeVmapAreaNoflush(cpu, vb.start, vb.start + VMAP_BBMAP_BITS * PAGE_SIZE);
        }
      }
    }
    return end > 0 ? [start, end] : null;
  }

  /** Blocks alive on `cpu` (for inspection). */
  count(cpu: number): number {
    return this.perCpu[cpu].length;
  }
}

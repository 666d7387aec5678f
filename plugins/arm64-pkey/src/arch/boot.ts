// Boot of the arm64 kernel half before the buddy allocator exists: swapper_pg_dir, the kernel image mapping and
// the linear map, all built from an early page-table allocator over 2 MiB-aligned chunks of reserved memory —
// the shape of v6's early allocator (PPA, spec arm64-pkey.md §5.7), whose recorded chunks are re-keyed whole at
// init_late. Frames [0, IMAGE_FRAMES) hold the kernel image.
import type { Machine } from '@shootdown/mmu';
import {
  KPKEYS_PKEY_PGTABLES,
  PAGE_SIZE,
  PMD_NR_PAGES,
  PMD_ORDER,
  PTRS_PER_PTE,
  PUD_NR_PAGES,
} from '../constants.js';
import { GRAN_PMD_BLOCK, GRAN_PTE, GRAN_PUD_BLOCK, type LinearMap } from '../linear-map.js';
import { HW_PAGE_KERNEL, HW_PAGE_KERNEL_ROX, withKey } from './entry.js';

/** The kernel image: one 2 MiB pageblock of text. */
export const IMAGE_FRAMES = PMD_NR_PAGES;

export interface BootResult {
  /** Frames below this are reserved (image + early page-table chunks). */
  readonly reservedFrames: number;
  /** Every table the early allocator handed out. */
  readonly earlyTables: readonly number[];
  /** The early allocator's chunks as [first frame, frames]. */
  readonly earlyChunks: readonly [number, number][];
}

/** Early chunks needed for the linear map of `nrFrames` at its granularity, plus the image and the root. */
export function earlyChunksNeeded(nrFrames: number): number {
  const pteTables = Math.ceil(nrFrames / PMD_NR_PAGES);
  const pmdTables = Math.ceil(nrFrames / PUD_NR_PAGES);
  return Math.ceil((pteTables + pmdTables + 8) / PMD_NR_PAGES);
}

/**
 * The end of the early page-table chunks for `nrFrames` (the image and the chunks lie below it); throws when
 * memory ends before the buddy allocator would get a frame. Configure and its preflight ask it first.
 */
export function checkBootable(nrFrames: number): number {
  const earlyEnd = IMAGE_FRAMES + earlyChunksNeeded(nrFrames) * PMD_NR_PAGES;
  if (earlyEnd >= nrFrames)
    throw new Error(`arm64-pkey: ${nrFrames} frames are too few to boot (need > ${earlyEnd})`);
  return earlyEnd;
}

/**
 * @param protectFromBoot Design C: the linear map is built keyed for page tables everywhere but the image
 * ("the direct map starts out fully protected"), so no pageblock needs a flush to become protected.
 */
export function bootArm64(machine: Machine, linearMap: LinearMap, protectFromBoot = false): BootResult {
  const nrFrames = machine.frames.count;
  const earlyStart = IMAGE_FRAMES;
  const earlyEnd = checkBootable(nrFrames);
  const earlyTables: number[] = [];
  let next = earlyStart;
  const bootFrame = (): number => {
    if (next >= earlyEnd) throw new Error('arm64-pkey: early page-table chunks exhausted');
    earlyTables.push(next);
    return next++;
  };

  const ks = machine.createKernelSpace(bootFrame);
  // Room for the tables about to be taken from the early chunks: one per 4 KiB-mapped 2 MiB of the linear
  // map, one per 1 GiB, and the image's path.
  let pteTables = 0;
  for (let s = 0; s < linearMap.gran.length; s++) if (linearMap.gran[s] === GRAN_PTE) pteTables++;
  machine.tables.reserve(pteTables + Math.ceil(nrFrames / PUD_NR_PAGES) + 8);

  // The image: 4 KiB pages, read-only and executable (PAGE_KERNEL_ROX), at the kernel text base.
  const text = machine.arch.layout.kernelTextBase;
  for (let pfn = 0; pfn < IMAGE_FRAMES; pfn++) machine.frames.setTag(pfn, 'kernel-text');
  mapPtes(machine, ks, text, 0, IMAGE_FRAMES, HW_PAGE_KERNEL_ROX, bootFrame);

  // The linear map at the granularity the LinearMap model starts with (map_mem()).
  const slots = linearMap.gran.length;
  for (let s = 0; s < slots; s++) {
    const base = s << PMD_ORDER;
    const g = linearMap.gran[s];
    // Design C keys blocks and pages alike: a block-mapped pageblock must carry the key in its block descriptor,
    // or the "fully protected" linear map protects nothing the hardware can see.
    const key = protectFromBoot && base >= IMAGE_FRAMES ? KPKEYS_PKEY_PGTABLES : 0;
    const prot = withKey(HW_PAGE_KERNEL, key);
    if (key !== 0) linearMap.key.fill(key, base, Math.min(base + PMD_NR_PAGES, nrFrames));
    if (g === GRAN_PUD_BLOCK) {
      if (base % PUD_NR_PAGES !== 0) continue;
      const va = machine.directMapVa(base);
      machine.ensurePath(ks, va, 3, bootFrame);
      machine.setLeaf(ks, va, 3, base, prot);
    } else if (g === GRAN_PMD_BLOCK) {
      const va = machine.directMapVa(base);
      machine.ensurePath(ks, va, 2, bootFrame);
      machine.setLeaf(ks, va, 2, base, prot);
    } else {
      const end = Math.min(base + PMD_NR_PAGES, nrFrames);
      mapPtes(machine, ks, machine.directMapVa(base), base, end - base, prot, bootFrame);
    }
  }
  return { reservedFrames: earlyEnd, earlyTables, earlyChunks: [[earlyStart, earlyEnd - earlyStart]] };
}

/**
 * alloc_init_cont_pte() / alloc_init_pte() (arch/arm64/mm/mmu.c): the PTE table for each 2 MiB of the range
 * (pmd_populate with a table from the early allocator when the PMD entry is empty), then one __set_pte() per
 * page of that table, in address order — a run of leaf stores into one table.
 */
function mapPtes(
  machine: Machine,
  ks: number,
  va: number,
  pfn: number,
  nr: number,
  prot: number,
  bootFrame: () => number,
): void {
  let done = 0;
  while (done < nr) {
    const at = va + done * PAGE_SIZE;
    const n = Math.min(nr - done, PTRS_PER_PTE - ((at / PAGE_SIZE) % PTRS_PER_PTE));
    machine.ensurePath(ks, at, 1, bootFrame);
    machine.setLeaves(ks, at, 1, n, pfn + done, prot);
    done += n;
  }
}

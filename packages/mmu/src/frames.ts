// Physical memory: N 4 KiB frames, each with a use tag and a generation that increases on every free
// (DESIGN §2). Freeing is the OS's decision; the MMU has no page allocator.
import { ArrayLease } from './array-pool.js';
import { ChunkCounts } from './chunks.js';

/** Tags every machine knows; others are registered on first use (string ↔ small int). */
export const BUILTIN_TAGS = ['free', 'data', 'page-table', 'kernel-text', 'secret', 'user'] as const;
export const TAG_FREE = 0;
export const TAG_PAGE_TABLE = 2;

export interface FrameHooks {
  /** Called before a frame's generation moves on, so the reverse view can mark old translations. */
  beforeFree(pfn: number): void;
  /** Called once the frame's free clock is set. */
  afterFree?(pfn: number): void;
}

export class Frames {
  readonly count: number;
  private readonly tags: Uint8Array;
  private readonly gens: Uint32Array;
  /** Sequence number of the store/free clock at the frame's last free (0 = never freed). */
  readonly freedAt: Uint32Array;
  private readonly tagIds = new Map<string, number>();
  private readonly tagNames: string[] = [];
  private scan = 0;
  private freeCount: number;
  /** Free frames per 2 MiB / 1 GiB chunk: "is any frame of this block free?" without reading each frame. */
  private readonly freeChunks: ChunkCounts;

  constructor(
    count: number,
    private readonly hooks: FrameHooks,
    private readonly clock: () => number,
    /** Where the arrays come from (the machine's, recycled across machines). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.count = count;
    this.tags = lease.take(Uint8Array, count);
    this.gens = lease.take(Uint32Array, count);
    this.freedAt = lease.take(Uint32Array, count);
    this.freeCount = count;
    const tags = this.tags;
    this.freeChunks = new ChunkCounts(count, (f) => tags[f] === TAG_FREE, null, null, lease);
    this.freeChunks.countAll();
    for (const t of BUILTIN_TAGS) this.tagId(t);
  }

  /** Small-int id of a tag name, registering it on first use (at most 256 tags). */
  tagId(name: string): number {
    let id = this.tagIds.get(name);
    if (id !== undefined) return id;
    id = this.tagNames.length;
    if (id > 255) throw new Error('more than 256 frame tags');
    this.tagNames.push(name);
    this.tagIds.set(name, id);
    return id;
  }

  tagName(id: number): string {
    return this.tagNames[id] ?? `tag${id}`;
  }

  tag(pfn: number): string {
    this.check(pfn);
    return this.tagNames[this.tags[pfn]];
  }

  tagIdOf(pfn: number): number {
    return this.tags[pfn];
  }

  setTag(pfn: number, tag: string | number): void {
    this.check(pfn);
    const id = typeof tag === 'number' ? tag : this.tagId(tag);
    if (id === TAG_FREE) throw new Error(`use frames.free(${pfn}) to free a frame`);
    if (this.tags[pfn] === TAG_FREE) {
      this.freeCount--;
      this.freeChunks.frame(pfn, -1);
    }
    this.tags[pfn] = id;
  }

  generation(pfn: number): number {
    this.check(pfn);
    return this.gens[pfn];
  }

  isFree(pfn: number): boolean {
    return this.tags[pfn] === TAG_FREE;
  }

  /** Tag free, generation + 1. Translations captured before this point become use-after-free paths. */
  free(pfn: number): void {
    this.check(pfn);
    if (this.tags[pfn] === TAG_FREE) throw new Error(`frame ${pfn} is already free`);
    this.hooks.beforeFree(pfn);
    this.tags[pfn] = TAG_FREE;
    this.gens[pfn]++;
    this.freedAt[pfn] = this.clock();
    this.freeCount++;
    this.freeChunks.frame(pfn, 1);
    this.hooks.afterFree?.(pfn);
  }

  /** Might a frame of [first, end) be free? False: none is (answered per 2 MiB chunk). */
  anyFree(first: number, end: number): boolean {
    return this.freeChunks.any(first, end);
  }

  get freeFrames(): number {
    return this.freeCount;
  }

  /** Hardware-level tests only: lowest free frame at or after a rotating cursor, or -1. */
  firstFree(): number {
    for (let n = 0; n < this.count; n++) {
      const p = (this.scan + n) % this.count;
      if (this.tags[p] === TAG_FREE) return p;
    }
    return -1;
  }

  /** Hardware-level tests only: take any free frame and tag it. Real OS policies use their own allocator. */
  allocAny(tag: string): number {
    const p = this.firstFree();
    if (p < 0) throw new Error('out of frames');
    this.setTag(p, tag);
    this.scan = p + 1;
    return p;
  }

  /**
   * Hardware-level tests only: the lowest run of `n` free frames aligned to `n` (the output of a 2 MiB or
   * 1 GiB block, which the architectures require to be aligned to the block), every frame tagged.
   * Returns its first frame.
   */
  allocRun(n: number, tag: string): number {
    for (let p = 0; p + n <= this.count; p += n) {
      let free = true;
      for (let f = p; f < p + n && free; f++) free = this.tags[f] === TAG_FREE;
      if (!free) continue;
      for (let f = p; f < p + n; f++) this.setTag(f, tag);
      return p;
    }
    throw new Error(`out of frames: no free run of ${n} frames aligned to ${n}`);
  }

  private check(pfn: number): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.count) {
      throw new RangeError(`frame ${pfn} outside memory (0..${this.count - 1})`);
    }
  }
}

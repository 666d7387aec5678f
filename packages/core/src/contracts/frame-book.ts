import type { Pfn, Pid, Va } from './addresses.js';

/**
 * What the kernel knows about each frame, beyond the MMU's use tag: the invariants need it to tell a
 * frame that is merely mapped from one that is free, handed out unmapped, revoked, or under a mermap
 * window. Policies feed it (they own the allocator); the invariant monitor only reads it.
 */
export const FrameState = {
  /** In the page allocator's free lists (default direct-map entry expected). */
  Free: 0,
  /** Allocated for data (user pages, vmalloc backing, kernel allocations). */
  Allocated: 1,
  /** A page-table page linked (or about to be linked) into a tree. */
  PageTable: 2,
  /** Handed out with `unmapped` (__GFP_UNMAPPED): no direct-map entry may reach it. */
  Unmapped: 3,
  /** Free, in an unmapped pool (freetype FREETYPE_UNMAPPED): exempt from `direct-map-default`, and
   *  still bound by `unmapped-stays-unmapped`. */
  UnmappedPool: 4,
  /** Kernel text / reserved (never allocated). */
  Reserved: 5,
} as const;
export type FrameState = (typeof FrameState)[keyof typeof FrameState];

/** Per-frame flags independent of the state. */
export const FRAME_REVOKED = 1; // a PFN mapping of it was revoked: no CPU may translate to it (pfn-release)
export const FRAME_MERMAP = 2; // a mermap window entry reaches it (mermap-free)
export const FRAME_PT_PROTECTED = 4; // the policy claims writes to it need the privileged context

export interface ExpectedKeyRange {
  readonly pid: Pid;
  readonly start: Va;
  readonly end: Va;
  readonly key: number;
}

/**
 * The kernel's frame bookkeeping, one slot per frame (typed arrays behind it). Registered under
 * `Tokens.FrameBook` by the runner; the policy writes, the invariants read.
 */
export interface FrameBook {
  readonly frames: number;
  state(pfn: Pfn): FrameState;
  flags(pfn: Pfn): number;
  /** Allocator hand-out / return and page-table linking. `setState(pfn, Free)` is the moment
   *  `direct-map-default`, `mermap-free` and `stale-exec-alias` judge the frame. */
  setState(pfn: Pfn, state: FrameState): void;
  setFlag(pfn: Pfn, flag: number, on: boolean): void;
  /** The key a user range *should* hold by the explicit operations (key-assign sets it; key-clear,
   *  munmap, a replacing mmap and exec remove it; fork copies it). The runner feeds these from the
   *  scenario's steps — never from a policy's implicit removals, which `pkey-kept` exists to catch. */
  setExpectedKey(pid: Pid, start: Va, end: Va, key: number): void;
  clearExpectedKey(pid: Pid, start: Va, end: Va): void;
  /** The expected key at `va`, or -1 when none was bound. */
  expectedKey(pid: Pid, va: Va): number;
  /** Every expected-key range, ordered by pid then start. */
  expectedKeyRanges(): readonly ExpectedKeyRange[];
  /** Called by a policy when a revoking operation (unmap_mapping_range) returns. */
  markRevoked(pfns: readonly Pfn[]): void;
}

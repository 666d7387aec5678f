// Entry bits and sizes the invariants decode, taken from the MMU so both read the same word.
import { GLOBAL_TAG, LEVEL_PAGES, LEVEL_SIZE, Pte } from '@shootdown/mmu';
import type { MachineView, StaleRecords } from './machine-view.js';

export const X_BITS = Pte.XUSER | Pte.XKERNEL;

export function isWritable(flags: number): boolean {
  return (flags & Pte.WRITABLE) !== 0;
}
export function isExec(flags: number): boolean {
  return (flags & X_BITS) !== 0;
}
export function keyOf(flags: number): number {
  return (flags & Pte.KEY_MASK) >>> Pte.KEY_SHIFT;
}
export function isPresent(flags: number): boolean {
  return (flags & Pte.PRESENT) !== 0;
}

/** Rights an entry grants as a small mask (1 read, 2 write, 4 exec, 8 user) — for "more permissive". */
export function rightsOf(flags: number): number {
  return (
    (isPresent(flags) ? 1 : 0) |
    (isWritable(flags) ? 2 : 0) |
    (isExec(flags) ? 4 : 0) |
    ((flags & Pte.USER) !== 0 ? 8 : 0)
  );
}

/** First VA a stale record covers. */
export function recordVa(s: StaleRecords, r: number): number {
  return s.index[r] * LEVEL_SIZE[s.level[r] as 1 | 2 | 3 | 4];
}

/** Does stale leaf record `r` translate to frame `pfn`? (a large leaf covers a run of frames) */
export function recordReaches(s: StaleRecords, r: number, pfn: number): boolean {
  const first = s.out[r];
  return pfn >= first && pfn < first + LEVEL_PAGES[s.level[r] as 1 | 2 | 3 | 4];
}

/** The VA through which record `r` reaches `pfn`. */
export function recordVaOf(s: StaleRecords, r: number, pfn: number): number {
  return recordVa(s, r) + (pfn - s.out[r]) * 4096;
}

/**
 * One shared empty list for every "none" answer of the hot paths (no stale record reaches a frame — nearly
 * every frame at nearly every frame event —, no key raised, a selection without a list) rather than a new
 * empty list per question.
 */
export const NONE: readonly never[] = [];
// Not frozen: V8 has no fast path for `for…of` over a frozen array — each step made an iterator result
// object, and the judgements that loop over this answer run at every frame event. Read-only by its type.

/**
 * The frames an end-of-operation judgement found in breach, while it has found none: one empty set shared
 * by every judgement (`added` replaces it with a set of the judgement's own at the first frame). Those
 * judgements run after every step of every run, and nearly all of them find nothing — a set made per
 * judgement was five sets per step.
 */
export const NO_FRAMES: ReadonlySet<number> = new Set<number>();

/** `found` with frame `f` added: a new set in place of NO_FRAMES (never written), else `found` itself. */
export function added(found: ReadonlySet<number>, f: number): ReadonlySet<number> {
  const set = found === NO_FRAMES ? new Set<number>() : (found as Set<number>);
  set.add(f);
  return set;
}

/**
 * Stale leaf records that reach `pfn`, in live-list order: through the MMU's per-frame index when the view
 * keeps one (the records of that frame only), else by a scan of every live record.
 */
export function staleLeafTo(m: MachineView, pfn: number): readonly number[] {
  if (m.reverse.staleRefs(pfn) === 0) return NONE;
  const out: number[] = [];
  const s = m.staleLeaf;
  if (s.framesIndexed === true && s.reaching !== undefined) {
    for (const r of s.reaching(pfn)) if (recordCounts(m, s, r)) out.push(r);
    return out;
  }
  const live = liveForScan(s);
  for (let i = 0; i < live.length; i++) {
    const r = live[i];
    if (recordReaches(s, r, pfn) && recordCounts(m, s, r)) out.push(r);
  }
  return out;
}

/**
 * The live records for a read-only scan, in live-list order: the MMU's own list when the view offers it
 * (no copy per operation), else a snapshot. Nothing may drop a record while the scan runs.
 */
export function liveForScan(s: StaleRecords): ArrayLike<number> {
  return s.liveView !== undefined ? s.liveView() : s.liveRecords();
}

/**
 * DESIGN §3, second honesty rule: a stale record under an ASID/PCID counts only while a CPU that may
 * hold it has that ID loaded (global entries always count). A record under an ID no holder has loaded
 * is latent: the MMU keeps it, and it counts again the moment the ID is loaded without a flush.
 */
export function recordCounts(m: MachineView, s: StaleRecords, r: number): boolean {
  const tag = s.tag[r];
  if (tag === GLOBAL_TAG) return true;
  // The MMU's tagLoaded also knows the stage-2 and EL2 regimes (a guest's VMID, a loaded TTBR0_EL2).
  if (m.tagLoaded !== undefined) {
    for (const c of s.holders(r)) if (m.tagLoaded(c, tag)) return true;
    return false;
  }
  for (const c of s.holders(r)) if (m.curTag[c] === tag) return true;
  return false;
}

/**
 * `recordCounts` for the CPUs of `holders` only (a subset of the record's holders, e.g. one TLB side):
 * the first of them that has the record's ID loaded, or -1 when none does.
 */
export function countingHolder(
  m: MachineView,
  s: StaleRecords,
  r: number,
  holders: readonly number[],
): number {
  const tag = s.tag[r];
  for (const c of holders) {
    if (tag === GLOBAL_TAG) return c;
    if (m.tagLoaded !== undefined ? m.tagLoaded(c, tag) : m.curTag[c] === tag) return c;
  }
  return -1;
}

/** Is `va` a linear-map (direct-map) address of this machine? */
export function isDirectMapVa(m: MachineView, va: number): boolean {
  return m.directMapPfn(va) >= 0;
}

/** The flags of the present leaf through which `va` reaches `pfn` in `space` now, or -1. */
export function flagsReaching(m: MachineView, space: number, va: number, pfn: number): number {
  if (m.translationFlags !== undefined) return m.translationFlags(space, va, pfn);
  const l = m.lookup(space, va);
  return l.present && l.pfn === pfn ? l.flags : -1;
}

/** The flags of `pfn`'s current direct-map entry, or -1 when there is none or it maps another frame. */
export function directMapFlags(m: MachineView, pfn: number): number {
  if (m.kernelSpace < 0) return -1;
  return flagsReaching(m, m.kernelSpace, m.directMapVa(pfn), pfn);
}

export function hex(va: number): string {
  return '0x' + va.toString(16);
}

/**
 * DESIGN §3, first honesty rule: a possibly-stale entry matters only if it grants something the current
 * entry for the same address does not — another frame, or more rights. A stale entry that is merely
 * less permissive (or identical) is at most the soft `stale-direct-map`.
 */
export function staleGrantsMore(m: MachineView, r: number, pfn: number): boolean {
  const s = m.staleLeaf;
  const space = s.space[r];
  const va = recordVaOf(s, r, pfn);
  if (space < 0 || space >= m.spaceCount) return true;
  const cur = flagsReaching(m, space, va, pfn);
  if (cur < 0) return true;
  const old = rightsOf(s.flags[r]);
  return (old & ~rightsOf(cur)) !== 0;
}

/**
 * Present entries stored before `pfn`'s last free, not counting the kernel's linear-map alias: that
 * alias reaches every frame for the machine's whole life and is judged by the direct-map invariants,
 * not as a use-after-free path. (If the alias itself was re-stored after the free it is not in the
 * count; the clamp then may hide one other entry — the price of not scanning the page tables.)
 */
export function validBeforeFree(m: MachineView, pfn: number): number {
  const n = m.reverse.validAfterFree(pfn);
  if (n === 0) return 0; // the common case: no software walk
  return Math.max(0, n - (directMapFlags(m, pfn) >= 0 ? 1 : 0));
}

/**
 * Stale leaf records for `pfn`'s linear-map address. Uses the MMU's (level, VA, tag) index when the view
 * offers it — O(records at that address) instead of a scan of every live record, which matters when a
 * variant leaves thousands of stale linear-map entries behind (skip-flush bounds).
 */
export function staleDirectMapTo(m: MachineView, pfn: number): readonly number[] {
  if (m.reverse.staleRefs(pfn) === 0) return NONE;
  const s = m.staleLeaf;
  if (s.chain === undefined || s.nextInChain === undefined) {
    return staleLeafTo(m, pfn).filter((r) => isDirectMapVa(m, recordVaOf(s, r, pfn)));
  }
  const va = m.directMapVa(pfn);
  const out: number[] = [];
  for (let level = 1; level <= 3; level++) {
    const index = Math.floor(va / LEVEL_SIZE[level as 1 | 2 | 3]);
    for (let r = s.chain(level, index, GLOBAL_TAG); r >= 0; r = s.nextInChain(r)) {
      if (recordReaches(s, r, pfn)) out.push(r);
    }
  }
  return out;
}

/** The first VA after the span of the level-`level` entry that covers `va` (a walk that stopped there). */
export function nextEntryStart(va: number, level: number): number {
  const size = LEVEL_SIZE[level as 1 | 2 | 3 | 4];
  return (Math.floor(va / size) + 1) * size;
}

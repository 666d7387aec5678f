// The shape of one invariant (DESIGN §3 "Invariants"): an id, a precise description, and the moments
// it is judged — at entry stores and invalidations (through the MMU observer), at frame-bookkeeping
// changes, and when an operation returns.
import type { FrameBook } from '../contracts/frame-book.js';
import type { Pid, Va } from '../contracts/addresses.js';
import type { InvariantId } from '../policy/invariant-ids.js';
import type { FrameMark } from './frame-table.js';
import type { MachineView, TableLinkView, TagOverlapView } from './machine-view.js';

/** What the invariants may ask the kernel side beyond the frame book (supplied by the runner). */
export interface InvariantEnv {
  /** A named kernel window (e.g. `linux.mermap`), if the policy has one. */
  window(name: string): { readonly start: Va; readonly end: Va } | undefined;
  /** The MMU space of a process, if it has one. */
  spaceOf(pid: Pid): number | undefined;
}

/** Where a violation was seen. `cpu`, `address`, `frame` are null when they do not apply. */
export interface ViolationSite {
  readonly cpu: number | null;
  readonly address: number | null;
  readonly frame: number | null;
  readonly explanation: string;
}

export interface InvariantContext {
  readonly m: MachineView;
  readonly book: FrameBook;
  readonly env: InvariantEnv;
  /** The condition holds for `key` (usually a frame): reported once until it is `settle`d. */
  raise(id: InvariantId, key: number, site: ViolationSite): void;
  /** The condition no longer holds for `key`: a later recurrence is reported again. */
  settle(id: InvariantId, key: number): void;
  /** Is `key` currently raised for `id`? */
  active(id: InvariantId, key: number): boolean;
  /** Keys currently raised for `id`. */
  activeKeys(id: InvariantId): readonly number[];
  /** Visit, ascending, the frames of [first, end) the frame book marks (absent: judge frame by frame). */
  marked?(mark: FrameMark, first: number, end: number, visit: (pfn: number) => void): void;
  /** Might a frame of [first, end) carry `mark`? (absent: assume it might) */
  anyMarked?(mark: FrameMark, first: number, end: number): boolean;
}

export interface Invariant {
  readonly id: InvariantId;
  /** One paragraph: precisely when it is violated. */
  readonly description: string;
  /** Soft invariants (`stale-direct-map`) are always notes, never findings. */
  readonly soft?: boolean;
  /**
   * The frame facts (frame-facts.ts, a mask) without which a one-frame judgement by `frameState` or by
   * `framesChanged` does nothing but settle keys that are not raised. While none of this invariant's keys is
   * raised, the monitor skips that judgement for a frame with none of these facts. Absent (or the hook's
   * entry absent): the hook is called at every event.
   */
  readonly quietUnless?: { readonly frameState?: number; readonly framesChanged?: number };
  /**
   * Frames [first, first+count) changed their reach (store, link, unlink, invalidate, free); `settled`: the
   * same frames once more, at the next event. A judgement reads the machine, the book and this invariant's
   * own raised keys only, so judging a range twice with nothing changed between does nothing the second
   * time (the monitor relies on it to settle a range once).
   */
  framesChanged?(ctx: InvariantContext, first: number, count: number, cause: string): void;
  /** A break-before-make violation at a store (arm64). */
  bbm?(
    ctx: InvariantContext,
    v: { space: number; va: number; level: number; reason: string; cpus: readonly number[] },
  ): void;
  /** A table pointer was stored: a page-table frame is linked at one more place (the MMU's TableLink). */
  tableLinked?(ctx: InvariantContext, l: TableLinkView): void;
  /** A root was loaded under an ID whose entries from another root may still be held (the MMU's TagOverlap). */
  tagOverlap?(ctx: InvariantContext, o: TagOverlapView): void;
  /** The frame book changed a frame's state. */
  frameState?(ctx: InvariantContext, pfn: number, from: number, to: number): void;
  /** A revoking operation returned (its frames got FRAME_REVOKED). */
  revoked?(ctx: InvariantContext, pfns: readonly number[]): void;
  /** A kernel write aimed at a frame (`stray-write`) landed or faulted. */
  strayWrite?(ctx: InvariantContext, cpu: number, pfn: number, context: string | null, landed: boolean): void;
  /** An operation (a step) returned. */
  operationReturned?(ctx: InvariantContext): void;
}

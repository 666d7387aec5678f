// The FrameBook implementation: one byte of state and one byte of flags per frame, plus the (few)
// expected-key ranges. Changes are forwarded to a listener (the invariant monitor). The marks the range
// invariants select frames by (handed out unmapped, revoked, under a mermap window) are also counted per
// 2 MiB and 1 GiB chunk, so judging a block's range finds its few marked frames without reading the rest.
import { ArrayLease, ChunkCounts, type FrameVisit } from '@shootdown/mmu';
import type { Pfn, Pid, Va } from '../contracts/addresses.js';
import {
  FRAME_MERMAP,
  FRAME_REVOKED,
  FrameState,
  type ExpectedKeyRange,
  type FrameBook,
} from '../contracts/frame-book.js';

export interface FrameBookListener {
  stateChanged(pfn: Pfn, from: FrameState, to: FrameState): void;
  revoked(pfns: readonly Pfn[]): void;
}

/**
 * Frame-book marks counted per chunk: state Unmapped or UnmappedPool, state Free or UnmappedPool (free to
 * the page allocator), FRAME_REVOKED, FRAME_MERMAP.
 */
export type FrameMark = 'unmapped' | 'free' | 'revoked' | 'mermap';

function isUnmappedState(s: number): boolean {
  return s === FrameState.Unmapped || s === FrameState.UnmappedPool;
}

function isFreeState(s: number): boolean {
  return s === FrameState.Free || s === FrameState.UnmappedPool;
}

/**
 * Every expected key range is made here, one hidden class (spreads of a range made others). Its `start` and
 * `end` are VAs, small integers in the first scenarios and doubles (user addresses past 2^31) later: the
 * first double changed the fields' representation and deprecated the class in the middle of the catalogue,
 * deoptimising pkey-kept's operationReturned ("wrong map"). One range made here with doubles, before any
 * run, makes them doubles from the start (a small integer fits a double field).
 */
function keyRange(pid: Pid, start: Va, end: Va, key: number): ExpectedKeyRange {
  return { pid, start, end, key };
}
keyRange(0, 0.5, 0.5, 0);

export class FrameTable implements FrameBook {
  readonly frames: number;
  readonly #state: Uint8Array;
  readonly #flags: Uint8Array;
  #ranges: ExpectedKeyRange[] = [];
  readonly #marks: Readonly<Record<FrameMark, ChunkCounts>>;
  listener: FrameBookListener | null = null;

  /** @param lease where the arrays come from: the machine's (recycled with it) in a run. */
  constructor(frames: number, lease: ArrayLease = new ArrayLease()) {
    this.frames = frames;
    const state = (this.#state = lease.take(Uint8Array, frames));
    const flags = (this.#flags = lease.take(Uint8Array, frames));
    this.#marks = {
      unmapped: new ChunkCounts(frames, (f) => isUnmappedState(state[f]), null, null, lease),
      free: new ChunkCounts(frames, (f) => isFreeState(state[f]), null, null, lease),
      revoked: new ChunkCounts(frames, (f) => (flags[f] & FRAME_REVOKED) !== 0, null, null, lease),
      mermap: new ChunkCounts(frames, (f) => (flags[f] & FRAME_MERMAP) !== 0, null, null, lease),
    };
    this.#marks.free.countAll(); // every frame starts Free
  }

  /** Visit, in ascending order, the frames of [first, end) that carry `mark`. */
  framesMarked(mark: FrameMark, first: number, end: number, visit: FrameVisit): void {
    this.#marks[mark].each(first, end, visit);
  }

  /** Might a frame of [first, end) carry `mark`? False: none does (answered per 2 MiB chunk). */
  anyMarked(mark: FrameMark, first: number, end: number): boolean {
    return this.#marks[mark].any(first, end);
  }

  state(pfn: Pfn): FrameState {
    return this.#state[pfn] as FrameState;
  }

  flags(pfn: Pfn): number {
    return this.#flags[pfn];
  }

  setState(pfn: Pfn, state: FrameState): void {
    this.#check(pfn);
    const from = this.#state[pfn] as FrameState;
    this.#state[pfn] = state;
    if (isUnmappedState(from) !== isUnmappedState(state))
      this.#marks.unmapped.frame(pfn, isUnmappedState(state) ? 1 : -1);
    if (isFreeState(from) !== isFreeState(state)) this.#marks.free.frame(pfn, isFreeState(state) ? 1 : -1);
    if (from !== state || state === FrameState.Free) this.listener?.stateChanged(pfn, from, state);
  }

  setFlag(pfn: Pfn, flag: number, on: boolean): void {
    this.#check(pfn);
    const was = this.#flags[pfn];
    const now = (this.#flags[pfn] = on ? was | flag : was & ~flag);
    const changed = was ^ now;
    if ((changed & FRAME_REVOKED) !== 0) this.#marks.revoked.frame(pfn, (now & FRAME_REVOKED) !== 0 ? 1 : -1);
    if ((changed & FRAME_MERMAP) !== 0) this.#marks.mermap.frame(pfn, (now & FRAME_MERMAP) !== 0 ? 1 : -1);
  }

  markRevoked(pfns: readonly Pfn[]): void {
    for (const p of pfns) this.setFlag(p, FRAME_REVOKED, true);
    this.listener?.revoked(pfns);
  }

  setExpectedKey(pid: Pid, start: Va, end: Va, key: number): void {
    this.clearExpectedKey(pid, start, end);
    this.#ranges.push(keyRange(pid, start, end, key));
    this.#ranges.sort((a, b) => a.pid - b.pid || a.start - b.start);
  }

  clearExpectedKey(pid: Pid, start: Va, end: Va): void {
    const out: ExpectedKeyRange[] = [];
    for (const r of this.#ranges) {
      if (r.pid !== pid || r.end <= start || r.start >= end) {
        out.push(r);
        continue;
      }
      if (r.start < start) out.push(keyRange(r.pid, r.start, start, r.key));
      if (r.end > end) out.push(keyRange(r.pid, end, r.end, r.key));
    }
    this.#ranges = out.sort((a, b) => a.pid - b.pid || a.start - b.start);
  }

  /** Every expected range of a process (exec, exit). */
  clearExpectedKeys(pid: Pid): void {
    this.#ranges = this.#ranges.filter((r) => r.pid !== pid);
  }

  /** fork: the child holds what the parent held. */
  copyExpectedKeys(parent: Pid, child: Pid): void {
    const copies = this.#ranges
      .filter((r) => r.pid === parent)
      .map((r) => keyRange(child, r.start, r.end, r.key));
    this.#ranges = [...this.#ranges, ...copies].sort((a, b) => a.pid - b.pid || a.start - b.start);
  }

  expectedKey(pid: Pid, va: Va): number {
    for (const r of this.#ranges) if (r.pid === pid && va >= r.start && va < r.end) return r.key;
    return -1;
  }

  expectedKeyRanges(): readonly ExpectedKeyRange[] {
    return this.#ranges;
  }

  #check(pfn: Pfn): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.frames) {
      throw new RangeError(`frame ${pfn} outside memory (0..${this.frames - 1})`);
    }
  }
}

// Observer hook (for invariant checkers judging inside an operation) and the optional trace event sink.

/** Why a frame's reverse view changed. */
export type ChangeCause = 'store' | 'link' | 'unlink' | 'invalidate' | 'free';

/** A break-before-make violation (spec arm64-pkey.md §7.3), reported at the offending store. */
export interface BbmViolation {
  readonly space: number;
  readonly va: number;
  readonly level: number;
  /** 'output' (different frame), 'size' (block ↔ table or block size), 'conflict' (a CPU may still hold a different entry). */
  readonly reason: 'output' | 'size' | 'conflict';
  readonly cpus: readonly number[];
}

/**
 * A table pointer was stored: `pfn` is now linked from one more place. `otherLinks` counts the places
 * that linked it before this store; `unclean` is true when a walk-cache entry from an earlier link may
 * still point at it (unlinked without TLBI + DSB since); `freedSince` is true when the frame was freed
 * after its oldest current link was made (an old parent still points at a frame that was reused).
 */
export interface TableLink {
  readonly pfn: number;
  readonly level: number;
  readonly space: number;
  readonly va: number;
  readonly otherLinks: number;
  readonly unclean: boolean;
  readonly freedSince: boolean;
}

/**
 * A translation base register was loaded with a root under an ID (VTTBR_EL2: VMID; TTBR0_EL2: the one
 * EL2 regime) while a CPU may still hold entries that ID cached from another root, with no TLBI of the
 * ID since: those entries may now translate for the new root (Casemate `activate_ttbr`, "duplicate
 * (VM/AS)ID" / "root already associated with an (VM/AS)ID").
 */
export interface TagOverlap {
  readonly cpu: number;
  readonly register: 'vttbr_el2' | 'ttbr0_el2';
  /** The VMID (VTTBR) or -1 (TTBR0_EL2). */
  readonly id: number;
  readonly root: number;
  readonly otherRoot: number;
  /** CPUs that may still hold entries of the ID from `otherRoot`. */
  readonly holders: readonly number[];
}

export interface MmuObserver {
  /** A root was loaded under an ID whose entries from another root may still be cached. */
  tagOverlap?(o: TagOverlap): void;
  /**
   * After every entry store and every invalidation that changed the reverse view: frames
   * [first, first + count) changed (a large leaf reports its whole range once).
   */
  framesChanged?(first: number, count: number, cause: ChangeCause): void;
  /** A stale walk-cache record pointing at table frame `pfn` appeared or went away. */
  walkChanged?(pfn: number, cause: ChangeCause): void;
  bbmViolation?(v: BbmViolation): void;
  /** A table pointer was stored (linking `pfn` at one more place). */
  tableLinked?(l: TableLink): void;
}

/**
 * Trace events, per CPU (-1 = no CPU: a page-table store), time-stamped on the latency timeline in INVLPG
 * units (`Counters.timeOn`): each CPU's own clock, so parallel IPI handlers overlap as they do on hardware.
 * Instructions that take time (`flush`, `tlbi`, `dsb`) carry their duration; `ipi-begin` is the
 * interrupt's arrival and `ipi-end` the handler's return.
 */
export interface MmuEvent {
  readonly t: number;
  /** Duration of a `flush`, `tlbi` or `dsb` (its priced cost, plus nothing else). */
  readonly dur?: number;
  readonly cpu: number;
  readonly kind:
    | 'store'
    | 'fill'
    | 'flush'
    | 'tlbi'
    | 'dsb'
    | 'ipi-begin'
    | 'ipi-end'
    | 'key'
    | 'root'
    | 'bbm'
    | 'fault'
    | 'regime';
  readonly va?: number;
  readonly pfn?: number;
  readonly detail?: string;
}

export type MmuEventSink = (e: MmuEvent) => void;

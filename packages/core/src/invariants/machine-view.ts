// The read-only slice of the simulated machine the invariants look at. Structural, so the invariants
// depend on what they read, not on how @shootdown/mmu builds it; the MMU's Machine satisfies it.

/**
 * Per-frame reach counts, kept incrementally by the MMU (its `ReverseView`). Read through accessors: a
 * block leaf is counted once per chunk of frames it covers, so a frame's count is a sum, not one cell.
 */
export interface ReverseCounts {
  validRefs(pfn: number): number;
  validW(pfn: number): number;
  validX(pfn: number): number;
  staleRefs(pfn: number): number;
  staleW(pfn: number): number;
  staleX(pfn: number): number;
  /** Valid entries stored before the frame's last free. */
  validAfterFree(pfn: number): number;
  /** Stale cached translations captured before the frame's last free. */
  staleAfterFree(pfn: number): number;
  /** Stale walk-cache entries pointing at this (table) frame. */
  walkRefs(pfn: number): number;
  walkAfterFree(pfn: number): number;
  readonly walkAfterFreeTotal: number;
  isWx(pfn: number): boolean;
  /**
   * Visit, in ascending order, the frames of [first, end) executable through something (`exec`),
   * writable and executable (`wx`), or reached by a translation older than their last free
   * (`after-free`) — found per chunk, so a range judge of a block costs what its answer costs. Without
   * it the invariants judge a range frame by frame.
   */
  framesWhere?(
    kind: 'exec' | 'wx' | 'after-free',
    first: number,
    end: number,
    visit: (pfn: number) => void,
  ): void;
  /**
   * For an aligned 2 MiB or 1 GiB chunk: is every translation reaching its frames a block covering all of
   * it (so a judgement made of translations alone is the same for each of its frames)?
   */
  blocksOnly?(first: number, end: number): boolean;
  /** Might a frame of [first, end) be of `kind`? False: none is (answered per chunk). */
  anyWhere?(kind: 'exec' | 'wx' | 'after-free', first: number, end: number): boolean;
}

/** Possibly-cached translations whose entry changed: one record per change, with its holders. */
export interface StaleRecords {
  readonly live: number;
  readonly level: ArrayLike<number>;
  /** VA >> LEVEL_SHIFT[level]. */
  readonly index: ArrayLike<number>;
  readonly flags: ArrayLike<number>;
  /** Output frame (leaf) or table frame (walk cache). */
  readonly out: ArrayLike<number>;
  /** Store clock when the translation was captured. */
  readonly since: ArrayLike<number>;
  /** Address space that owned the entry. */
  readonly space: ArrayLike<number>;
  /** ASID/PCID the entry is cached under (the MMU's GLOBAL_TAG for global entries). */
  readonly tag: ArrayLike<number>;
  liveRecords(): ArrayLike<number>;
  /** The live records without a copy, for scans that drop nothing (the MMU's StaleSet). */
  liveView?(): ArrayLike<number>;
  /** Live leaf records reaching frame `pfn`, in live-list order, when the set keeps a per-frame index. */
  reaching?(pfn: number): readonly number[];
  readonly framesIndexed?: boolean;
  holders(r: number): readonly number[];
  /** CPUs that may hold record `r` on `side` (0 data, 1 instruction TLB); a unified TLB: `holders(r)`. */
  sideHolders?(r: number, side: number): readonly number[];
  /** First record for (level, VA index at that level, tag), -1 when none (the MMU's index). */
  chain?(level: number, index: number, tag: number): number;
  nextInChain?(r: number): number;
}

/** A table pointer was stored (the MMU's TableLink): what `double-use` judges. */
export interface TableLinkView {
  readonly pfn: number;
  readonly level: number;
  readonly space: number;
  readonly va: number;
  /** Places that linked the table before this store. */
  readonly otherLinks: number;
  /** A walk-cache entry of an earlier link may still point at it. */
  readonly unclean: boolean;
  /** The frame was freed after its oldest current link was made. */
  readonly freedSince: boolean;
}

/** A root was loaded under an ID whose entries from another root may still be held (the MMU's TagOverlap). */
export interface TagOverlapView {
  readonly cpu: number;
  readonly register: 'vttbr_el2' | 'ttbr0_el2';
  /** The VMID, or -1 for TTBR0_EL2. */
  readonly id: number;
  readonly root: number;
  readonly otherRoot: number;
  readonly holders: readonly number[];
}

export interface LookupView {
  readonly present: boolean;
  readonly level: number;
  readonly flags: number;
  readonly pfn: number;
}

export interface MachineView {
  readonly cpus: number;
  readonly frames: {
    readonly count: number;
    readonly freedAt: ArrayLike<number>;
    isFree(pfn: number): boolean;
    tag(pfn: number): string;
    /** Might a frame of [first, end) be free? False: none is (the MMU counts free frames per chunk). */
    anyFree?(first: number, end: number): boolean;
  };
  readonly tables: {
    readonly slotOf: ArrayLike<number>;
    readonly slotLinks: ArrayLike<number>;
  };
  readonly reverse: ReverseCounts;
  readonly staleLeaf: StaleRecords;
  readonly staleWalk: StaleRecords;
  /** Per CPU: the ASID/PCID currently loaded. */
  readonly curTag: ArrayLike<number>;
  /** Does `cpu` translate with `tag` now (its ASID, its guest's VMID, a loaded TTBR0_EL2)? */
  tagLoaded?(cpu: number, tag: number): boolean;
  /**
   * Do protection keys gate instruction fetches (arm64 POE: yes; x86 PKU: no, Intel SDM vol. 3A §4.6.2)?
   * Absent: they do.
   */
  readonly keysGateFetch?: boolean;
  /** The kernel half's space id, -1 before the OS created it. */
  readonly kernelSpace: number;
  readonly spaceCount: number;
  directMapVa(pfn: number): number;
  directMapPfn(va: number): number;
  lookup(space: number, va: number): LookupView;
  /**
   * The flags of the present leaf through which `va` reaches `pfn` now, or -1: `lookup`'s answer to the one
   * question the frame judgements ask, without its result objects (absent: asked through `lookup`).
   */
  translationFlags?(space: number, va: number, pfn: number): number;
  /** Present leaves reaching `pfn` (scans the tables: only for frames the counts single out). */
  validTranslations?(
    pfn: number,
  ): readonly { readonly space: number; readonly va: number; readonly flags: number }[];
  /**
   * Is page-table frame `pfn` in a tree through a link made after its last free (linked again)? Absent:
   * any current link counts as linked again.
   */
  linkedAfterFree?(pfn: number): boolean;
  /** Walks reaching a page-table frame through a parent entry stored before the frame was freed. */
  freedTableWalks?(): readonly {
    readonly pfn: number;
    readonly cpu: number;
    readonly va: number;
    readonly via: 'parent' | 'walk-cache';
    readonly relinked: boolean;
  }[];
  observe(o: {
    framesChanged?(first: number, count: number, cause: string): void;
    walkChanged?(pfn: number, cause: string): void;
    bbmViolation?(v: {
      space: number;
      va: number;
      level: number;
      reason: string;
      cpus: readonly number[];
    }): void;
    tableLinked?(l: TableLinkView): void;
    tagOverlap?(o: TagOverlapView): void;
  }): () => void;
}

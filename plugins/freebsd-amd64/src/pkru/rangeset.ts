// The per-pmap PKRU rangeset, modelled on FreeBSD's sys/kern/subr_rangeset.c (a pctrie of non-overlapping
// [start, end) nodes keyed by start). Nodes live in parallel sorted arrays of page numbers: no object per node,
// binary search for RANGESET_PCTRIE_LOOKUP_LE. Every primitive reproduces the C code's observable behaviour,
// quirks included (see spec freebsd-amd64.md §2.2), because the variants under study differ only in *when*
// nodes disappear and an off-by-one here would be mistaken for a policy effect.

/** Node flag kept by pmap_pkru_assign(): only AMD64_PKRU_PERSIST survives assignment (pmap.c). */
export const NODE_PERSIST = 0x2;

/** Which nodes a removal may touch: rangeset_remove (all) or pmap_pkru_on_remove's pred_pkru_on_remove. */
export const RemovePredicate = {
  /** rangeset_true_pred: every overlapping node, PERSIST included. */
  All: 0,
  /** pred_pkru_on_remove (pmap.c): only nodes without AMD64_PKRU_PERSIST. */
  NonPersist: 1,
} as const;
export type RemovePredicate = (typeof RemovePredicate)[keyof typeof RemovePredicate];

export const ENOMEM = 12;

export interface RangesetNode {
  readonly start: number;
  readonly end: number;
  readonly key: number;
  readonly flags: number;
}

export class Rangeset {
  private starts: number[] = [];
  private ends: number[] = [];
  private keys: number[] = [];
  private flagsOf: number[] = [];

  /**
   * @param nodeLimit at most this many nodes may exist; an allocation beyond fails like uma_zalloc(M_NOWAIT)
   *   returning NULL (pkru_dup_range / pmap_pkru_assign), so ENOMEM paths are reachable deterministically.
   * @param exclAdjacencyQuirk rangeset_check_empty looks up the node with greatest start <= end (not < end), so a
   *   node starting exactly at `end` makes [start, end) look occupied. True reproduces the source.
   */
  constructor(
    public nodeLimit: number = Number.MAX_SAFE_INTEGER,
    public exclAdjacencyQuirk: boolean = true,
  ) {}

  get size(): number {
    return this.starts.length;
  }

  /** Index of the node with the greatest start <= page, or -1 (RANGESET_PCTRIE_LOOKUP_LE). */
  private lookupLe(page: number): number {
    const s = this.starts;
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

  /** rangeset_lookup: index of the node covering page, or -1. */
  lookupIndex(page: number): number {
    const i = this.lookupLe(page);
    return i >= 0 && this.ends[i] > page ? i : -1;
  }

  /** Key of the node covering page, or -1 when no node covers it (pmap_pkru_get distinguishes "no node"). */
  keyAt(page: number): number {
    const i = this.lookupIndex(page);
    return i < 0 ? -1 : this.keys[i];
  }

  nodeAt(index: number): RangesetNode {
    return {
      start: this.starts[index],
      end: this.ends[index],
      key: this.keys[index],
      flags: this.flagsOf[index],
    };
  }

  endAt(index: number): number {
    return this.ends[index];
  }

  /** rangeset_check_empty; see exclAdjacencyQuirk. */
  checkEmpty(start: number, end: number): boolean {
    const i = this.lookupLe(this.exclAdjacencyQuirk ? end : end - 1);
    return i < 0 || this.ends[i] <= start;
  }

  /** rangeset_insert: removes every overlapping node (PERSIST ones too), then links the new node. */
  insert(start: number, end: number, key: number, flags: number): number {
    // pmap_pkru_assign allocates the node before rangeset_insert runs, so the limit counts it first.
    if (this.starts.length + 1 > this.nodeLimit) return ENOMEM;
    const error = this.removePred(start, end, RemovePredicate.All, 1);
    if (error !== 0) return error;
    const at = this.lookupLe(start) + 1;
    this.starts.splice(at, 0, start);
    this.ends.splice(at, 0, end);
    this.keys.splice(at, 0, key);
    this.flagsOf.splice(at, 0, flags);
    return 0;
  }

  /**
   * rangeset_remove_pred: walks right to left over nodes overlapping [start, end). A node the predicate refuses
   * is left alone and the walk continues to its left, except where the C code breaks out (a refused node that
   * sticks out on the left or covers both sides ends the walk). Splitting a node that covers both sides needs one
   * more node; failing that returns ENOMEM with the set unchanged.
   * @param reserved nodes already allocated by the caller and not yet linked (insert's new node).
   */
  removePred(start: number, end: number, pred: RemovePredicate, reserved = 0): number {
    while (end > 0 && start < end) {
      const i = this.lookupLe(end - 1);
      if (i < 0) break;
      const rs = this.starts[i];
      const re = this.ends[i];
      if (re <= start) break;
      const ok = pred === RemovePredicate.All || (this.flagsOf[i] & NODE_PERSIST) === 0;
      if (re <= end) {
        if (rs < start) {
          // Sticks out on the left: truncate.
          if (ok) this.ends[i] = start;
          break;
        }
        // Inside: delete, continue left of it.
        end = rs;
        if (ok) this.unlink(i);
        continue;
      }
      if (rs >= start) {
        // Sticks out on the right: move its start to `end` (ordering is unchanged: nothing lies in between).
        if (ok) this.starts[i] = end;
        else end = rs;
        continue;
      }
      // Covers both sides: split.
      if (ok) {
        if (this.starts.length + reserved + 1 > this.nodeLimit) return ENOMEM;
        this.starts.splice(i + 1, 0, end);
        this.ends.splice(i + 1, 0, re);
        this.keys.splice(i + 1, 0, this.keys[i]);
        this.flagsOf.splice(i + 1, 0, this.flagsOf[i]);
        this.ends[i] = start;
      }
      break;
    }
    return 0;
  }

  /** rangeset_remove. */
  remove(start: number, end: number): number {
    return this.removePred(start, end, RemovePredicate.All);
  }

  /** rangeset_remove_all (exec, exit: pmap_pkru_deassign_all). */
  removeAll(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.keys.length = 0;
    this.flagsOf.length = 0;
  }

  /** rangeset_copy into this (empty) set; on failure the partial copy is discarded and ENOMEM returned. */
  copyFrom(src: Rangeset): number {
    if (src.size > this.nodeLimit) {
      this.removeAll();
      return ENOMEM;
    }
    this.starts = src.starts.slice();
    this.ends = src.ends.slice();
    this.keys = src.keys.slice();
    this.flagsOf = src.flagsOf.slice();
    return 0;
  }

  /**
   * pmap_pkru_same (sys/amd64/amd64/pmap.c): may [start, end) be mapped by one superpage as far as keys go?
   * Every page must have the same key, and either all pages are covered by nodes or none are — an explicit
   * key-0 node next to no node counts as different (spec freebsd-amd64.md §4.2).
   */
  same(start: number, end: number): boolean {
    let prev = -2;
    for (let p = start; p < end;) {
      const i = this.lookupIndex(p);
      const cur = i < 0 ? -1 : this.keys[i];
      if (prev !== -2 && cur !== prev) return false;
      prev = cur;
      p = i < 0 ? p + 1 : this.ends[i];
    }
    return true;
  }

  /** All nodes in address order (for checks and results; not a hot path). */
  nodes(): RangesetNode[] {
    const out: RangesetNode[] = [];
    for (let i = 0; i < this.starts.length; i++) out.push(this.nodeAt(i));
    return out;
  }

  private unlink(i: number): void {
    this.starts.splice(i, 1);
    this.ends.splice(i, 1);
    this.keys.splice(i, 1);
    this.flagsOf.splice(i, 1);
  }
}

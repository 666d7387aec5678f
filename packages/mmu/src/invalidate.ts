// Invalidation bookkeeping shared by both TLB models: which CPUs keep a stale copy when an entry changes
// (adversarial: every CPU that may hold the tag; precise: the CPUs whose caches hold it), and the
// primitives every instruction is built from (drop by VA, by tag, all; leaf or walk cache; per side).
import {
  EL2_TAG,
  ENTRIES_PER_TABLE,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_SIZE,
  Pte,
  type Level,
} from './constants.js';
import type { CostModel } from './costs.js';
import type { MachineParams } from './params.js';
import { PreciseCaches, keyIndex, keyTag } from './precise.js';
import type { StaleSet } from './stale.js';
import { MachineStores } from './stores.js';

/** Matches every tag in the invalidation helpers. */
export const ANY_TAG = -1;
/** EL1&0 entries of the host (stage 2 off): every ASID and the global entries. */
export const HOST_TAGS = -2;
/** Every EL1&0 entry, every VMID, stage-2 entries included: all but the EL2 regime's (TLBI ALLE1). */
export const EL1_TAGS = -3;

/** Does an invalidation aimed at `want` (a tag or a class above) reach an entry tagged `have`? */
export function tagMatches(want: number, have: number): boolean {
  return (
    want === have ||
    want === ANY_TAG ||
    (want === HOST_TAGS && have <= GLOBAL_TAG) ||
    (want === EL1_TAGS && have !== EL2_TAG)
  );
}

/** Non-global kernel entries are cached under whichever ASID was current: a per-ASID flush reaches them. */
function asidReaches(want: number, have: number, global: boolean): boolean {
  return tagMatches(want, have) || (want >= 0 && want < GLOBAL_TAG && have === GLOBAL_TAG && !global);
}

export abstract class MachineInvalidation extends MachineStores {
  protected readonly precise: PreciseCaches | null;
  protected readonly scratch: Uint32Array;
  /** Per CPU: user tags it may hold entries of (the set form of tagMask, for cheap full flushes). */
  private readonly cpuTags: Set<number>[] = [];
  private readonly scratchSlots: number[] = [];
  /** Records found by `StaleSet.heldAt` for one invalidation (reused: no array per TLBI). */
  private readonly heldScratch: number[] = [];

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    this.precise =
      params.tlb === 'precise'
        ? new PreciseCaches(
            this.cpus * this.sides,
            params.tlbEntries,
            params.tlbAssociativity,
            params.walkCacheEntries,
            this.lease,
          )
        : null;
    this.scratch = this.lease.take(Uint32Array, this.words * this.sides);
    for (let c = 0; c < this.cpus; c++) this.cpuTags.push(new Set());
  }

  protected invalidateTlbSlot(s: number, cpu: number, unit: number): void {
    const pc = this.precise!;
    const r = pc.tRec[s];
    pc.tKey[s] = -1;
    pc.tRec[s] = -1;
    if (r >= 0) this.staleLeaf.drop(r, cpu, 1 << (unit - cpu * this.sides));
  }

  protected invalidateWalkSlot(w: number, cpu: number, unit: number): void {
    const pc = this.precise!;
    const r = pc.wRec[w];
    pc.wKey[w] = -1;
    pc.wRec[w] = -1;
    if (r >= 0) this.staleWalk.drop(r, cpu, 1 << (unit - cpu * this.sides));
  }

  // ---------------------------------------------------------------- stale records on stores

  protected recordStaleLeaf(
    level: Level,
    tag: number,
    va: number,
    of: number,
    oo: number,
    os: number,
    space: number,
  ): void {
    const index = Math.floor(va / LEVEL_SIZE[level]);
    if (this.precise === null) {
      this.staleLeaf.add(
        level,
        tag,
        index,
        of,
        oo,
        os,
        space,
        this.tagMask,
        this.tagRow(tag) * this.words,
        3,
      );
      return;
    }
    // Precise: exactly the CPUs whose TLB holds the (still consistent) entry now keep a stale copy.
    const pc = this.precise;
    this.scratch.fill(0);
    const slots = this.scratchSlots;
    slots.length = 0;
    for (let unit = 0; unit < this.cpus * this.sides; unit++) {
      const b = pc.setBase(unit, level, index);
      const key = index * 131072 + tag;
      for (let w = 0; w < pc.ways; w++) {
        const s = b + w;
        if (pc.tKey[s] === key && pc.tLevel[s] === level && pc.tRec[s] < 0) {
          const cpu = Math.floor(unit / this.sides);
          const side = unit - cpu * this.sides;
          this.scratch[side * this.words + (cpu >>> 5)] |= 1 << (cpu & 31);
          slots.push(s);
        }
      }
    }
    if (slots.length === 0) return;
    const r = this.staleLeaf.add(level, tag, index, of, oo, os, space, this.scratch, 0, 3, true);
    for (const s of slots) pc.tRec[s] = r;
  }

  /**
   * `cpu` leaves `space` (a CR3 or TTBR0 write): the global leaves of its user half that `cpu` may have cached
   * stay usable whatever PCID or ASID it loads next, until a flush that removes global entries — Intel SDM
   * Vol. 3A §4.10.2.4 (a global entry matches any PCID) and §4.10.4.1 (a CR3 write keeps global entries);
   * Arm ARM D8.13 (an entry with nG = 0 matches any ASID). The adversarial model records each such leaf as a
   * possibly-cached copy that `cpu` alone holds, once; the precise model keeps the entries it filled under
   * the global tag instead (tlb.ts). Linux and FreeBSD never map user pages global: this is for hardware-level
   * scenarios, which may.
   */
  protected keepUserGlobals(cpu: number, space: number): void {
    if (this.precise !== null) return;
    const root = this.tables.slotOf[this.rootOf(space)]!;
    if (root >= 0) this.keepGlobalsUnder(cpu, space, root, 4, 0);
  }

  private keepGlobalsUnder(cpu: number, space: number, slot: number, level: Level, base: number): void {
    const t = this.tables;
    if (t.slotUsed[slot] === 0) return;
    const size = LEVEL_SIZE[level];
    // The root's upper half is the kernel's (bit 47), shared by every space and global anyway.
    const n = level === 4 ? Math.floor(KERNEL_HALF / size) : ENTRIES_PER_TABLE;
    for (let i = 0; i < n; i++) {
      const e = slot * ENTRIES_PER_TABLE + i;
      const f = t.flags[e]!;
      if ((f & Pte.PRESENT) === 0) continue;
      const va = base + i * size;
      if ((f & Pte.TABLE) !== 0) {
        const child = t.slotOf[t.out[e]!]!;
        if (child >= 0) this.keepGlobalsUnder(cpu, space, child, (level - 1) as Level, va);
      } else if ((f & Pte.GLOBAL) !== 0) {
        this.keepGlobalLeaf(cpu, space, level, va, f, t.out[e]!, t.since[e]!);
      }
    }
  }

  private keepGlobalLeaf(
    cpu: number,
    space: number,
    level: Level,
    va: number,
    f: number,
    o: number,
    since: number,
  ): void {
    const st = this.staleLeaf;
    const index = Math.floor(va / LEVEL_SIZE[level]);
    // Left this space before and still holding that copy on every side: nothing new to record.
    for (let r = st.chain(level, index, GLOBAL_TAG); r >= 0; r = st.nextInChain(r)) {
      if (st.out[r] !== o || st.flags[r] !== f || st.since[r] !== since || st.space[r] !== space) continue;
      let all = true;
      for (let side = 0; side < this.sides && all; side++) all = st.sideHolders(r, side).includes(cpu);
      if (all) return;
    }
    this.scratch.fill(0);
    for (let side = 0; side < this.sides; side++)
      this.scratch[side * this.words + (cpu >>> 5)] |= 1 << (cpu & 31);
    st.add(level, GLOBAL_TAG, index, f, o, since, space, this.scratch, 0, 3, true);
  }

  protected recordStaleWalk(
    level: Level,
    tag: number,
    va: number,
    tablePfn: number,
    os: number,
    space: number,
  ): void {
    const index = Math.floor(va / LEVEL_SIZE[level]);
    if (this.precise === null) {
      this.staleWalk.add(
        level,
        tag,
        index,
        Pte.PRESENT | Pte.TABLE,
        tablePfn,
        os,
        space,
        this.tagMask,
        this.tagRow(tag) * this.words,
        3,
      );
      return;
    }
    const pc = this.precise;
    this.scratch.fill(0);
    const slots = this.scratchSlots;
    slots.length = 0;
    const key = index * 131072 + tag;
    for (let unit = 0; unit < this.cpus * this.sides; unit++) {
      const b = unit * pc.wcEntries;
      for (let i = 0; i < pc.wcEntries; i++) {
        const s = b + i;
        if (pc.wKey[s] === key && pc.wLevel[s] === level && pc.wRec[s] < 0) {
          const cpu = Math.floor(unit / this.sides);
          const side = unit - cpu * this.sides;
          this.scratch[side * this.words + (cpu >>> 5)] |= 1 << (cpu & 31);
          slots.push(s);
        }
      }
    }
    if (slots.length === 0) return;
    const r = this.staleWalk.add(
      level,
      tag,
      index,
      Pte.PRESENT | Pte.TABLE,
      tablePfn,
      os,
      space,
      this.scratch,
      0,
      3,
      true,
    );
    for (const s of slots) pc.wRec[s] = r;
  }

  // ---------------------------------------------------------------- invalidation primitives

  /** Side mask (1 data, 2 instruction) → the units of `cpu` it selects. */
  private units(cpu: number, sideMask: number): number[] {
    if (this.sides === 1) return [cpu];
    const u: number[] = [];
    if ((sideMask & 1) !== 0) u.push(cpu * 2);
    if ((sideMask & 2) !== 0) u.push(cpu * 2 + 1);
    return u;
  }

  /**
   * Drop `cpu`'s leaf translations of `va` (any size) tagged `tag` (ANY_TAG: every tag). `onlyLevel` (1..3)
   * is a TTL hint: entries of other sizes stay (a wrong hint invalidates nothing the architecture requires).
   */
  protected invLeafVa(cpu: number, va: number, tag: number, sideMask: number, onlyLevel = 0): void {
    const lo = onlyLevel === 0 ? 1 : onlyLevel;
    const hi = onlyLevel === 0 ? 3 : onlyLevel;
    // The precise model's scan is a method of its own: kept apart, the adversarial path is small enough for the
    // JIT to inline into an INVLPG or a TLBI, which run once per CPU of every flush.
    if (this.precise !== null) {
      this.invLeafVaPrecise(cpu, va, tag, sideMask, lo, hi);
      return;
    }
    const st = this.staleLeaf;
    if (st.cpuRefs[cpu] === 0) return;
    // No record of this tag at all (an INVLPG asks the current PCID's and the global ones; usually only one
    // has any): nothing to look up level by level.
    if (tag >= 0 && !st.hasTag(tag)) return;
    // The same page on CPU after CPU (a kernel-range flush on every CPU, a broadcast TLBI): its records, found
    // once, answer every tag on each.
    const n = st.recordsAt(va, cpu);
    if (n >= 0) {
      this.dropSnapshot(st, n, cpu, tag, sideMask, lo, hi, tag < 0);
      return;
    }
    if (tag < 0) {
      // Every tag a class reaches (TLBI VAAE1IS, INVLPG of a global page): each tag in use, not each record.
      const hits = this.heldScratch;
      const n = st.heldAt(va, lo, hi, cpu, tag, tagMatches, hits);
      for (let k = 0; k < n; k++) st.drop(hits[k], cpu, sideMask);
      return;
    }
    for (let l = lo; l <= hi; l++) {
      for (let r = st.chain(l, Math.floor(va / LEVEL_SIZE[l as Level]), tag); r >= 0;) {
        const next = st.nextInChain(r);
        st.drop(r, cpu, sideMask);
        r = next;
      }
    }
  }

  /**
   * Drop `cpu`'s copies of the snapshot records (`StaleSet.recordsAt`, `n` of them) of levels `lo`..`hi` that
   * `tag` reaches, in the order the lookup it replaces would: `byPosition`, the held ones by descending live
   * position (`heldAt`); otherwise one tag's records level by level in chain order (the chain walk). A drop
   * that frees a record leaves the others live and in place, so the rest of the snapshot holds for this call.
   */
  private dropSnapshot(
    st: StaleSet,
    n: number,
    cpu: number,
    tag: number,
    sideMask: number,
    lo: number,
    hi: number,
    byPosition: boolean,
  ): void {
    const recs = st.vaRecords;
    if (!byPosition) {
      for (let k = 0; k < n; k++) {
        const r = recs[k];
        const l = st.level[r];
        if (st.tag[r] === tag && l >= lo && l <= hi) st.drop(r, cpu, sideMask);
      }
      return;
    }
    const hits = this.heldScratch;
    let m = 0;
    for (let k = 0; k < n; k++) {
      const r = recs[k];
      const l = st.level[r];
      if (l >= lo && l <= hi && tagMatches(tag, st.tag[r]) && st.holds(r, cpu)) hits[m++] = r;
    }
    st.byDescendingPosition(hits, m);
    for (let k = 0; k < m; k++) st.drop(hits[k], cpu, sideMask);
  }

  /** invLeafVa in the precise model: the entries of levels `lo`..`hi` in the sets `va` maps to. */
  private invLeafVaPrecise(
    cpu: number,
    va: number,
    tag: number,
    sideMask: number,
    lo: number,
    hi: number,
  ): void {
    const pc = this.precise!;
    for (const unit of this.units(cpu, sideMask)) {
      for (let l = lo; l <= hi; l++) {
        const index = Math.floor(va / LEVEL_SIZE[l as Level]);
        const b = pc.setBase(unit, l, index);
        for (let w = 0; w < pc.ways; w++) {
          const s = b + w;
          const k = pc.tKey[s];
          if (k !== -1 && pc.tLevel[s] === l && keyIndex(k) === index && tagMatches(tag, keyTag(k))) {
            this.invalidateTlbSlot(s, cpu, unit);
          }
        }
      }
    }
  }

  /**
   * Drop all of `cpu`'s leaf translations of `tag` (ANY_TAG: all). Non-global kernel entries count as part
   * of every tag (they are cached under whichever PCID/ASID was current). `keepGlobal` keeps G entries.
   */
  protected invLeafAll(cpu: number, tag: number, keepGlobal: boolean, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.entries;
        for (let s = b; s < b + pc.entries; s++) {
          const k = pc.tKey[s];
          if (k === -1) continue;
          const ktag = keyTag(k);
          const global = (pc.tFlags[s] & Pte.GLOBAL) !== 0;
          if (keepGlobal && global) continue;
          if (asidReaches(tag, ktag, global)) this.invalidateTlbSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleLeaf;
    if (st.cpuRefs[cpu] === 0) return;
    st.dropWhere(cpu, sideMask, tag, keepGlobal, Pte.GLOBAL, asidReaches);
  }

  /** Drop `cpu`'s walk-cache entries on the path of `va` tagged `tag` (ANY_TAG: every tag). */
  protected invWalkVa(cpu: number, va: number, tag: number, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.wcEntries;
        for (let s = b; s < b + pc.wcEntries; s++) {
          const k = pc.wKey[s];
          if (k === -1) continue;
          const l = pc.wLevel[s] as Level;
          if (keyIndex(k) === Math.floor(va / LEVEL_SIZE[l]) && tagMatches(tag, keyTag(k))) {
            this.invalidateWalkSlot(s, cpu, unit);
          }
        }
      }
      return;
    }
    const st = this.staleWalk;
    if (st.cpuRefs[cpu] === 0) return;
    const snap = st.recordsAt(va, cpu);
    if (snap >= 0) {
      this.dropSnapshot(st, snap, cpu, tag, sideMask, 1, 4, true);
      return;
    }
    const hits = this.heldScratch;
    const n = st.heldAt(va, 1, 4, cpu, tag, tagMatches, hits);
    for (let k = 0; k < n; k++) st.drop(hits[k], cpu, sideMask);
  }

  /**
   * Drop `cpu`'s leaf translations tagged `tag` that cover any of the addresses start, start + stride, …
   * below `end`: the result of invLeafVa at each of those addresses, computed over the cached entries,
   * not address by address (a user range of a 48-bit space can hold 2^27 pages).
   */
  protected invLeafStrided(
    cpu: number,
    start: number,
    end: number,
    stride: number,
    tag: number,
    sideMask: number,
  ): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.entries;
        for (let s = b; s < b + pc.entries; s++) {
          const k = pc.tKey[s];
          if (k === -1 || keyTag(k) !== tag) continue;
          const size = LEVEL_SIZE[pc.tLevel[s] as Level];
          if (strideHits(keyIndex(k) * size, size, start, end, stride)) this.invalidateTlbSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleLeaf;
    if (st.cpuRefs[cpu] === 0) return;
    for (let i = st.live - 1; i >= 0; i--) {
      const r = st.liveAt(i);
      if (st.tag[r] !== tag || !st.holds(r, cpu)) continue;
      const size = LEVEL_SIZE[st.level[r] as Level];
      if (strideHits(st.index[r] * size, size, start, end, stride)) st.drop(r, cpu, sideMask);
    }
  }

  /** invWalkVa at each of start, start + stride, … below `end`, computed over the cached entries. */
  protected invWalkStrided(
    cpu: number,
    start: number,
    end: number,
    stride: number,
    tag: number,
    sideMask: number,
  ): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.wcEntries;
        for (let s = b; s < b + pc.wcEntries; s++) {
          const k = pc.wKey[s];
          if (k === -1 || keyTag(k) !== tag) continue;
          const size = LEVEL_SIZE[pc.wLevel[s] as Level];
          if (strideHits(keyIndex(k) * size, size, start, end, stride)) this.invalidateWalkSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleWalk;
    if (st.cpuRefs[cpu] === 0) return;
    for (let i = st.live - 1; i >= 0; i--) {
      const r = st.liveAt(i);
      if (st.tag[r] !== tag || !st.holds(r, cpu)) continue;
      const size = LEVEL_SIZE[st.level[r] as Level];
      if (strideHits(st.index[r] * size, size, start, end, stride)) st.drop(r, cpu, sideMask);
    }
  }

  /** Drop all of `cpu`'s walk-cache entries tagged `tag` (ANY_TAG: all). */
  protected invWalkAll(cpu: number, tag: number, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.wcEntries;
        for (let s = b; s < b + pc.wcEntries; s++) {
          const k = pc.wKey[s];
          if (k !== -1 && tagMatches(tag, keyTag(k))) this.invalidateWalkSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleWalk;
    if (st.cpuRefs[cpu] === 0) return;
    st.dropWhere(cpu, sideMask, tag, false, 0, tagMatches);
  }

  /** `cpu` no longer holds anything of `tag` (after a full flush of it): stop counting it as a holder. */
  protected forgetTag(cpu: number, tag: number): void {
    if (tag !== GLOBAL_TAG) this.cpuTags[cpu].delete(tag);
    const row = this.tagRow(tag) * this.words;
    this.tagMask[row + (cpu >>> 5)] &= ~(1 << (cpu & 31));
  }

  /** `cpu` runs `tag` from now on: it may cache translations of it. */
  protected loadTag(cpu: number, tag: number): void {
    this.cpuTags[cpu].add(tag);
    const row = this.tagRow(tag) * this.words;
    this.tagMask[row + (cpu >>> 5)] |= 1 << (cpu & 31);
  }

  /** Forget every user tag (of class `cls`) on `cpu` except `keep` (after flushing their entries). */
  protected forgetAllTags(cpu: number, keep: number, cls = ANY_TAG): void {
    // The set itself, not a copy (a full flush on every CPU made one per CPU): forgetTag deletes only the tag
    // being visited, and a Set's iteration goes on past its current entry's deletion, visiting the same tags.
    for (const tag of this.cpuTags[cpu])
      if (tag !== keep && tag !== GLOBAL_TAG && tagMatches(cls, tag) && !this.tagLoaded(cpu, tag))
        this.forgetTag(cpu, tag);
  }
}

/** Does one of the addresses start, start + stride, … below `end` fall inside [base, base + size)? */
export function strideHits(base: number, size: number, start: number, end: number, stride: number): boolean {
  const first = base <= start ? start : start + Math.ceil((base - start) / stride) * stride;
  return first < base + size && first < end;
}

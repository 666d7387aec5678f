// Read-only questions about the machine: the reverse view (O(1) per frame) and enumerations that
// explain an answer (which CPU, which VA). Invariant checkers in core use these.
import {
  ENTRIES_PER_TABLE,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Pte,
  Regime,
  combinedTag,
  type Level,
} from './constants.js';
import type { SpaceId } from './core.js';
import { sortSmall } from './small-sort.js';
import type { PageTables } from './tables.js';
import { MachineTlb } from './tlb.js';

/** How many translations reach a frame, split the ways invariants need. */
export interface Reachers {
  /** Present leaves in live page tables (in the adversarial model each may also be cached). */
  readonly valid: number;
  readonly validWritable: number;
  readonly validExecutable: number;
  /** Stale cached translations (one per changed entry, however many CPUs may hold it). */
  readonly stale: number;
  readonly staleWritable: number;
  readonly staleExecutable: number;
  /** Reachers captured before the frame's last free (use-after-free paths). */
  readonly validAfterFree: number;
  readonly staleAfterFree: number;
  /** Stale walk-cache entries pointing at this frame (as a table). */
  readonly staleWalks: number;
}

/** One possibly-cached translation (explanations). */
export interface CachedTranslation {
  readonly cpus: readonly number[];
  readonly va: number;
  readonly level: Level;
  /** ASID/PCID, or 'global'. */
  readonly tag: number | 'global';
  readonly flags: number;
  /** Frame at the start of the translation. */
  readonly pfn: number;
  readonly afterFree: boolean;
  readonly space: SpaceId;
}

/** One present leaf in the live page tables (explanations). */
export interface ValidTranslation {
  readonly space: SpaceId;
  readonly va: number;
  readonly level: Level;
  readonly flags: number;
  readonly pfn: number;
}

/** One possibly-cached walk-cache entry to a table no longer linked there. */
export interface StaleWalkEntry {
  readonly cpus: readonly number[];
  readonly va: number;
  /** Level of the cached pointer entry (2..4); it points at a level−1 table. */
  readonly level: Level;
  readonly tag: number | 'global';
  readonly tablePfn: number;
  readonly tableFreed: boolean;
}

/** A walk that can reach a page-table frame freed while a parent entry still pointed at it. */
export interface FreedTableWalk {
  /** The freed table frame. */
  readonly pfn: number;
  /** A CPU whose walk can get there (it has the ASID loaded, or any CPU for the kernel half). */
  readonly cpu: number;
  /** The address whose walk goes through the old parent entry. */
  readonly va: number;
  /** How: a parent entry in the current tables, or a stale walk-cache entry to a table above it. */
  readonly via: 'parent' | 'walk-cache';
  /** The frame is linked at a new place too since it was freed (it belongs to another tree now). */
  readonly relinked: boolean;
}

/** Number of pointer entries of table `slot` to frame `pfn`. */
function pointersTo(t: PageTables, slot: number, pfn: number): number {
  let n = 0;
  const b = slot * ENTRIES_PER_TABLE;
  for (let e = b; e < b + ENTRIES_PER_TABLE; e++)
    if (t.out[e] === pfn && (t.flags[e] & (Pte.PRESENT | Pte.TABLE)) === (Pte.PRESENT | Pte.TABLE)) n++;
  return n;
}

export abstract class MachineQueries extends MachineTlb {
  /**
   * Walks that reach a page-table frame through a parent entry stored before the frame was freed: the
   * parent is still in a tree some CPU has loaded (its ASID current there, or the kernel half), or a
   * stale walk-cache entry that counts leads to a table holding that parent entry. Only frames freed
   * while still linked are examined, so the common case costs nothing.
   */
  freedTableWalks(): FreedTableWalk[] {
    const t = this.tables;
    const out: FreedTableWalk[] = [];
    if (t.freedLinked.size === 0) return out;
    for (const pfn of [...t.freedLinked].sort((a, b) => a - b)) {
      const slot = t.slotOf[pfn];
      if (slot < 0 || t.slotLinks[slot] === 0) continue;
      const freedAt = this.frames.freedAt[pfn];
      const relinked = this.linkedAfterFree(pfn);
      // a link made after the free is the frame's new place, not the old parent entry
      const alias = this.loadedAlias(slot, freedAt);
      const found: FreedTableWalk | null =
        alias !== null
          ? { pfn, cpu: alias.cpu, va: alias.va, via: 'parent', relinked }
          : this.staleWalkTo(pfn, freedAt, relinked);
      if (found !== null) out.push(found);
    }
    return out;
  }

  /**
   * A path from a space root to table `slot` made no later than `before` that some CPU walks now (its ASID
   * current there, or the kernel half): that CPU and the path's first VA, or null.
   */
  private loadedAlias(slot: number, before: number): { cpu: number; va: number } | null {
    const t = this.tables;
    const aliases: number[] =
      t.slotLive[slot] > 0 ? [t.slotSpace[slot], t.slotBase[slot], t.slotAliasSince[slot]] : [];
    aliases.push(...(t.extraAliases.get(slot) ?? []));
    for (let k = 0; k < aliases.length; k += 3) {
      // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
      if (aliases[k + 2] > before) continue;
      const cpu = this.cpuLoading(aliases[k], aliases[k + 1]);
      if (cpu >= 0) return { cpu, va: aliases[k + 1] };
    }
    return null;
  }

  protected walkableLinks(slot: number): number {
    const t = this.tables;
    let links = t.slotLinks[slot];
    if (links === 0 || t.freedLinked.size === 0) return links;
    const pfn = t.slotPfn[slot];
    // DESIGN §3's second rule: a tree freed while no CPU has it installed is no finding, and neither is
    // what it still points at (Casemate's release_table unmarks the whole tree, model.c
    // try_unregister_root). A freed table is only kept while linked, so it is in `freedLinked`.
    for (const f of t.freedLinked) {
      const fs = t.slotOf[f];
      if (fs < 0 || t.slotLevel[fs] !== t.slotLevel[slot] + 1) continue;
      const n = pointersTo(t, fs, pfn);
      if (n > 0 && !this.freedTableWalkable(f)) links -= n;
    }
    return links;
  }

  /**
   * Can a walk arrive at freed table frame `pfn` now: a tree holding it is loaded on some CPU (its ASID
   * current there, or the kernel half), or a counting walk-cache entry points at it or at a table above it.
   */
  private freedTableWalkable(pfn: number): boolean {
    if (this.loadedAlias(this.tables.slotOf[pfn], Infinity) !== null) return true;
    const s = this.staleWalk;
    const live = s.liveRecords();
    for (let i = 0; i < live.length; i++)
      if (s.out[live[i]] === pfn && this.countingHolder(live[i]) >= 0) return true;
    return this.staleWalkTo(pfn, this.frames.freedAt[pfn], false) !== null;
  }

  /**
   * Is page-table frame `pfn` part of a tree through a link made after its last free — linked again, at
   * a new place? A link older than the free is the frame's old place, even while it holds (a table freed
   * without being unlinked, or still linked inside a table that was itself unlinked); a link into a table
   * that no tree reaches is no place in a tree yet.
   */
  linkedAfterFree(pfn: number): boolean {
    const t = this.tables;
    const slot = t.slotOf[pfn];
    if (slot === undefined || slot < 0 || t.slotLinks[slot] === 0) return false;
    const freedAt = this.frames.freedAt[pfn];
    // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
    if (t.slotLive[slot] > 0 && t.slotAliasSince[slot] > freedAt) return true;
    const extra = t.extraAliases.get(slot);
    // Stryker disable next-line EqualityOperator: equivalent — distinct ticks of one clock; k past the end reads undefined
    if (extra !== undefined) for (let k = 2; k < extra.length; k += 3) if (extra[k] > freedAt) return true;
    return false;
  }

  /** A CPU that walks `space`'s tables for `va` now (the ASID current there; any CPU for the kernel). */
  private cpuLoading(space: number, va: number): number {
    if (va >= KERNEL_HALF || space === this.kernelSpace) return this.cpus > 0 ? 0 : -1;
    const tag = this.spaceTag[space];
    if (this.spaceKind[space] !== Regime.EL10) {
      for (let c = 0; c < this.cpus; c++) if (this.tagLoaded(c, tag)) return c;
      return -1;
    }
    for (let c = 0; c < this.cpus; c++) if (this.curSpace[c] >= 0 && this.curTag[c] === tag) return c;
    return -1;
  }

  /** A counting stale walk-cache entry whose table holds, somewhere below, an old pointer to `pfn`. */
  private staleWalkTo(pfn: number, freedAt: number, relinked: boolean): FreedTableWalk | null {
    const s = this.staleWalk;
    const live = s.liveRecords();
    for (let i = 0; i < live.length; i++) {
      const r = live[i];
      if (s.out[r] === pfn) continue; // a record pointing straight at it is judged on its own
      const cpu = this.countingHolder(r);
      if (cpu < 0) continue;
      const top = this.tables.slotOf[s.out[r]];
      if (top === undefined || top < 0) continue;
      const va = s.index[r] * LEVEL_SIZE[s.level[r] as Level];
      const hit = this.findOldPointer(top, s.level[r] - 1, va, pfn, freedAt);
      if (hit >= 0) return { pfn, cpu, va: hit, via: 'walk-cache', relinked };
    }
    return null;
  }

  /** First holder of stale record `r` that has its tag loaded (global: any holder), else -1. */
  private countingHolder(r: number): number {
    const s = this.staleWalk;
    const tag = s.tag[r];
    for (const c of s.holders(r)) if (this.tagLoaded(c, tag)) return c;
    return -1;
  }

  /** Depth-first: a pointer entry to `pfn` stored before `freedAt` under table `slot`; its VA, or -1. */
  private findOldPointer(slot: number, level: number, base: number, pfn: number, freedAt: number): number {
    if (level < 2) return -1;
    const t = this.tables;
    const b = slot * 512;
    const size = LEVEL_SIZE[level as Level];
    for (let i = 0; i < 512; i++) {
      const f = t.flags[b + i];
      if ((f & Pte.PRESENT) === 0 || (f & Pte.TABLE) === 0) continue;
      const o = t.out[b + i];
      if (o === pfn && t.since[b + i] < freedAt) return base + i * size;
      const c = t.slotOf[o];
      if (c !== undefined && c >= 0 && c !== slot) {
        const deeper = this.findOldPointer(c, level - 1, base + i * size, pfn, freedAt);
        if (deeper >= 0) return deeper;
      }
    }
    return -1;
  }

  reachers(pfn: number): Reachers {
    const r = this.reverse;
    this.frames.generation(pfn);
    return {
      valid: r.validRefs(pfn),
      validWritable: r.validW(pfn),
      validExecutable: r.validX(pfn),
      stale: r.staleRefs(pfn),
      staleWritable: r.staleW(pfn),
      staleExecutable: r.staleX(pfn),
      validAfterFree: r.validAfterFree(pfn),
      staleAfterFree: r.staleAfterFree(pfn),
      staleWalks: r.walkRefs(pfn),
    };
  }

  /** Writable through some present entry or possibly-cached stale entry, on any CPU, any alias. */
  isWritableAnywhere(pfn: number): boolean {
    return this.reverse.validW(pfn) + this.reverse.staleW(pfn) > 0;
  }

  isExecutableAnywhere(pfn: number): boolean {
    return this.reverse.validX(pfn) + this.reverse.staleX(pfn) > 0;
  }

  /** INV-WX for one frame: writable through one translation and executable through another (or the same). */
  isWxAnywhere(pfn: number): boolean {
    return this.reverse.isWx(pfn);
  }

  /** Number of frames currently W+X across aliases and CPUs (O(1)). */
  get wxFrameCount(): number {
    return this.reverse.wxFrames;
  }

  /** Some CPU may still hold a cached translation of `pfn` captured before its last free. */
  cachedAfterFree(pfn: number): boolean {
    return this.reverse.staleAfterFree(pfn) > 0;
  }

  /** `cachedAfterFree` or a present PTE stored before the frame's last free still maps it. */
  reachableAfterFree(pfn: number): boolean {
    return this.reverse.staleAfterFree(pfn) + this.reverse.validAfterFree(pfn) > 0;
  }

  /** Frames reachable after free (O(1)). */
  get afterFreeFrameCount(): number {
    return this.reverse.afterFreeFrames;
  }

  /** INV-FREED-PT: some CPU may hold a walk-cache entry pointing at a freed page-table frame (O(1)). */
  staleWalkToFreedTable(): boolean {
    return this.reverse.walkAfterFreeTotal > 0;
  }

  /** Stale walk-cache records pointing at `pfn`. */
  staleWalkRefs(pfn: number): number {
    return this.reverse.walkRefs(pfn);
  }

  /** Possibly-cached stale translations reaching `pfn` (not the current ones), with their CPUs. */
  cachedTranslations(pfn: number): CachedTranslation[] {
    const s = this.staleLeaf;
    const out: CachedTranslation[] = [];
    for (const r of this.sortedRecords(s)) {
      const lvl = s.level[r] as Level;
      const first = s.out[r];
      if (pfn < first || pfn >= first + LEVEL_PAGES[lvl]) continue;
      const since = s.since[r];
      out.push({
        cpus: s.holders(r),
        va: s.index[r] * LEVEL_SIZE[lvl],
        level: lvl,
        tag: s.tag[r] === GLOBAL_TAG ? 'global' : s.tag[r],
        flags: s.flags[r],
        pfn: first,
        // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock
        afterFree: this.frames.freedAt[pfn] > since,
        space: s.space[r],
      });
    }
    return out;
  }

  /** Every possibly-cached stale walk-cache entry, in a stable order. */
  staleWalkEntries(): StaleWalkEntry[] {
    const s = this.staleWalk;
    return this.sortedRecords(s).map((r) => {
      const lvl = s.level[r] as Level;
      const table = s.out[r];
      return {
        cpus: s.holders(r),
        va: s.index[r] * LEVEL_SIZE[lvl],
        level: lvl,
        tag: s.tag[r] === GLOBAL_TAG ? ('global' as const) : s.tag[r],
        tablePfn: table,
        // Stryker disable next-line EqualityOperator: equivalent — store and free times are distinct ticks of one clock; a record's table is a frame
        tableFreed: table < this.frames.count && this.frames.freedAt[table] > s.since[r],
      };
    });
  }

  /**
   * Present leaves reaching `pfn` in live page tables, by (space, VA). The entries come from the tables'
   * leaf index (only those mapping `pfn`, not every entry), visited in entry order as a scan of every table
   * would visit them, so equal keys keep the same order.
   */
  validTranslations(pfn: number): ValidTranslation[] {
    const t = this.tables;
    const out: ValidTranslation[] = [];
    for (const e of t.leafCandidates(pfn)) {
      const slot = (e / ENTRIES_PER_TABLE) | 0;
      if (t.slotPfn[slot] < 0 || t.slotLive[slot] === 0 || t.slotUsed[slot] === 0) continue;
      const level = t.slotLevel[slot] as Level;
      const i = e - slot * ENTRIES_PER_TABLE;
      const f = t.flags[e];
      if ((f & Pte.PRESENT) === 0 || (f & Pte.TABLE) !== 0) continue;
      const first = t.out[e];
      if (pfn < first || pfn >= first + LEVEL_PAGES[level]) continue;
      out.push({
        space: t.slotSpace[slot],
        va: t.slotBase[slot] + i * LEVEL_SIZE[level],
        level,
        flags: f,
        pfn: first,
      });
      // A table linked at several places translates through each of them.
      const ex = t.extraAliases.get(slot);
      if (ex !== undefined)
        for (let k = 0; k < ex.length; k += 3)
          out.push({ space: ex[k], va: ex[k + 1] + i * LEVEL_SIZE[level], level, flags: f, pfn: first });
    }
    return sortSmall(out, byPlace);
  }

  /**
   * CPUs that may hold a translation for `va` as seen from `space`: stale records covering it, plus — in
   * the adversarial model — every CPU that may cache the current entry's tag; in the precise model,
   * CPUs whose TLB holds it.
   */
  cachedCpus(space: SpaceId, va: number): number[] {
    const cpus = new Set<number>();
    const kernelHalf = va >= KERNEL_HALF && this.spaceKind[this.checkSpace(space)] === Regime.EL10;
    const tag = kernelHalf ? GLOBAL_TAG : this.spaceTag[space];
    const s = this.staleLeaf;
    // A stage-2 translation is also held inside the combined entries of its VMID.
    const tags = this.spaceKind[space] === Regime.STAGE2 ? [tag, combinedTag(this.spaceVmid[space])] : [tag];
    for (const t of tags) {
      for (let l = 1; l <= 3; l++) {
        for (let r = s.chain(l, Math.floor(va / LEVEL_SIZE[l as Level]), t); r >= 0; r = s.nextInChain(r)) {
          for (const c of s.holders(r)) cpus.add(c);
        }
      }
    }
    const cur = this.lookup(space, va);
    if (cur.present) {
      if (this.precise === null) {
        const ctag = (cur.flags & Pte.GLOBAL) !== 0 && !(tag > GLOBAL_TAG) ? GLOBAL_TAG : tag;
        for (const t of tags) for (const c of this.holdersOf(t === tag ? ctag : t)) cpus.add(c);
      } else {
        const pc = this.precise;
        const level = cur.level;
        const index = Math.floor(va / LEVEL_SIZE[level]);
        const ctag = (cur.flags & Pte.GLOBAL) !== 0 && !(tag > GLOBAL_TAG) ? GLOBAL_TAG : tag;
        // A guest's TLB holds its stage-2 translations inside combined entries.
        const ftag = tags.length > 1 ? tags[1] : ctag;
        for (let unit = 0; unit < this.cpus * this.sides; unit++) {
          const b = pc.setBase(unit, level, index);
          for (let w = 0; w < pc.ways; w++) {
            if (pc.tKey[b + w] === index * 131072 + ftag && pc.tLevel[b + w] === level)
              cpus.add(Math.floor(unit / this.sides));
          }
        }
      }
    }
    return [...cpus].sort((a, b) => a - b);
  }

  private sortedRecords(s: typeof this.staleLeaf): number[] {
    return [...s.liveRecords()].sort(
      (a, b) =>
        s.level[a] - s.level[b] || s.index[a] - s.index[b] || s.tag[a] - s.tag[b] || s.since[a] - s.since[b],
    );
  }
}

/** Translations by address space, then VA. */
function byPlace(a: ValidTranslation, b: ValidTranslation): number {
  return a.space - b.space || a.va - b.va;
}

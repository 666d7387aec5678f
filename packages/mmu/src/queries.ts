// Read-only questions about the machine: the reverse view (O(1) per frame) and enumerations that
// explain an answer (which CPU, which VA). Invariant checkers in core use these.
import { GLOBAL_TAG, KERNEL_HALF, LEVEL_PAGES, LEVEL_SIZE, Pte, type Level } from './constants.js';
import type { SpaceId } from './core.js';
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

export abstract class MachineQueries extends MachineTlb {
  reachers(pfn: number): Reachers {
    const r = this.reverse;
    this.frames.generation(pfn);
    return {
      valid: r.validRefs[pfn],
      validWritable: r.validW[pfn],
      validExecutable: r.validX[pfn],
      stale: r.staleRefs[pfn],
      staleWritable: r.staleW[pfn],
      staleExecutable: r.staleX[pfn],
      validAfterFree: r.validAfterFree[pfn],
      staleAfterFree: r.staleAfterFree[pfn],
      staleWalks: r.walkRefs[pfn],
    };
  }

  /** Writable through some present entry or possibly-cached stale entry, on any CPU, any alias. */
  isWritableAnywhere(pfn: number): boolean {
    return this.reverse.validW[pfn] + this.reverse.staleW[pfn] > 0;
  }

  isExecutableAnywhere(pfn: number): boolean {
    return this.reverse.validX[pfn] + this.reverse.staleX[pfn] > 0;
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
    return this.reverse.staleAfterFree[pfn] > 0;
  }

  /** `cachedAfterFree` or a present PTE stored before the frame's last free still maps it. */
  reachableAfterFree(pfn: number): boolean {
    return this.reverse.staleAfterFree[pfn] + this.reverse.validAfterFree[pfn] > 0;
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
    return this.reverse.walkRefs[pfn];
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
        tableFreed: table < this.frames.count && this.frames.freedAt[table] > s.since[r],
      };
    });
  }

  /** Present leaves reaching `pfn` in live page tables (scans the tables: for explanations, not hot paths). */
  validTranslations(pfn: number): ValidTranslation[] {
    const t = this.tables;
    const out: ValidTranslation[] = [];
    for (let slot = 0; slot < t.slotPfn.length; slot++) {
      if (t.slotPfn[slot] < 0 || t.slotLive[slot] !== 1 || t.slotUsed[slot] === 0) continue;
      const level = t.slotLevel[slot] as Level;
      for (let i = 0; i < 512; i++) {
        const e = slot * 512 + i;
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
      }
    }
    return out.sort((a, b) => a.space - b.space || a.va - b.va);
  }

  /**
   * CPUs that may hold a translation for `va` as seen from `space`: stale records covering it, plus — in
   * the adversarial model — every CPU that may cache the current entry's tag; in the precise model,
   * CPUs whose TLB holds it.
   */
  cachedCpus(space: SpaceId, va: number): number[] {
    const cpus = new Set<number>();
    const kernelHalf = va >= KERNEL_HALF;
    const tag = kernelHalf ? GLOBAL_TAG : this.asidOf(space);
    const s = this.staleLeaf;
    for (let l = 1; l <= 3; l++) {
      for (let r = s.chain(l, Math.floor(va / LEVEL_SIZE[l as Level]), tag); r >= 0; r = s.nextInChain(r)) {
        for (const c of s.holders(r)) cpus.add(c);
      }
    }
    const cur = this.lookup(space, va);
    if (cur.present) {
      if (this.precise === null) {
        const ctag = (cur.flags & Pte.GLOBAL) !== 0 ? GLOBAL_TAG : tag;
        for (const c of this.holdersOf(ctag)) cpus.add(c);
      } else {
        const pc = this.precise;
        const level = cur.level;
        const index = Math.floor(va / LEVEL_SIZE[level]);
        const ctag = (cur.flags & Pte.GLOBAL) !== 0 ? GLOBAL_TAG : tag;
        for (let unit = 0; unit < this.cpus * this.sides; unit++) {
          const b = pc.setBase(unit, level, index);
          for (let w = 0; w < pc.ways; w++) {
            if (pc.tKey[b + w] === index * 131072 + ctag && pc.tLevel[b + w] === level)
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

// Page-table stores: plain stores — the MMU never flushes for the OS. What a store does to caches is
// bookkeeping only: the old translation of a live entry may stay cached on every CPU that may hold it
// (a stale record), and linking or unlinking a table counts or retires every leaf under it.
import {
  ENTRIES_PER_TABLE,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Pte,
  type LeafLevel,
  type Level,
} from './constants.js';
import { MachineBbm } from './bbm.js';
import type { EntryView, LookupResult, SpaceId } from './core.js';
import { tableIndex } from './tables.js';

export abstract class MachineStores extends MachineBbm {
  // ---------------------------------------------------------------- stores

  /** Store a present leaf at `level` (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). The path of tables must exist. */
  setLeaf(space: SpaceId, va: number, level: LeafLevel, pfn: number, flags: number): void {
    this.checkAligned(va, level);
    if ((flags & Pte.TABLE) !== 0) throw new Error('setLeaf: use setTable for table pointers');
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= 2 ** 32) throw new RangeError(`bad frame ${pfn}`);
    const slot = this.tableAt(space, va, level);
    this.store(slot, tableIndex(va, level), level, va, flags | Pte.PRESENT, pfn);
  }

  /** Clear the entry (leaf or pointer) at `level`. Unlinking a table leaves it allocated: freeing is the OS's. */
  clearEntry(space: SpaceId, va: number, level: Level): void {
    this.checkAligned(va, level);
    const slot = this.tableAt(space, va, level);
    this.store(slot, tableIndex(va, level), level, va, 0, 0);
  }

  /** Install a pointer at `level` (2..4) to `tablePfn`, which becomes (or already is) a level−1 table. */
  setTable(space: SpaceId, va: number, level: 2 | 3 | 4, tablePfn: number): void {
    this.checkAligned(va, level);
    const slot = this.tableAt(space, va, level);
    const child = this.tables.adopt(tablePfn, (level - 1) as Level);
    if (this.frames.isFree(tablePfn)) this.frames.setTag(tablePfn, 'page-table');
    if (
      this.tables.slotLinks[child] > 0 &&
      this.tables.flags[slot * ENTRIES_PER_TABLE + tableIndex(va, level)] === 0
    ) {
      throw new Error(`table frame ${tablePfn} is already linked elsewhere`);
    }
    this.store(slot, tableIndex(va, level), level, va, Pte.PRESENT | Pte.TABLE, tablePfn);
  }

  /**
   * Make sure the tables down to `level` exist for `va`, installing missing ones with frames from
   * `allocTable` (the OS's allocator). Returns how many tables were installed (the OS counts `ptalloc`).
   */
  ensurePath(space: SpaceId, va: number, level: Level, allocTable: () => number): number {
    let n = 0;
    let slot = this.rootSlot(space, va);
    for (let l = 4; l > level; l--) {
      const e = slot * ENTRIES_PER_TABLE + tableIndex(va, l as Level);
      const f = this.tables.flags[e];
      if ((f & Pte.PRESENT) === 0) {
        const base = va - (va % LEVEL_SIZE[l as Level]);
        this.setTable(space, base, l as 2 | 3 | 4, allocTable());
        n++;
      } else if ((f & Pte.TABLE) === 0) {
        throw new Error(`ensurePath: a level-${l} leaf maps ${va.toString(16)}; split it first`);
      }
      slot = this.tables.slotOf[this.tables.out[e]]!;
    }
    return n;
  }

  /**
   * Replace the large leaf (level 2 or 3) mapping `va` by a table of equivalent smaller leaves in frame
   * `newTablePfn`. Counts nothing: `split` and `ptalloc` are operation-level counters the OS bumps
   * (spec linux.md §1.1, §2.4), and the flush a split needs is the OS's too.
   */
  splitLeaf(space: SpaceId, va: number, newTablePfn: number): LeafLevel {
    const found = this.findLeaf(space, va);
    if (found.level < 2) throw new Error(`splitLeaf: ${va.toString(16)} is not mapped by a large leaf`);
    const level = found.level as 2 | 3;
    const base = va - (va % LEVEL_SIZE[level]);
    const e = found.slot * ENTRIES_PER_TABLE + tableIndex(base, level);
    const flags = this.tables.flags[e];
    const out = this.tables.out[e];
    const child = this.tables.adopt(newTablePfn, (level - 1) as Level);
    if (this.tables.slotUsed[child] !== 0 || this.tables.slotLinks[child] !== 0) {
      throw new Error(`splitLeaf: frame ${newTablePfn} is not an empty unlinked table`);
    }
    if (this.frames.isFree(newTablePfn)) this.frames.setTag(newTablePfn, 'page-table');
    const step = LEVEL_PAGES[level - 1];
    const cb = child * ENTRIES_PER_TABLE;
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      this.tables.flags[cb + i] = flags;
      this.tables.out[cb + i] = out + i * step;
      this.tables.since[cb + i] = this.clock;
    }
    this.tables.slotUsed[child] = ENTRIES_PER_TABLE;
    this.store(found.slot, tableIndex(base, level), level, base, Pte.PRESENT | Pte.TABLE, newTablePfn);
    return (level - 1) as LeafLevel;
  }

  /** Read one entry (software view). Throws if the path to `level` does not exist. */
  readEntry(space: SpaceId, va: number, level: Level): EntryView {
    const slot = this.tableAt(space, va, level);
    const e = slot * ENTRIES_PER_TABLE + tableIndex(va, level);
    const f = this.tables.flags[e];
    return {
      present: (f & Pte.PRESENT) !== 0,
      table: (f & Pte.TABLE) !== 0,
      flags: f,
      pfn: (f & Pte.PRESENT) !== 0 ? this.tables.out[e] : -1,
      level,
    };
  }

  /** The real 64-bit descriptor of an entry in the machine's architecture. */
  readDescriptor(space: SpaceId, va: number, level: Level): bigint {
    const slot = this.tableAt(space, va, level);
    const e = slot * ENTRIES_PER_TABLE + tableIndex(va, level);
    return this.arch.encode(this.tables.flags[e], this.tables.out[e], level);
  }

  /** Software walk of the current page tables (no caches involved). */
  lookup(space: SpaceId, va: number): LookupResult {
    const tables: number[] = [];
    let slot = this.rootSlot(space, va);
    for (let l = 4; l >= 1; l--) {
      tables.push(this.tables.slotPfn[slot]);
      const e = slot * ENTRIES_PER_TABLE + tableIndex(va, l as Level);
      const f = this.tables.flags[e];
      if ((f & Pte.PRESENT) === 0) return { present: false, level: l as Level, flags: 0, pfn: -1, tables };
      if ((f & Pte.TABLE) === 0) {
        const off = Math.floor((va % LEVEL_SIZE[l as Level]) / 4096);
        return { present: true, level: l as Level, flags: f, pfn: this.tables.out[e] + off, tables };
      }
      const next = this.tables.slotOf[this.tables.out[e]];
      if (next < 0) return { present: false, level: l as Level, flags: 0, pfn: -1, tables };
      slot = next;
    }
    return { present: false, level: 1, flags: 0, pfn: -1, tables };
  }

  /** The one store routine: old value → stale records for possible holders, reverse view, BBM check. */
  protected store(slot: number, i: number, level: Level, va: number, nf: number, no: number): void {
    const t = this.tables;
    const e = slot * ENTRIES_PER_TABLE + i;
    const of = t.flags[e];
    const oo = t.out[e];
    if (of === nf && oo === no) return;
    const os = t.since[e];
    const live = t.slotLive[slot] === 1;
    const space = t.slotSpace[slot];
    const now = this.clock++;
    if ((of & Pte.PRESENT) !== 0) t.slotUsed[slot]--;
    if ((nf & Pte.PRESENT) !== 0) t.slotUsed[slot]++;
    if (live) {
      if ((of & Pte.PRESENT) !== 0) {
        if ((of & Pte.TABLE) !== 0) this.unlinkTable(oo, level, va, of, os, space);
        else this.retireLeaf(level, va, of, oo, os, space);
      }
    } else if ((of & Pte.TABLE) !== 0) {
      const c = t.slotOf[oo];
      if (c >= 0) t.slotLinks[c]--;
    }
    t.flags[e] = nf;
    t.out[e] = no;
    t.since[e] = now;
    if ((nf & Pte.TABLE) !== 0) {
      const c = t.slotOf[no];
      t.slotLinks[c]++;
      if (live) this.linkTable(c, level, va, space);
    } else if (live && (nf & Pte.PRESENT) !== 0) {
      this.reverse.valid(no, LEVEL_PAGES[level], nf, now, 1);
      if (this.observers.length > 0) this.changed(no, LEVEL_PAGES[level], 'store');
    }
    if (live && this.isArm && (nf & Pte.PRESENT) !== 0)
      this.checkBreakBeforeMake(space, va, level, of, oo, nf, no);
    if (this.sink !== null) this.emit(-1, 'store', va, no, `L${level} ${nf.toString(16)}`);
  }

  /** A live leaf is changed or cleared: its old translation may stay cached on every possible holder. */
  protected retireLeaf(level: Level, va: number, of: number, oo: number, os: number, space: number): void {
    this.reverse.valid(oo, LEVEL_PAGES[level], of, os, -1);
    if (this.observers.length > 0) this.changed(oo, LEVEL_PAGES[level], 'store');
    const tag = this.tagFor(va, of, space);
    this.recordStaleLeaf(level, tag, va, of, oo, os, space);
  }

  /** Hook for the TLB model: record that holders of (tag, va) may keep the old leaf. */
  protected abstract recordStaleLeaf(
    level: Level,
    tag: number,
    va: number,
    of: number,
    oo: number,
    os: number,
    space: number,
  ): void;

  /** Hook for the TLB model: holders of the walk-cache entry for the pointer at (level, va) may keep it. */
  protected abstract recordStaleWalk(
    level: Level,
    tag: number,
    va: number,
    tablePfn: number,
    os: number,
    space: number,
  ): void;

  private unlinkTable(
    childPfn: number,
    level: Level,
    va: number,
    of: number,
    os: number,
    space: number,
  ): void {
    const c = this.tables.slotOf[childPfn];
    if (c >= 0) {
      this.tables.slotLinks[c]--;
      this.setSubtreeLive(c, (level - 1) as Level, va, space, false);
    }
    const tag = va >= KERNEL_HALF ? GLOBAL_TAG : this.tagFor(va, of & ~Pte.GLOBAL, space);
    this.recordStaleWalk(level, tag, va, childPfn, os, space);
  }

  private linkTable(c: number, level: Level, va: number, space: number): void {
    this.setSubtreeLive(c, (level - 1) as Level, va - (va % LEVEL_SIZE[level]), space, true);
  }

  /** Mark a table subtree live (counting its leaves as valid) or dead (retiring them as stale). */
  private setSubtreeLive(slot: number, level: Level, base: number, space: number, live: boolean): void {
    const t = this.tables;
    t.slotLive[slot] = live ? 1 : 0;
    if (live) {
      t.slotBase[slot] = base;
      t.slotSpace[slot] = space;
    }
    if (t.slotUsed[slot] === 0) return;
    const b = slot * ENTRIES_PER_TABLE;
    const size = LEVEL_SIZE[level];
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      const f = t.flags[b + i];
      if ((f & Pte.PRESENT) === 0) continue;
      const va = base + i * size;
      const o = t.out[b + i];
      if ((f & Pte.TABLE) !== 0) {
        const c = t.slotOf[o];
        if (c >= 0) {
          this.setSubtreeLive(c, (level - 1) as Level, va, space, live);
          if (!live)
            this.recordStaleWalk(
              level,
              this.tagFor(va, f & ~Pte.GLOBAL, space),
              va,
              o,
              t.since[b + i],
              space,
            );
        }
      } else if (live) {
        this.reverse.valid(o, LEVEL_PAGES[level], f, t.since[b + i], 1);
        if (this.observers.length > 0) this.changed(o, LEVEL_PAGES[level], 'link');
      } else {
        this.retireLeaf(level, va, f, o, t.since[b + i], space);
      }
    }
  }
}

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
  Regime,
  combinedTag,
  type LeafLevel,
  type Level,
} from './constants.js';
import { MachineBbm } from './bbm.js';
import type { EntryView, LookupResult, SpaceId } from './core.js';
import { tableIndex, vpnTableIndex } from './tables.js';

export abstract class MachineStores extends MachineBbm {
  /**
   * A global leaf was ever live in a user half (set where a leaf becomes live: a store, a subtree linked, a bulk
   * run). Its entries match under every PCID or ASID, so from then on user lookups probe the global tag too,
   * and a CPU that leaves a space keeps what it may have cached of them (MachineInvalidation.keepUserGlobals).
   * False in every OS policy's run: neither costs anything there. A leaf is live before it can be cached or
   * go stale, so no fill or retire needs to set it.
   */
  protected anyUserGlobal = false;

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
    // A frame already linked elsewhere may be linked here too: the hardware walks whatever the entry
    // names. Observers hear of it (Casemate's double-use) through noteLink.
    this.tables.adopt(tablePfn, (level - 1) as Level);
    if (this.frames.isFree(tablePfn)) this.frames.setTag(tablePfn, 'page-table');
    this.store(slot, tableIndex(va, level), level, va, Pte.PRESENT | Pte.TABLE, tablePfn);
  }

  /**
   * A plain store into entry `index` of table frame `tablePfn`, linked or not: the hardware-level form
   * of a kernel filling a table before it links it, or writing through a table it reaches another way.
   * `flags` with `Pte.TABLE` stores a pointer to `out` (a table one level down), otherwise a leaf
   * (present) or, with flags 0, an invalid entry. It translates wherever the table is linked.
   */
  storeInTable(tablePfn: number, index: number, flags: number, out: number): void {
    const slot = this.tables.slotOf[tablePfn];
    if (slot === undefined || slot < 0) throw new Error(`frame ${tablePfn} is not a page table`);
    if (!Number.isInteger(index) || index < 0 || index >= ENTRIES_PER_TABLE)
      throw new RangeError(`index ${index} outside 0..511`);
    const level = this.tables.slotLevel[slot] as Level;
    if ((flags & Pte.TABLE) !== 0) {
      if (level === 1) throw new Error('a table pointer cannot be stored in a level-1 table');
      this.tables.adopt(out, (level - 1) as Level);
      if (this.frames.isFree(out)) this.frames.setTag(out, 'page-table');
    } else if (flags !== 0 && level === 4) {
      // Any non-zero flags store a present leaf (PRESENT is added below), and no level-4 entry maps a
      // page: PML4E bit 7 is reserved (SDM Vol. 3A §4.5, table 4-14); a 4 KiB-granule level-0
      // descriptor is a table or invalid (Arm ARM D8.3).
      throw new Error('no leaf at level 4');
    }
    const va = this.tables.slotBase[slot] + index * LEVEL_SIZE[level];
    this.store(slot, index, level, va, flags === 0 ? 0 : flags | Pte.PRESENT, flags === 0 ? 0 : out);
  }

  /**
   * Zero every entry of table frame `tablePfn` (an allocator handing the frame out as a fresh table).
   * Each present entry is a plain store of an invalid entry, so whatever it translated through any of
   * the table's aliases may stay cached, as after any other store.
   */
  zeroTable(tablePfn: number): void {
    const slot = this.tables.slotOf[tablePfn];
    if (slot === undefined || slot < 0) return;
    const level = this.tables.slotLevel[slot] as Level;
    const b = slot * ENTRIES_PER_TABLE;
    for (let i = 0; i < ENTRIES_PER_TABLE && this.tables.slotUsed[slot] > 0; i++) {
      if ((this.tables.flags[b + i] & Pte.PRESENT) === 0) continue;
      this.store(slot, i, level, this.tables.slotBase[slot] + i * LEVEL_SIZE[level], 0, 0);
    }
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
      this.tables.write(cb + i, flags, out + i * step);
      this.tables.since[cb + i] = this.clock;
    }
    this.tables.slotUsed[child] = ENTRIES_PER_TABLE;
    this.store(found.slot, tableIndex(base, level), level, base, Pte.PRESENT | Pte.TABLE, newTablePfn);
    return (level - 1) as LeafLevel;
  }

  /**
   * The OS is done with `space`'s root: Linux pgd_free() at the end of exit_mmap() (kernel/fork.c
   * __mmdrop → mm_free_pgd), so also the old mm of an exec (fs/exec.c exec_mmap → mmput). No translation
   * table base register will load the root again, so it stops being linked by its space: freeing its frame
   * then ends its content, and the frame may come back as a table of any level (an ASID's TLB entries are
   * not touched: they stay until the ASID's flush or rollover). Linux frees the pgd only once no CPU has
   * the mm loaded (mm_count); a CPU of this model that still has the space loaded (lazy TLB) keeps the
   * link until it loads another root. Further stores into the space are errors.
   */
  retireSpace(space: SpaceId): void {
    const s = this.checkSpace(space);
    if (space === this.kernelSpace) throw new Error('the kernel space is never retired');
    if (this.spaceKind[s] !== Regime.EL10)
      throw new Error(`retireSpace: space ${space} is not an EL1&0 space`);
    if (this.spaceRetired[s] === 0) this.spaceRetired[s] = 1;
    this.forgetTablePath();
    this.unlinkRetiredRoot(s);
  }

  /** Drop a retired space's root link once no CPU has the space loaded. */
  protected unlinkRetiredRoot(s: number): void {
    if (this.spaceRetired[s] !== 1) return;
    for (let c = 0; c < this.cpus; c++) if (this.curSpace[c] === s) return;
    this.spaceRetired[s] = 2;
    const t = this.tables;
    const pfn = this.spaceRoot[s];
    const slot = t.slotOf[pfn];
    if (slot < 0) return;
    t.slotLinks[slot]--;
    this.removeAlias(slot, 4, s, 0);
    if (t.slotLinks[slot] === 0 && this.frames.isFree(pfn)) this.releaseTable(pfn);
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
    const pfn = this.softWalk(space, va, tables);
    const level = this.walkedLevel;
    return pfn < 0
      ? { present: false, level, flags: 0, pfn: -1, tables }
      : { present: true, level, flags: this.walkedFlags, pfn, tables };
  }

  /**
   * The flags of the present leaf through which `va` reaches frame `pfn` now, or -1 when it does not: a
   * software walk like `lookup`, for questions asked at every frame event (is a frame's linear-map alias
   * present, does a stale entry grant more than the current one), without the path array and result
   * object `lookup` makes.
   */
  translationFlags(space: SpaceId, va: number, pfn: number): number {
    return this.softWalk(space, va, null) === pfn && pfn >= 0 ? this.walkedFlags : -1;
  }

  /** Level and flags where the last softWalk stopped (flags 0 when nothing was present). */
  private walkedLevel: Level = 1;
  private walkedFlags = 0;

  /** The frame `va` translates to (-1: none), pushing the table frames of the path onto `tables` if given. */
  private softWalk(space: SpaceId, va: number, tables: number[] | null): number {
    let slot = this.rootSlot(space, va);
    this.walkedFlags = 0;
    // The page number once per walk (a kernel VA is above 2^32: each division is a float one).
    const vpn = Math.floor(va / 4096);
    for (let l = 4; l >= 1; l--) {
      tables?.push(this.tables.slotPfn[slot]);
      this.walkedLevel = l as Level;
      const e = slot * ENTRIES_PER_TABLE + vpnTableIndex(vpn, l);
      const f = this.tables.flags[e];
      if ((f & Pte.PRESENT) === 0) return -1;
      if ((f & Pte.TABLE) === 0) {
        this.walkedFlags = f;
        // The page offset inside the leaf: the low bits of the page number (a mask below 2^31).
        return this.tables.out[e] + (vpn & (LEVEL_PAGES[l as Level] - 1));
      }
      const next = this.tables.slotOf[this.tables.out[e]];
      if (next < 0) return -1;
      slot = next;
    }
    return -1;
  }

  /**
   * The one store routine: old value → stale records for possible holders, reverse view, BBM check —
   * once per alias through which the table is reachable (a table linked at two places translates two
   * ranges; `va` is only the address the caller named, the aliases decide which VAs change).
   */
  protected store(slot: number, i: number, level: Level, va: number, nf: number, no: number): void {
    const t = this.tables;
    const e = slot * ENTRIES_PER_TABLE + i;
    const of = t.flags[e];
    const oo = t.out[e];
    if (of === nf && oo === no) return;
    const os = t.since[e];
    const now = this.clock++;
    if ((of & Pte.PRESENT) !== 0) t.slotUsed[slot]--;
    if ((nf & Pte.PRESENT) !== 0) t.slotUsed[slot]++;
    const oldChild = (of & Pte.TABLE) !== 0 ? t.slotOf[oo] : -1;
    if (oldChild >= 0) t.slotLinks[oldChild]--;
    const size = LEVEL_SIZE[level];
    const extra = t.slotLive[slot] > 1 ? t.extraAliases.get(slot) : undefined;
    if (t.slotLive[slot] !== 0 && (of & Pte.PRESENT) !== 0) {
      this.retireUnder(level, t.slotBase[slot] + i * size, t.slotSpace[slot], of, oo, os, oldChild);
      if (extra !== undefined)
        for (let k = 0; k < extra.length; k += 3)
          this.retireUnder(level, extra[k + 1] + i * size, extra[k], of, oo, os, oldChild);
    }
    t.write(e, nf, no);
    t.since[e] = now;
    let newChild = -1;
    if ((nf & Pte.TABLE) !== 0) {
      newChild = t.slotOf[no];
      const space = t.slotLive[slot] !== 0 ? t.slotSpace[slot] : -1;
      this.noteLink(newChild, (level - 1) as Level, space, t.slotBase[slot] + i * size);
      if (t.slotLinks[newChild]++ === 0) t.slotLinkedAt[newChild] = now;
    }
    if (t.slotLive[slot] !== 0) {
      // Re-read the aliases: retiring cannot change this table's own aliases, but keep one source.
      const ex = t.slotLive[slot] > 1 ? t.extraAliases.get(slot) : undefined;
      this.makeUnder(level, t.slotBase[slot] + i * size, t.slotSpace[slot], of, oo, nf, no, newChild, now);
      if (ex !== undefined)
        for (let k = 0; k < ex.length; k += 3)
          this.makeUnder(level, ex[k + 1] + i * size, ex[k], of, oo, nf, no, newChild, now);
    }
    // A table frame the OS already freed, now unlinked from its last place: its content is gone.
    if (oldChild >= 0 && t.slotLinks[oldChild] === 0 && this.frames.isFree(oo)) this.releaseTable(oo);
    if (this.sink !== null) this.emit(-1, 'store', va, no, `L${level} ${nf.toString(16)}`);
  }

  /** The old value of an entry stops translating `va` in `space`: its translation may stay cached. */
  private retireUnder(
    level: Level,
    va: number,
    space: number,
    of: number,
    oo: number,
    os: number,
    oldChild: number,
  ): void {
    if ((of & Pte.TABLE) === 0) {
      this.retireLeaf(level, va, of, oo, os, space);
      return;
    }
    if (oldChild >= 0) this.removeAlias(oldChild, (level - 1) as Level, space, va);
    const tag = va >= KERNEL_HALF ? GLOBAL_TAG : this.tagFor(va, of & ~Pte.GLOBAL, space);
    this.recordStaleWalk(level, tag, va, oo, os, space);
  }

  /** The new value of an entry translates `va` in `space`. */
  private makeUnder(
    level: Level,
    va: number,
    space: number,
    of: number,
    oo: number,
    nf: number,
    no: number,
    newChild: number,
    now: number,
  ): void {
    if ((nf & Pte.TABLE) !== 0) {
      this.addAlias(newChild, (level - 1) as Level, space, va, now);
    } else if ((nf & Pte.PRESENT) !== 0) {
      if ((nf & Pte.GLOBAL) !== 0 && va < KERNEL_HALF) this.anyUserGlobal = true;
      this.reverse.valid(no, LEVEL_PAGES[level], nf, now, 1);
      if (this.observers.length > 0) this.changed(no, LEVEL_PAGES[level], 'store');
    }
    if (this.isArm && (nf & Pte.PRESENT) !== 0) this.checkBreakBeforeMake(space, va, level, of, oo, nf, no);
  }

  /** A live leaf is changed or cleared: its old translation may stay cached on every possible holder. */
  protected retireLeaf(level: Level, va: number, of: number, oo: number, os: number, space: number): void {
    // The leaf leaves the valid counts when its stale record joins the stale ones (staleAdded), in one move:
    // the counts in between — nothing reads them — changed whether the frame is reached, writable,
    // executable, only to change it back (a mermap put, per page of a populate). Without a record, below.
    this.retiring = true;
    const tag = this.tagFor(va, of, space);
    this.recordStaleLeaf(level, tag, va, of, oo, os, space);
    if (this.retiring) {
      this.retiring = false;
      this.reverse.valid(oo, LEVEL_PAGES[level], of, os, -1);
    }
    // A stage-2 leaf also lives on inside the entries that combined it with stage 1 (what a guest's
    // accesses cached): TLBI IPAS2E1 is not required to remove those (Arm ARM D8.13.x).
    if (this.spaceKind[space] === Regime.STAGE2)
      this.recordStaleLeaf(level, combinedTag(this.spaceVmid[space]), va, of, oo, os, space);
    // Observers are told once the old translation is a stale record: told before, they saw neither the
    // entry nor its cached copy, and a breach that goes on through the copy looked ended for a moment.
    if (this.observers.length > 0) this.changed(oo, LEVEL_PAGES[level], 'store');
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

  /** One more path reaches table `slot` (a table of `level` translating from `base` in `space`). */
  protected addAlias(slot: number, level: Level, space: number, base: number, since: number): void {
    const t = this.tables;
    if (t.slotLive[slot] === 0) {
      t.slotSpace[slot] = space;
      t.slotBase[slot] = base;
      t.slotAliasSince[slot] = since;
    } else {
      let ex = t.extraAliases.get(slot);
      if (ex === undefined) t.extraAliases.set(slot, (ex = []));
      ex.push(space, base, since);
    }
    t.slotLive[slot]++;
    this.walkSubtree(slot, level, base, space, true);
  }

  /** A path to table `slot` is gone: retire what it translated through that path. */
  private removeAlias(slot: number, level: Level, space: number, base: number): void {
    const t = this.tables;
    if (t.slotLive[slot] === 0) return;
    const ex = t.extraAliases.get(slot);
    if (t.slotSpace[slot] === space && t.slotBase[slot] === base) {
      if (ex !== undefined && ex.length > 0) {
        // The last extra alias becomes the first one.
        t.slotAliasSince[slot] = ex.pop()!;
        t.slotBase[slot] = ex.pop()!;
        t.slotSpace[slot] = ex.pop()!;
      }
    } else if (ex !== undefined) {
      for (let k = 0; k < ex.length; k += 3) {
        if (ex[k] === space && ex[k + 1] === base) {
          ex.splice(k, 3);
          break;
        }
      }
    }
    if (ex !== undefined && ex.length === 0) t.extraAliases.delete(slot);
    t.slotLive[slot]--;
    this.walkSubtree(slot, level, base, space, false);
  }

  /** Count (link) or retire (unlink) every leaf of a subtree as seen through one alias. */
  private walkSubtree(slot: number, level: Level, base: number, space: number, link: boolean): void {
    const t = this.tables;
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
        if (c < 0) continue;
        if (link) {
          this.addAlias(c, (level - 1) as Level, space, va, t.since[b + i]);
        } else {
          this.removeAlias(c, (level - 1) as Level, space, va);
          this.recordStaleWalk(level, this.tagFor(va, f & ~Pte.GLOBAL, space), va, o, t.since[b + i], space);
        }
      } else if (link) {
        if ((f & Pte.GLOBAL) !== 0 && va < KERNEL_HALF) this.anyUserGlobal = true;
        this.reverse.valid(o, LEVEL_PAGES[level], f, t.since[b + i], 1);
        if (this.observers.length > 0) this.changed(o, LEVEL_PAGES[level], 'link');
      } else {
        this.retireLeaf(level, va, f, o, t.since[b + i], space);
      }
    }
  }
}

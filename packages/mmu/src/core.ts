// Machine state and page-table stores. Stores are plain stores: the MMU never flushes for the OS. What a
// store does to caches is bookkeeping only: in the adversarial model every CPU that may hold the old
// translation keeps a stale record of it until that CPU invalidates it (DESIGN §2).
import { arm64 } from './arch/arm64.js';
import type { ArchDescriptor } from './arch/types.js';
import { x86_64 } from './arch/x86_64.js';
import {
  ENTRIES_PER_TABLE,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Pte,
  VA_LIMIT,
  type LeafLevel,
  type Level,
} from './constants.js';
import { Counters } from './counters.js';
import type { CostModel } from './costs.js';
import type { BbmViolation, ChangeCause, MmuEvent, MmuEventSink, MmuObserver } from './events.js';
import { Frames } from './frames.js';
import type { MachineParams } from './params.js';
import { ReverseView } from './reverse.js';
import { StaleSet, type StaleListener } from './stale.js';
import { PageTables, tableIndex } from './tables.js';

/** Identifies an address space (index into the machine's space list). */
export type SpaceId = number;

/** An entry as read back by software. */
export interface EntryView {
  readonly present: boolean;
  readonly table: boolean;
  readonly flags: number;
  /** Output frame (leaf) or next table frame (pointer). */
  readonly pfn: number;
  readonly level: Level;
}

/** Result of a software walk. */
export interface LookupResult {
  readonly present: boolean;
  /** Level of the leaf (1, 2, 3), or of the entry where the walk stopped. */
  readonly level: Level;
  readonly flags: number;
  /** Frame reached for this VA (leaf output + offset inside a large leaf); -1 when not present. */
  readonly pfn: number;
  /** Table frames on the path, root first. */
  readonly tables: readonly number[];
}

export abstract class MachineCore implements StaleListener {
  readonly params: MachineParams;
  readonly arch: ArchDescriptor;
  readonly isArm: boolean;
  readonly cpus: number;
  readonly frames: Frames;
  readonly tables: PageTables;
  readonly reverse: ReverseView;
  readonly counters: Counters;
  /** Leaf translations that may still be cached after their entry changed. */
  readonly staleLeaf: StaleSet;
  /** Walk-cache (paging-structure cache) entries that may still be cached after their pointer changed. */
  readonly staleWalk: StaleSet;
  /** Store/free clock: increases on every entry store and every frame free. */
  protected clock = 1;
  protected readonly spaceRoot: number[] = [];
  protected readonly spaceAsid: number[] = [];
  /** The shared kernel half (x86 upper PML4 entries / arm64 TTBR1); -1 until created. */
  kernelSpace: SpaceId = -1;
  protected kernelRootSlot = -1;
  /** Per CPU: current user space and its tag (ASID/PCID). */
  readonly curSpace: Int32Array;
  readonly curTag: Int32Array;
  /** Per tag row (ASID/PCID, last row = global): CPUs that may hold entries of that tag. */
  protected readonly tagMask: Uint32Array;
  protected readonly tagRows: number;
  protected readonly words: number;
  protected readonly allMask: Uint32Array;
  protected readonly sides: number;
  protected observers: MmuObserver[] = [];
  protected sink: MmuEventSink | null = null;
  /** Break-before-make violations seen (arm64). */
  bbmViolations = 0;

  constructor(params: MachineParams, costs: CostModel) {
    this.params = params;
    this.arch = params.arch === 'arm64' ? arm64 : x86_64;
    this.isArm = params.arch === 'arm64';
    this.cpus = params.cpus;
    this.counters = new Counters(costs);
    this.frames = new Frames(
      params.frames,
      { beforeFree: (pfn) => this.beforeFree(pfn) },
      () => this.clock++,
    );
    this.tables = new PageTables(params.frames);
    this.reverse = new ReverseView(params.frames, this.frames.freedAt);
    this.sides = params.tlbSides === 'split' ? 2 : 1;
    this.staleLeaf = new StaleSet(this.cpus, this.sides, this);
    this.staleWalk = new StaleSet(this.cpus, this.sides, this);
    this.words = Math.ceil(this.cpus / 32);
    this.tagRows = 2 ** params.asidBits + 1;
    this.tagMask = new Uint32Array(this.tagRows * this.words);
    this.allMask = new Uint32Array(this.words);
    for (let c = 0; c < this.cpus; c++) this.allMask[c >>> 5] |= 1 << (c & 31);
    this.tagMask.set(this.allMask, (this.tagRows - 1) * this.words);
    this.curSpace = new Int32Array(this.cpus).fill(-1);
    this.curTag = new Int32Array(this.cpus);
  }

  // ---------------------------------------------------------------- spaces

  /** Create the kernel half. `root` is a frame (or a function returning one) from the OS's allocator. */
  createKernelSpace(root: number | (() => number), asid = 0): SpaceId {
    if (this.kernelSpace >= 0) throw new Error('the kernel space already exists');
    const id = this.createSpace(asid, root);
    this.kernelSpace = id;
    this.kernelRootSlot = this.tables.slotOf[this.spaceRoot[id]]!;
    return id;
  }

  /** Create a user address space tagged `asid` (ASID on arm64, PCID on x86; must fit `asidBits`). */
  createSpace(asid: number, root: number | (() => number)): SpaceId {
    if (!Number.isInteger(asid) || asid < 0 || asid >= this.tagRows - 1) {
      throw new RangeError(`asid ${asid} does not fit ${this.params.asidBits} bits`);
    }
    const pfn = typeof root === 'number' ? root : root();
    const id = this.spaceRoot.length;
    const slot = this.tables.adopt(pfn, 4);
    if (this.frames.isFree(pfn)) this.frames.setTag(pfn, 'page-table');
    this.tables.slotLive[slot] = 1;
    this.tables.slotSpace[slot] = id;
    this.tables.slotLinks[slot]++;
    this.spaceRoot.push(pfn);
    this.spaceAsid.push(asid);
    return id;
  }

  rootOf(space: SpaceId): number {
    return this.spaceRoot[this.checkSpace(space)];
  }

  asidOf(space: SpaceId): number {
    return this.spaceAsid[this.checkSpace(space)];
  }

  get spaceCount(): number {
    return this.spaceRoot.length;
  }

  /** Linear-map (direct-map) alias of a frame. */
  directMapVa(pfn: number): number {
    return this.arch.layout.directMapBase + pfn * 4096;
  }

  /** Frame behind a linear-map VA, or -1. */
  directMapPfn(va: number): number {
    const off = va - this.arch.layout.directMapBase;
    if (off < 0 || off >= this.frames.count * 4096) return -1;
    return Math.floor(off / 4096);
  }

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

  // ---------------------------------------------------------------- observers and counters

  /** Attach an observer; returns the function that detaches it. */
  observe(o: MmuObserver): () => void {
    this.observers = [...this.observers, o];
    return () => {
      this.observers = this.observers.filter((x) => x !== o);
    };
  }

  /** Attach (or detach with null) the trace event sink. */
  setEventSink(sink: MmuEventSink | null): void {
    this.sink = sink;
  }

  protected emit(cpu: number, kind: MmuEvent['kind'], va?: number, pfn?: number, detail?: string): void {
    const e: { -readonly [K in keyof MmuEvent]: MmuEvent[K] } = { t: this.counters.cycles, cpu, kind };
    if (va !== undefined) e.va = va;
    if (pfn !== undefined) e.pfn = pfn;
    if (detail !== undefined) e.detail = detail;
    this.sink!(e);
  }

  protected changed(first: number, count: number, cause: ChangeCause): void {
    for (const o of this.observers) o.framesChanged?.(first, count, cause);
  }

  // ---------------------------------------------------------------- internals

  protected checkSpace(space: SpaceId): number {
    if (!Number.isInteger(space) || space < 0 || space >= this.spaceRoot.length) {
      throw new RangeError(`unknown address space ${space}`);
    }
    return space;
  }

  protected checkAligned(va: number, level: Level): void {
    if (!(va >= 0 && va < VA_LIMIT) || va % LEVEL_SIZE[level] !== 0) {
      throw new RangeError(`VA ${va.toString(16)} is not a ${LEVEL_SIZE[level]}-byte aligned 48-bit address`);
    }
  }

  /** Root table slot that translates `va` in `space` (the kernel half always goes to the kernel root). */
  protected rootSlot(space: SpaceId, va: number): number {
    if (va >= KERNEL_HALF) {
      if (this.kernelRootSlot < 0) throw new Error('no kernel space: call createKernelSpace first');
      return this.kernelRootSlot;
    }
    return this.tables.slotOf[this.spaceRoot[this.checkSpace(space)]];
  }

  /** Slot of the table at `level` on the path of `va`; throws if a table on the way is missing. */
  protected tableAt(space: SpaceId, va: number, level: Level): number {
    let slot = this.rootSlot(space, va);
    for (let l = 4; l > level; l--) {
      const e = slot * ENTRIES_PER_TABLE + tableIndex(va, l as Level);
      const f = this.tables.flags[e];
      if ((f & Pte.PRESENT) === 0 || (f & Pte.TABLE) === 0) {
        throw new Error(
          `no level-${l - 1} table for ${va.toString(16)}: the level-${l} entry is ${(f & Pte.PRESENT) === 0 ? 'empty' : 'a leaf'}`,
        );
      }
      slot = this.tables.slotOf[this.tables.out[e]]!;
    }
    return slot;
  }

  protected findLeaf(space: SpaceId, va: number): { slot: number; level: Level } {
    let slot = this.rootSlot(space, va);
    for (let l = 4; l >= 1; l--) {
      const e = slot * ENTRIES_PER_TABLE + tableIndex(va, l as Level);
      const f = this.tables.flags[e];
      if ((f & Pte.PRESENT) === 0) break;
      if ((f & Pte.TABLE) === 0) return { slot, level: l as Level };
      slot = this.tables.slotOf[this.tables.out[e]]!;
    }
    throw new Error(`${va.toString(16)} is not mapped`);
  }

  /** Tag under which a translation of `va` with `flags` is cached, given the owning space. */
  protected tagFor(va: number, flags: number, space: number): number {
    if (va >= KERNEL_HALF || (flags & Pte.GLOBAL) !== 0 || space < 0) return GLOBAL_TAG;
    return this.spaceAsid[space];
  }

  protected tagRow(tag: number): number {
    return tag === GLOBAL_TAG ? this.tagRows - 1 : tag;
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

  // ---------------------------------------------------------------- break-before-make (arm64)

  private checkBreakBeforeMake(
    space: number,
    va: number,
    level: Level,
    of: number,
    oo: number,
    nf: number,
    no: number,
  ): void {
    const bbml2 = this.params.features['bbml2-noabort'];
    let reason: BbmViolation['reason'] | null = null;
    if ((of & Pte.PRESENT) !== 0) {
      const oldTable = (of & Pte.TABLE) !== 0;
      const newTable = (nf & Pte.TABLE) !== 0;
      if (oldTable !== newTable) {
        // Block ↔ table: a size change. FEAT_BBM level 2 without conflict aborts allows it in place when
        // the translations stay the same (spec arm64-pkey.md §3.2, §7.3).
        if (!(
          bbml2 &&
          this.equivalentBlockTable(oldTable ? oo : no, oldTable ? no : oo, oldTable ? nf : of, level)
        ))
          reason = 'size';
      } else if (oo !== no) {
        reason = 'output';
      }
    }
    // Invalid written, but a CPU may still hold a different translation for this VA (no TLBI+DSB since).
    const cpus: number[] = [];
    if (reason === null) {
      const conflict = this.conflictingHolders(space, va, level, nf, no, bbml2);
      if (conflict.length > 0) {
        reason = 'conflict';
        cpus.push(...conflict);
      }
    } else {
      cpus.push(...this.holdersOf(this.tagFor(va, of, space)));
    }
    if (reason === null) return;
    this.bbmViolations++;
    const v: BbmViolation = { space, va, level, reason, cpus };
    for (const o of this.observers) o.bbmViolation?.(v);
    if (this.sink !== null) this.emit(-1, 'bbm', va, no, reason);
  }

  /** Does table `tablePfn` (level−1) hold exactly the translations of the block at `blockOut`? */
  private equivalentBlockTable(
    tablePfn: number,
    blockOut: number,
    blockFlags: number,
    level: Level,
  ): boolean {
    const c = this.tables.slotOf[tablePfn];
    if (c < 0) return false;
    const step = LEVEL_PAGES[level - 1];
    const b = c * ENTRIES_PER_TABLE;
    const perm = ~(Pte.ACCESSED | Pte.DIRTY);
    for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
      const f = this.tables.flags[b + i];
      if ((f & Pte.PRESENT) === 0) continue;
      if ((f & Pte.TABLE) !== 0 || this.tables.out[b + i] !== blockOut + i * step) return false;
      if ((f & perm) !== (blockFlags & perm)) return false;
    }
    return true;
  }

  /** CPUs holding a stale leaf for this VA range that maps it differently (another frame or another size). */
  private conflictingHolders(
    space: number,
    va: number,
    level: Level,
    nf: number,
    no: number,
    bbml2: boolean,
  ): number[] {
    const tag = this.tagFor(va, nf, space);
    const s = this.staleLeaf;
    if (s.live === 0) return [];
    const newTable = (nf & Pte.TABLE) !== 0;
    const found = new Set<number>();
    for (let l = 1; l <= 3; l++) {
      const size = LEVEL_SIZE[l as Level];
      const first = Math.floor(va / size);
      const n = l < level ? Math.min(LEVEL_PAGES[level] / LEVEL_PAGES[l], 512 * 512) : 1;
      for (let k = 0; k < n; k++) {
        for (let r = s.chain(l, first + k, tag); r >= 0; r = s.nextInChain(r)) {
          const rVa = s.index[r] * size;
          const sameSize = l === level && !newTable;
          const pfnHere = newTable ? -1 : no + Math.floor((Math.max(rVa, va) - va) / 4096);
          const recHere = s.out[r] + Math.floor((Math.max(rVa, va) - rVa) / 4096);
          const same = !newTable && pfnHere === recHere;
          if (sameSize && same) continue;
          if (!sameSize && bbml2 && (same || newTable)) continue;
          for (const c of s.holders(r)) found.add(c);
        }
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** CPUs that may hold entries of `tag`. */
  holdersOf(tag: number): number[] {
    const row = this.tagRow(tag) * this.words;
    const out: number[] = [];
    for (let c = 0; c < this.cpus; c++)
      if ((this.tagMask[row + (c >>> 5)] & (1 << (c & 31))) !== 0) out.push(c);
    return out;
  }

  // ---------------------------------------------------------------- frees and stale listener

  private beforeFree(pfn: number): void {
    this.reverse.onFree(pfn);
    const slot = this.tables.slotOf[pfn];
    if (slot >= 0 && this.tables.slotLinks[slot] === 0) {
      // An unlinked table's content is gone with its frame; a stale walk-cache entry that still points
      // here now reads whatever the frame holds next (INV-FREED-PT).
      this.tables.release(pfn);
    }
    if (this.observers.length > 0) {
      this.changed(pfn, 1, 'free');
      if (this.reverse.walkRefs[pfn] > 0) for (const o of this.observers) o.walkChanged?.(pfn, 'free');
    }
  }

  staleAdded(set: StaleSet, r: number): void {
    if (set === this.staleLeaf) {
      const n = LEVEL_PAGES[set.level[r]];
      this.reverse.stale(set.out[r], n, set.flags[r], set.since[r], 1);
    } else {
      this.reverse.walk(set.out[r], set.since[r], 1);
      if (this.observers.length > 0) for (const o of this.observers) o.walkChanged?.(set.out[r], 'unlink');
    }
  }

  staleRemoved(set: StaleSet, r: number): void {
    if (set === this.staleLeaf) {
      const n = LEVEL_PAGES[set.level[r]];
      this.reverse.stale(set.out[r], n, set.flags[r], set.since[r], -1);
      if (this.observers.length > 0) this.changed(set.out[r], n, 'invalidate');
    } else {
      this.reverse.walk(set.out[r], set.since[r], -1);
      if (this.observers.length > 0)
        for (const o of this.observers) o.walkChanged?.(set.out[r], 'invalidate');
    }
  }
}

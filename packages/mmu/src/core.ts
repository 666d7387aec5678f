// Machine state: frames, page-table storage, address spaces and their tags, the reverse view, stale
// records, observers. The operations live in the classes built on this one (stores, invalidation,
// access, instructions), one idea per file.
import { ArrayLease } from './array-pool.js';
import { arm64 } from './arch/arm64.js';
import type { ArchDescriptor } from './arch/types.js';
import { x86_64 } from './arch/x86_64.js';
import {
  EL2_TAG,
  ENTRIES_PER_TABLE,
  EXTRA_TAGS,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Pte,
  Regime,
  VA_LIMIT,
  VMID_LIMIT,
  combinedTag,
  stage2Tag,
  type Level,
  type RegimeCode,
} from './constants.js';
import { Counters } from './counters.js';
import type { CostModel } from './costs.js';
import type { ChangeCause, MmuEvent, MmuEventSink, MmuObserver } from './events.js';
import { Frames } from './frames.js';
import type { MachineParams } from './params.js';
import { ReverseView } from './reverse.js';
import { StaleSet, type StaleListener } from './stale.js';
import { PageTables, tableIndex } from './tables.js';

/** Bytes one level-1 table translates (2 MiB). */
const L1_TABLE_SPAN = LEVEL_SIZE[2];

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
  /**
   * Do protection keys gate instruction fetches? arm64 POE: yes, the overlay has an execute permission;
   * x86 PKU: no, keys apply to data accesses only (Intel SDM vol. 3A §4.6.2). The rule walk.ts `check` applies.
   */
  readonly keysGateFetch: boolean;
  readonly cpus: number;
  readonly frames: Frames;
  readonly tables: PageTables;
  readonly reverse: ReverseView;
  readonly counters: Counters;
  /** Leaf translations that may still be cached after their entry changed. */
  readonly staleLeaf: StaleSet;
  /** Walk-cache (paging-structure cache) entries that may still be cached after their pointer changed. */
  readonly staleWalk: StaleSet;
  /**
   * A leaf is being retired (stores.ts retireLeaf) and is still counted valid: the stale record made for it
   * moves the count from valid to stale (`staleAdded`); no record made, retireLeaf takes it back itself.
   */
  protected retiring = false;
  /** Store/free clock: increases on every entry store and every frame free. */
  protected clock = 1;
  protected readonly spaceRoot: number[] = [];
  protected readonly spaceAsid: number[] = [];
  /** Per space: its translation regime (`Regime`), VMID (stage 2, else -1) and the tag its entries get. */
  protected readonly spaceKind: RegimeCode[] = [];
  protected readonly spaceVmid: number[] = [];
  protected readonly spaceTag: number[] = [];
  /** Per space: 1 once the OS retired it (retireSpace), 2 once its root link is gone too. */
  protected readonly spaceRetired: number[] = [];
  /** The shared kernel half (x86 upper PML4 entries / arm64 TTBR1); -1 until created. */
  kernelSpace: SpaceId = -1;
  protected kernelRootSlot = -1;
  /** Per CPU: current user space and its tag (ASID/PCID). */
  readonly curSpace: Int32Array;
  readonly curTag: Int32Array;
  /**
   * Per CPU: the regime it runs in (`Regime.EL10` host, `GUEST`, `EL2`), its VTTBR_EL2 (a stage-2 space or
   * -1: TLBI …E1 forms act on its VMID) and its TTBR0_EL2 (an EL2 space or -1; the register keeps its value
   * while the CPU runs at EL1, so EL2 entries stay usable at the next exception).
   */
  readonly curRegime: Uint8Array;
  readonly vttbr: Int32Array;
  readonly el2Root: Int32Array;
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
  /**
   * The machine's typed arrays, and the OS model's arrays sized by it (`lease.take`): `release()` gives
   * them to the next machine of this thread once nothing will read this one again.
   */
  readonly lease: ArrayLease;

  constructor(params: MachineParams, costs: CostModel) {
    this.lease = new ArrayLease(params.frames);
    this.params = params;
    this.arch = params.arch === 'arm64' ? arm64 : x86_64;
    this.isArm = params.arch === 'arm64';
    this.keysGateFetch = this.isArm;
    this.cpus = params.cpus;
    const lease = this.lease;
    this.counters = new Counters(costs, params.cpus, lease);
    this.frames = new Frames(
      params.frames,
      { beforeFree: (pfn) => this.beforeFree(pfn), afterFree: (pfn) => this.reverse.onFreed(pfn) },
      () => this.clock++,
      lease,
    );
    this.tables = new PageTables(params.frames, lease);
    this.reverse = new ReverseView(params.frames, this.frames.freedAt, lease);
    this.sides = params.tlbSides === 'split' ? 2 : 1;
    this.staleLeaf = new StaleSet(this.cpus, this.sides, this, true, lease);
    this.staleWalk = new StaleSet(this.cpus, this.sides, this, false, lease);
    this.watched();
    this.words = Math.ceil(this.cpus / 32);
    this.tagRows = 2 ** params.asidBits + 1;
    // Rows: ASIDs, the global row, then the VMID and EL2 tags (constants EXTRA_TAGS).
    this.tagMask = lease.take(Uint32Array, (this.tagRows + EXTRA_TAGS) * this.words);
    this.allMask = lease.take(Uint32Array, this.words);
    for (let c = 0; c < this.cpus; c++) this.allMask[c >>> 5] |= 1 << (c & 31);
    this.tagMask.set(this.allMask, (this.tagRows - 1) * this.words);
    this.curSpace = lease.take(Int32Array, this.cpus, -1);
    this.curTag = lease.take(Int32Array, this.cpus);
    this.curRegime = lease.take(Uint8Array, this.cpus);
    this.vttbr = lease.take(Int32Array, this.cpus, -1);
    this.el2Root = lease.take(Int32Array, this.cpus, -1);
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
    return this.addSpace(Regime.EL10, asid, -1, asid, root);
  }

  /**
   * Create a stage-2 table tree tagged `vmid` (a VTTBR_EL2 value: root + VMID). Its "VAs" are IPAs, below
   * 2^47 (the model keeps one 48-bit walk per space; bit 47 selects the kernel half only in EL1&0 stage 1).
   * Its leaves are stage-2 descriptors: writable = S2AP write, xUser/xKernel = XN[1:0] (FEAT_XNX).
   */
  createStage2Space(vmid: number, root: number | (() => number)): SpaceId {
    if (!this.isArm) throw new Error('stage 2 is arm64 (VTTBR_EL2); x86 EPT is not modelled');
    if (!Number.isInteger(vmid) || vmid < 0 || vmid >= VMID_LIMIT)
      throw new RangeError(`vmid ${vmid} does not fit 8 bits`);
    return this.addSpace(Regime.STAGE2, 0, vmid, stage2Tag(vmid), root);
  }

  /** Create an EL2 stage-1 tree (a TTBR0_EL2 root; non-VHE EL2 has no ASID). VAs below 2^47. */
  createEl2Space(root: number | (() => number)): SpaceId {
    if (!this.isArm) throw new Error('the EL2 regime is arm64');
    return this.addSpace(Regime.EL2, 0, -1, EL2_TAG, root);
  }

  /** Regime of a space (`Regime.EL10`, `STAGE2`, `EL2`) and its VMID (-1 unless stage 2). */
  regimeOf(space: SpaceId): RegimeCode {
    return this.spaceKind[this.checkSpace(space)];
  }

  vmidOf(space: SpaceId): number {
    return this.spaceVmid[this.checkSpace(space)];
  }

  private addSpace(
    kind: RegimeCode,
    asid: number,
    vmid: number,
    tag: number,
    root: number | (() => number),
  ): SpaceId {
    const pfn = typeof root === 'number' ? root : root();
    const id = this.spaceRoot.length;
    const slot = this.tables.adopt(pfn, 4);
    if (this.frames.isFree(pfn)) this.frames.setTag(pfn, 'page-table');
    this.spaceRoot.push(pfn);
    this.spaceAsid.push(asid);
    this.spaceKind.push(kind);
    this.spaceVmid.push(vmid);
    this.spaceTag.push(tag);
    this.spaceRetired.push(0);
    // A root is linked like any other table: by the translation table base register of its space. A
    // frame that already is a root (of another space, or a freed one that was not cleared) keeps its
    // entries, which now translate in this space too.
    this.noteLink(slot, 4, id, 0);
    if (this.tables.slotLinks[slot]++ === 0) this.tables.slotLinkedAt[slot] = this.clock;
    this.addAlias(slot, 4, id, 0, this.clock++);
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

  // ---------------------------------------------------------------- observers and counters

  /** Attach an observer; returns the function that detaches it. */
  observe(o: MmuObserver): () => void {
    this.observers = [...this.observers, o];
    this.watched();
    return () => {
      this.observers = this.observers.filter((x) => x !== o);
      this.watched();
    };
  }

  /** Attach (or detach with null) the trace event sink. */
  setEventSink(sink: MmuEventSink | null): void {
    this.sink = sink;
    this.watched();
  }

  /**
   * Send a trace event. `start` (from `spanStart`, taken before the instruction was charged) makes it a
   * span ending now; without it the event is an instant now.
   */
  protected emit(
    cpu: number,
    kind: MmuEvent['kind'],
    va?: number,
    pfn?: number,
    detail?: string,
    start?: number,
  ): void {
    const now = this.counters.timeOn(cpu);
    const e: { -readonly [K in keyof MmuEvent]: MmuEvent[K] } = { t: start ?? now, cpu, kind };
    if (start !== undefined) e.dur = now - start;
    if (va !== undefined) e.va = va;
    if (pfn !== undefined) e.pfn = pfn;
    if (detail !== undefined) e.detail = detail;
    this.sink!(e);
  }

  /** The trace time before an instruction is charged on `cpu` (0 when no sink is attached: no cost). */
  protected spanStart(cpu: number): number {
    return this.sink === null ? 0 : this.counters.timeOn(cpu);
  }

  protected changed(first: number, count: number, cause: ChangeCause): void {
    for (const o of this.observers) o.framesChanged?.(first, count, cause);
  }

  // ---------------------------------------------------------------- internals

  /** Count the leaves of a table subtree reachable through one more alias (space, first VA). */
  protected abstract addAlias(slot: number, level: Level, space: number, base: number, since: number): void;

  /**
   * Observers judge between the stale-record changes of one flush, and the trace samples each CPU's record
   * count: with either attached the stale sets work record by record (StaleSet.setBatched).
   */
  private watched(): void {
    const batched = this.observers.length === 0 && this.sink === null;
    this.staleLeaf.setBatched(batched);
    this.staleWalk.setBatched(batched);
  }

  /**
   * The links of table `slot` a walk can still arrive through: every link, less the pointers held in freed
   * tables that no walk reaches any more (queries.ts).
   */
  protected abstract walkableLinks(slot: number): number;

  /** Tell the observers that table `slot` is being linked at one more place (before the link counts). */
  protected noteLink(slot: number, level: Level, space: number, va: number): void {
    if (this.observers.length === 0) return;
    const t = this.tables;
    const pfn = t.slotPfn[slot];
    const links = t.slotLinks[slot];
    const l = {
      pfn,
      level,
      space,
      va,
      otherLinks: this.walkableLinks(slot),
      unclean: this.reverse.walkRefs(pfn) > this.reverse.walkAfterFree(pfn),
      freedSince: links > 0 && this.frames.freedAt[pfn] > t.slotLinkedAt[slot],
    };
    for (const o of this.observers) o.tableLinked?.(l);
  }

  protected checkSpace(space: SpaceId): number {
    if (!Number.isInteger(space) || space < 0 || space >= this.spaceRoot.length) {
      throw new RangeError(`unknown address space ${space}`);
    }
    return space;
  }

  protected checkAligned(va: number, level: Level): void {
    // Aligned: the truncated quotient times the size gives va back (exact for a power of two; `va % size`
    // on a kernel VA above 2^31 is a floating-point remainder, a call into fmod, at every store).
    const size = LEVEL_SIZE[level];
    if (!(va >= 0 && va < VA_LIMIT) || Math.trunc(va / size) * size !== va) {
      throw new RangeError(`VA ${va.toString(16)} is not a ${LEVEL_SIZE[level]}-byte aligned 48-bit address`);
    }
  }

  /** Root table slot that translates `va` in `space` (the kernel half always goes to the kernel root). */
  protected rootSlot(space: SpaceId, va: number): number {
    if (va >= KERNEL_HALF && this.spaceKind[this.checkSpace(space)] !== Regime.EL10) {
      throw new RangeError(`${va.toString(16)}: stage-2 IPAs and EL2 VAs are modelled below 2^47`);
    }
    if (va >= KERNEL_HALF) {
      if (this.kernelRootSlot < 0) throw new Error('no kernel space: call createKernelSpace first');
      return this.kernelRootSlot;
    }
    const s = this.checkSpace(space);
    if (this.spaceRetired[s] !== 0) throw new Error(`address space ${space} was retired (its pgd is freed)`);
    return this.tables.slotOf[this.spaceRoot[s]];
  }

  /**
   * tableAt's last level-1 answer: the slot for (space, 2 MiB region) while the tables' path generation has not
   * moved (−1: none). Stores come in runs into one table (a mermap window, a direct-map block, a range of
   * PTEs): each walked three levels down to find the table the previous store found.
   */
  private lastTableSpace = -1;
  private lastTableRegion = -1;
  private lastTablePaths = -1;
  private lastTableSlot = -1;

  /** Slot of the table at `level` on the path of `va`; throws if a table on the way is missing. */
  protected tableAt(space: SpaceId, va: number, level: Level): number {
    if (level !== 1) return this.walkToTable(space, va, level);
    const region = Math.floor(va / L1_TABLE_SPAN);
    if (
      region === this.lastTableRegion &&
      space === this.lastTableSpace &&
      this.tables.paths === this.lastTablePaths
    )
      return this.lastTableSlot;
    const slot = this.walkToTable(space, va, 1);
    this.lastTableSpace = space;
    this.lastTableRegion = region;
    this.lastTablePaths = this.tables.paths;
    this.lastTableSlot = slot;
    return slot;
  }

  /** A retired space's walks throw from now on: forget a path found in it. */
  protected forgetTablePath(): void {
    this.lastTableSpace = -1;
  }

  private walkToTable(space: SpaceId, va: number, level: Level): number {
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
    // Stage-2 and EL2 entries have no nG bit that matters: one tag per VMID / for EL2.
    if (space >= 0 && this.spaceKind[space] !== Regime.EL10) return this.spaceTag[space];
    if (va >= KERNEL_HALF || (flags & Pte.GLOBAL) !== 0 || space < 0) return GLOBAL_TAG;
    return this.spaceAsid[space];
  }

  protected tagRow(tag: number): number {
    return tag === GLOBAL_TAG
      ? this.tagRows - 1
      : tag < GLOBAL_TAG
        ? tag
        : this.tagRows + tag - GLOBAL_TAG - 1;
  }

  /**
   * Does `cpu` translate with `tag` now (DESIGN §3: a stale entry under an ID counts only while a holder has
   * the ID loaded)? Its ASID; in a guest, its VMID's stage-2-only and combined entries; EL2 entries while
   * TTBR0_EL2 holds a root (the CPU uses them at its next exception to EL2).
   */
  tagLoaded(cpu: number, tag: number): boolean {
    if (tag === GLOBAL_TAG) return true;
    if (this.curTag[cpu] === tag) return true;
    if (tag === EL2_TAG) return this.el2Root[cpu] >= 0;
    return this.curRegime[cpu] === Regime.GUEST && tag === stage2Tag(this.spaceVmid[this.vttbr[cpu]]);
  }

  /** Tag of the entries an access by `cpu` in a guest caches (combined stage 1 + 2 of its VMID). */
  protected guestTags(cpu: number): { combined: number; stage2: number } {
    const vmid = this.spaceVmid[this.vttbr[cpu]];
    return { combined: combinedTag(vmid), stage2: stage2Tag(vmid) };
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
      this.releaseTable(pfn);
    } else if (slot >= 0) {
      // Still linked: the parent entry keeps pointing at the frame and walks read what it holds.
      this.tables.freedLinked.add(pfn);
    }
    if (this.observers.length > 0) {
      this.changed(pfn, 1, 'free');
      if (this.reverse.walkRefs(pfn) > 0) for (const o of this.observers) o.walkChanged?.(pfn, 'free');
    }
  }

  /**
   * Forget the content of freed, unlinked table frame `pfn`. Its pointers go with it: each table they named
   * loses that link, and one the OS has freed too and that is now linked nowhere is forgotten in turn (a
   * table freed before its children were cleared, as a store that unlinks a freed table does in stores.ts).
   */
  protected releaseTable(pfn: number): void {
    const t = this.tables;
    const slot = t.slotOf[pfn];
    if (slot < 0) return;
    const children: number[] = [];
    if (t.slotLevel[slot] > 1 && t.slotUsed[slot] > 0) {
      const b = slot * ENTRIES_PER_TABLE;
      for (let e = b; e < b + ENTRIES_PER_TABLE; e++) {
        if ((t.flags[e] & (Pte.PRESENT | Pte.TABLE)) !== (Pte.PRESENT | Pte.TABLE)) continue;
        const child = t.slotOf[t.out[e]];
        if (child >= 0 && --t.slotLinks[child] === 0 && this.frames.isFree(t.out[e])) children.push(t.out[e]);
      }
    }
    t.release(pfn);
    for (const c of children) this.releaseTable(c);
  }

  staleAdded(set: StaleSet, r: number): void {
    if (set === this.staleLeaf) {
      const n = LEVEL_PAGES[set.level[r]];
      if (this.retiring) {
        // The record of the leaf being retired (stores.ts retireLeaf): from valid to stale in one move.
        this.retiring = false;
        this.reverse.retire(set.out[r], n, set.flags[r], set.since[r]);
        return;
      }
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

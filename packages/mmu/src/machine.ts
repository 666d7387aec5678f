// The machine's instruction set: what software may do to caches, each instruction counted and costed.
// x86 semantics: spec linux.md §2.1 (SDM INVLPG / INVPCID / MOV CR3); arm64: arm64-pkey.md §7.
import {
  GLOBAL_TAG,
  Invpcid,
  LEVEL_SIZE,
  Side,
  type InvpcidType,
  type Level,
  type SideMask,
  type TlbiOp,
} from './constants.js';
import type { CounterSnapshot } from './counters.js';
import type { CostModel } from './costs.js';
import type { SpaceId } from './core.js';
import type { MachineParams } from './params.js';
import { ANY_TAG } from './tlb.js';
import { MachineQueries } from './queries.js';

/** Arguments of an arm64 TLBI. */
export interface TlbiArgs {
  /** VA for the by-VA forms; start of the range for the range forms. */
  va?: number;
  /** ASID for the per-ASID forms (VAE1, VALE1, ASIDE1, RVAE1, RVALE1). */
  asid?: number;
  /** Range forms: number of pages (stride 4 KiB unless `stride` says otherwise). */
  pages?: number;
  /** Range forms: bytes per step (4096, 2 MiB, 1 GiB). */
  stride?: number;
  /** Inner-shareable form (…IS): reaches every CPU without IPIs. Default true. */
  broadcast?: boolean;
  /** Split-TLB machines: 'data' | 'instr' | 'both' (default both). ARMv7-class D-side-only flushes. */
  side?: 'data' | 'instr' | 'both';
}

/** Targets of an IPI: explicit CPU list, every CPU, or every CPU but the sender. */
export type IpiTargets = readonly number[] | 'all' | 'others';

interface PendingTlbi {
  op: TlbiOp;
  va: number;
  asid: number;
  pages: number;
  stride: number;
  broadcast: boolean;
  sides: SideMask;
}

const LEAF_ONLY = new Set<TlbiOp>(['VALE1', 'VAALE1', 'RVALE1', 'RVAALE1']);
const ALL_ASIDS = new Set<TlbiOp>(['VAAE1', 'VAALE1', 'RVAAE1', 'RVAALE1']);
const RANGE = new Set<TlbiOp>(['RVAE1', 'RVALE1', 'RVAAE1', 'RVAALE1']);

export class Machine extends MachineQueries {
  private readonly pending: PendingTlbi[][] = [];
  private readonly ids: Record<
    | 'invlpg'
    | 'full'
    | 'ipi'
    | 'wrpkru'
    | 'tlbi_leaf'
    | 'tlbi_all_levels'
    | 'tlbi_asid'
    | 'tlbi_vmall'
    | 'dsb'
    | 'invlpgb'
    | 'tlbsync'
    | 'cr3',
    number
  >;

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    for (let c = 0; c < this.cpus; c++) this.pending.push([]);
    const id = (n: string): number => this.counters.id(n);
    this.ids = {
      invlpg: id('invlpg'),
      full: id('full'),
      ipi: id('ipi'),
      wrpkru: id('wrpkru'),
      tlbi_leaf: id('tlbi_leaf'),
      tlbi_all_levels: id('tlbi_all_levels'),
      tlbi_asid: id('tlbi_asid'),
      tlbi_vmall: id('tlbi_vmall'),
      dsb: id('dsb'),
      invlpgb: id('invlpgb'),
      tlbsync: id('tlbsync'),
      cr3: id('cr3'),
    };
  }

  // ---------------------------------------------------------------- counters and costs

  /** Bump an operation-level counter (`kflush`, `split`, `ptalloc`, …, or a policy's `linux.vmap_purge`). */
  count(name: string, n = 1): void {
    this.counters.count(name, n);
  }

  /** Charge shared work (`zero_page`, `copy_page`, `syscall`, `fault`) `n` times: counted and costed. */
  charge(name: string, n = 1): void {
    this.counters.count(name, n);
  }

  counter(name: string): number {
    return this.counters.get(name);
  }

  /** Accumulated cost in units of one INVLPG (spec linux.md §7.2). */
  get cycles(): number {
    return this.counters.cycles;
  }

  snapshot(): CounterSnapshot {
    return this.counters.snapshot();
  }

  delta(since: CounterSnapshot): CounterSnapshot {
    return this.counters.delta(since);
  }

  // ---------------------------------------------------------------- roots

  /**
   * Switch `cpu` to `space`. x86: a CR3 write (counted `cr3`); with PCID and without `noflush` it drops the
   * target PCID's non-global TLB and all its walk-cache entries (spec linux.md §2.1.2); without PCID every
   * CR3 write drops all non-global entries. arm64: TTBR0_EL1 + ASID, never flushes.
   */
  setRoot(cpu: number, space: SpaceId, options?: { noflush?: boolean }): void {
    this.checkCpu(cpu);
    const tag = this.asidOf(space);
    if (!this.isArm) {
      this.counters.bump(this.ids.cr3);
      if (!this.params.features.pcid) {
        this.invLeafAll(cpu, ANY_TAG, true, Side.BOTH);
        this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
        this.forgetAllTags(cpu, -1);
      } else if (options?.noflush !== true) {
        this.invLeafAll(cpu, tag, true, Side.BOTH);
        this.invWalkAll(cpu, tag, Side.BOTH);
        this.invWalkAll(cpu, GLOBAL_TAG, Side.BOTH);
      }
    }
    this.curSpace[cpu] = space;
    this.curTag[cpu] = tag;
    this.curRootSlot[cpu] = this.tables.slotOf[this.rootOf(space)]!;
    this.loadTag(cpu, tag);
    if (this.sink !== null) this.emit(cpu, 'root', undefined, this.rootOf(space), `asid ${tag}`);
  }

  /** x86 alias of setRoot: MOV to CR3, bit 63 = no-flush. */
  writeCr3(cpu: number, space: SpaceId, noflush = false): void {
    this.setRoot(cpu, space, { noflush });
  }

  currentSpace(cpu: number): SpaceId {
    this.checkCpu(cpu);
    return this.curSpace[cpu];
  }

  // ---------------------------------------------------------------- keys

  /** WRPKRU on `cpu` (x86). Takes effect on the next access; nothing to flush (freebsd-amd64.md §1.4). */
  setPkru(cpu: number, value: number): void {
    this.checkCpu(cpu);
    if (this.isArm) throw new Error('setPkru: PKRU is x86; use setPor on arm64');
    this.pkru[cpu] = value >>> 0;
    this.counters.bump(this.ids.wrpkru);
    if (this.sink !== null) this.emit(cpu, 'key', undefined, undefined, `pkru ${(value >>> 0).toString(16)}`);
  }

  /** MSR POR_EL0/POR_EL1 + ISB on `cpu` (arm64), counted as `wrpkru`. Not cached in the TLB (arm64-pkey.md §1.2). */
  setPor(cpu: number, el: 0 | 1, value: number): void {
    this.checkCpu(cpu);
    if (!this.isArm) throw new Error('setPor: POR_ELx is arm64; use setPkru on x86');
    (el === 0 ? this.por0 : this.por1)[cpu] = value >>> 0;
    this.counters.bump(this.ids.wrpkru);
    if (this.sink !== null)
      this.emit(cpu, 'key', undefined, undefined, `por_el${el} ${(value >>> 0).toString(16)}`);
  }

  // ---------------------------------------------------------------- x86 invalidation

  /**
   * INVLPG: the page in the current PCID, global entries for the page in every PCID, and all walk-cache
   * entries of the current PCID regardless of address (spec linux.md §2.1.1).
   */
  invlpg(cpu: number, va: number): void {
    this.x86Only('invlpg', cpu);
    this.counters.bump(this.ids.invlpg);
    const tag = this.curTag[cpu];
    this.invLeafVa(cpu, va, tag, Side.BOTH);
    this.invLeafVa(cpu, va, GLOBAL_TAG, Side.BOTH);
    this.invWalkAll(cpu, tag, Side.BOTH);
    this.invWalkAll(cpu, GLOBAL_TAG, Side.BOTH);
    if (this.sink !== null) this.emit(cpu, 'flush', va, undefined, 'invlpg');
  }

  /** INVPCID (SDM Vol. 2A): individual address, single context, all contexts incl. globals, all non-global. */
  invpcid(cpu: number, type: InvpcidType, pcid = 0, va = 0): void {
    this.x86Only('invpcid', cpu);
    switch (type) {
      case Invpcid.INDIVIDUAL:
        this.counters.bump(this.ids.invlpg);
        this.invLeafVa(cpu, va, pcid, Side.BOTH);
        this.invWalkAll(cpu, pcid, Side.BOTH);
        break;
      case Invpcid.SINGLE_CONTEXT:
        this.counters.bump(this.ids.full);
        this.invLeafAll(cpu, pcid, true, Side.BOTH);
        this.invWalkAll(cpu, pcid, Side.BOTH);
        if (pcid !== this.curTag[cpu]) this.forgetTag(cpu, pcid);
        break;
      case Invpcid.ALL_INCL_GLOBAL:
        this.counters.bump(this.ids.full);
        this.invLeafAll(cpu, ANY_TAG, false, Side.BOTH);
        this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
        this.forgetAllTags(cpu, this.curTag[cpu]);
        break;
      case Invpcid.ALL_NON_GLOBAL:
        this.counters.bump(this.ids.full);
        this.invLeafAll(cpu, ANY_TAG, true, Side.BOTH);
        this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
        this.forgetAllTags(cpu, this.curTag[cpu]);
        break;
      default:
        throw new RangeError(`invpcid type ${String(type)}`);
    }
    if (this.sink !== null) this.emit(cpu, 'flush', va, undefined, `invpcid ${type}`);
  }

  /** Toggle CR4.PGE: drop everything on `cpu`, global entries and every PCID included (counted `full`). */
  flushGlobal(cpu: number): void {
    this.x86Only('flushGlobal', cpu);
    this.counters.bump(this.ids.full);
    this.invLeafAll(cpu, ANY_TAG, false, Side.BOTH);
    this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
    this.forgetAllTags(cpu, this.curTag[cpu]);
    if (this.sink !== null) this.emit(cpu, 'flush', undefined, undefined, 'cr4.pge');
  }

  /**
   * AMD INVLPGB (features.invlpgb): broadcast invalidation of `pages` pages from `va`, in `pcid` or, with
   * `global`, of global entries too; not complete until `tlbsync(cpu)`. `pages` = 0 means everything.
   */
  invlpgb(cpu: number, va: number, pages: number, pcid: number, global = false): void {
    this.x86Only('invlpgb', cpu);
    if (!this.params.features.invlpgb) throw new Error('invlpgb: the machine lacks features.invlpgb');
    this.counters.bump(this.ids.invlpgb);
    this.pending[cpu].push({
      op: pages === 0 ? 'VMALLE1' : global ? 'RVAAE1' : 'RVAE1',
      va,
      asid: pcid,
      pages,
      stride: 4096,
      broadcast: true,
      sides: Side.BOTH,
    });
  }

  /** AMD TLBSYNC: wait until this CPU's INVLPGBs completed everywhere. */
  tlbsync(cpu: number): void {
    this.x86Only('tlbsync', cpu);
    this.counters.bump(this.ids.tlbsync);
    this.completePending(cpu);
  }

  // ---------------------------------------------------------------- arm64 invalidation

  /**
   * TLBI `op` from `cpu`. Queued: it is complete — every targeted entry gone — only after `dsb(cpu)`
   * (arm64-pkey.md §7.2). Last-level forms (…LE1) leave walk-cache entries.
   */
  tlbi(cpu: number, op: TlbiOp, args: TlbiArgs = {}): void {
    this.checkCpu(cpu);
    if (!this.isArm) throw new Error('tlbi: arm64 only; use invlpg/invpcid on x86');
    const id =
      op === 'ASIDE1'
        ? this.ids.tlbi_asid
        : op === 'VMALLE1'
          ? this.ids.tlbi_vmall
          : LEAF_ONLY.has(op)
            ? this.ids.tlbi_leaf
            : this.ids.tlbi_all_levels;
    this.counters.bump(id);
    const sides: SideMask = args.side === 'data' ? Side.DATA : args.side === 'instr' ? Side.INSTR : Side.BOTH;
    const pages = RANGE.has(op) ? (args.pages ?? 1) : 1;
    this.pending[cpu].push({
      op,
      va: args.va ?? 0,
      asid: args.asid ?? 0,
      pages,
      stride: args.stride ?? 4096,
      broadcast: args.broadcast ?? true,
      sides,
    });
    if (this.sink !== null)
      this.emit(cpu, 'tlbi', args.va, undefined, op + (args.broadcast === false ? '' : 'IS'));
  }

  /** DSB: completes every TLBI this CPU issued (on every CPU they target). */
  dsb(cpu: number): void {
    this.checkCpu(cpu);
    this.counters.bump(this.ids.dsb);
    this.completePending(cpu);
    if (this.sink !== null) this.emit(cpu, 'dsb');
  }

  /** TLBIs issued by `cpu` and not yet completed by a DSB. */
  pendingTlbi(cpu: number): number {
    return this.pending[cpu].length;
  }

  private completePending(cpu: number): void {
    const ops = this.pending[cpu];
    this.pending[cpu] = [];
    for (const p of ops) {
      if (p.broadcast) for (let t = 0; t < this.cpus; t++) this.applyTlbi(t, p);
      else this.applyTlbi(cpu, p);
    }
  }

  private applyTlbi(cpu: number, p: PendingTlbi): void {
    if (p.op === 'VMALLE1') {
      this.invLeafAll(cpu, ANY_TAG, false, p.sides);
      this.invWalkAll(cpu, ANY_TAG, p.sides);
      this.forgetAllTags(cpu, this.curTag[cpu]);
      return;
    }
    if (p.op === 'ASIDE1') {
      this.invLeafAll(cpu, p.asid, true, p.sides);
      this.invWalkAll(cpu, p.asid, p.sides);
      if (p.asid !== this.curTag[cpu]) this.forgetTag(cpu, p.asid);
      return;
    }
    const leafOnly = LEAF_ONLY.has(p.op);
    const allAsids = ALL_ASIDS.has(p.op);
    for (let i = 0; i < p.pages; i++) {
      const va = p.va + i * p.stride;
      if (allAsids) {
        this.invLeafVa(cpu, va, ANY_TAG, p.sides);
        if (!leafOnly) this.invWalkVa(cpu, va, ANY_TAG, p.sides);
      } else {
        // By VA in an ASID: global entries for the VA go too, whatever their ASID (arm64-pkey.md §7.2).
        this.invLeafVa(cpu, va, p.asid, p.sides);
        this.invLeafVa(cpu, va, GLOBAL_TAG, p.sides);
        if (!leafOnly) {
          this.invWalkVa(cpu, va, p.asid, p.sides);
          this.invWalkVa(cpu, va, GLOBAL_TAG, p.sides);
        }
      }
    }
  }

  /**
   * Local invalidation of one page for one side only, on a split-TLB machine (ARMv7 `TLBIMVA` on the D-
   * or I-side TLB, spec linux.md §5.4): leaf and walk entries of `va` in the current ASID. Counted `invlpg`.
   */
  flushPageSide(cpu: number, va: number, side: 'data' | 'instr' | 'both'): void {
    this.checkCpu(cpu);
    this.counters.bump(this.ids.invlpg);
    const sides: SideMask = side === 'data' ? Side.DATA : side === 'instr' ? Side.INSTR : Side.BOTH;
    const tag = this.curTag[cpu];
    this.invLeafVa(cpu, va, tag, sides);
    this.invLeafVa(cpu, va, GLOBAL_TAG, sides);
    this.invWalkVa(cpu, va, tag, sides);
    this.invWalkVa(cpu, va, GLOBAL_TAG, sides);
  }

  // ---------------------------------------------------------------- IPIs

  /**
   * Run `handler(cpu)` on each target in ascending order; counts one `ipi` per remote target (the sender
   * runs its own share directly, as `on_each_cpu` does). Handlers run to completion before `ipi` returns.
   */
  ipi(from: number, targets: IpiTargets, handler: (cpu: number) => void): void {
    this.checkCpu(from);
    let list: number[];
    if (targets === 'all' || targets === 'others') {
      list = [];
      for (let c = 0; c < this.cpus; c++) if (targets === 'all' || c !== from) list.push(c);
    } else {
      list = [...new Set(targets)].sort((a, b) => a - b);
      for (const c of list) this.checkCpu(c);
    }
    for (const c of list) {
      if (c !== from) this.counters.bump(this.ids.ipi);
      if (this.sink !== null) this.emit(c, 'ipi-begin', undefined, undefined, `from ${from}`);
      handler(c);
      if (this.sink !== null) this.emit(c, 'ipi-end');
    }
  }

  // ---------------------------------------------------------------- helpers

  protected checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus)
      throw new RangeError(`cpu ${cpu} outside 0..${this.cpus - 1}`);
  }

  private x86Only(what: string, cpu: number): void {
    this.checkCpu(cpu);
    if (this.isArm) throw new Error(`${what}: x86 only; use tlbi/dsb on arm64`);
  }
}

/** Bytes covered by one entry at `level` (re-exported convenience). */
export function levelSize(level: Level): number {
  return LEVEL_SIZE[level];
}

// Invalidations that complete later: arm64 TLBI (complete at DSB, spec arm64-pkey.md §7.2) and AMD
// INVLPGB (complete at TLBSYNC, spec linux.md §2.2.6). Each is queued on the issuing CPU and applied —
// to every CPU for the broadcast forms, without IPIs — when that CPU completes it.
import { GLOBAL_TAG, Side, type SideMask, type TlbiOp } from './constants.js';
import type { CostModel } from './costs.js';
import { ANY_TAG } from './invalidate.js';
import type { MachineParams } from './params.js';
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
  /** Split-TLB machines: 'data' | 'instr' | 'both' (default both). Harvard-TLB D-side-only flushes. */
  side?: 'data' | 'instr' | 'both';
}

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

export abstract class MachineBroadcast extends MachineQueries {
  private readonly pending: PendingTlbi[][] = [];
  private readonly bIds: Record<
    | 'tlbi_leaf'
    | 'tlbi_all_levels'
    | 'tlbi_asid'
    | 'tlbi_vmall'
    | 'tlbi_local'
    | 'tlbi_broadcast'
    | 'dsb'
    | 'invlpgb'
    | 'tlbsync'
    | 'invlpg'
    | 'inv_dside'
    | 'inv_iside',
    number
  >;

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    for (let c = 0; c < this.cpus; c++) this.pending.push([]);
    const id = (n: string): number => this.counters.id(n);
    this.bIds = {
      tlbi_leaf: id('tlbi_leaf'),
      tlbi_all_levels: id('tlbi_all_levels'),
      tlbi_asid: id('tlbi_asid'),
      tlbi_vmall: id('tlbi_vmall'),
      tlbi_local: id('tlbi_local'),
      tlbi_broadcast: id('tlbi_broadcast'),
      dsb: id('dsb'),
      invlpgb: id('invlpgb'),
      tlbsync: id('tlbsync'),
      invlpg: id('invlpg'),
      inv_dside: id('inv_dside'),
      inv_iside: id('inv_iside'),
    };
  }

  protected abstract checkCpu(cpu: number): void;
  protected abstract x86Only(what: string, cpu: number): void;

  /**
   * AMD INVLPGB (features.invlpgb): broadcast invalidation of `pages` pages from `va`, in `pcid` or, with
   * `global`, of global entries too; not complete until `tlbsync(cpu)`. `pages` = 0 means everything.
   */
  invlpgb(cpu: number, va: number, pages: number, pcid: number, global = false): void {
    this.x86Only('invlpgb', cpu);
    if (!this.params.features.invlpgb) throw new Error('invlpgb: the machine lacks features.invlpgb');
    const t0 = this.spanStart(cpu);
    this.counters.bumpOn(cpu, this.bIds.invlpgb);
    this.pending[cpu].push({
      op: pages === 0 ? 'VMALLE1' : global ? 'RVAAE1' : 'RVAE1',
      va,
      asid: pcid,
      pages,
      stride: 4096,
      broadcast: true,
      sides: Side.BOTH,
    });
    if (this.sink !== null) this.emit(cpu, 'flush', va, undefined, `invlpgb ${pages}`, t0);
  }

  /** AMD TLBSYNC: wait until this CPU's INVLPGBs completed everywhere. */
  tlbsync(cpu: number): void {
    this.x86Only('tlbsync', cpu);
    const t0 = this.spanStart(cpu);
    this.counters.bumpOn(cpu, this.bIds.tlbsync);
    this.completePending(cpu);
    if (this.sink !== null) this.emit(cpu, 'flush', undefined, undefined, 'tlbsync', t0);
  }

  // ---------------------------------------------------------------- arm64 invalidation

  /**
   * TLBI `op` from `cpu`. Queued: it is complete — every targeted entry gone — only after `dsb(cpu)`
   * (arm64-pkey.md §7.2). Last-level forms (…LE1) leave walk-cache entries.
   */
  tlbi(cpu: number, op: TlbiOp, args: TlbiArgs = {}): void {
    this.checkCpu(cpu);
    if (!this.isArm) throw new Error('tlbi: arm64 only; use invlpg/invpcid on x86');
    const t0 = this.spanStart(cpu);
    const id =
      op === 'ASIDE1'
        ? this.bIds.tlbi_asid
        : op === 'VMALLE1'
          ? this.bIds.tlbi_vmall
          : LEAF_ONLY.has(op)
            ? this.bIds.tlbi_leaf
            : this.bIds.tlbi_all_levels;
    this.counters.bumpOn(cpu, id);
    const broadcast = args.broadcast ?? true;
    this.counters.bumpOn(cpu, broadcast ? this.bIds.tlbi_broadcast : this.bIds.tlbi_local);
    const sides: SideMask = args.side === 'data' ? Side.DATA : args.side === 'instr' ? Side.INSTR : Side.BOTH;
    const pages = RANGE.has(op) ? (args.pages ?? 1) : 1;
    this.pending[cpu].push({
      op,
      va: args.va ?? 0,
      asid: args.asid ?? 0,
      pages,
      stride: args.stride ?? 4096,
      broadcast,
      sides,
    });
    if (this.sink !== null)
      this.emit(cpu, 'tlbi', args.va, undefined, op + (args.broadcast === false ? '' : 'IS'), t0);
  }

  /** DSB: completes every TLBI this CPU issued (on every CPU they target). */
  dsb(cpu: number): void {
    this.checkCpu(cpu);
    const t0 = this.spanStart(cpu);
    this.counters.bumpOn(cpu, this.bIds.dsb);
    this.completePending(cpu);
    if (this.sink !== null) this.emit(cpu, 'dsb', undefined, undefined, undefined, t0);
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
   * Local invalidation of one page for one side only, on a split-TLB machine: the D-side / I-side
   * "TLB invalidate MVA" of a Harvard TLB. arch/arm/mm/tlb-v6.S v6wbi_flush_user_tlb_range (HARVARD_TLB)
   * invalidates the D side for every page and the I side only when the VMA has VM_EXEC; the v7 version
   * uses the unified "TLB invalidate U MVA" (tlb-v7.S), so the split case is ARMv6-class, not ARMv7 as
   * spec linux.md §5.4 says. Leaf and walk entries of `va` in the current ASID; counted `invlpg`.
   */
  flushPageSide(cpu: number, va: number, side: 'data' | 'instr' | 'both'): void {
    this.checkCpu(cpu);
    this.counters.bumpOn(cpu, this.bIds.invlpg);
    const sides: SideMask = side === 'data' ? Side.DATA : side === 'instr' ? Side.INSTR : Side.BOTH;
    this.tallySides(sides, 1);
    const tag = this.curTag[cpu];
    this.invLeafVa(cpu, va, tag, sides);
    this.invLeafVa(cpu, va, GLOBAL_TAG, sides);
    this.invWalkVa(cpu, va, tag, sides);
    this.invWalkVa(cpu, va, GLOBAL_TAG, sides);
  }

  /**
   * flushPageSide at each of start, start + stride, … below `end` — the per-MVA loop of a Harvard TLB's
   * flush_tlb_range (tlb-v6.S v6wbi_flush_user_tlb_range, which has no ceiling turning a long range into
   * a full flush). Same effect and the same `invlpg` count as the loop, but computed over the cached
   * entries, so a range spanning a whole 512 GiB page-table level costs what is cached, not 2^27 steps.
   */
  flushRangeSide(
    cpu: number,
    start: number,
    end: number,
    stride: number,
    side: 'data' | 'instr' | 'both',
  ): void {
    this.checkCpu(cpu);
    if (end <= start) return;
    const pages = Math.ceil((end - start) / stride);
    this.counters.bumpOn(cpu, this.bIds.invlpg, pages);
    const sides: SideMask = side === 'data' ? Side.DATA : side === 'instr' ? Side.INSTR : Side.BOTH;
    this.tallySides(sides, pages);
    const tag = this.curTag[cpu];
    this.invLeafStrided(cpu, start, end, stride, tag, sides);
    this.invLeafStrided(cpu, start, end, stride, GLOBAL_TAG, sides);
    this.invWalkStrided(cpu, start, end, stride, tag, sides);
    this.invWalkStrided(cpu, start, end, stride, GLOBAL_TAG, sides);
  }

  /**
   * `inv_dside` / `inv_iside`: `pages` one-side MVA invalidations per side in `sides`, on a split machine
   * only (a unified TLB has no sides to tell apart). Weightless: `invlpg` already prices them.
   */
  private tallySides(sides: SideMask, pages: number): void {
    if (this.sides !== 2) return;
    if ((sides & Side.DATA) !== 0) this.counters.tally(this.bIds.inv_dside, pages);
    if ((sides & Side.INSTR) !== 0) this.counters.tally(this.bIds.inv_iside, pages);
  }
}

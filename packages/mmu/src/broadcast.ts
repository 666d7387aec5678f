// Invalidations that complete later: arm64 TLBI (complete at DSB, spec arm64-pkey.md §7.2) and AMD
// INVLPGB (complete at TLBSYNC, spec linux.md §2.2.6). Each is queued on the issuing CPU and applied —
// to every CPU for the broadcast forms, without IPIs — when that CPU completes it.
import {
  EL2_TAG,
  GLOBAL_TAG,
  Regime,
  Side,
  combinedTag,
  stage2Tag,
  type SideMask,
  type TlbiOp,
} from './constants.js';
import type { CostModel } from './costs.js';
import { EL1_TAGS, HOST_TAGS, tagMatches } from './invalidate.js';
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
  /**
   * FEAT_TTL hint for the by-address forms: the level of the leaf (1 = 4 KiB page, 2 = 2 MiB block,
   * 3 = 1 GiB block). Leaves of another size are left in place: with a wrong hint the architecture
   * requires no entry to be invalidated (Arm ARM, TLBI VAE1/IPAS2E1 "TTL" field; Linux
   * arch/arm64/include/asm/tlbflush.h: "If the level is wrong, no invalidation may take place"), and the
   * adversarial model keeps what it may keep. Walk-cache entries on the path still go [inference: the
   * hint names where the leaf is, not which walks to keep].
   */
  level?: 1 | 2 | 3;
}

interface PendingTlbi {
  op: TlbiOp;
  va: number;
  asid: number;
  pages: number;
  stride: number;
  broadcast: boolean;
  sides: SideMask;
  /** VMID of the issuing CPU's VTTBR_EL2 when it issued the TLBI (-1: none, the host's EL1&0). */
  vmid: number;
  /** TTL hint (0: none). */
  level: number;
  /**
   * The by-VA form leaves global entries alone: an AMD INVLPGB without "include global" (Linux
   * arch/x86/include/asm/tlb.h: invlpgb_flush_user_nr_nosync, "not including globals"). A TLBI by VA in
   * an ASID takes the VA's global entries too (arm64-pkey.md §7.2).
   */
  keepGlobal: boolean;
  /**
   * LEAF_ONLY and ALL_ASIDS of `op`, asked once when the TLBI is issued: it is applied on every CPU it reaches
   * (48 for a broadcast in populate-unmapped, per page), and each CPU looked the op's name up in both Sets.
   */
  leafOnly: boolean;
  allAsids: boolean;
}

const LEAF_ONLY = new Set<TlbiOp>(['VALE1', 'VAALE1', 'RVALE1', 'RVAALE1', 'IPAS2LE1', 'VALE2']);
/** Forms that name one address and may carry a TTL hint. */
const BY_ADDRESS = new Set<TlbiOp>([
  'VAE1',
  'VALE1',
  'VAAE1',
  'VAALE1',
  'IPAS2E1',
  'IPAS2LE1',
  'VAE2',
  'VALE2',
]);
/** Forms only EL2 (or EL3) may execute. */
const EL2_ONLY = new Set<TlbiOp>(['IPAS2E1', 'IPAS2LE1', 'VMALLS12E1', 'ALLE1', 'VAE2', 'VALE2', 'ALLE2']);
/** Whole-context forms, counted `tlbi_vmall`. */
const WHOLE = new Set<TlbiOp>(['VMALLE1', 'VMALLS12E1', 'ALLE1', 'ALLE2']);
const ALL_ASIDS = new Set<TlbiOp>(['VAAE1', 'VAALE1', 'RVAAE1', 'RVAALE1']);
const RANGE = new Set<TlbiOp>(['RVAE1', 'RVALE1', 'RVAAE1', 'RVAALE1']);
/** Forms by VA in an ASID, in all ASIDs or in a guest's VMID: those applyTlbi's last loop handles. */
const BY_VA_IN_CONTEXT = new Set<TlbiOp>([
  'VAE1',
  'VALE1',
  'VAAE1',
  'VAALE1',
  'RVAE1',
  'RVALE1',
  'RVAAE1',
  'RVAALE1',
]);

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
    const op: TlbiOp = pages === 0 ? 'VMALLE1' : global ? 'RVAAE1' : 'RVAE1';
    this.pending[cpu].push({
      op,
      va,
      asid: pcid,
      pages,
      stride: 4096,
      broadcast: true,
      sides: Side.BOTH,
      vmid: -1,
      level: 0,
      keepGlobal: !global,
      leafOnly: LEAF_ONLY.has(op),
      allAsids: ALL_ASIDS.has(op),
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
    // TLBIs of the stage-2 and EL2 regimes are EL2 instructions (UNDEFINED at EL1, Arm ARM C5.5 "TLBI").
    if (EL2_ONLY.has(op) && this.curRegime[cpu] !== Regime.EL2)
      throw new Error(`tlbi ${op}: an EL2 instruction, and CPU ${cpu} does not run at EL2`);
    // The …E1 forms act on the current VMID: VTTBR_EL2's, read when the instruction executes.
    const vmid = this.vttbr[cpu] >= 0 ? this.spaceVmid[this.vttbr[cpu]] : -1;
    if ((op === 'IPAS2E1' || op === 'IPAS2LE1') && vmid < 0)
      throw new Error(`tlbi ${op}: CPU ${cpu} has no VTTBR_EL2 loaded (it invalidates by the current VMID)`);
    if (args.level !== undefined && !BY_ADDRESS.has(op))
      throw new Error(`tlbi ${op}: a TTL hint (level) applies to the by-address forms only`);
    const t0 = this.spanStart(cpu);
    const id =
      op === 'ASIDE1'
        ? this.bIds.tlbi_asid
        : WHOLE.has(op)
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
      vmid,
      level: args.level ?? 0,
      keepGlobal: false,
      leafOnly: LEAF_ONLY.has(op),
      allAsids: ALL_ASIDS.has(op),
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
      if (!p.broadcast) this.applyTlbi(cpu, p);
      else if (!this.applyToSole(p)) for (let t = 0; t < this.cpus; t++) this.applyTlbi(t, p);
    }
  }

  /**
   * A broadcast by-VA TLBI of one page (TLBI VAALE1IS per page of flush_tlb_kernel_range, an INVLPGB of one page)
   * names the same entries on every CPU — its ASID, all ASIDs or its VMID, not the CPU's — so when the page has
   * at most one stale leaf of the levels it reaches and no walk-cache entry is in its reach, applyTlbi on each CPU
   * in turn comes down to dropping that one record CPU after CPU: done here with the record asked once, not
   * looked up on each of the CPUs. Returns false, having done nothing, when applyTlbi must run on each CPU.
   */
  private applyToSole(p: PendingTlbi): boolean {
    if (this.precise !== null || p.pages !== 1 || !BY_VA_IN_CONTEXT.has(p.op)) return false;
    if (p.vmid < 0 && !p.allAsids && p.asid < 0) return false;
    // Its walk-cache part (the forms that are not last-level, outside a guest) must find nothing on any CPU.
    if (p.vmid < 0 && !p.leafOnly) {
      const walks = this.staleWalk.cpuRefs;
      for (let t = 0; t < this.cpus; t++) if (walks[t] !== 0) return false;
    }
    const st = this.staleLeaf;
    if (st.live === 0) return true;
    const lo = p.level === 0 ? 1 : p.level;
    const hi = p.level === 0 ? 3 : p.level;
    const r = st.soleAt(p.va, lo, hi);
    if (r === -2) return false;
    if (r === -1) return true;
    const tag = st.tag[r];
    const reached =
      p.vmid >= 0
        ? tag === combinedTag(p.vmid)
        : p.allAsids
          ? tagMatches(HOST_TAGS, tag)
          : tag === p.asid || (!p.keepGlobal && tag === GLOBAL_TAG);
    if (!reached) return true;
    // Every CPU's copy goes (a unified TLB: whatever the sides; a split one: the sides the TLBI names).
    st.dropEverywhere(r, p.sides);
    return true;
  }

  private applyTlbi(cpu: number, p: PendingTlbi): void {
    const leafOnly = p.leafOnly;
    switch (p.op) {
      case 'VMALLE1':
        // Stage-1 entries of the current VMID (Arm ARM D8.13: "all stage 1 translations used at EL1&0,
        // current VMID"): the host's every ASID, or a guest's combined entries; stage-2-only ones stay.
        this.invalidateAll(cpu, p.vmid < 0 ? HOST_TAGS : combinedTag(p.vmid), p.sides);
        return;
      case 'VMALLS12E1':
        this.invalidateAll(cpu, p.vmid < 0 ? HOST_TAGS : combinedTag(p.vmid), p.sides);
        if (p.vmid >= 0) this.invalidateAll(cpu, stage2Tag(p.vmid), p.sides);
        return;
      case 'ALLE1':
        // Every EL1&0 entry of every VMID, both stages (Linux __kvm_flush_vm_context on VMID rollover).
        this.invalidateAll(cpu, EL1_TAGS, p.sides);
        return;
      case 'ALLE2':
        this.invalidateAll(cpu, EL2_TAG, p.sides);
        return;
      case 'ASIDE1':
        // A guest's stage 1 is not modelled (it runs flat): its entries carry no ASID.
        if (p.vmid >= 0) return;
        this.invLeafAll(cpu, p.asid, true, p.sides);
        this.invWalkAll(cpu, p.asid, p.sides);
        if (p.asid !== this.curTag[cpu]) this.forgetTag(cpu, p.asid);
        return;
      case 'IPAS2E1':
      case 'IPAS2LE1': {
        // Stage-2-only entries of the IPA in the current VMID; entries combining stage 1 and stage 2 are
        // not required to go (Arm ARM D8.13.x), hence KVM's TLBI VMALLE1IS after the DSB that completes
        // this one (arch/arm64/kvm/hyp/nvhe/tlb.c __kvm_tlb_flush_vmid_ipa).
        const t = stage2Tag(p.vmid);
        this.invLeafVa(cpu, p.va, t, p.sides, p.level);
        if (!leafOnly) this.invWalkVa(cpu, p.va, t, p.sides);
        return;
      }
      case 'VAE2':
      case 'VALE2':
        this.invLeafVa(cpu, p.va, EL2_TAG, p.sides, p.level);
        if (!leafOnly) this.invWalkVa(cpu, p.va, EL2_TAG, p.sides);
        return;
      default:
        break;
    }
    const allAsids = p.allAsids;
    for (let i = 0; i < p.pages; i++) {
      const va = p.va + i * p.stride;
      if (p.vmid >= 0) {
        // In a guest (flat stage 1, VA = IPA) a by-VA TLBI reaches the combined entries of that address.
        this.invLeafVa(cpu, va, combinedTag(p.vmid), p.sides, p.level);
      } else if (allAsids) {
        this.invLeafVa(cpu, va, HOST_TAGS, p.sides, p.level);
        if (!leafOnly) this.invWalkVa(cpu, va, HOST_TAGS, p.sides);
      } else {
        // By VA in an ASID: global entries for the VA go too, whatever their ASID (arm64-pkey.md §7.2).
        this.invLeafVa(cpu, va, p.asid, p.sides, p.level);
        if (!p.keepGlobal) this.invLeafVa(cpu, va, GLOBAL_TAG, p.sides, p.level);
        if (!leafOnly) {
          this.invWalkVa(cpu, va, p.asid, p.sides);
          if (!p.keepGlobal) this.invWalkVa(cpu, va, GLOBAL_TAG, p.sides);
        }
      }
    }
  }

  /** Every leaf and walk entry of tag (class) `tag` on `cpu`; tags it no longer runs stop counting it. */
  private invalidateAll(cpu: number, tag: number, sides: SideMask): void {
    this.invLeafAll(cpu, tag, false, sides);
    this.invWalkAll(cpu, tag, sides);
    if (tag < 0) this.forgetAllTags(cpu, this.curTag[cpu], tag);
    else if (!this.tagLoaded(cpu, tag)) this.forgetTag(cpu, tag);
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

// The machine's instruction set: what software may do to caches, each instruction counted and costed.
// x86 semantics: spec linux.md §2.1 (SDM INVLPG / INVPCID / MOV CR3); arm64: arm64-pkey.md §7.
import { GLOBAL_TAG, Invpcid, LEVEL_SIZE, Regime, Side, type InvpcidType, type Level } from './constants.js';
import type { CostProfileReport, CounterSnapshot } from './counters.js';
import type { CostModel } from './costs.js';
import type { SpaceId } from './core.js';
import type { MachineParams } from './params.js';
import { ANY_TAG } from './tlb.js';
import { MachineBulkStores } from './bulk-stores.js';
export type { TlbiArgs } from './broadcast.js';
export type { RegimeEntry } from './regime.js';

/** INVPCID types by number (SDM Vol. 2A), as the trace names them. */
const INVPCID_NAMES = ['individual', 'single-context', 'all', 'all-non-global'] as const;

/** Targets of an IPI: explicit CPU list, every CPU, or every CPU but the sender. */
export type IpiTargets = readonly number[] | 'all' | 'others';

export class Machine extends MachineBulkStores {
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

  /**
   * The machine will never be read again: its typed arrays (and those the OS model took from its lease) go
   * to the next machine built on this thread. Whoever created the machine calls this, last; without it
   * the arrays are ordinary garbage. Calling it twice is harmless.
   */
  release(): void {
    this.lease.release();
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

  /** Work: accumulated cost over all CPUs, in units of one INVLPG (spec linux.md §7.2, §7.4). */
  get cycles(): number {
    return this.counters.cycles;
  }

  /** Latency: the initiating CPU's clock, in units of one INVLPG (spec linux.md §7.4). */
  get latency(): number {
    return this.counters.latency;
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
    if (this.regimeOf(space) !== Regime.EL10)
      throw new Error(`setRoot: space ${space} is a stage-2 or EL2 space; enterRegime loads those`);
    if (this.curRegime[cpu] !== Regime.EL10)
      throw new Error(`setRoot: CPU ${cpu} is not running the host EL1&0 (exitRegime first)`);
    const tag = this.asidOf(space);
    if (!this.isArm) {
      this.counters.bumpOn(cpu, this.ids.cr3);
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
    if (this.spaceRetired[space] !== 0) throw new Error(`setRoot: address space ${space} was retired`);
    const prev = this.curSpace[cpu];
    if (prev >= 0 && prev !== space && this.anyUserGlobal) this.keepUserGlobals(cpu, prev);
    this.curSpace[cpu] = space;
    this.curTag[cpu] = tag;
    this.curRootSlot[cpu] = this.tables.slotOf[this.rootOf(space)]!;
    if (prev >= 0 && prev !== space) this.unlinkRetiredRoot(prev);
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
    this.counters.bumpOn(cpu, this.ids.wrpkru);
    if (this.sink !== null) this.emit(cpu, 'key', undefined, undefined, `pkru ${(value >>> 0).toString(16)}`);
  }

  /** MSR POR_EL0/POR_EL1 + ISB on `cpu` (arm64), counted as `wrpkru`. Not cached in the TLB (arm64-pkey.md §1.2). */
  setPor(cpu: number, el: 0 | 1, value: number): void {
    this.checkCpu(cpu);
    if (!this.isArm) throw new Error('setPor: POR_ELx is arm64; use setPkru on x86');
    (el === 0 ? this.por0 : this.por1)[cpu] = value >>> 0;
    this.counters.bumpOn(cpu, this.ids.wrpkru);
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
    const t0 = this.spanStart(cpu);
    this.invlpgOn(cpu, va);
    if (this.sink !== null) this.emit(cpu, 'flush', va, undefined, 'invlpg', t0);
  }

  /** INVPCID (SDM Vol. 2A): individual address, single context, all contexts incl. globals, all non-global. */
  invpcid(cpu: number, type: InvpcidType, pcid = 0, va = 0): void {
    this.x86Only('invpcid', cpu);
    const t0 = this.spanStart(cpu);
    switch (type) {
      case Invpcid.INDIVIDUAL:
        this.counters.bumpOn(cpu, this.ids.invlpg);
        this.invLeafVa(cpu, va, pcid, Side.BOTH);
        this.invWalkAll(cpu, pcid, Side.BOTH);
        break;
      case Invpcid.SINGLE_CONTEXT:
        this.counters.bumpOn(cpu, this.ids.full);
        this.invLeafAll(cpu, pcid, true, Side.BOTH);
        this.invWalkAll(cpu, pcid, Side.BOTH);
        if (pcid !== this.curTag[cpu]) this.forgetTag(cpu, pcid);
        break;
      case Invpcid.ALL_INCL_GLOBAL:
        this.counters.bumpOn(cpu, this.ids.full);
        this.invLeafAll(cpu, ANY_TAG, false, Side.BOTH);
        this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
        this.forgetAllTags(cpu, this.curTag[cpu]);
        break;
      case Invpcid.ALL_NON_GLOBAL:
        this.counters.bumpOn(cpu, this.ids.full);
        this.invLeafAll(cpu, ANY_TAG, true, Side.BOTH);
        this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
        this.forgetAllTags(cpu, this.curTag[cpu]);
        break;
      default:
        throw new RangeError(`invpcid type ${String(type)}`);
    }
    if (this.sink !== null) {
      const individual = type === Invpcid.INDIVIDUAL;
      this.emit(cpu, 'flush', individual ? va : undefined, undefined, `invpcid ${INVPCID_NAMES[type]}`, t0);
    }
  }

  /** Toggle CR4.PGE: drop everything on `cpu`, global entries and every PCID included (counted `full`). */
  flushGlobal(cpu: number): void {
    this.x86Only('flushGlobal', cpu);
    const t0 = this.spanStart(cpu);
    this.counters.bumpOn(cpu, this.ids.full);
    this.invLeafAll(cpu, ANY_TAG, false, Side.BOTH);
    this.invWalkAll(cpu, ANY_TAG, Side.BOTH);
    this.forgetAllTags(cpu, this.curTag[cpu]);
    if (this.sink !== null) this.emit(cpu, 'flush', undefined, undefined, 'cr4.pge', t0);
  }

  // ---------------------------------------------------------------- IPIs

  /**
   * Run `handler(cpu)` on each target in ascending order; counts one `ipi` per remote target (the sender
   * runs its own share directly, as `on_each_cpu` does). Handlers run to completion before `ipi` returns.
   * Clocks (spec linux.md §7.4): the targets run their handlers in parallel from the moment their interrupt
   * is sent, the sender's own share does not wait for them, and the sender waits for the slowest target
   * before it charges anything else (smp_call_function_many_cond, kernel/smp.c).
   */
  ipi(from: number, targets: IpiTargets, handler: (cpu: number) => void): void {
    this.checkCpu(from);
    if (targets === 'all' || targets === 'others') {
      // Every CPU in order (no list: a kernel-range flush on a large machine sends one round per page).
      for (let c = 0; c < this.cpus; c++) if (targets === 'all' || c !== from) this.ipiOne(c, from, handler);
    } else {
      const list = [...new Set(targets)].sort((a, b) => a - b);
      for (const c of list) this.checkCpu(c);
      for (const c of list) this.ipiOne(c, from, handler);
    }
    this.counters.on(from);
  }

  /**
   * on_each_cpu(f) from `from` where f INVLPGs `pages` pages from `va` (a kernel-range flush: do_kernel_range_flush,
   * __cpa_flush_tlb): the same as `ipi(from, 'all', (c) => { for each page: invlpg(c, page) })` — the same counts,
   * charges and clocks in the same order, the same drops of the same records — without a handler called per CPU.
   * A round of one page (a per-folio zap of the direct map: 48 CPUs per page in populate-unmapped) whose page has
   * at most one stale leaf, on CPUs none of which holds a stale walk-cache entry, asks that record once and drops
   * it on each CPU that INVLPG reaches it on, skipping the per-CPU lookups that would find nothing. Not traced:
   * with a sink the round is the general one, each instruction an event.
   */
  ipiInvlpg(from: number, va: number, pages: number): void {
    this.x86Only('invlpg', from);
    if (this.sink !== null) {
      this.ipi(from, 'all', (c) => {
        for (let i = 0; i < pages; i++) this.invlpg(c, va + i * 4096);
      });
      return;
    }
    const counters = this.counters;
    const id = this.ids.invlpg;
    // The one leaf record INVLPG could drop anywhere (-1: none), or -2: each CPU asks as invlpg does.
    const r = pages === 1 && this.precise === null ? this.soleTarget(va) : -2;
    const st = this.staleLeaf;
    const tag = r >= 0 ? st.tag[r] : 0;
    let live = r >= 0;
    // A global record goes from every CPU: dropped all at once where its last holder's INVLPG would free it
    // (StaleSet.dropEverywhere; between its holders' INVLPGs only the counters move, which nothing it tells
    // reads), so the free is heard at the same point of the round.
    const last = live && tag === GLOBAL_TAG ? st.lastHolder(r) : -1;
    for (let c = 0; c < this.cpus; c++) {
      const t0 = c === from ? counters.localBegin(c) : -1;
      if (c !== from) counters.ipiSent(from, c);
      if (r === -2) {
        for (let i = 0; i < pages; i++) this.invlpgOn(c, va + i * 4096);
      } else {
        counters.bumpOn(c, id);
        // invlpg's two leaf lookups: the current PCID's entries, then the global ones.
        if (c === last) st.dropEverywhere(r, Side.BOTH);
        else if (live && last < 0 && tag === this.curTag[c]) {
          const before = st.live;
          st.drop(r, c, Side.BOTH);
          live = st.live === before;
        }
      }
      if (c === from) counters.localEnd(c, t0);
    }
    counters.on(from);
  }

  /**
   * For ipiInvlpg's round of one page at `va`: the stale leaf record INVLPG may drop (−1: none) when it is the
   * page's only one and every CPU's lookups come down to dropping that record alone — no CPU holds a stale
   * walk-cache entry (INVLPG drops the current PCID's and the global ones), no CPU runs a tag class (a negative
   * tag reaches records of every tag); else −2, and each CPU asks as invlpg does.
   */
  private soleTarget(va: number): number {
    const walks = this.staleWalk.cpuRefs;
    for (let c = 0; c < this.cpus; c++) if (walks[c] !== 0 || this.curTag[c] < 0) return -2;
    return this.staleLeaf.live === 0 ? -1 : this.staleLeaf.soleAt(va, 1, 3);
  }

  /** invlpg's work on `cpu`, whose number was checked, with no trace event (invlpg's, and ipiInvlpg's rounds). */
  private invlpgOn(cpu: number, va: number): void {
    this.counters.bumpOn(cpu, this.ids.invlpg);
    const tag = this.curTag[cpu];
    this.invLeafVa(cpu, va, tag, Side.BOTH);
    this.invLeafVa(cpu, va, GLOBAL_TAG, Side.BOTH);
    this.invWalkAll(cpu, tag, Side.BOTH);
    this.invWalkAll(cpu, GLOBAL_TAG, Side.BOTH);
  }

  /** One target of an IPI round: the sender's own share runs locally, a remote one is sent. */
  private ipiOne(c: number, from: number, handler: (cpu: number) => void): void {
    if (c === from) {
      this.ipiLocal(c, handler);
      return;
    }
    this.counters.ipiSent(from, c);
    this.handleIpi(c, from, handler, true);
  }

  /**
   * The sender's own share. Its closure lives here, not in ipiOne: variables a closure captures are kept in a
   * context object made at every entry of the function that declares it, so ipiOne would make one per target
   * (a 48-CPU round per page of a kernel-range flush: 48 of them, for the one share that needs it).
   */
  private ipiLocal(c: number, handler: (cpu: number) => void): void {
    this.counters.local(c, () => this.handleIpi(c, c, handler));
  }

  /**
   * One CPU's handler of an IPI round (the sender's own share included), bracketed for the trace. A remote
   * handler's `ipi-begin` is the interrupt's arrival, its duration the entry `ipiSent` charged.
   */
  private handleIpi(c: number, from: number, handler: (cpu: number) => void, remote = false): void {
    if (this.sink !== null) {
      const arrival = remote ? this.counters.timeOn(c) - this.counters.weight('ipi') : undefined;
      this.emit(c, 'ipi-begin', undefined, undefined, `from ${from}`, arrival);
    }
    handler(c);
    if (this.sink !== null) this.emit(c, 'ipi-end');
  }

  /**
   * A new scenario step initiated by `cpu` begins: the latency clock follows `cpu` from here (spec
   * linux.md §7.4), and charges made without a CPU (`count`, `charge`) run on it.
   */
  beginStep(cpu: number): void {
    this.checkCpu(cpu);
    this.counters.beginStep(cpu);
  }

  /** Charges made without a CPU (`count`, `charge`) run on `cpu` from here. */
  runOn(cpu: number): void {
    this.checkCpu(cpu);
    this.counters.on(cpu);
  }

  /** Work per CPU since the machine was built, in INVLPG units (the cost breakdown by CPU). */
  workByCpu(): readonly number[] {
    return Array.from(this.counters.cpuWork);
  }

  /**
   * Record the next charges by event kind and by CPU, the latency path included (cost-profile.ts). Call it
   * right after `beginStep`; off by default, so an unprofiled run pays one branch per charge.
   */
  startCostProfile(): void {
    this.counters.startProfile();
  }

  /** Stop recording: every priced event kind with its count and its count on the latency path, by CPU. */
  stopCostProfile(): CostProfileReport {
    return this.counters.stopProfile();
  }

  // ---------------------------------------------------------------- helpers

  protected checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus)
      throw new RangeError(`cpu ${cpu} outside 0..${this.cpus - 1}`);
  }

  protected x86Only(what: string, cpu: number): void {
    this.checkCpu(cpu);
    if (this.isArm) throw new Error(`${what}: x86 only; use tlbi/dsb on arm64`);
  }
}

/** Bytes covered by one entry at `level` (re-exported convenience). */
export function levelSize(level: Level): number {
  return LEVEL_SIZE[level];
}

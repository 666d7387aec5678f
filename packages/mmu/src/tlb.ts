// The access path of both TLB models. `adversarial`: a CPU holds whatever it may hold, so an access is
// the current translation unless a stale record for this CPU covers the address. `precise`: per-CPU
// finite caches filled by walks (precise.ts). Both feed the same stale records, so the reverse view and
// every invariant read the same data whichever model runs.
import {
  Access,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Outcome,
  Pte,
  Regime,
  levelIndex,
  type AccessKind,
  type AccessMode,
  type Level,
  type OutcomeCode,
} from './constants.js';
import type { CostModel } from './costs.js';
import type { MachineParams } from './params.js';
import { MachineWalk } from './walk.js';
import { vpnTableIndex } from './tables.js';
import { keyIndex, keyTag } from './precise.js';

export { ANY_TAG } from './invalidate.js';

// What the hit path reads on every access, as plain module constants: the JIT reads a property of a
// module-level object (`Outcome.OK`) with a map check and a load each time, a constant with one load.
const OK = Outcome.OK;
const NOT_PRESENT = Outcome.FAULT_NOT_PRESENT;
const EL10 = Regime.EL10;
const EXEC = Access.EXEC;
const GUEST = Regime.GUEST;
const PRESENT = Pte.PRESENT;
const TABLE = Pte.TABLE;
const GLOBAL = Pte.GLOBAL;

export abstract class MachineTlb extends MachineWalk {
  private readonly walkId: number;
  private readonly fillId: number;

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    this.walkId = this.counters.id('walk');
    this.fillId = this.counters.id('fill');
  }

  // ---------------------------------------------------------------- access

  /**
   * One access by `cpu` to `va`. Returns an outcome code (constants `Outcome`); details of the last access
   * are in `lastPfn`, `lastStale`, `lastFaultSpurious`, `lastLevel`. Keys are checked on every access,
   * TLB hits included: PKRU/POR are never cached (freebsd-amd64.md §1.4, arm64-pkey.md §1.2).
   */
  access(cpu: number, va: number, kind: AccessKind, mode: AccessMode): OutcomeCode {
    this.lastStale = false;
    this.lastFaultSpurious = false;
    this.lastPfn = -1;
    this.lastLevel = 0;
    const kernelHalf = va >= KERNEL_HALF;
    // Bit 47 selects the kernel half only in the EL1&0 stage 1; IPAs and EL2 VAs are modelled below it.
    // Below it, a CPU with no user root translates nothing.
    if (kernelHalf ? this.curRegime[cpu] !== EL10 : this.curRootSlot[cpu] < 0) return NOT_PRESENT;
    const side = kind === EXEC ? 1 : 0;
    const tag = kernelHalf ? GLOBAL_TAG : this.curTag[cpu];
    const pc = this.precise;
    if (pc === null) return this.accessAdversarial(cpu, va, kind, mode, side, tag, kernelHalf);
    // Fast path: a consistent 4 KiB entry in the TLB (the common hit); everything else goes the long way.
    // Kept small so that the JIT can inline it into a caller's loop.
    const unit = this.sides === 1 ? cpu : cpu * 2 + side;
    const s = pc.findTlb(unit, 1, levelIndex(va, 1), tag);
    if (s >= 0 && pc.tRec[s] < 0 && this.check(cpu, pc.tFlags[s], kind, mode) === OK) {
      this.lastPfn = pc.tOut[s];
      this.lastLevel = 1;
      return OK;
    }
    // A miss, a stale entry or a fault (the rules, free of side effects, are asked again there).
    return this.accessPrecise(cpu, va, kind, mode, unit, tag, kernelHalf, s);
  }

  /** The adversarial model: the current translation unless a stale record this CPU holds covers `va`. */
  private accessAdversarial(
    cpu: number,
    va: number,
    kind: AccessKind,
    mode: AccessMode,
    side: number,
    tag: number,
    kernelHalf: boolean,
  ): OutcomeCode {
    let rec = -1;
    if (this.staleLeaf.cpuRefs[cpu] > 0) rec = this.findStaleLeaf(cpu, side, va, tag, kernelHalf, kind, mode);
    const present = this.walk(this.rootFor(cpu, kernelHalf), 4, va);
    if (rec >= 0) {
      const s = this.staleLeaf;
      const lvl = s.level[rec];
      const sp = s.out[rec] + (((va % LEVEL_SIZE[lvl as Level]) / 4096) | 0); // | 0: floor below 2^27, a small integer
      return this.decide(cpu, va, kind, mode, present, s.flags[rec], sp, lvl, tag);
    }
    if (this.staleWalk.cpuRefs[cpu] > 0) {
      const cf = this.wFlags;
      const cp = this.wPfn;
      const cl = this.wLevel;
      // A guest's walk-cache entries are stage-2 walks (IPAS2E1 removes them, VMALLE1 need not).
      const wtag = this.curRegime[cpu] === Regime.GUEST ? this.guestTags(cpu).stage2 : tag;
      if (this.walkViaStaleRecord(cpu, side, va, wtag)) {
        const sf = this.wFlags;
        const sp = this.wPfn;
        const sl = this.wLevel;
        this.wFlags = cf;
        this.wPfn = cp;
        this.wLevel = cl;
        return this.decide(cpu, va, kind, mode, present, sf, sp, sl, tag);
      }
      this.wFlags = cf;
      this.wPfn = cp;
      this.wLevel = cl;
    }
    if (!present) return Outcome.FAULT_NOT_PRESENT;
    const o = this.check(cpu, this.wFlags, kind, mode);
    if (o === Outcome.OK) {
      this.lastPfn = this.wPfn;
      this.lastLevel = this.wLevel;
    }
    return o;
  }

  /** A speculative walk: fills caches (precise model) without an access. Returns whether `va` is mapped. */
  speculate(cpu: number, va: number, side: 'data' | 'instr' = 'data'): boolean {
    if (this.curRegime[cpu] !== Regime.EL10 && va >= KERNEL_HALF) return false;
    const kernelHalf = va >= KERNEL_HALF;
    if (!kernelHalf && this.curRootSlot[cpu] < 0) return false;
    const tag = kernelHalf ? GLOBAL_TAG : this.curTag[cpu];
    if (this.precise === null) {
      // Adversarial: everything reachable is already assumed cached; the walk only costs.
      this.counters.bumpOn(cpu, this.walkId);
      return this.walk(this.rootFor(cpu, kernelHalf), 4, va);
    }
    const unit = cpu * this.sides + (this.sides === 2 && side === 'instr' ? 1 : 0);
    return this.hardwareWalk(cpu, unit, va, tag, kernelHalf) >= 0;
  }

  // ---------------------------------------------------------------- precise model

  private accessPrecise(
    cpu: number,
    va: number,
    kind: AccessKind,
    mode: AccessMode,
    unit: number,
    tag: number,
    kernelHalf: boolean,
    l1: number,
  ): OutcomeCode {
    const pc = this.precise!;
    // `l1` is the 4 KiB probe the fast path already made (a slot holding a stale or refusing entry, or -1).
    let s = l1;
    const top = pc.maxLevel;
    for (let l = 2; l <= top && s < 0; l++) s = pc.findTlb(unit, l, levelIndex(va, l), tag);
    let global = false;
    if (s < 0 && !kernelHalf && this.anyUserGlobal && this.curRegime[cpu] === EL10) {
      s = this.findUserGlobal(unit, va);
      global = s >= 0;
    }
    if (s < 0) s = this.hardwareWalk(cpu, unit, va, tag, kernelHalf);
    if (s < 0) return NOT_PRESENT;
    const lvl = pc.tLevel[s];
    const f = pc.tFlags[s];
    const p = pc.tOut[s] + (lvl === 1 ? 0 : (levelIndex(va, 1) % LEVEL_PAGES[lvl]) | 0); // | 0: as in walk.ts
    // A global entry answers under every PCID or ASID, but it may be another space's translation, still
    // current there: unless the current tables translate `va` the same way, the access is served by an entry
    // that is not the current one and is decided as a stale one is (`ok-stale` when only it allows it).
    if (pc.tRec[s] < 0 && (!global || this.translatesAs(cpu, va, f, p))) {
      const o = this.check(cpu, f, kind, mode);
      if (o === OK) {
        this.lastPfn = p;
        this.lastLevel = lvl;
      } else if (!this.isArm) {
        this.invalidateTlbSlot(s, cpu, unit);
      }
      return o;
    }
    const present = this.walk(this.rootFor(cpu, kernelHalf), 4, va);
    return this.decide(cpu, va, kind, mode, present, f, p, lvl, tag);
  }

  /** Do the current user tables of `cpu` translate `va` with exactly these flags to frame `p`? */
  private translatesAs(cpu: number, va: number, f: number, p: number): boolean {
    return this.walk(this.rootFor(cpu, false), 4, va) && this.wFlags === f && this.wPfn === p;
  }

  /** TLB slot of a global entry translating user VA `va` in `unit`, any size, or -1 (apart: a rare probe). */
  private findUserGlobal(unit: number, va: number): number {
    const pc = this.precise!;
    let s = -1;
    for (let l = 1; l <= pc.maxLevel && s < 0; l++) s = pc.findTlb(unit, l, levelIndex(va, l), GLOBAL_TAG);
    return s;
  }

  /** Hardware walk through the walk cache; fills walk cache and TLB. Returns the TLB slot, or -1. */
  private hardwareWalk(cpu: number, unit: number, va: number, tag: number, kernelHalf: boolean): number {
    const pc = this.precise!;
    const t = this.tables;
    this.counters.bumpOn(cpu, this.walkId);
    let slot = -1;
    let level = 4;
    let viaStale = false;
    const regime = this.curRegime[cpu];
    const wtag = regime === GUEST ? this.guestTags(cpu).stage2 : tag;
    // levelIndex(va, l), its scale carried from level to level (2^-21, 2^-30, 2^-39: exact) — levelIndex
    // reads it from LEVEL_SCALE, a mutable array the JIT loads again on every walk.
    let scale = 2 ** -21;
    for (let l = 2; l <= 4; l++, scale *= 2 ** -9) {
      const w = pc.findWalk(unit, l, Math.floor(va * scale), wtag);
      if (w >= 0) {
        slot = t.slotOf[pc.wOut[w]]!;
        level = l - 1;
        viaStale = pc.wRec[w] >= 0;
        if (slot < 0) return -1;
        break;
      }
    }
    if (level === 4) slot = this.rootFor(cpu, kernelHalf);
    const vpn = levelIndex(va, 1);
    while (slot >= 0) {
      const e = slot * 512 + vpnTableIndex(vpn, level);
      const f = t.flags[e];
      if ((f & PRESENT) === 0) return -1;
      if ((f & TABLE) === 0) return this.fillLeaf(cpu, unit, va, tag, level, e, viaStale ? slot : -1);
      if (level === 1) return -1;
      if (!viaStale && pc.wcEntries > 0) this.cacheWalkEntry(cpu, unit, va, level, wtag, e);
      slot = t.slotOf[t.out[e]]!;
      level--;
    }
    return -1;
  }

  /**
   * Fill `unit`'s TLB with leaf entry `e`, found at `level` by the walk of `va`, evicting the set's least
   * recently used entry; returns the slot. `staleVia`: the table slot holding `e` when a stale walk-cache
   * entry led there, else -1. Apart from the walk so that each inlines its own helpers.
   */
  private fillLeaf(
    cpu: number,
    unit: number,
    va: number,
    tag: number,
    level: number,
    e: number,
    staleVia: number,
  ): number {
    const pc = this.precise!;
    const t = this.tables;
    const f = t.flags[e];
    const index = levelIndex(va, level);
    const ltag = (f & GLOBAL) !== 0 && this.curRegime[cpu] === EL10 ? GLOBAL_TAG : tag;
    const s = pc.victimTlb(unit, level, index);
    // An evicted entry with a stale record gives up its CPU's share of it; a consistent one needs nothing
    // here (fillTlb overwrites its key and record), so the common fill makes no call the JIT must inline.
    if (pc.tRec[s] >= 0) this.invalidateTlbSlot(s, cpu, unit);
    pc.fillTlb(s, level, index, ltag, f, t.out[e], t.since[e]);
    this.counters.bumpOn(cpu, this.fillId);
    if (staleVia >= 0) this.markSlotStale(s, cpu, unit, e, t.slotSpace[staleVia]);
    if (this.sink !== null) this.emitFill(cpu, va, t.out[e], level);
    return s;
  }

  /** The `fill` event, apart from fillLeaf: only a traced run emits it; its text would be bytecode of every fill. */
  private emitFill(cpu: number, va: number, out: number, level: number): void {
    this.emit(cpu, 'fill', va, out, `L${level}`);
  }

  /** Keep the pointer entry `e` (of a level-`level` table on the path of `va`) in `unit`'s walk cache. */
  private cacheWalkEntry(
    cpu: number,
    unit: number,
    va: number,
    level: number,
    wtag: number,
    e: number,
  ): void {
    const pc = this.precise!;
    const w = pc.victimWalk(unit);
    if (pc.wKey[w] !== -1) this.invalidateWalkSlot(w, cpu, unit);
    pc.fillWalk(w, level, levelIndex(va, level), wtag, this.tables.out[e], this.tables.since[e]);
  }

  /**
   * A TLB entry filled through a stale walk-cache entry is stale from birth: give slot `s` (just filled from
   * table entry `e` of a table of `space`) a record.
   */
  private markSlotStale(s: number, cpu: number, unit: number, e: number, space: number): void {
    const pc = this.precise!;
    const t = this.tables;
    this.scratch.fill(0);
    const side = unit - cpu * this.sides;
    this.scratch[side * this.words + (cpu >>> 5)] = 1 << (cpu & 31);
    const r = this.staleLeaf.add(
      pc.tLevel[s],
      keyTag(pc.tKey[s]),
      keyIndex(pc.tKey[s]),
      t.flags[e],
      t.out[e],
      t.since[e],
      space,
      this.scratch,
      0,
      3,
      true,
    );
    pc.tRec[s] = r;
  }
}

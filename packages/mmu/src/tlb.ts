// The TLB models and the access path. `adversarial`: a CPU holds whatever it may hold, so an access is
// the current translation unless a stale record for this CPU covers the address. `precise`: per-CPU
// finite caches filled by walks (precise.ts). Both feed the same stale records, so the reverse view and
// every invariant read the same data whichever model runs.
import {
  Access,
  GLOBAL_TAG,
  KERNEL_HALF,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Mode,
  Outcome,
  Pte,
  type AccessKind,
  type AccessMode,
  type Level,
  type OutcomeCode,
} from './constants.js';
import { MachineCore } from './core.js';
import type { CostModel } from './costs.js';
import type { MachineParams } from './params.js';
import { PreciseCaches, keyIndex, keyTag } from './precise.js';

/** Matches every tag in the invalidation helpers. */
export const ANY_TAG = -1;

export abstract class MachineTlb extends MachineCore {
  protected readonly precise: PreciseCaches | null;
  /** Per CPU: root table slot of the current user space (-1 none). */
  protected readonly curRootSlot: Int32Array;
  /** x86 PKRU per CPU. */
  readonly pkru: Uint32Array;
  /** arm64 POR_EL0 / POR_EL1 per CPU. */
  readonly por0: Uint32Array;
  readonly por1: Uint32Array;
  /** Frame reached by the last access (-1 on a fault). */
  lastPfn = -1;
  /** The last access was served by a possibly-stale cached entry (TLB or walk cache). */
  lastStale = false;
  /** The last access faulted only because of a stale, less permissive entry (x86 `spurious`, spec linux.md §2.1.4). */
  lastFaultSpurious = false;
  /** Leaf level of the translation used by the last access (0 when none). */
  lastLevel = 0;
  /** Whether any user-half leaf was ever stored global (makes user lookups probe the global tag too). */
  protected anyUserGlobal = false;
  private readonly scratch: Uint32Array;
  /** Per CPU: user tags it may hold entries of (the set form of tagMask, for cheap full flushes). */
  private readonly cpuTags: Set<number>[] = [];
  private readonly scratchSlots: number[] = [];
  private readonly walkId: number;
  private readonly fillId: number;
  // Registers of the last walk (no object per walk).
  private wFlags = 0;
  private wPfn = 0;
  private wLevel = 0;
  private wSince = 0;

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    this.precise =
      params.tlb === 'precise'
        ? new PreciseCaches(
            this.cpus * this.sides,
            params.tlbEntries,
            params.tlbAssociativity,
            params.walkCacheEntries,
          )
        : null;
    this.curRootSlot = new Int32Array(this.cpus).fill(-1);
    this.pkru = new Uint32Array(this.cpus).fill(this.isArm ? 0 : this.arch.keyRegisterReset);
    this.por0 = new Uint32Array(this.cpus).fill(this.isArm ? this.arch.keyRegisterReset : 0);
    this.por1 = new Uint32Array(this.cpus).fill(this.isArm ? this.arch.keyRegisterReset : 0);
    this.scratch = new Uint32Array(this.words * this.sides);
    for (let c = 0; c < this.cpus; c++) this.cpuTags.push(new Set());
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
    if (!kernelHalf && this.curRootSlot[cpu] < 0) return Outcome.FAULT_NOT_PRESENT;
    const side = kind === Access.EXEC ? 1 : 0;
    const tag = kernelHalf ? GLOBAL_TAG : this.curTag[cpu];
    if (this.precise !== null) return this.accessPrecise(cpu, va, kind, mode, side, tag, kernelHalf);
    let rec = -1;
    if (this.staleLeaf.cpuRefs[cpu] > 0) rec = this.findStaleLeaf(cpu, side, va, tag, kernelHalf);
    const present = this.walk(this.rootFor(cpu, kernelHalf), 4, va);
    if (rec >= 0) {
      const s = this.staleLeaf;
      const lvl = s.level[rec];
      const sp = s.out[rec] + Math.floor((va % LEVEL_SIZE[lvl as Level]) / 4096);
      return this.decide(cpu, va, kind, mode, present, s.flags[rec], sp, lvl, tag);
    }
    if (this.staleWalk.cpuRefs[cpu] > 0) {
      const cf = this.wFlags;
      const cp = this.wPfn;
      const cl = this.wLevel;
      if (this.walkViaStaleRecord(cpu, side, va, tag)) {
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
    const kernelHalf = va >= KERNEL_HALF;
    if (!kernelHalf && this.curRootSlot[cpu] < 0) return false;
    const tag = kernelHalf ? GLOBAL_TAG : this.curTag[cpu];
    if (this.precise === null) {
      // Adversarial: everything reachable is already assumed cached; the walk only costs.
      this.counters.bump(this.walkId);
      return this.walk(this.rootFor(cpu, kernelHalf), 4, va);
    }
    const unit = cpu * this.sides + (this.sides === 2 && side === 'instr' ? 1 : 0);
    return this.hardwareWalk(cpu, unit, va, tag, kernelHalf) >= 0;
  }

  /** The permission rules (x86: SMEP/SMAP on, CR0.WP=1, PKU; arm64: PAN, PXN on user pages, POE). */
  protected check(cpu: number, f: number, kind: AccessKind, mode: AccessMode): OutcomeCode {
    if ((f & Pte.PRESENT) === 0) return Outcome.FAULT_NOT_PRESENT;
    const user = (f & Pte.USER) !== 0;
    const arm = this.isArm;
    // arm64 uaccess uses LDTR/STTR: unprivileged, checked as EL0. x86 uaccess is a supervisor access
    // with SMAP suspended (STAC).
    const asUser = mode === Mode.USER || (arm && mode === Mode.UACCESS);
    if (asUser) {
      if (!user) return Outcome.FAULT_PRIVILEGE;
    } else if (user) {
      // SMEP / arm64 PXN on user mappings: the kernel never executes user pages.
      if (kind === Access.EXEC) return Outcome.FAULT_EXEC;
      // SMAP / PAN: plain kernel accesses to user pages fault; uaccess opens the window.
      if (mode === Mode.KERNEL) return Outcome.FAULT_PRIVILEGE;
    }
    const key = (f & Pte.KEY_MASK) >>> Pte.KEY_SHIFT;
    if (arm) {
      // POE gates read, write and execute, kernel pages too; POR_EL0 for EL0 and unprivileged accesses.
      const por = asUser ? this.por0[cpu] : this.por1[cpu];
      const perm = (por >>> (4 * key)) & 0xf;
      const need = kind === Access.READ ? 1 : kind === Access.EXEC ? 2 : 4;
      if ((perm & 8) !== 0 || (perm & need) === 0) return Outcome.FAULT_KEY;
    } else if (user && kind !== Access.EXEC) {
      // PKRU: data accesses to user pages only, supervisor ones included (WP=1 makes WD apply to them).
      const bits = (this.pkru[cpu] >>> (2 * key)) & 3;
      if ((bits & 1) !== 0 || (kind === Access.WRITE && (bits & 2) !== 0)) return Outcome.FAULT_KEY;
    }
    if (kind === Access.WRITE) {
      if ((f & Pte.WRITABLE) === 0) return Outcome.FAULT_WRITE;
    } else if (kind === Access.EXEC) {
      if ((f & (asUser ? Pte.XUSER : Pte.XKERNEL)) === 0) return Outcome.FAULT_EXEC;
    }
    return Outcome.OK;
  }

  /** Stale entry (sf, sp) vs current walk result: the `onConflict` rule. */
  private decide(
    cpu: number,
    va: number,
    kind: AccessKind,
    mode: AccessMode,
    present: boolean,
    sf: number,
    sp: number,
    sl: number,
    tag: number,
  ): OutcomeCode {
    const cur = present ? this.check(cpu, this.wFlags, kind, mode) : Outcome.FAULT_NOT_PRESENT;
    const st = this.check(cpu, sf, kind, mode);
    if (this.params.onConflict === 'either') {
      if (cur === Outcome.OK) {
        this.lastPfn = this.wPfn;
        this.lastLevel = this.wLevel;
        return Outcome.OK;
      }
      if (st === Outcome.OK) {
        this.lastPfn = sp;
        this.lastLevel = sl;
        this.lastStale = true;
        return Outcome.OK_STALE;
      }
      return cur;
    }
    if (st === Outcome.OK) {
      this.lastPfn = sp;
      this.lastLevel = sl;
      this.lastStale = true;
      return cur === Outcome.OK && this.wPfn === sp ? Outcome.OK : Outcome.OK_STALE;
    }
    this.lastStale = true;
    this.lastFaultSpurious = cur === Outcome.OK;
    // x86: a page fault invalidates the TLB entries for the faulting address (SDM Vol. 3A §4.10.4.1),
    // which is why the kernel's spurious-fault retry succeeds.
    if (!this.isArm) this.invLeafVa(cpu, va, tag, 3);
    return st;
  }

  private rootFor(cpu: number, kernelHalf: boolean): number {
    return kernelHalf ? this.kernelRootSlot : this.curRootSlot[cpu];
  }

  /** Walk the tables from `slot` (a table of `level`); sets wFlags/wPfn/wLevel/wSince. */
  private walk(slot: number, level: number, va: number): boolean {
    const t = this.tables;
    const vpn = Math.floor(va / 4096);
    while (slot >= 0) {
      const idx =
        level === 1
          ? vpn & 511
          : level === 2
            ? (vpn >>> 9) & 511
            : level === 3
              ? (vpn >>> 18) & 511
              : Math.floor(vpn / 134217728) & 511;
      const e = slot * 512 + idx;
      const f = t.flags[e];
      if ((f & Pte.PRESENT) === 0) break;
      if ((f & Pte.TABLE) === 0) {
        this.wFlags = f;
        this.wLevel = level;
        this.wSince = t.since[e]!;
        this.wPfn = t.out[e] + (level === 1 ? 0 : vpn % LEVEL_PAGES[level]);
        return true;
      }
      if (level === 1) break;
      slot = t.slotOf[t.out[e]]!;
      level--;
    }
    this.wFlags = 0;
    this.wPfn = -1;
    this.wLevel = 0;
    return false;
  }

  private findStaleLeaf(cpu: number, side: number, va: number, tag: number, kernelHalf: boolean): number {
    const s = this.staleLeaf;
    for (let l = 1; l <= 3; l++) {
      const r = s.find(cpu, side, l, Math.floor(va / LEVEL_SIZE[l as Level]), tag);
      if (r >= 0) return r;
    }
    if (!kernelHalf && this.anyUserGlobal) {
      for (let l = 1; l <= 3; l++) {
        const r = s.find(cpu, side, l, Math.floor(va / LEVEL_SIZE[l as Level]), GLOBAL_TAG);
        if (r >= 0) return r;
      }
    }
    return -1;
  }

  /**
   * Adversarial walk through a stale walk-cache record, deepest first. A freed table frame that has not
   * become a table again reads as empty (frame contents are not modelled). Returns false when no record.
   */
  private walkViaStaleRecord(cpu: number, side: number, va: number, tag: number): boolean {
    const s = this.staleWalk;
    for (let l = 2; l <= 4; l++) {
      const r = s.find(cpu, side, l, Math.floor(va / LEVEL_SIZE[l as Level]), tag);
      if (r < 0) continue;
      if (!this.walk(this.tables.slotOf[s.out[r]], l - 1, va)) {
        this.wFlags = 0;
        this.wPfn = -1;
      }
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- precise model

  private accessPrecise(
    cpu: number,
    va: number,
    kind: AccessKind,
    mode: AccessMode,
    side: number,
    tag: number,
    kernelHalf: boolean,
  ): OutcomeCode {
    const pc = this.precise!;
    const unit = cpu * this.sides + (this.sides === 2 ? side : 0);
    let s = -1;
    const top = pc.maxLevel;
    for (let l = 1; l <= top && s < 0; l++)
      s = pc.findTlb(unit, l, Math.floor(va / LEVEL_SIZE[l as Level]), tag);
    if (s < 0 && !kernelHalf && this.anyUserGlobal) {
      for (let l = 1; l <= top && s < 0; l++)
        s = pc.findTlb(unit, l, Math.floor(va / LEVEL_SIZE[l as Level]), GLOBAL_TAG);
    }
    if (s < 0) s = this.hardwareWalk(cpu, unit, va, tag, kernelHalf);
    if (s < 0) return Outcome.FAULT_NOT_PRESENT;
    const lvl = pc.tLevel[s];
    const f = pc.tFlags[s];
    const p = pc.tOut[s] + (lvl === 1 ? 0 : Math.floor(va / 4096) % LEVEL_PAGES[lvl]);
    if (pc.tRec[s] < 0) {
      const o = this.check(cpu, f, kind, mode);
      if (o === Outcome.OK) {
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

  /** Hardware walk through the walk cache; fills walk cache and TLB. Returns the TLB slot, or -1. */
  private hardwareWalk(cpu: number, unit: number, va: number, tag: number, kernelHalf: boolean): number {
    const pc = this.precise!;
    const t = this.tables;
    this.counters.bump(this.walkId);
    let slot = -1;
    let level = 4;
    let viaStale = false;
    for (let l = 2; l <= 4; l++) {
      const w = pc.findWalk(unit, l, Math.floor(va / LEVEL_SIZE[l as Level]), tag);
      if (w >= 0) {
        slot = t.slotOf[pc.wOut[w]]!;
        level = l - 1;
        viaStale = pc.wRec[w] >= 0;
        if (slot < 0) return -1;
        break;
      }
    }
    if (level === 4) slot = this.rootFor(cpu, kernelHalf);
    const vpn = Math.floor(va / 4096);
    while (slot >= 0) {
      const idx =
        level === 1
          ? vpn & 511
          : level === 2
            ? (vpn >>> 9) & 511
            : level === 3
              ? (vpn >>> 18) & 511
              : Math.floor(vpn / 134217728) & 511;
      const e = slot * 512 + idx;
      const f = t.flags[e];
      if ((f & Pte.PRESENT) === 0) return -1;
      if ((f & Pte.TABLE) === 0) {
        const index = Math.floor(va / LEVEL_SIZE[level as Level]);
        const ltag = (f & Pte.GLOBAL) !== 0 ? GLOBAL_TAG : tag;
        const s = pc.victimTlb(unit, level, index);
        if (pc.tKey[s] !== -1) this.invalidateTlbSlot(s, cpu, unit);
        pc.fillTlb(s, level, index, ltag, f, t.out[e], t.since[e]);
        this.counters.bump(this.fillId);
        if (viaStale)
          this.markSlotStale(s, cpu, unit, level, index, ltag, f, t.out[e], t.since[e], t.slotSpace[slot]);
        if (this.sink !== null) this.emit(cpu, 'fill', va, t.out[e], `L${level}`);
        return s;
      }
      if (level === 1) return -1;
      if (!viaStale && pc.wcEntries > 0) {
        const w = pc.victimWalk(unit);
        if (pc.wKey[w] !== -1) this.invalidateWalkSlot(w, cpu, unit);
        pc.fillWalk(w, level, Math.floor(va / LEVEL_SIZE[level as Level]), tag, t.out[e], t.since[e]);
      }
      slot = t.slotOf[t.out[e]]!;
      level--;
    }
    return -1;
  }

  /** A TLB entry filled through a stale walk-cache entry is stale from birth: give it a record. */
  private markSlotStale(
    s: number,
    cpu: number,
    unit: number,
    level: number,
    index: number,
    tag: number,
    f: number,
    out: number,
    since: number,
    space: number,
  ): void {
    this.scratch.fill(0);
    const side = unit - cpu * this.sides;
    this.scratch[side * this.words + (cpu >>> 5)] = 1 << (cpu & 31);
    const r = this.staleLeaf.add(level, tag, index, f, out, since, space, this.scratch, 0, 3, true);
    this.precise!.tRec[s] = r;
  }

  private invalidateTlbSlot(s: number, cpu: number, unit: number): void {
    const pc = this.precise!;
    const r = pc.tRec[s];
    pc.tKey[s] = -1;
    pc.tRec[s] = -1;
    if (r >= 0) this.staleLeaf.drop(r, cpu, 1 << (unit - cpu * this.sides));
  }

  private invalidateWalkSlot(w: number, cpu: number, unit: number): void {
    const pc = this.precise!;
    const r = pc.wRec[w];
    pc.wKey[w] = -1;
    pc.wRec[w] = -1;
    if (r >= 0) this.staleWalk.drop(r, cpu, 1 << (unit - cpu * this.sides));
  }

  // ---------------------------------------------------------------- stale records on stores

  protected recordStaleLeaf(
    level: Level,
    tag: number,
    va: number,
    of: number,
    oo: number,
    os: number,
    space: number,
  ): void {
    if (va < KERNEL_HALF && (of & Pte.GLOBAL) !== 0) this.anyUserGlobal = true;
    const index = Math.floor(va / LEVEL_SIZE[level]);
    if (this.precise === null) {
      this.staleLeaf.add(
        level,
        tag,
        index,
        of,
        oo,
        os,
        space,
        this.tagMask,
        this.tagRow(tag) * this.words,
        3,
      );
      return;
    }
    // Precise: exactly the CPUs whose TLB holds the (still consistent) entry now keep a stale copy.
    const pc = this.precise;
    this.scratch.fill(0);
    const slots = this.scratchSlots;
    slots.length = 0;
    for (let unit = 0; unit < this.cpus * this.sides; unit++) {
      const b = pc.setBase(unit, level, index);
      const key = index * 131072 + tag;
      for (let w = 0; w < pc.ways; w++) {
        const s = b + w;
        if (pc.tKey[s] === key && pc.tLevel[s] === level && pc.tRec[s] < 0) {
          const cpu = Math.floor(unit / this.sides);
          const side = unit - cpu * this.sides;
          this.scratch[side * this.words + (cpu >>> 5)] |= 1 << (cpu & 31);
          slots.push(s);
        }
      }
    }
    if (slots.length === 0) return;
    const r = this.staleLeaf.add(level, tag, index, of, oo, os, space, this.scratch, 0, 3, true);
    for (const s of slots) pc.tRec[s] = r;
  }

  protected recordStaleWalk(
    level: Level,
    tag: number,
    va: number,
    tablePfn: number,
    os: number,
    space: number,
  ): void {
    const index = Math.floor(va / LEVEL_SIZE[level]);
    if (this.precise === null) {
      this.staleWalk.add(
        level,
        tag,
        index,
        Pte.PRESENT | Pte.TABLE,
        tablePfn,
        os,
        space,
        this.tagMask,
        this.tagRow(tag) * this.words,
        3,
      );
      return;
    }
    const pc = this.precise;
    this.scratch.fill(0);
    const slots = this.scratchSlots;
    slots.length = 0;
    const key = index * 131072 + tag;
    for (let unit = 0; unit < this.cpus * this.sides; unit++) {
      const b = unit * pc.wcEntries;
      for (let i = 0; i < pc.wcEntries; i++) {
        const s = b + i;
        if (pc.wKey[s] === key && pc.wLevel[s] === level && pc.wRec[s] < 0) {
          const cpu = Math.floor(unit / this.sides);
          const side = unit - cpu * this.sides;
          this.scratch[side * this.words + (cpu >>> 5)] |= 1 << (cpu & 31);
          slots.push(s);
        }
      }
    }
    if (slots.length === 0) return;
    const r = this.staleWalk.add(
      level,
      tag,
      index,
      Pte.PRESENT | Pte.TABLE,
      tablePfn,
      os,
      space,
      this.scratch,
      0,
      3,
      true,
    );
    for (const s of slots) pc.wRec[s] = r;
  }

  // ---------------------------------------------------------------- invalidation primitives

  /** Side mask (1 data, 2 instruction) → the units of `cpu` it selects. */
  private units(cpu: number, sideMask: number): number[] {
    if (this.sides === 1) return [cpu];
    const u: number[] = [];
    if ((sideMask & 1) !== 0) u.push(cpu * 2);
    if ((sideMask & 2) !== 0) u.push(cpu * 2 + 1);
    return u;
  }

  /** Drop `cpu`'s leaf translations of `va` (any size) tagged `tag` (ANY_TAG: every tag). */
  protected invLeafVa(cpu: number, va: number, tag: number, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        for (let l = 1; l <= 3; l++) {
          const index = Math.floor(va / LEVEL_SIZE[l as Level]);
          const b = pc.setBase(unit, l, index);
          for (let w = 0; w < pc.ways; w++) {
            const s = b + w;
            const k = pc.tKey[s];
            if (
              k !== -1 &&
              pc.tLevel[s] === l &&
              keyIndex(k) === index &&
              (tag === ANY_TAG || keyTag(k) === tag)
            ) {
              this.invalidateTlbSlot(s, cpu, unit);
            }
          }
        }
      }
      return;
    }
    const st = this.staleLeaf;
    if (st.cpuRefs[cpu] === 0) return;
    if (tag === ANY_TAG) {
      for (let i = st.live - 1; i >= 0; i--) {
        const r = st.liveAt(i);
        const size = LEVEL_SIZE[st.level[r] as Level];
        if (Math.floor(va / size) === st.index[r] && st.holds(r, cpu)) st.drop(r, cpu, sideMask);
      }
      return;
    }
    for (let l = 1; l <= 3; l++) {
      for (let r = st.chain(l, Math.floor(va / LEVEL_SIZE[l as Level]), tag); r >= 0;) {
        const next = st.nextInChain(r);
        st.drop(r, cpu, sideMask);
        r = next;
      }
    }
  }

  /**
   * Drop all of `cpu`'s leaf translations of `tag` (ANY_TAG: all). Non-global kernel entries count as part
   * of every tag (they are cached under whichever PCID/ASID was current). `keepGlobal` keeps G entries.
   */
  protected invLeafAll(cpu: number, tag: number, keepGlobal: boolean, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.entries;
        for (let s = b; s < b + pc.entries; s++) {
          const k = pc.tKey[s];
          if (k === -1) continue;
          const ktag = keyTag(k);
          const global = (pc.tFlags[s] & Pte.GLOBAL) !== 0;
          if (keepGlobal && global) continue;
          if (tag === ANY_TAG || ktag === tag || (ktag === GLOBAL_TAG && !global))
            this.invalidateTlbSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleLeaf;
    if (st.cpuRefs[cpu] === 0) return;
    for (let i = st.live - 1; i >= 0; i--) {
      const r = st.liveAt(i);
      const rtag = st.tag[r];
      const global = (st.flags[r] & Pte.GLOBAL) !== 0;
      if (keepGlobal && global) continue;
      if ((tag === ANY_TAG || rtag === tag || (rtag === GLOBAL_TAG && !global)) && st.holds(r, cpu)) {
        st.drop(r, cpu, sideMask);
      }
    }
  }

  /** Drop `cpu`'s walk-cache entries on the path of `va` tagged `tag` (ANY_TAG: every tag). */
  protected invWalkVa(cpu: number, va: number, tag: number, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.wcEntries;
        for (let s = b; s < b + pc.wcEntries; s++) {
          const k = pc.wKey[s];
          if (k === -1) continue;
          const l = pc.wLevel[s] as Level;
          if (keyIndex(k) === Math.floor(va / LEVEL_SIZE[l]) && (tag === ANY_TAG || keyTag(k) === tag)) {
            this.invalidateWalkSlot(s, cpu, unit);
          }
        }
      }
      return;
    }
    const st = this.staleWalk;
    if (st.cpuRefs[cpu] === 0) return;
    for (let i = st.live - 1; i >= 0; i--) {
      const r = st.liveAt(i);
      const l = st.level[r] as Level;
      if (
        st.index[r] === Math.floor(va / LEVEL_SIZE[l]) &&
        (tag === ANY_TAG || st.tag[r] === tag) &&
        st.holds(r, cpu)
      ) {
        st.drop(r, cpu, sideMask);
      }
    }
  }

  /** Drop all of `cpu`'s walk-cache entries tagged `tag` (ANY_TAG: all). */
  protected invWalkAll(cpu: number, tag: number, sideMask: number): void {
    const pc = this.precise;
    if (pc !== null) {
      for (const unit of this.units(cpu, sideMask)) {
        const b = unit * pc.wcEntries;
        for (let s = b; s < b + pc.wcEntries; s++) {
          const k = pc.wKey[s];
          if (k !== -1 && (tag === ANY_TAG || keyTag(k) === tag)) this.invalidateWalkSlot(s, cpu, unit);
        }
      }
      return;
    }
    const st = this.staleWalk;
    if (st.cpuRefs[cpu] === 0) return;
    for (let i = st.live - 1; i >= 0; i--) {
      const r = st.liveAt(i);
      if ((tag === ANY_TAG || st.tag[r] === tag) && st.holds(r, cpu)) st.drop(r, cpu, sideMask);
    }
  }

  /** `cpu` no longer holds anything of `tag` (after a full flush of it): stop counting it as a holder. */
  protected forgetTag(cpu: number, tag: number): void {
    if (tag !== GLOBAL_TAG) this.cpuTags[cpu].delete(tag);
    const row = this.tagRow(tag) * this.words;
    this.tagMask[row + (cpu >>> 5)] &= ~(1 << (cpu & 31));
  }

  /** `cpu` runs `tag` from now on: it may cache translations of it. */
  protected loadTag(cpu: number, tag: number): void {
    this.cpuTags[cpu].add(tag);
    const row = this.tagRow(tag) * this.words;
    this.tagMask[row + (cpu >>> 5)] |= 1 << (cpu & 31);
  }

  /** Forget every user tag on `cpu` except `keep` (after flushing all non-global entries). */
  protected forgetAllTags(cpu: number, keep: number): void {
    for (const tag of [...this.cpuTags[cpu]]) if (tag !== keep) this.forgetTag(cpu, tag);
  }
}

// Entering and leaving a translation regime (arm64): which tables a CPU translates with and which tags
// its TLB fills carry. The host's EL1&0 (setRoot, stage 2 off) is where every CPU starts; a hypervisor
// enters EL2 (TTBR0_EL2) and may load a VTTBR_EL2 there so that TLBI …E1 act on that VMID — Linux
// arch/arm64/kvm/hyp/nvhe/tlb.c enter_vmid_context / exit_vmid_context — and runs a guest (EL1&0 with
// stage 2 on) by an exception return. Each enter pushes the CPU's previous regime; exit pops it.
import {
  EL2_TAG,
  ENTRIES_PER_TABLE,
  LEVEL_SIZE,
  Pte,
  Regime,
  combinedTag,
  stage2Tag,
  type Level,
  type RegimeCode,
} from './constants.js';
import type { SpaceId } from './core.js';
import type { TagOverlap } from './events.js';
import { MachineBroadcast } from './broadcast.js';

/** What `enterRegime` loads. */
export interface RegimeEntry {
  /** 2: run at EL2; 1: run at EL1&0 — a guest when `vttbr` is given, else the host (stage 2 off). */
  readonly el: 1 | 2;
  /** A stage-2 space (createStage2Space): VTTBR_EL2 = its root and VMID. */
  readonly vttbr?: SpaceId;
  /** An EL2 space (createEl2Space): TTBR0_EL2. Kept while the CPU is at EL1, as the register is. */
  readonly el2?: SpaceId;
}

interface SavedRegime {
  regime: RegimeCode;
  space: number;
  tag: number;
  rootSlot: number;
  vttbr: number;
}

export abstract class MachineRegime extends MachineBroadcast {
  private readonly saved: SavedRegime[][] = [];
  /** Per VMID tag / EL2 tag: the space whose root the ID was last loaded with (one ID, two roots). */
  private readonly idSpace = new Map<number, number>();

  /** Regime `cpu` runs in now (`Regime.EL10` host, `GUEST`, `EL2`). */
  regimeOn(cpu: number): RegimeCode {
    this.checkCpu(cpu);
    return this.curRegime[cpu] as RegimeCode;
  }

  /** Nesting depth of `enterRegime` on `cpu` (0: the host EL1&0 it started in). */
  regimeDepth(cpu: number): number {
    return this.saved[cpu]?.length ?? 0;
  }

  enterRegime(cpu: number, entry: RegimeEntry): void {
    this.checkCpu(cpu);
    if (!this.isArm) throw new Error('enterRegime: translation regimes are arm64 (EL2, VTTBR_EL2)');
    if (entry.vttbr !== undefined && this.spaceKind[this.checkSpace(entry.vttbr)] !== Regime.STAGE2)
      throw new Error(`enterRegime: space ${entry.vttbr} is not a stage-2 space (VTTBR_EL2 takes one)`);
    if (entry.el2 !== undefined && this.spaceKind[this.checkSpace(entry.el2)] !== Regime.EL2)
      throw new Error(`enterRegime: space ${entry.el2} is not an EL2 space (TTBR0_EL2 takes one)`);
    if (entry.el === 1 && entry.el2 !== undefined)
      throw new Error('enterRegime: TTBR0_EL2 is written at EL2 (el: 2)');
    (this.saved[cpu] ??= []).push({
      regime: this.curRegime[cpu] as RegimeCode,
      space: this.curSpace[cpu],
      tag: this.curTag[cpu],
      rootSlot: this.curRootSlot[cpu],
      vttbr: this.vttbr[cpu],
    });
    if (entry.vttbr !== undefined) this.loadVttbr(cpu, entry.vttbr);
    if (entry.el2 !== undefined) this.loadEl2Root(cpu, entry.el2);
    if (entry.el === 2) {
      const el2 = this.el2Root[cpu];
      this.switchTo(cpu, Regime.EL2, el2, EL2_TAG);
    } else if (entry.vttbr !== undefined) {
      const vmid = this.spaceVmid[entry.vttbr];
      this.switchTo(cpu, Regime.GUEST, entry.vttbr, combinedTag(vmid));
      // A guest caches both kinds of entries of its VMID: combined ones and stage-2-only walks.
      this.loadTag(cpu, stage2Tag(vmid));
    } else {
      const prev = this.saved[cpu].find((s) => s.regime === Regime.EL10);
      this.vttbr[cpu] = -1;
      this.switchTo(cpu, Regime.EL10, prev?.space ?? -1, prev?.tag ?? 0);
    }
    if (this.sink !== null) this.emit(cpu, 'regime', undefined, undefined, this.describe(cpu));
  }

  /** Leave the regime entered last on `cpu`: the previous one (and its VTTBR_EL2) is back. */
  exitRegime(cpu: number): void {
    this.checkCpu(cpu);
    const s = this.saved[cpu]?.pop();
    if (s === undefined) throw new Error(`exitRegime: CPU ${cpu} has not entered a regime`);
    // Restoring VTTBR_EL2 is a register write like any other (Linux exit_vmid_context → __load_stage2).
    if (s.vttbr >= 0) this.loadVttbr(cpu, s.vttbr);
    else this.vttbr[cpu] = -1;
    this.curRegime[cpu] = s.regime;
    this.curSpace[cpu] = s.space;
    this.curTag[cpu] = s.tag;
    this.curRootSlot[cpu] = s.rootSlot;
    if (this.sink !== null) this.emit(cpu, 'regime', undefined, undefined, this.describe(cpu));
  }

  private switchTo(cpu: number, regime: RegimeCode, space: number, tag: number): void {
    this.curRegime[cpu] = regime;
    this.curSpace[cpu] = space;
    this.curTag[cpu] = tag;
    this.curRootSlot[cpu] = space < 0 ? -1 : this.tables.slotOf[this.rootOf(space)]!;
    if (space >= 0) this.loadTag(cpu, tag);
  }

  private loadVttbr(cpu: number, space: SpaceId): void {
    const vmid = this.spaceVmid[space];
    this.vttbr[cpu] = space;
    this.noteIdRoot(cpu, 'vttbr_el2', vmid, [stage2Tag(vmid), combinedTag(vmid)], space);
  }

  private loadEl2Root(cpu: number, space: SpaceId): void {
    this.el2Root[cpu] = space;
    this.noteIdRoot(cpu, 'ttbr0_el2', -1, [EL2_TAG], space);
    this.loadTag(cpu, EL2_TAG);
  }

  /**
   * One ID, one root at a time: loading a root under an ID while some CPU may still hold that ID's
   * entries from another root lets those entries translate for this root — the TLB is tagged by the ID,
   * not by the root. The adversarial model makes that explicit: every leaf of the other root becomes a
   * possibly-cached translation of the ID on the CPUs that may hold it, and observers hear of it.
   * Casemate's activate_ttbr refuses the re-association outright ("duplicate (VM/AS)ID"); the hardware
   * hazard exists only while such entries may be held, so nothing happens once a TLBI by the ID (or of
   * everything) completed on every holder.
   */
  private noteIdRoot(
    cpu: number,
    register: TagOverlap['register'],
    id: number,
    tags: readonly number[],
    space: number,
  ): void {
    const key = tags[0];
    const other = this.idSpace.get(key);
    this.idSpace.set(key, space);
    if (other === undefined || this.rootOf(other) === this.rootOf(space)) return;
    const holders = new Set<number>();
    for (const t of tags) for (const c of this.holdersOf(t)) holders.add(c);
    if (holders.size === 0) return;
    for (const t of tags) this.cacheTree(other, t);
    if (this.observers.length === 0) return;
    const o: TagOverlap = {
      cpu,
      register,
      id,
      root: this.rootOf(space),
      otherRoot: this.rootOf(other),
      holders: [...holders].sort((a, b) => a - b),
    };
    for (const ob of this.observers) ob.tagOverlap?.(o);
  }

  /** Every present leaf of `space`'s tree: possibly cached under `tag` by the CPUs that may hold it. */
  private cacheTree(space: number, tag: number): void {
    const t = this.tables;
    const visit = (slot: number, level: Level, base: number): void => {
      const b = slot * ENTRIES_PER_TABLE;
      for (let i = 0; i < ENTRIES_PER_TABLE; i++) {
        const f = t.flags[b + i];
        if ((f & Pte.PRESENT) === 0) continue;
        const va = base + i * LEVEL_SIZE[level];
        if ((f & Pte.TABLE) === 0) {
          this.recordStaleLeaf(level, tag, va, f, t.out[b + i], t.since[b + i], space);
        } else if (level > 1) {
          const child = t.slotOf[t.out[b + i]];
          if (child >= 0) visit(child, (level - 1) as Level, va);
        }
      }
    };
    visit(t.slotOf[this.rootOf(space)], 4, 0);
  }

  private describe(cpu: number): string {
    const r = this.curRegime[cpu];
    const v = this.vttbr[cpu] >= 0 ? ` vmid ${this.spaceVmid[this.vttbr[cpu]]}` : '';
    return (r === Regime.EL2 ? 'el2' : r === Regime.GUEST ? 'guest' : 'el1') + v;
  }
}

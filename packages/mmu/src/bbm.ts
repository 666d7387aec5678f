// Break-before-make detection on arm64 stores (spec arm64-pkey.md §7.3): a live descriptor replaced by a
// different valid one (other output, or block <-> table) without invalid + TLBI + DSB in between, or a new
// descriptor written while some CPU may still hold a different translation for the address.
import {
  ENTRIES_PER_TABLE,
  LEVEL_PAGES,
  LEVEL_SIZE,
  Pte,
  Regime,
  combinedTag,
  type Level,
} from './constants.js';
import { MachineCore } from './core.js';
import type { BbmViolation } from './events.js';

export abstract class MachineBbm extends MachineCore {
  // ---------------------------------------------------------------- break-before-make (arm64)

  protected checkBreakBeforeMake(
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
    if (this.staleLeaf.live === 0 && this.staleWalk.live === 0) return [];
    const newTable = (nf & Pte.TABLE) !== 0;
    const found = new Set<number>();
    // A stage-2 entry is held both as a stage-2-only entry and inside combined (stage 1 + 2) entries.
    const tags =
      this.spaceKind[space] === Regime.STAGE2
        ? [this.tagFor(va, nf, space), combinedTag(this.spaceVmid[space])]
        : [this.tagFor(va, nf, space)];
    for (const tag of tags) this.conflictsUnder(tag, va, level, no, newTable, bbml2, found);
    return [...found].sort((a, b) => a - b);
  }

  private conflictsUnder(
    tag: number,
    va: number,
    level: Level,
    no: number,
    newTable: boolean,
    bbml2: boolean,
    found: Set<number>,
  ): void {
    // A stale walk-cache entry of this very entry naming another table — an unlink no TLBI + DSB has
    // completed — conflicts with a pointer to another table or with a block: the CPU may walk through
    // either, even if the old table held no leaf (Casemate model.c `step_write_on_invalid_unclean`, "BBM
    // invalid unclean->valid"; DESIGN §3: without invalid + TLBI between). FEAT_BBM level 2 is left to the
    // leaf scan below, which compares what the two would translate.
    const w = this.staleWalk;
    if (w.live > 0 && level >= 2 && !bbml2)
      for (let r = w.chain(level, Math.floor(va / LEVEL_SIZE[level]), tag); r >= 0; r = w.nextInChain(r))
        if (!(newTable && w.out[r] === no)) for (const c of w.holders(r)) found.add(c);
    const s = this.staleLeaf;
    if (s.live === 0) return;
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
  }
}

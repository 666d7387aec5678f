// The software side of an access: the permission rules, the table walk (no caches), and the stale
// records an adversarial access may hit. No object is allocated: the walk leaves its result in fields.
import {
  Access,
  GLOBAL_TAG,
  LEVEL_PAGES,
  Mode,
  Outcome,
  Pte,
  Regime,
  levelIndex,
  type AccessKind,
  type AccessMode,
  type OutcomeCode,
} from './constants.js';
import type { CostModel } from './costs.js';
import { MachineInvalidation } from './invalidate.js';
import type { MachineParams } from './params.js';
import { vpnTableIndex } from './tables.js';

// What `check` reads on every access, as plain module constants (see tlb.ts).
const OK = Outcome.OK;
const EL10 = Regime.EL10;
const KEY_MASK = Pte.KEY_MASK;
const KEY_SHIFT = Pte.KEY_SHIFT;

export abstract class MachineWalk extends MachineInvalidation {
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
  /**
   * With `onConflict: 'either'`, which of two conflicting entries serves the next accesses: 0 the rule
   * (current if it allows the access, else the stale one), 1 the old (stale) entry, 2 the new (current)
   * one. After a change without break-before-make the architecture lets each access see either
   * (Arm ARM D8.16.1, "CONSTRAINED UNPREDICTABLE" choice), so a scenario can show a witness such as
   * herd7's "new, then old". Ignored under 'stale-first'.
   */
  conflictPick: 0 | 1 | 2 = 0;
  /**
   * `check`'s shortcut per access kind × mode (k = kind * 3 + mode), three words each: at 3k the flag bits
   * that must be set (`need`), at 3k + 1 the bits that matter (`care`), at 3k + 2 the PKRU bits of the
   * entry's key that must be clear (`keyDeny`). One array: one base to load on every access.
   */
  private readonly quick = new Int32Array(27);
  // Registers of the last walk (no object per walk).
  protected wFlags = 0;
  protected wPfn = 0;
  protected wLevel = 0;
  protected wSince = 0;

  constructor(params: MachineParams, costs: CostModel) {
    super(params, costs);
    const reset = this.arch.keyRegisterReset;
    this.curRootSlot = this.lease.take(Int32Array, this.cpus, -1);
    this.pkru = this.lease.take(Uint32Array, this.cpus, this.isArm ? 0 : reset);
    this.por0 = this.lease.take(Uint32Array, this.cpus, this.isArm ? reset : 0);
    this.por1 = this.lease.take(Uint32Array, this.cpus, this.isArm ? reset : 0);
    for (let kind = 0; kind < 3; kind++) {
      for (let mode = 0; mode < 3; mode++) {
        const k = kind * 3 + mode;
        if (this.isArm) {
          // POE gates every access by its own rule: the shortcut never answers (no flags equal -1 here).
          this.quick[3 * k] = -1;
          continue;
        }
        // x86, from checkRules: user mode needs a user page; supervisor fetches (SMEP) and plain supervisor
        // accesses (SMAP) need a supervisor page; writes need R/W, fetches XD clear for their mode. PKRU
        // gates data accesses to user pages: read needs AD clear, write AD and WD. Kernel-mode accesses
        // reach no user page, so no key; uaccess asks the key even of a supervisor page — only a shortcut
        // missed, the rules then allow it.
        const asUser = mode === Mode.USER;
        const need =
          Pte.PRESENT |
          (asUser ? Pte.USER : 0) |
          (kind === Access.WRITE ? Pte.WRITABLE : 0) |
          (kind === Access.EXEC ? (asUser ? Pte.XUSER : Pte.XKERNEL) : 0);
        const userForbidden = !asUser && (kind === Access.EXEC || mode === Mode.KERNEL);
        this.quick[3 * k] = need;
        this.quick[3 * k + 1] = need | (userForbidden ? Pte.USER : 0);
        this.quick[3 * k + 2] =
          kind === Access.EXEC || mode === Mode.KERNEL ? 0 : kind === Access.WRITE ? 3 : 1;
      }
    }
  }

  /**
   * The permission rules (`checkRules`), with the common answer first: an entry that has every `need` bit of
   * this access kind × mode among its `care` bits (`quick`), in the host's EL1&0, whose key's PKRU bits in
   * `keyDeny` are clear, is allowed. Anything else — every fault, arm64, other regimes — the rules decide.
   * A few operations instead of the rules' dozen branches on every TLB hit.
   */
  protected check(cpu: number, f: number, kind: AccessKind, mode: AccessMode): OutcomeCode {
    const q = this.quick;
    const k = 9 * kind + 3 * mode;
    if (
      (f & q[k + 1]) === q[k] &&
      this.curRegime[cpu] === EL10 &&
      ((this.pkru[cpu] >>> (2 * ((f & KEY_MASK) >>> KEY_SHIFT))) & q[k + 2]) === 0
    )
      return OK;
    return this.checkRules(cpu, f, kind, mode);
  }

  /** The permission rules (x86: SMEP/SMAP on, CR0.WP=1, PKU; arm64: PAN, PXN on user pages, POE). */
  private checkRules(cpu: number, f: number, kind: AccessKind, mode: AccessMode): OutcomeCode {
    if ((f & Pte.PRESENT) === 0) return Outcome.FAULT_NOT_PRESENT;
    if (this.curRegime[cpu] !== Regime.EL10) return this.checkOtherRegime(cpu, f, kind, mode);
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

  /**
   * A guest (stage 2 on, its stage 1 off): the stage-2 descriptor decides — S2AP write for writes, XN[1:0]
   * (FEAT_XNX: EL0 and EL1 apart) for fetches; a valid descriptor is readable (S2AP read is not modelled).
   * Non-VHE EL2: one privilege level, no PAN, no overlays; AP write and PXN decide.
   */
  private checkOtherRegime(cpu: number, f: number, kind: AccessKind, mode: AccessMode): OutcomeCode {
    if (kind === Access.WRITE) return (f & Pte.WRITABLE) === 0 ? Outcome.FAULT_WRITE : Outcome.OK;
    if (kind !== Access.EXEC) return Outcome.OK;
    const x = this.curRegime[cpu] === Regime.GUEST && mode === Mode.USER ? Pte.XUSER : Pte.XKERNEL;
    return (f & x) === 0 ? Outcome.FAULT_EXEC : Outcome.OK;
  }

  /** Stale entry (sf, sp) vs current walk result: the `onConflict` rule. */
  protected decide(
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
      const pick = this.conflictPick;
      if (pick === 2 || (pick === 0 && cur === Outcome.OK)) {
        if (cur === Outcome.OK) {
          this.lastPfn = this.wPfn;
          this.lastLevel = this.wLevel;
        }
        return cur;
      }
      if (pick === 1 || st === Outcome.OK) {
        this.lastStale = true;
        if (st !== Outcome.OK) return st;
        this.lastPfn = sp;
        this.lastLevel = sl;
        return cur === Outcome.OK && this.wPfn === sp ? Outcome.OK : Outcome.OK_STALE;
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
    // Spurious = a protection fault (write to RO, fetch from NX) that the current entry would allow: what
    // arch/x86/mm/fault.c spurious_kernel_fault() recognises (only X86_PF_PROT with WRITE or INSTR; never a
    // not-present fault — "x86: skip check for spurious faults for non-present faults"). Key and privilege
    // faults are never spurious.
    this.lastFaultSpurious = cur === Outcome.OK && (st === Outcome.FAULT_WRITE || st === Outcome.FAULT_EXEC);
    // x86: a page fault invalidates the TLB entries for the faulting address (SDM Vol. 3A §4.10.4.1),
    // which is why the kernel's spurious-fault retry succeeds.
    if (!this.isArm) this.invLeafVa(cpu, va, tag, 3);
    return st;
  }

  protected rootFor(cpu: number, kernelHalf: boolean): number {
    return kernelHalf ? this.kernelRootSlot : this.curRootSlot[cpu];
  }

  /** Walk the tables from `slot` (a table of `level`); sets wFlags/wPfn/wLevel/wSince. */
  protected walk(slot: number, level: number, va: number): boolean {
    const t = this.tables;
    const vpn = levelIndex(va, 1);
    while (slot >= 0) {
      const e = slot * 512 + vpnTableIndex(vpn, level);
      const f = t.flags[e];
      if ((f & Pte.PRESENT) === 0) break;
      if ((f & Pte.TABLE) === 0) {
        this.wFlags = f;
        this.wLevel = level;
        this.wSince = t.since[e]!;
        // `| 0`: the page number of a kernel VA is past 2^31, a double, and so is its remainder; as a small integer
        // (below 2^27) the frame number stays one, and the machine's frame-number fields keep their class.
        this.wPfn = t.out[e] + (level === 1 ? 0 : (vpn % LEVEL_PAGES[level]) | 0);
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

  /**
   * The stale record `cpu` serves an access from. Several may cover one address (an entry changed twice
   * without a flush in between leaves two possible old translations). The adversarial model lets the CPU
   * hold whichever the architecture allows, so it picks one that permits the access when there is one —
   * the exploit path — and otherwise the first found; without this, a precise execution could reach a
   * frame the adversarial model claims unreachable.
   */
  protected findStaleLeaf(
    cpu: number,
    side: number,
    va: number,
    tag: number,
    kernelHalf: boolean,
    kind: AccessKind,
    mode: AccessMode,
  ): number {
    const own = this.firstAllowing(cpu, side, va, tag, kind, mode);
    const regime = this.curRegime[cpu];
    if (regime === Regime.EL2) return own;
    // A guest's access may also be served by a stage-2-only entry of its VMID (its stage 1 is flat).
    const other = regime === Regime.GUEST ? this.guestTags(cpu).stage2 : this.anyUserGlobal ? GLOBAL_TAG : -1;
    if (kernelHalf || other < 0 || this.allows(cpu, own, kind, mode)) return own;
    const global = this.firstAllowing(cpu, side, va, other, kind, mode);
    return own < 0 || this.allows(cpu, global, kind, mode) ? global : own;
  }

  private allows(cpu: number, r: number, kind: AccessKind, mode: AccessMode): boolean {
    return r >= 0 && this.check(cpu, this.staleLeaf.flags[r], kind, mode) === Outcome.OK;
  }

  /** Over every level, the first held record that allows the access, else the first held record, else -1. */
  private firstAllowing(
    cpu: number,
    side: number,
    va: number,
    tag: number,
    kind: AccessKind,
    mode: AccessMode,
  ): number {
    const s = this.staleLeaf;
    let first = -1;
    for (let l = 1; l <= 3; l++) {
      for (let r = s.find(cpu, side, l, levelIndex(va, l), tag); r >= 0; r = s.findNext(r, cpu, side)) {
        if (this.allows(cpu, r, kind, mode)) return r;
        if (first < 0) first = r;
      }
    }
    return first;
  }

  /**
   * Adversarial walk through a stale walk-cache record, deepest first. A freed table frame that has not
   * become a table again reads as empty (frame contents are not modelled). Returns false when no record.
   */
  protected walkViaStaleRecord(cpu: number, side: number, va: number, tag: number): boolean {
    const s = this.staleWalk;
    for (let l = 2; l <= 4; l++) {
      const r = s.find(cpu, side, l, levelIndex(va, l), tag);
      if (r < 0) continue;
      if (!this.walk(this.tables.slotOf[s.out[r]], l - 1, va)) {
        this.wFlags = 0;
        this.wPfn = -1;
      }
      return true;
    }
    return false;
  }
}

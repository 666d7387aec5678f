// The shape of a herd7 AArch64 litmus test as the importer reads it: header, initial state, per-thread
// code and the final condition. The concrete syntax is herdtools7's (lib/stateLexer.mll and
// lib/stateParser.mly for the state and the condition, lib/AArch64Base.ml for the instructions); names
// follow it: `PTE(x)` / `TTD(x)` / `pte_x` for the page-table entry of x, `PA(x)` / `phy_x` for its
// physical page.

/** A place in the litmus file (1-based line and column). */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

/**
 * A page-table descriptor as herd writes it: `(oa:PA(x), valid:0, af:1, db:1, dbm:0, el0:1)`. Fields the
 * test does not write take herd's defaults (lib/AArch64PteVal.ml `prot_default`: valid 1, af 1, db 1,
 * dbm 0, el0 1, x 1, default attributes).
 */
export interface Descriptor {
  /** The physical page the entry maps (`PA(y)` / `phy_y` → `y`); null when the text gives none. */
  readonly oa: string | null;
  readonly valid: number;
  readonly af: number;
  readonly db: number;
  readonly dbm: number;
  readonly el0: number;
  readonly x: number;
  /** Memory attributes other than the default (Normal, inner-shareable, write-back). */
  readonly attrs: readonly string[];
}

/** A value in a register, a memory location or a condition. */
export type Value =
  | { readonly k: 'int'; readonly v: bigint }
  /** The virtual address of location `loc`. */
  | { readonly k: 'va'; readonly loc: string }
  /** The address of the page-table entry of `loc`. */
  | { readonly k: 'pte'; readonly loc: string }
  /** The physical address of `loc`'s page. */
  | { readonly k: 'pa'; readonly loc: string }
  /** `loc`'s virtual address shifted right by 12: the operand TLBI VA… takes. */
  | { readonly k: 'vpn'; readonly loc: string }
  | { readonly k: 'desc'; readonly d: Descriptor }
  /** A code label (`label:"P1:L1"`). */
  | { readonly k: 'label'; readonly thread: number; readonly label: string };

/** A location of the state or the condition. */
export type Location =
  | { readonly k: 'reg'; readonly thread: number; readonly reg: string }
  /** Memory at the virtual location `loc` (in a condition: its physical page, herd's final memory). */
  | { readonly k: 'mem'; readonly loc: string }
  /** The page-table entry of `loc`. */
  | { readonly k: 'pte'; readonly loc: string }
  /** The physical page of `loc`. */
  | { readonly k: 'pa'; readonly loc: string };

export interface InitItem {
  readonly pos: Pos;
  readonly loc: Location;
  /** Null for a declaration without a value (`int x;`): zero. */
  readonly value: Value | null;
  /** A C type written before the location (`int`, `pteval_t`, `int *`), if any. */
  readonly type: string | null;
}

export interface FaultAtom {
  readonly thread: number;
  readonly label: string | null;
  readonly loc: string | null;
  /** `MMU:Translation`, `MMU:Permission`, … */
  readonly type: string | null;
}

export type Prop =
  | { readonly k: 'true' }
  | { readonly k: 'false' }
  | { readonly k: 'eq'; readonly loc: Location; readonly value: Value; readonly pos: Pos }
  | { readonly k: 'fault'; readonly atom: FaultAtom; readonly pos: Pos }
  | { readonly k: 'not'; readonly p: Prop }
  | { readonly k: 'and'; readonly ps: readonly Prop[] }
  | { readonly k: 'or'; readonly ps: readonly Prop[] }
  | { readonly k: 'implies'; readonly p: Prop; readonly q: Prop };

export type Quantifier = 'exists' | 'not-exists' | 'forall';

export interface Condition {
  readonly quantifier: Quantifier;
  readonly prop: Prop;
  readonly pos: Pos;
}

/** A register operand: `X3`, `W5`, `XZR`, `WZR`. Both widths name one register (`X5`/`W5` → `5`). */
export interface Reg {
  readonly name: string;
  readonly wide: boolean;
  readonly zero: boolean;
}

export type Operand = { readonly k: 'reg'; readonly reg: Reg } | { readonly k: 'imm'; readonly v: bigint };

/** `[Xn]`, `[Xn, #imm]`, `[Xn, Xm]`, `[Xn, Wm, SXTW]`. */
export interface Address {
  readonly base: Reg;
  readonly offset: Operand | null;
}

export type Instruction =
  | { readonly op: 'ldr'; readonly rt: Reg; readonly addr: Address; readonly mnemonic: string }
  | { readonly op: 'str'; readonly rt: Reg; readonly addr: Address; readonly mnemonic: string }
  /** SWP Rs, Rt, [Xn]: Rt := [Xn]; [Xn] := Rs, one atomic access. */
  | {
      readonly op: 'swp';
      readonly rs: Reg;
      readonly rt: Reg;
      readonly addr: Address;
      readonly mnemonic: string;
    }
  | { readonly op: 'mov'; readonly rd: Reg; readonly src: Operand }
  | {
      readonly op: 'alu';
      readonly fn: 'add' | 'sub' | 'eor' | 'and' | 'orr' | 'lsr' | 'lsl';
      readonly rd: Reg;
      readonly rn: Reg;
      readonly src: Operand;
    }
  | { readonly op: 'cmp'; readonly rn: Reg; readonly src: Operand }
  | { readonly op: 'cbz'; readonly nonzero: boolean; readonly rn: Reg; readonly target: string }
  /** CSEL Rd, Rn, Rm, cond (CSET Rd, cond: Rn = 1, Rm = 0, written as null). */
  | {
      readonly op: 'csel';
      readonly rd: Reg;
      readonly rn: Reg | null;
      readonly rm: Reg | null;
      readonly cond: 'eq' | 'ne';
    }
  | { readonly op: 'bcond'; readonly cond: 'eq' | 'ne' | 'al'; readonly target: string }
  | { readonly op: 'dmb'; readonly option: string }
  | { readonly op: 'dsb'; readonly option: string }
  | { readonly op: 'isb' }
  | { readonly op: 'nop' }
  | { readonly op: 'tlbi'; readonly kind: string; readonly rt: Reg | null }
  /** An AArch64 instruction the importer recognises but does not model: reported `unsupported`. */
  | { readonly op: 'unmodelled'; readonly mnemonic: string };

export interface CodeLine {
  readonly pos: Pos;
  /** Labels attached to this instruction (`L0: LDR …`, or `L0:` on the line before). */
  readonly labels: readonly string[];
  readonly ins: Instruction;
  readonly text: string;
}

export interface Thread {
  readonly id: number;
  readonly code: readonly CodeLine[];
  /** Labels at the end of the thread (after its last instruction). */
  readonly endLabels: readonly string[];
}

export interface LitmusTest {
  readonly file: string;
  readonly arch: string;
  readonly name: string;
  readonly namePos: Pos;
  /** `key=value` header lines (TTHM, Variant, EL0, Hash, …). */
  readonly meta: Readonly<Record<string, string>>;
  readonly init: readonly InitItem[];
  readonly threads: readonly Thread[];
  /** Columns that are not plain threads (`P1.F`, an exception handler), by header text. */
  readonly handlers: readonly string[];
  readonly locations: readonly Location[];
  readonly filter: Prop | null;
  readonly condition: Condition;
}

/** herd's default descriptor of location `loc` (lib/AArch64PteVal.ml `default`). */
export function defaultDescriptor(loc: string): Descriptor {
  return { oa: loc, valid: 1, af: 1, db: 1, dbm: 0, el0: 1, x: 1, attrs: [] };
}

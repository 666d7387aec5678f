// One AArch64 instruction of a litmus thread → the importer's instruction. The forms and their operand
// syntax are herdtools7's (lib/AArch64Base.ml, lib/AArch64Lexer.mll): loads and stores with `[Xn]`,
// `[Xn,#imm]`, `[Xn,Xm]`, `[Xn,Wm,SXTW]`; MOV, the ALU forms the VMSA tests use to build dependencies
// and TLBI operands (ADD, SUB, EOR, AND, ORR, LSR, LSL), CMP, CSEL/CSET on EQ/NE, CBZ/CBNZ, B/B.EQ/B.NE,
// DMB/DSB/ISB, TLBI
// <op>{, Xt}, SWP. Other AArch64 mnemonics are recognised and reported `unsupported`; anything else is a
// syntax error.
import type { Address, Instruction, Operand, Pos, Reg } from './ast.js';
import { LitmusSyntaxError } from './lex.js';

/** AArch64 mnemonics herd knows that the importer does not model (their effect is not a plain access). */
const UNMODELLED = new Set(
  (
    'CAS CASA CASL CASAL CASB CASH CASP LDADD LDADDA LDADDL LDADDAL STADD STADDL LDCLR LDCLRA LDCLRL LDCLRAL ' +
    'STCLR STCLRL LDSET LDSETA LDSETL LDSETAL STSET STSETL LDEOR LDEORA LDEORL LDEORAL STEOR STEORL ' +
    'LDSMAX LDSMIN LDUMAX LDUMIN LDXR LDAXR STXR STLXR LDXP STXP LDP STP LDNP STNP LDRB LDRH STRB STRH ' +
    'LDARB LDARH STLRB STLRH LDAPRB LDAPRH LDRSB LDRSH LDRSW LDUR STUR CSINC CSINV CSNEG CINC ' +
    'MSR MRS ERET ADR ADRP BL BLR BR RET SVC HVC SMC AT DC IC BIC BICS ORN EON MVN NEG MUL MADD MSUB SDIV ' +
    'UDIV UBFX SBFX UBFM SBFM BFI ASR ROR TST CMN TBZ TBNZ ADDS SUBS ANDS WFE WFI SEV SEVL YIELD HINT ' +
    'LD1 ST1 LDG STG STZG IRG GCSSTR GCSSTTR PACDA PACDB AUTDA AUTDB XPACD'
  ).split(' '),
);

function fail(pos: Pos, message: string): never {
  throw new LitmusSyntaxError(pos, message);
}

/** Splits `a, [b, c], d` at top-level commas, with each part's column offset. */
function operands(text: string, base: number): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    if (i === text.length || (ch === ',' && depth === 0)) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim() !== '') out.push({ text: raw.trim(), at: base + start + lead });
      start = i + 1;
    }
  }
  return out;
}

export function parseReg(text: string, pos: Pos): Reg {
  const t = text.toUpperCase();
  if (t === 'XZR' || t === 'WZR') return { name: 'ZR', wide: t === 'XZR', zero: true };
  const m = /^([XW])(\d+)$/.exec(t);
  if (m === null || Number(m[2]) > 30)
    fail(pos, `expected a register (X0…X30, W0…W30, XZR, WZR), found '${text}'`);
  return { name: String(Number(m[2])), wide: m[1] === 'X', zero: false };
}

function parseImm(text: string, pos: Pos): bigint {
  const t = text.startsWith('#') ? text.slice(1).trim() : text;
  try {
    if (!/^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) throw new Error();
    return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  } catch {
    return fail(pos, `expected an immediate (#n), found '${text}'`);
  }
}

function parseOperand(text: string, pos: Pos): Operand {
  if (/^[XWxw](\d+|ZR|zr)$/.test(text)) return { k: 'reg', reg: parseReg(text, pos) };
  return { k: 'imm', v: parseImm(text, pos) };
}

function parseAddress(text: string, pos: Pos, at: (n: number) => Pos): Address {
  if (!text.startsWith('[') || !text.endsWith(']')) fail(pos, `expected an address [Xn…], found '${text}'`);
  const parts = operands(text.slice(1, -1), 1);
  if (parts.length === 0) fail(pos, 'empty address [ ]');
  const base = parseReg(parts[0]!.text, at(parts[0]!.at));
  if (!base.wide || base.zero)
    fail(at(parts[0]!.at), `an address base is an X register, found '${parts[0]!.text}'`);
  if (parts.length === 1) return { base, offset: null };
  const offset = parseOperand(parts[1]!.text, at(parts[1]!.at));
  if (parts.length === 3) {
    // `[Xn, Wm, SXTW]` / `[Xn, Xm, LSL #0]`: extended or shifted index; a shift other than 0 changes its value
    const ext = parts[2]!.text.toUpperCase();
    if (!/^(SXTW|UXTW|SXTX|UXTX|LSL\s*#?0)$/.test(ext))
      fail(at(parts[2]!.at), `unsupported index extension '${parts[2]!.text}'`);
  } else if (parts.length > 3) fail(at(parts[3]!.at), 'too many address operands');
  return { base, offset };
}

const ALU = { ADD: 'add', SUB: 'sub', EOR: 'eor', AND: 'and', ORR: 'orr', LSR: 'lsr', LSL: 'lsl' } as const;
const LOADS = new Set(['LDR', 'LDAR', 'LDAPR']);
const STORES = new Set(['STR', 'STLR']);
const SWAPS = new Set(['SWP', 'SWPA', 'SWPL', 'SWPAL']);

/**
 * Decodes `text` (one instruction, no label), which starts at `pos` on its line. Errors point at the
 * operand at fault.
 */
export function decodeInstruction(text: string, pos: Pos): Instruction {
  const at = (n: number): Pos => ({ line: pos.line, column: pos.column + n });
  const m = /^([A-Za-z][A-Za-z0-9.]*)\s*(.*)$/.exec(text);
  if (m === null) return fail(pos, `expected an instruction, found '${text}'`);
  const mnemonic = m[1]!.toUpperCase();
  const rest = m[2]!;
  const ops = operands(rest, text.length - rest.length);
  const need = (n: number): void => {
    if (ops.length !== n)
      fail(pos, `${mnemonic} takes ${n} operand${n === 1 ? '' : 's'}, found ${ops.length}`);
  };
  const reg = (i: number): Reg => parseReg(ops[i]!.text, at(ops[i]!.at));
  if (LOADS.has(mnemonic) || STORES.has(mnemonic)) {
    need(2);
    const addr = parseAddress(ops[1]!.text, at(ops[1]!.at), (n) => at(ops[1]!.at + n));
    return { op: LOADS.has(mnemonic) ? 'ldr' : 'str', rt: reg(0), addr, mnemonic };
  }
  if (SWAPS.has(mnemonic)) {
    need(3);
    const addr = parseAddress(ops[2]!.text, at(ops[2]!.at), (n) => at(ops[2]!.at + n));
    return { op: 'swp', rs: reg(0), rt: reg(1), addr, mnemonic };
  }
  if (mnemonic === 'MOV') {
    need(2);
    return { op: 'mov', rd: reg(0), src: parseOperand(ops[1]!.text, at(ops[1]!.at)) };
  }
  if (mnemonic in ALU) {
    // a fourth operand extends or shifts the third (`ADD X7,X5,W6,SXTW`); only value-preserving ones
    if (ops.length === 4 && !/^(SXTW|UXTW|SXTX|UXTX|LSL\s*#?0)$/i.test(ops[3]!.text))
      fail(at(ops[3]!.at), `unsupported operand extension '${ops[3]!.text}'`);
    if (ops.length !== 4) need(3);
    return {
      op: 'alu',
      fn: ALU[mnemonic as keyof typeof ALU],
      rd: reg(0),
      rn: reg(1),
      src: parseOperand(ops[2]!.text, at(ops[2]!.at)),
    };
  }
  if (mnemonic === 'CMP') {
    need(2);
    return { op: 'cmp', rn: reg(0), src: parseOperand(ops[1]!.text, at(ops[1]!.at)) };
  }
  if (mnemonic === 'CSEL' || mnemonic === 'CSET') {
    // only the conditions CMP's equality decides (EQ, NE) are modelled; others are reported unsupported
    need(mnemonic === 'CSEL' ? 4 : 2);
    const cond = ops[ops.length - 1]!.text.toUpperCase();
    if (cond !== 'EQ' && cond !== 'NE') return { op: 'unmodelled', mnemonic: `${mnemonic} ${cond}` };
    return {
      op: 'csel',
      rd: reg(0),
      rn: mnemonic === 'CSEL' ? reg(1) : null,
      rm: mnemonic === 'CSEL' ? reg(2) : null,
      cond: cond === 'EQ' ? 'eq' : 'ne',
    };
  }
  if (mnemonic === 'CBZ' || mnemonic === 'CBNZ') {
    need(2);
    return { op: 'cbz', nonzero: mnemonic === 'CBNZ', rn: reg(0), target: ops[1]!.text };
  }
  if (mnemonic === 'B' || mnemonic === 'B.EQ' || mnemonic === 'B.NE') {
    need(1);
    const cond = mnemonic === 'B' ? 'al' : mnemonic === 'B.EQ' ? 'eq' : 'ne';
    return { op: 'bcond', cond, target: ops[0]!.text };
  }
  // DMB / DSB take an option, written `DMB SY` or `DMB.SY` (herd accepts both)
  const barrier = /^(DMB|DSB)(?:\.([A-Z]+))?$/.exec(mnemonic);
  if (barrier !== null) {
    const option = (barrier[2] ?? ops[0]?.text ?? '').toUpperCase();
    if (!/^(SY|ST|LD|ISH|ISHST|ISHLD|NSH|NSHST|NSHLD|OSH|OSHST|OSHLD)$/.test(option))
      fail(
        ops[0] === undefined ? pos : at(ops[0].at),
        `expected a barrier option (SY, ISH, ST, LD, …) for ${barrier[1]}`,
      );
    return barrier[1] === 'DMB' ? { op: 'dmb', option } : { op: 'dsb', option };
  }
  if (mnemonic === 'ISB') return { op: 'isb' };
  if (mnemonic === 'NOP') return { op: 'nop' };
  if (mnemonic === 'TLBI') {
    if (ops.length < 1 || ops.length > 2)
      fail(pos, `TLBI takes an operation and at most one register, found ${ops.length} operands`);
    return { op: 'tlbi', kind: ops[0]!.text.toUpperCase(), rt: ops.length === 2 ? reg(1) : null };
  }
  if (UNMODELLED.has(mnemonic) || /^B\.[A-Z]{2}$/.test(mnemonic)) return { op: 'unmodelled', mnemonic };
  return fail(pos, `unknown instruction '${m[1]}'`);
}

// The herd7 litmus parser (import/herd): the syntax is herdtools7's (lib/stateLexer.mll, lib/stateParser.mly,
// lib/AArch64Base.ml); these tests use litmus text written here, covering each construct the importer reads,
// and check that errors point at the offending line and column.
import { describe, expect, it } from 'vitest';
import { herd } from '../src/index.js';

const parse = (text: string) => herd.parseLitmus(text, 't.litmus');

function errorAt(text: string): string {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof herd.LitmusSyntaxError) return `${e.pos.line}:${e.pos.column}: ${e.message}`;
    throw e;
  }
  throw new Error('parsed');
}

const BASIC = `AArch64 T1
"a doc string"
TTHM=P0:HA
Variant=precise
(* a comment { with braces } *)
{
 int x=1; uint64_t y = 2;
 [PTE(x)]=(oa:PA(x), valid:0);
 pte_y=(db:0);
 pteval_t 0:X0=(oa:phy_y, af:1, db:0); 0:X1=PTE(x); 0:X2=x; 0:X3=TTD(y);
 1:X4=PA(y); int *p = &x; 1:X5=label:"P1:L1";
}
 P0              | P1             ;
 L0: LDR W4,[X2] | MOV W1,#0x10   ;
 STR X0,[X1]     | L1:            ;
 TLBI VAAE1IS,X3 | CBNZ W1,L2     ;
 DMB.SY          | LDR W6,[X2,W7,SXTW] ;
 DSB ISH         | L2:            ;
locations [0:X4; fault(P1,x); y;]
exists (0:X4=1 /\\ ~fault(P0:L0,x) \\/ [PTE(x)]=(oa:PA(y), db:0) /\\ P1:X1=16 => fault(P1,x,MMU:Permission))
`;

describe('herd litmus parser', () => {
  it('reads the header, metadata and every form of initial state', () => {
    const t = parse(BASIC);
    expect(t.name).toBe('T1');
    expect(t.meta).toEqual({ TTHM: 'P0:HA', Variant: 'precise' });
    const init = t.init.map((i) => [i.type, i.loc, i.value]);
    expect(init[0]).toEqual(['int', { k: 'mem', loc: 'x' }, { k: 'int', v: 1n }]);
    expect(init[1]).toEqual(['uint64_t', { k: 'mem', loc: 'y' }, { k: 'int', v: 2n }]);
    expect(init[2]![1]).toEqual({ k: 'pte', loc: 'x' });
    expect(init[2]![2]).toEqual({
      k: 'desc',
      d: { oa: 'x', valid: 0, af: 1, db: 1, dbm: 0, el0: 1, x: 1, attrs: [] },
    });
    // defaults (lib/AArch64PteVal.ml prot_default) for every field not written; no oa written: null
    expect(init[3]).toEqual([
      null,
      { k: 'pte', loc: 'y' },
      { k: 'desc', d: { oa: null, valid: 1, af: 1, db: 0, dbm: 0, el0: 1, x: 1, attrs: [] } },
    ]);
    expect(init[4]).toEqual([
      'pteval_t',
      { k: 'reg', thread: 0, reg: '0' },
      { k: 'desc', d: { oa: 'y', valid: 1, af: 1, db: 0, dbm: 0, el0: 1, x: 1, attrs: [] } },
    ]);
    expect(init[5]![2]).toEqual({ k: 'pte', loc: 'x' });
    expect(init[6]![2]).toEqual({ k: 'va', loc: 'x' });
    expect(init[7]![2]).toEqual({ k: 'pte', loc: 'y' });
    expect(init[8]![2]).toEqual({ k: 'pa', loc: 'y' });
    expect(init[9]).toEqual(['int *', { k: 'mem', loc: 'p' }, { k: 'va', loc: 'x' }]);
    expect(init[10]![2]).toEqual({ k: 'label', thread: 1, label: 'L1' });
  });

  it('reads the code table: labels, end labels, operands, barriers and TLBI', () => {
    const t = parse(BASIC);
    expect(t.threads).toHaveLength(2);
    const p0 = t.threads[0]!.code;
    expect(p0.map((l) => l.ins.op)).toEqual(['ldr', 'str', 'tlbi', 'dmb', 'dsb']);
    expect(p0[0]!.labels).toEqual(['L0']);
    expect(p0[0]!.pos).toEqual({ line: 14, column: 6 });
    expect(p0[2]!.ins).toEqual({ op: 'tlbi', kind: 'VAAE1IS', rt: { name: '3', wide: true, zero: false } });
    expect(p0[3]!.ins).toEqual({ op: 'dmb', option: 'SY' });
    const p1 = t.threads[1]!;
    expect(p1.code.map((l) => l.ins.op)).toEqual(['mov', 'cbz', 'ldr']);
    expect(p1.code[0]!.ins).toEqual({
      op: 'mov',
      rd: { name: '1', wide: false, zero: false },
      src: { k: 'imm', v: 16n },
    });
    expect(p1.code[1]!.labels).toEqual(['L1']);
    expect(p1.code[1]!.ins).toMatchObject({ op: 'cbz', nonzero: true, target: 'L2' });
    expect(p1.code[2]!.ins).toMatchObject({
      op: 'ldr',
      addr: { base: { name: '2' }, offset: { k: 'reg', reg: { name: '7', wide: false } } },
    });
    expect(p1.endLabels).toEqual(['L2']);
  });

  it('reads the condition with herd precedence (=> weakest, then \\/, then /\\, ~ strongest)', () => {
    const t = parse(BASIC);
    expect(t.locations).toEqual([
      { k: 'reg', thread: 0, reg: '4' },
      { k: 'mem', loc: 'y' },
    ]);
    expect(t.condition.quantifier).toBe('exists');
    expect(herd.showProp(t.condition.prop)).toBe(
      '(((0:X4=1 /\\ ~fault(P0:L0,x)) \\/ ([PTE(x)]=(oa:PA(y), db:0) /\\ 1:X1=16)) => fault(P1,x,MMU:Permission))',
    );
  });

  it('reads ~exists, forall and a test without a condition (herd: forall true)', () => {
    const base = 'AArch64 T\n{ 0:X1=x; }\n P0 ;\n LDR W0,[X1] ;\n';
    expect(parse(`${base}~exists (0:X0=1)`).condition.quantifier).toBe('not-exists');
    expect(parse(`${base}forall (0:X0=1 \\/ 0:X0=0)`).condition.quantifier).toBe('forall');
    const none = parse(`${base}locations [0:X0;]`);
    expect(none.condition).toMatchObject({ quantifier: 'forall', prop: { k: 'true' } });
    expect(parse(`${base}exists (not (0:X0=1) /\\ 0:X0 != 2)`).condition.prop).toMatchObject({ k: 'and' });
  });

  it('marks unmodelled instructions and handler columns without failing', () => {
    const t = parse('AArch64 T\n{ 0:X1=x; }\n P0 | P0.F ;\n CASAL W0,W1,[X1] | ERET ;\nexists (x=1)');
    expect(t.threads[0]!.code[0]!.ins).toEqual({ op: 'unmodelled', mnemonic: 'CASAL' });
    expect(t.handlers).toEqual(['P0.F']);
  });

  it.each([
    ['X86 T\n{}\n P0 ;\n NOP ;\nexists (true)', "1:1: expected an AArch64 test, found architecture 'X86'"],
    ['AArch64 T\n{ 0:X1=x }\n P0 ;\n FROB X1 ;\nexists (true)', "4:2: unknown instruction 'FROB'"],
    [
      'AArch64 T\n{ 0:X1=x }\n P0 ;\n LDR W0,[X33] ;\nexists (true)',
      "4:10: expected a register (X0…X30, W0…W30, XZR, WZR), found 'X33'",
    ],
    [
      'AArch64 T\n{ 0:X1=x }\n P0 ;\n LDR W0,[X1]\nexists (true)',
      "4:13: expected ';' at the end of the code row",
    ],
    ['AArch64 T\n{ 0:X1=x }\n P0 ;\n B L7 ;\nexists (true)', "4:2: no label 'L7' in P0"],
    ['AArch64 T\n{ 0:X1=x }\n P0 ;\n NOP ;\nexists (0:X1=)', "5:14: expected a value, found ')'"],
    [
      'AArch64 T\n{ 0:X1=(oa:PA(x), valid:z) }\n P0 ;\n NOP ;\nexists (true)',
      "2:25: expected a number after valid:, found 'z'",
    ],
    ['AArch64 T\n(* open\n{ }', '2:1: comment "(*" is never closed'],
    ['AArch64 T\n{ 0:X1=x;\n P0 ;', "2:1: the initial state '{' is never closed"],
    [
      'AArch64 T\n{ 0:X1=x }\n P0 | P1 ;\n NOP | NOP | NOP ;\nexists (true)',
      '4:14: row has 3 columns, the header names 2 threads',
    ],
    [
      'AArch64 T\n{ 0:X1=x }\n P0 ;\n DMB XX ;\nexists (true)',
      '4:6: expected a barrier option (SY, ISH, ST, LD, …) for DMB',
    ],
  ])('reports %j at its line and column', (text, message) => {
    expect(errorAt(text)).toBe(message);
  });

  it('parses herd kinds files and rejects a name without a kind, as herd does', () => {
    const k = herd.parseKinds('# c\nA Allowed\nB  Forbid % note\n\nC Required\n');
    expect([...k]).toEqual([
      ['A', 'Allowed'],
      ['B', 'Forbidden'],
      ['C', 'Required'],
    ]);
    expect(() => herd.parseKinds('A Allowed\nB-Allow\n')).toThrow(
      "expected '<test name> <kind>', found 'B-Allow' alone",
    );
  });
});

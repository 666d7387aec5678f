// The Casemate trace reader and importer: the s-expression grammar its C checker accepts
// (rems-project/casemate src/casemate-check-c/src/parser.c), errors at line:column, and the scenario a
// trace becomes (steps, hw block, unsupported and ignored lists). Traces here are written for the test.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { casemate, loadScenarioText } from '../src/index.js';
import { traceRecords } from '../src/import/casemate/records.js';
import { readTrace, TraceSyntaxError } from '../src/import/casemate/sexp.js';

function records(text: string) {
  return traceRecords(readTrace(text));
}
function syntaxError(text: string): string {
  try {
    records(text);
  } catch (e) {
    if (e instanceof TraceSyntaxError) return `${e.line}:${e.column} ${e.message}`;
    throw e;
  }
  return 'parsed';
}
interface Doc {
  machine: { cpus: number; memory: string };
  hw: { frames: Record<string, unknown>; tables: Record<string, unknown> };
  steps: Record<string, unknown>[];
}
function imported(text: string) {
  const imp = casemate.importCasemate(text, 'dir/t_1.log');
  const doc = imp.yaml === null ? null : (parse(imp.yaml) as Doc);
  return { imp, doc, steps: doc?.steps.map(({ comment: _c, ...s }) => s) ?? [] };
}

describe('reading a trace', () => {
  it('reads keyed and bare fields, hex with or without 0x, decimal ids, src strings and numbers', () => {
    const r =
      records(`(mem-write (id 3) (tid 1) (mem-order release) (address 0x23f000) (value 240003) (src "a.c:9"))
(mem-write 4 0 plain 23f008 0x0)
  (barrier (id 5) (thread 2) dsb (kind ishst) (src 7))
(barrier 6 0 dsb nsh)
(barrier (id 7) (tid 0) isb)
(msr (id 8) (tid 0) (sysreg vttbr_el2) (value 0x1aaaab95e6000))
(tlbi (id 9) (tid 0) ipas2e1is (value 300000000000))
(tlbi 10 0 alle1is)
(hint (id 11) (tid 0) (kind release_table) (location 0x1000) (value 0))
(trylock (id 12) (tid 0) (address 0xf000))
`);
    expect(r.map((x) => [x.kind, x.id, x.tid, x.line, x.column, x.src])).toEqual([
      ['mem-write', 3, 1, 1, 1, 'a.c:9'],
      ['mem-write', 4, 0, 2, 1, null],
      ['barrier', 5, 2, 3, 3, '7'],
      ['barrier', 6, 0, 4, 1, null],
      ['barrier', 7, 0, 5, 1, null],
      ['sysreg-write', 8, 0, 6, 1, null],
      ['tlbi', 9, 0, 7, 1, null],
      ['tlbi', 10, 0, 8, 1, null],
      ['hint', 11, 0, 9, 1, null],
      ['trylock', 12, 0, 10, 1, null],
    ]);
    expect(r[0]).toMatchObject({ order: 'release', address: 0x23f000n, value: 0x240003n });
    expect(r[1]).toMatchObject({ order: 'plain', address: 0x23f008n, value: 0n });
    expect(r[2]).toMatchObject({ barrier: 'dsb', domain: 'ishst' });
    expect(r[4]).toMatchObject({ barrier: 'isb', domain: null });
    expect(r[5]).toMatchObject({ sysreg: 'vttbr_el2', value: 0x1aaaab95e6000n });
    expect(r[6]).toMatchObject({ tlbi: 'ipas2e1is', value: 0x300000000000n });
    expect(r[7]).toMatchObject({ tlbi: 'alle1is', value: null });
  });
  it("keeps the trace's '!' line as what it expects", () => {
    expect(readTrace('(barrier 0 0 isb)\n! BBM valid->valid  \n\n').expected).toEqual({
      text: 'BBM valid->valid',
      line: 2,
      column: 1,
    });
    expect(readTrace('(barrier 0 0 isb)\n').expected).toBeNull();
  });
  it('reports a trace that does not parse at its line and column', () => {
    expect(syntaxError('(barrier 0 0 isb)\n  (mem-init (id 1) (tid 0) (address 1000) (size 1000)\n')).toBe(
      "2:3 this '(' is never closed: expected ')'",
    );
    expect(syntaxError('(barrier 0 0 isb))')).toBe("1:18 unexpected ')': no '(' is open");
    expect(syntaxError('barrier 0 0 isb')).toBe("1:1 expected '(' to start a record or '!', got 'b'");
    expect(syntaxError('(lock 0 0 "f.c:1)')).toBe("1:11 string never closed: expected '\"'");
    expect(syntaxError('(barrier 0 0 isb)\n! BBM\n(barrier 1 0 isb)')).toBe(
      "3:1 expected the end of the trace after its '!' line",
    );
  });
  it('reports an unknown event, kind or field at the word that is wrong', () => {
    expect(syntaxError('\n (mem-copy 0 0 1000)')).toMatch(
      /^2:3 unknown event 'mem-copy', expected one of mem-write/,
    );
    expect(syntaxError('(tlbi 0 0 vae1is (value 1))')).toMatch(/^1:11 tlbi: unknown tlbi kind 'vae1is'/);
    expect(syntaxError('(barrier 0 0 dsb (kind osh))')).toMatch(/^1:24 barrier: unknown kind 'osh'/);
    expect(syntaxError('(sysreg-write 0 0 (sysreg ttbr1_el2) (value 0))')).toMatch(
      /^1:27 sysreg-write: unknown sysreg/,
    );
    expect(syntaxError('(mem-write 0 0 plain (addr 1000) 0)')).toBe(
      '1:22 mem-write: expected (address …) or a bare value',
    );
    expect(syntaxError('(mem-write 0 0 plain 10g0 0)')).toBe(
      "1:22 mem-write: expected a hex address, got '10g0'",
    );
    expect(syntaxError('(mem-write 0 0 plain 1000 11112222333344445)')).toMatch(
      /^1:27 mem-write: expected a hex value/,
    );
    expect(syntaxError('(mem-init (id 0) (tid 0) (address 1000))')).toBe('1:1 mem-init: missing size');
    expect(syntaxError('(lock 0 0 1000 "a.c:1" extra)')).toBe(
      "1:24 lock: unexpected 'extra' after the record's fields",
    );
    expect(syntaxError('(lock x 0 1000)')).toBe("1:7 lock: expected a decimal id, got 'x'");
  });
});

// A stage-2 tree at 0x80000 (VMID 1): l0 → l1[1] → l2[0] → l3, a page at IPA 0x40000000.
const S2 = `(sysreg-write 0 0 vtcr_el2 10)
(mem-write 1 0 plain 80000 81003)
(mem-write 2 0 plain 81008 82003)
(mem-write 3 0 plain 82000 83003)
(mem-write 4 0 plain 83000 0x00400000900004c3)
(sysreg-write 5 0 vttbr_el2 1000000080000)
`;

describe('importing a trace', () => {
  it('lays the tables out by level and regime, names the leaf frames, and loads VTTBR_EL2 at EL2', () => {
    const { imp, doc, steps } = imported(S2);
    expect(imp.name).toBe('t-1');
    expect(imp.imported.unsupported).toEqual([]);
    expect(doc!.hw).toEqual({
      frames: { f90000000: { pa: '0x90000000' } },
      tables: {
        t80000: { level: 'pgd', pa: '0x80000', regime: 'stage2' },
        t81000: { level: 'pud', pa: '0x81000', regime: 'stage2' },
        t82000: { level: 'pmd', pa: '0x82000', regime: 'stage2' },
        t83000: { level: 'pte', pa: '0x83000', regime: 'stage2' },
      },
    });
    // the register value: the space of (root, VMID) is made when it is first loaded
    expect(steps.at(-1)).toEqual({
      op: 'context',
      cpu: 0,
      action: 'enter',
      el: 2,
      vttbr: { root: 't80000', vmid: 1 },
    });
    expect(steps[3]).toEqual({ op: 'raw-write', cpu: 0, pa: '0x83000', value: '0x400000900004c3' });
    expect(imp.expected).toEqual({ kind: 'clean' });
  });
  it('decodes TLBI operands: IPA[47:12] in Xt[35:0], VA[55:12] in Xt[43:0], TTL in Xt[47:44]', () => {
    const { steps, imp } = imported(`${S2}(tlbi 6 0 ipas2e1is 700000040000)
(tlbi 7 0 ipas2e1is 300000040000)
(tlbi 8 0 vale2is 500000010000)
(tlbi 9 0 vmalls12e1is)
`);
    expect(imp.imported.unsupported).toEqual([]);
    expect(steps.slice(-4)).toEqual([
      { op: 'tlbi', cpu: 0, kind: 'ipas2e1is', va: '0x40000000', level: 'pte' },
      { op: 'tlbi', cpu: 0, kind: 'ipas2e1is', va: '0x40000000' },
      { op: 'tlbi', cpu: 0, kind: 'vale2is', va: '0x10000000', level: 'pud' },
      { op: 'tlbi', cpu: 0, kind: 'vmalls12e1is' },
    ]);
    expect(imported(`${S2}(tlbi 6 0 vae2is 0xb00000010000)\n`).imp.imported.unsupported).toEqual([
      'line 7 (id 6): tlbi vae2is TTL 11: a 16 KiB granule',
    ]);
    expect(imported(`${S2}(tlbi 6 0 vae2is 0x400000010000)\n`).imp.imported.unsupported).toEqual([
      'line 7 (id 6): tlbi vae2is TTL 4: level 0 with 4 KiB pages is reserved',
    ]);
  });
  it('turns release_table into table-free and a mem-init of the freed frame into table-alloc reuse', () => {
    const { steps } = imported(`${S2}(mem-write 6 0 plain 80000 0)
(hint 7 0 release_table 81000 0)
(mem-init 8 0 81000 1000)
(mem-write 9 0 plain 80000 81003)
(mem-set 10 0 81000 1000 0)
(mem-free 11 0 81000 1000)
`);
    expect(steps.slice(-6)).toEqual([
      { op: 'raw-write', cpu: 0, pa: '0x80000', value: '0x0' },
      { op: 'table-free', cpu: 0, table: 't81000' },
      { op: 'table-alloc', cpu: 0, id: 't81000_1', level: 'pud', reuse: 't81000' },
      { op: 'raw-write', cpu: 0, pa: '0x80000', value: '0x81003' },
      { op: 'raw-write', cpu: 0, pa: '0x81008', value: '0x0' },
      { op: 'table-free', cpu: 0, table: 't81000' },
    ]);
  });
  it('a second register write on a CPU replaces the register: leave, enter with both EL2 registers', () => {
    const { steps } = imported(`${S2}(sysreg-write 6 0 ttbr0_el2 84000)
(sysreg-write 7 0 vttbr_el2 80000)
`);
    const vm = (vmid: number) => ({ root: 't80000', vmid });
    expect(steps.filter((s) => s['op'] === 'context')).toEqual([
      { op: 'context', cpu: 0, action: 'enter', el: 2, vttbr: vm(1) },
      { op: 'context', cpu: 0, action: 'exit' },
      { op: 'context', cpu: 0, action: 'enter', el: 2, vttbr: vm(1), el2: { root: 't84000' } },
      { op: 'context', cpu: 0, action: 'exit' },
      { op: 'context', cpu: 0, action: 'enter', el: 2, vttbr: vm(0), el2: { root: 't84000' } },
    ]);
  });
  it('with the guest option, one more CPU runs each VM the trace loads (what Casemate assumes)', () => {
    const imp = casemate.importCasemate(
      `${S2}(sysreg-write 6 0 vttbr_el2 80000)
`,
      't.log',
      { guest: true },
    );
    const doc = parse(imp.yaml!) as Doc;
    expect(doc.machine.cpus).toBe(2);
    expect(doc.steps.filter((s) => s['cpu'] === 1).map(({ comment: _c, ...s }) => s)).toEqual([
      { op: 'context', cpu: 1, action: 'enter', el: 1, vttbr: { root: 't80000', vmid: 1 } },
      { op: 'context', cpu: 1, action: 'exit' },
      { op: 'context', cpu: 1, action: 'enter', el: 1, vttbr: { root: 't80000', vmid: 0 } },
    ]);
  });
  it('loads TTBR0_EL2 as an EL2 space and TTBR0_EL1 with set-root; hints, locks and reads are only counted', () => {
    const { steps, doc, imp } = imported(`(sysreg-write 0 0 tcr_el2 10)
(sysreg-write 1 0 ttbr0_el2 a0000)
(sysreg-write 2 1 ttbr0_el1 50000000c0000)
(hint 3 0 set_owner_root a1000 a0000)
(lock 4 0 f000)
(unlock 5 0 f000)
(mem-read 6 0 a0000 0)
(mem-write 7 1 release c0000 0)
(mem-write 8 1 plain 5000 1)
(sysreg-write 9 0 hcr_el2 1)
`);
    expect(doc!.machine.cpus).toBe(2);
    expect(steps.filter((s) => s['op'] !== 'raw-write')).toEqual([
      { op: 'context', cpu: 0, action: 'enter', el: 2, el2: { root: 'ta0000' } },
      { op: 'set-root', cpu: 1, root: 'tc0000', asid: 5 },
    ]);
    expect(imp.imported.ignored).toEqual([
      'hint set_owner_root (ownership is not modelled)',
      'lock / trylock / unlock (the lock discipline is not modelled) ×2',
      'mem-read (a read changes nothing)',
      'release memory order (every store is visible to every walk at once)',
      'mem-write outside every page-table tree (plain memory, no walk reads it)',
      'hcr_el2 (translation is always on in the model)',
    ]);
  });
  it('makes no scenario for what the model cannot state, and says why', () => {
    const { imp } = imported(`(sysreg-write 0 0 vttbr_el2 100000000080000)
(sysreg-write 1 0 ttbr0_el2 2000000090000)
(mem-write 2 0 plain 80000 40000001)
(mem-write 3 0 plain 80008 81003)
(mem-write 4 0 plain 81000 82003)
(mem-write 5 0 plain 80010 82003)
(sysreg-write 6 0 tcr_el2 4010)
(sysreg-write 7 0 vttbr_el2 0x80001)
`);
    expect(imp.yaml).toBeNull();
    expect(imp.imported.unsupported).toEqual([
      'line 1 (id 0): vttbr_el2 0x100000000080000: VMID 256 needs 16-bit VMIDs (FEAT_VMID16)',
      'line 2 (id 1): ttbr0_el2 0x2000000090000: ASID field 2, RES0 in non-VHE EL2 (Casemate: "TTBR0_EL2 ASID is reserved 0")',
      'line 7 (id 6): tcr_el2 0x4010: TG0 1, a 64 KiB granule',
      'page 0x82000 is a level-2 stage2 table and, linked at line 6 (id 5), a level-1 stage2 table',
      'line 3 (id 2): 0x40000001 at 0x80000 is a block descriptor at level 0 (the 4 KiB granule has none without FEAT_LPA2)',
    ]);
    expect(imported('(lock 0 0 1000)\n').imp.imported.unsupported).toEqual([
      'nothing in the trace touches a page table',
    ]);
  });
  it('writes a scenario the loader accepts, under the trace file name', () => {
    const { imp } = imported(`${S2}(mem-write 6 0 plain 83000 0)\n! BBM valid->valid\n`);
    const r = loadScenarioText(imp.yaml!, 't-1.yaml');
    expect(r.ok).toBe(true);
    expect(imp.bang).toEqual({ text: 'BBM valid->valid', line: 8 });
    expect(imp.expected).toEqual({
      kind: 'invariant',
      message: 'BBM valid->valid',
      invariant: 'break-before-make',
    });
  });
});

describe("what a trace's '!' line claims", () => {
  it('maps the checker messages to the invariant judging the same hazard, or to none', () => {
    const v = (m: string | null) => casemate.expectedVerdict(m);
    expect(v('BBM invalid unclean->valid')).toMatchObject({ invariant: 'break-before-make' });
    expect(v('double-use pte')).toMatchObject({ invariant: 'double-use' });
    expect(v('duplicate (VM/AS)ID')).toMatchObject({ invariant: 'duplicate-id' });
    expect(v('cannot release table where children are still unclean')).toMatchObject({
      invariant: 'freed-pagetable-walk',
    });
    expect(v('must write to pte while holding owner lock')).toMatchObject({ kind: 'protocol' });
    expect(v('root already associated with an (VM/AS)ID')).toMatchObject({ invariant: 'double-use' });
    expect(v('something new')).toMatchObject({ kind: 'protocol' });
  });
  it('agrees on the invariants Casemate judges; the others are not counted', () => {
    const clean = casemate.expectedVerdict(null);
    expect(casemate.agrees(clean, [])).toBe(true);
    expect(casemate.agrees(clean, ['wx-alias'])).toBe(true);
    expect(casemate.agrees(clean, ['double-use'])).toBe(false);
    const bbm = casemate.expectedVerdict('BBM valid->valid');
    expect(casemate.agrees(bbm, ['break-before-make', 'wx-alias'])).toBe(true);
    expect(casemate.agrees(bbm, ['double-use'])).toBe(false);
    expect(casemate.agrees(casemate.expectedVerdict('must have associated root with a lock'), [])).toBeNull();
  });
});

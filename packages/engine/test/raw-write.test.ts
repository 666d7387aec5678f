// `raw-write`: a raw 64-bit descriptor stored at a physical address of a hw table (Casemate's mem-write),
// decoded per the Arm ARM (DDI 0487 K.a) D8.3 descriptor formats — bad input at its line and column,
// good input run on the MMU and judged.
import 'reflect-metadata';
import { PolicyRegistry } from '@shootdown/core';
import { Pte, Regime } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import { loadScenarioText, runScenario } from '../src/index.js';
import { descriptorHalves, descriptorShape, leafDecode } from '../src/scenario/arm64-descriptor.js';

const HEAD = `name: raw
machine: { arch: arm64, cpus: 2, memory: 8MiB, tlb: adversarial }
hw:
  frames: { d1: { pa: 0x80000000 }, d2: { pa: 0x80001000 }, big: { pa: 0x40000000, size: 2M }, plain: {} }
  tables:
    l0: { level: pgd, pa: 0x1000 }
    l1: { level: pud, pa: 0x2000 }
    l2: { level: pmd, pa: 0x3000 }
    l3: { level: pte, pa: 0x4000 }
    other: { level: pte, pa: 0x5000 }
  spaces:
    vm: { vmid: 1, root: l0 }
steps:
`;

function load(steps: string, head = HEAD) {
  return loadScenarioText(head + steps, 'raw.yaml');
}
function errors(steps: string, head = HEAD): string[] {
  const r = load(steps, head);
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
}

describe('descriptor decoding (Arm ARM D8.3)', () => {
  it('reads hex strings of up to 16 digits and safe integers as two 32-bit halves', () => {
    expect(descriptorHalves('0xffffffff00000001')).toEqual([1, 0xffffffff]);
    expect(descriptorHalves(0x1_0000_0003)).toEqual([3, 1]);
    expect(descriptorHalves('0x1ffffffffffffffff')).toBeNull();
    expect(descriptorHalves(2 ** 53)).toBeNull();
    expect(descriptorHalves(-1)).toBeNull();
  });
  it('tells invalid, table, block and page apart by level; level 0 has no block, level 3 0b01 is invalid', () => {
    expect(descriptorShape(0x2000 | 2, 0, 1)).toEqual({ kind: 'invalid', oa: 0 }); // bit 0 clear
    expect(descriptorShape(0x2003, 0, 0)).toEqual({ kind: 'table', oa: 0x2000 });
    expect(descriptorShape(0x3003, 0x1234, 2)).toEqual({ kind: 'table', oa: 0x1234_0000_3000 });
    expect(descriptorShape(0x4003, 0, 3)).toEqual({ kind: 'page', oa: 0x4000 });
    expect(descriptorShape(0x4001, 0, 3)).toEqual({ kind: 'invalid', oa: 0 });
    // a 1 GiB block keeps OA bits [47:30] only, a 2 MiB block bits [47:21]
    expect(descriptorShape(0x4dead001, 0, 1)).toEqual({ kind: 'block', oa: 0x40000000 });
    expect(descriptorShape(0x4dead001, 0, 2)).toEqual({ kind: 'block', oa: 0x4de00000 });
    expect(descriptorShape(0x40000001, 0, 0)).toMatch(/block descriptor at level 0/);
  });
  it('reads permissions per regime: EL1&0 AP/PXN/UXN/nG/POIndex, EL2 AP[2]/XN, stage 2 S2AP/XN[1:0]', () => {
    // EL1&0: AP[1] user, AP[2] clear (writable), AF, nG set, UXN set, PXN clear, POIndex 5
    const el1 = leafDecode(0x443 | 0x800, (1 << 22) | (5 << 28), Regime.EL10, 3);
    expect(el1).toEqual({
      flags: Pte.PRESENT | Pte.USER | Pte.WRITABLE | Pte.ACCESSED | Pte.XKERNEL | (5 << Pte.KEY_SHIFT),
      ignored: [],
    });
    // EL2: AP[2] set (read-only), XN clear (executable); AttrIndx 1 and SH are not modelled
    expect(leafDecode(0x387, 0, Regime.EL2, 3)).toEqual({
      flags: Pte.PRESENT | Pte.XKERNEL,
      ignored: ['attrindx', 'sh'],
    });
    // stage 2: S2AP = 0b11 (read, write), XN[1:0] = 0b01 (EL0 only)
    expect(leafDecode(0xc3, 1 << 21, Regime.STAGE2, 3).flags).toBe(Pte.PRESENT | Pte.WRITABLE | Pte.XUSER);
    // stage 2 S2AP = 0b00: no read access, which the model cannot hold; XN = 0b10: not executable
    expect(leafDecode(0x1, 2 << 21, Regime.STAGE2, 3)).toEqual({
      flags: Pte.PRESENT,
      ignored: ['s2ap-read'],
    });
    // a 1 GiB block with bits [29:12] set (RES0 there), DBM, contiguous and a software bit
    expect(leafDecode(0x0dead441, (1 << 19) | (1 << 20) | (1 << 23), Regime.EL10, 1).ignored).toEqual([
      'res0',
      'dbm',
      'contiguous',
      'software',
    ]);
  });
});

describe('loading raw-write', () => {
  it('accepts descriptors whose outputs are hw frames and tables of the right size and level', () => {
    expect(
      errors(`  - { op: raw-write, pa: 0x1000, value: 0x2003 }
  - { op: raw-write, pa: 0x2ff8, value: "0x0000000000003003" }
  - { op: raw-write, pa: 0x3008, value: 0x40000001 }
  - { op: raw-write, pa: 0x4010, value: "0x00600000800004c3" }
  - { op: raw-write, pa: 0x4018, value: 0 }
`),
    ).toEqual([]);
    const r = load('  - { op: raw-write, pa: 0x2ff8, value: 0x3003 }\n');
    expect(r.ok && r.scenario.steps[0]).toMatchObject({
      op: 'raw-write',
      table: 'l1',
      index: 511,
      kind: 'table',
      target: 'l2',
      value: '0x0000000000003003',
    });
  });
  it('refuses an address outside the tables, a misaligned one, a data frame, and outputs the block cannot name', () => {
    expect(
      errors(`  - { op: raw-write, pa: 0x9000, value: 0 }
  - { op: raw-write, pa: 0x1004, value: 0 }
  - { op: raw-write, pa: 0x80000000, value: 0 }
  - { op: raw-write, pa: 0x1000, value: 0x4003 }
  - { op: raw-write, pa: 0x3000, value: 0x80000001 }
  - { op: raw-write, pa: 0x4000, value: 0x7003 }
  - { op: raw-write, pa: 0x1000, value: 0x40000001 }
  - { op: raw-write, pa: 0x1000, value: 18446744073709551615 }
`),
    ).toEqual([
      '14:26 pa 0x9000 is in no table of the hw block (give the table a pa:)',
      '15:26 pa 0x1004 is not 8-byte aligned (a descriptor is 64 bits)',
      '16:26 pa 0x80000000 is in frame "d1", not a page table: raw-write stores descriptors',
      '17:41 0x0000000000004003 is a table descriptor in pgd table "l0" with output 0x4000, which is not the pa: of a pud table in the hw block',
      '18:41 0x0000000080000001 is a block descriptor in pmd table "l2" with output 0x80000000, which is not the pa: of a 2M frame in the hw block',
      '19:41 0x0000000000007003 is a page descriptor in pte table "l3" with output 0x7000, which is not the pa: of a 4K frame or a table in the hw block',
      '20:41 0x0000000040000001 in pgd table "l0" is a block descriptor at level 0 (the 4 KiB granule has none without FEAT_LPA2): not modelled',
      '21:41 a descriptor above 2^53 - 1 loses bits as a number: write it as a quoted hex string ("0x…", 16 digits at most)',
    ]);
  });
  it('refuses a pa given twice, a misaligned pa and a 2M frame whose pa is not 2M-aligned', () => {
    const head = HEAD.replace(
      'plain: {}',
      'plain: { pa: 0x1000 }, odd: { pa: 0x123 }, b2: { size: 2M, pa: 0x1000 }',
    );
    expect(errors('  - { op: raw-write, pa: 0x1000, value: 0 }\n', head)).toEqual([
      '4:130 pa 0x123 is not aligned to 4K',
      '4:159 pa 0x1000 is not aligned to 2M',
      '6:27 pa 0x1000 is already the pa of frame "plain"',
      '14:26 pa 0x1000 is in frame "plain", not a page table: raw-write stores descriptors',
    ]);
  });
});

describe('running raw-write under raw-mmu:arm64', () => {
  function run(steps: string) {
    const r = load(steps);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return runScenario(r.scenario, { registry: new PolicyRegistry(), selection: 'raw-mmu:arm64' });
  }
  const TREE = `  - { op: raw-write, pa: 0x1000, value: 0x2003 }
  - { op: raw-write, pa: 0x2008, value: 0x3003 }
  - { op: raw-write, pa: 0x3000, value: 0x4003 }
  - { op: raw-write, pa: 0x4000, value: "0x00400000800004c3", comment: 'S2AP read+write, AF, XN 0b10: IPA 0x40000000 -> d1' }
  - { op: context, cpu: 1, action: enter, el: 1, vttbr: vm }
  - { op: context, cpu: 0, action: enter, el: 2, vttbr: vm }
`;
  it('builds a stage-2 tree from raw descriptors that a guest access walks', () => {
    const r =
      run(`${TREE}  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: write, expect: { outcome: ok, frame-of: d1 } }
  - { op: access, cpu: 1, space: vm, va: 0x40001000, kind: read, expect: fault:not-present }
  - { op: check, expect: no-violations }
`);
    expect(r.steps.map((s) => s.outcome)).toEqual([
      ...Array<string>(7).fill('ok'),
      'fault:not-present',
      'ok',
    ]);
    expect(r.violations).toEqual([]);
  });
  it('replacing a live page by another valid one breaks break-before-make; the full sequence holds', () => {
    const bad = run(`${TREE}  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: read }
  - { op: raw-write, pa: 0x4000, value: "0x00400000800014c3", violation: break-before-make }
`);
    expect(bad.violations.map((v) => v.invariant)).toEqual(['break-before-make']);
    const good = run(`${TREE}  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: read }
  - { op: raw-write, pa: 0x4000, value: 0 }
  - { op: barrier, cpu: 0, kind: dsb, domain: ish }
  - { op: tlbi, cpu: 0, kind: vmalls12e1is }
  - { op: barrier, cpu: 0, kind: dsb, domain: ish }
  - { op: raw-write, pa: 0x4000, value: "0x00400000800014c3" }
  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: read, expect: { outcome: ok, frame-of: d2 } }
`);
    expect(good.violations).toEqual([]);
  });
  it('a table first written while in no tree holds its declared regime; a freed one is skipped until reused', () => {
    const head = HEAD.replace(
      'other: { level: pte, pa: 0x5000 }',
      'other: { level: pte, pa: 0x5000, regime: stage2 }',
    );
    const r = loadScenarioText(
      `${head}  - { op: raw-write, pa: 0x5000, value: "0x004000008000044b", comment: 'S2AP read-only' }
  - { op: raw-write, pa: 0x1000, value: 0x2003 }
  - { op: raw-write, pa: 0x2008, value: 0x3003 }
  - { op: raw-write, pa: 0x3000, value: 0x5003 }
  - { op: context, cpu: 1, action: enter, el: 1, vttbr: vm }
  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: write }
  - { op: raw-write, pa: 0x3000, value: 0 }
  - { op: barrier, cpu: 0, kind: dsb, domain: ish }
  - { op: context, cpu: 0, action: enter, el: 2, vttbr: vm }
  - { op: tlbi, cpu: 0, kind: vmalls12e1is }
  - { op: barrier, cpu: 0, kind: dsb, domain: ish }
  - { op: table-free, table: other }
  - { op: raw-write, pa: 0x5000, value: 0 }
  - { op: table-alloc, id: again, level: pte, reuse: other }
  - { op: raw-write, pa: 0x5000, value: "0x00400000800004cb" }
`,
      'raw.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const out = runScenario(r.scenario, { registry: new PolicyRegistry(), selection: 'raw-mmu:arm64' });
    // read-only at stage 2 (S2AP = 0b01): the guest's write faults; EL1&0 decoding would have allowed it
    expect(out.steps[5].outcome).toBe('fault:write');
    expect(out.steps.slice(11).map((s) => s.outcome)).toEqual(['ok', 'skipped', 'ok', 'ok']);
    expect(out.violations).toEqual([]);
  });
  it('reports the fields it does not model as ignored, and a stage-2 read-only page faults on write', () => {
    const r =
      run(`${TREE.replace('0x00400000800004c3', '0x004000008000074b')}  - { op: access, cpu: 1, space: vm, va: 0x40000000, kind: write }
`);
    // 0x74b: S2AP = 0b01 (read only), MemAttr 0b0010, SH = 0b11, AF
    expect(r.steps[3]).toMatchObject({ outcome: 'ok', ignored: ['memattr', 'sh'] });
    expect(r.steps.at(-1)!.outcome).toBe('fault:write');
  });
});

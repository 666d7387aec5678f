// The EL2 / stage-2 pieces of the hardware-level language: stage-2 and EL2 spaces, `context el:`, the new
// TLBI kinds and the TTL hint — bad input reported at its line and column, good input run on the MMU.
import 'reflect-metadata';
import { PolicyRegistry } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import { loadScenarioText, runScenario } from '../src/index.js';

const HEAD = `name: s2
machine: { arch: arm64, cpus: 2, memory: 8MiB }
hw:
  frames: { f: {} }
  spaces:
    vm0: { vmid: 0, mappings: [{ va: 0x40000000, frame: f, prot: rw }] }
    hyp: { el2: true }
    user: { asid: 1 }
steps:
`;

function errors(steps: string, head = HEAD): string[] {
  const r = loadScenarioText(head + steps, 's2.yaml');
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
}

describe('loading', () => {
  it('accepts the regime steps and the new TLBI kinds', () => {
    expect(
      errors(`  - { op: context, cpu: 0, action: enter, el: 2, el2: hyp, vttbr: vm0 }
  - { op: tlbi, cpu: 0, kind: ipas2e1is, va: 0x40000000, level: pte }
  - { op: tlbi, cpu: 0, kind: vmalls12e1is }
  - { op: tlbi, cpu: 0, kind: alle2is }
  - { op: context, cpu: 0, action: exit }
`),
    ).toEqual([]);
  });
  it('refuses a space with two kinds, a user bit in stage 2 and an IPA at 2^47', () => {
    const head = HEAD.replace(
      'hyp: { el2: true }',
      'hyp: { el2: true, asid: 2 }\n    big: { vmid: 1, mappings: [{ va: 0x800000000000, frame: f, user: true }] }',
    );
    expect(errors('  - { op: barrier, cpu: 0, kind: isb }\n', head)).toEqual([
      '7:10 a space needs exactly one of asid: (an EL1&0 space), vmid: (a stage-2 space) and el2: true (an EL2 space)',
      '8:38 stage-2 IPAs and EL2 VAs are modelled below 0x800000000000 (2^47)',
      '8:70 user: has no meaning in a stage-2 space',
    ]);
  });
  it('refuses a regime register loaded with the wrong kind of space, and set-root of a stage-2 space', () => {
    expect(
      errors(`  - { op: context, cpu: 0, action: enter, el: 2, vttbr: user, el2: vm0 }
  - { op: context, cpu: 1, action: enter, el: 1, el2: hyp }
  - { op: context, cpu: 1, action: exit, el: 1 }
  - { op: set-root, cpu: 1, space: vm0 }
`),
    ).toEqual([
      '10:57 space "user" is not a stage-2 space (VTTBR_EL2 takes one declared with vmid:)',
      '10:68 space "vm0" is not an EL2 space (TTBR0_EL2 takes one declared with el2: true)',
      '11:55 TTBR0_EL2 is loaded at EL2 (el: 2)',
      '12:46 context exit takes no el: it returns to the regime before',
      '13:36 set-root loads TTBR0_EL1: a stage-2 or EL2 space is entered with context el:',
    ]);
  });
});

describe('running under raw-mmu:arm64', () => {
  function run(steps: string) {
    const r = loadScenarioText(HEAD + steps, 's2.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return runScenario(r.scenario, { registry: new PolicyRegistry(), selection: 'raw-mmu:arm64' });
  }
  it('a guest access by IPA; IPAS2E1IS leaves the combined entry until VMALLE1IS', () => {
    const r = run(`  - { op: context, cpu: 1, action: enter, el: 1, vttbr: vm0 }
  - { op: access, cpu: 1, space: vm0, va: 0x40000000, kind: write }
  - { op: context, cpu: 0, action: enter, el: 2, vttbr: vm0 }
  - { op: pte-store, space: vm0, va: 0x40000000, entry: invalid }
  - { op: tlbi, cpu: 0, kind: ipas2e1is, va: 0x40000000 }
  - { op: barrier, cpu: 0, kind: dsb }
  - { op: access, cpu: 1, space: vm0, va: 0x40000000, kind: read }
  - { op: tlbi, cpu: 0, kind: vmalle1is }
  - { op: barrier, cpu: 0, kind: dsb }
  - { op: access, cpu: 1, space: vm0, va: 0x40000000, kind: read }
`);
    expect(r.steps.map((s) => s.outcome)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok-stale',
      'ok',
      'ok',
      'fault:not-present',
    ]);
  });
  it('a VTTBR_EL2 / TTBR0_EL2 value { root, vmid } / { root } makes its space on first load, the declared one when it matches', () => {
    const head = HEAD.replace(
      'frames: { f: {} }',
      'frames: { f: {} }\n  tables: { r0: { level: pgd }, r1: { level: pgd }, r2: { level: pgd } }',
    ).replace('vm0: { vmid: 0, mappings', 'vm0: { vmid: 0, root: r0, mappings');
    const r = loadScenarioText(
      `${head}  - { op: context, cpu: 1, action: enter, el: 1, vttbr: { root: r0, vmid: 0 } }
  - { op: access, cpu: 1, space: vm0, va: 0x40000000, kind: read }
  - { op: context, cpu: 1, action: exit }
  - { op: context, cpu: 0, action: enter, el: 2, vttbr: { root: r1, vmid: 0 }, el2: { root: r2 } }
`,
      's2.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const out = runScenario(r.scenario, { registry: new PolicyRegistry(), selection: 'raw-mmu:arm64' });
    // { root: r0, vmid: 0 } is vm0 itself; r1 under VMID 0 while CPU 1 may hold VMID 0's entries of r0
    expect(out.steps.map((s) => s.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(out.violations.map((v) => v.invariant)).toEqual(['duplicate-id']);
    expect(
      errors(
        '  - { op: context, cpu: 0, action: enter, el: 2, vttbr: { root: nope, vmid: 1 }, el2: { root: r0 } }\n',
        HEAD.replace('frames: { f: {} }', 'frames: { f: {} }\n  tables: { r0: { level: pud } }'),
      ),
    ).toEqual(['11:65 unknown page table "nope"', '11:95 table "r0" is a pud table; a root must be pgd']);
  });
  it('skips IPAS2E1 with no VTTBR_EL2, an access to a space the CPU has not entered, an exit with nothing entered', () => {
    const r = run(`  - { op: tlbi, cpu: 0, kind: ipas2e1is, va: 0x40000000 }
  - { op: access, cpu: 0, space: vm0, va: 0x40000000, kind: read }
  - { op: context, cpu: 0, action: exit }
  - { op: context, cpu: 0, action: enter, name: kpkeys-pgtables }
`);
    expect(r.steps.map((s) => s.outcome)).toEqual(['skipped', 'skipped', 'skipped', 'unsupported']);
  });
});

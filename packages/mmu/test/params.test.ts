import { describe, expect, it } from 'vitest';
import {
  MachineConfigError,
  STANDARD_COUNTERS,
  createMachine,
  defaultCostModel,
  validateMachineParams,
} from '../src/index.js';

describe('machine parameters (schemas/machine.schema.json)', () => {
  it('fills every default', () => {
    const r = validateMachineParams({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      arch: 'x86_64',
      cpus: 4,
      memory: 64 * 1024 * 1024,
      frames: 16384,
      tlb: 'adversarial',
      directMap: { leaf: '2M' },
      keyWidth: 4, // x86 PKU: 16 keys (freebsd-amd64.md §1.1)
      flushCeiling: 33, // spec linux.md §2.2
      tlbSides: 'unified',
      features: { pcid: true, pti: false, invlpgb: false, 'bbml2-noabort': false },
      onConflict: 'stale-first',
    });
    const arm = validateMachineParams({ arch: 'arm64' });
    expect(arm.ok && arm.value.keyWidth).toBe(3); // POE: 8 indices (arm64-pkey.md §1.1)
  });

  it('reports every error with a JSON pointer', () => {
    const r = validateMachineParams({
      cpus: 0,
      memory: '64MB',
      features: { pcid: 'yes', smap: true },
      tlb: 'exact',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.pointer).sort()).toEqual([
      '/cpus',
      '/features/pcid',
      '/features/smap',
      '/memory',
      '/tlb',
    ]);
    expect(r.errors.find((e) => e.pointer === '/tlb')!.message).toContain('"adversarial"');
  });

  it('checks cross-field rules', () => {
    const r = validateMachineParams({ tlbEntries: 100, tlbAssociativity: 12 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0].pointer).toBe('/tlbEntries');
  });

  it('createMachine throws a MachineConfigError listing the errors, not a stack of internals', () => {
    expect(() => createMachine({ arch: 'riscv' as 'arm64' })).toThrow(MachineConfigError);
    expect(() => createMachine({ arch: 'riscv' as 'arm64' })).toThrow(/\/arch: must be one of/);
  });

  it('cost-model defaults are spec linux.md §7.2', () => {
    expect(defaultCostModel).toMatchObject({
      invlpg: 1,
      full: 33,
      ipi: 15,
      kflush: 5,
      lflush: 33,
      wrpkru: 0.2,
      dsb: 5,
    });
    expect(() => createMachine({}, { ipi: -1 })).toThrow(/\/ipi: must be >= 0/);
  });

  it('a delta from a snapshot taken part-way counts only what came after: counters, cycles, latency', () => {
    const m = createMachine({ cpus: 2 });
    m.count('kflush');
    m.charge('zero_page', 3);
    const s0 = m.snapshot();
    expect([s0.cycles > 0, s0.latency > 0]).toEqual([true, true]);
    m.count('kflush', 2);
    const d = m.delta(s0);
    const w = m.counters.weight('kflush');
    expect([d.counters.kflush, d.counters.zero_page]).toEqual([2, 0]);
    // CPU 0 charges and is the initiator: the latency grows by what the work costs
    expect([d.cycles, d.latency]).toEqual([2 * w, 2 * w]);
    const s1 = m.snapshot();
    expect([s1.cycles, s1.latency]).toEqual([s0.cycles + d.cycles, s0.latency + d.latency]);
  });

  it('counters: policy-prefixed names, charges, stable snapshots and deltas', () => {
    const m = createMachine({ cpus: 2 }, { 'linux.vmap_purge': 2 });
    const s0 = m.snapshot();
    m.count('kflush');
    m.count('linux.vmap_purge', 3);
    m.charge('zero_page', 2);
    const d = m.delta(s0);
    expect(d.counters.kflush).toBe(1);
    expect(d.counters['linux.vmap_purge']).toBe(3);
    // kflush 5 (§7.2) + 3 × 2 (given) + 2 × zero_page 2 [assumption in the schema]
    expect(d.cycles).toBe(5 + 6 + 4);
    const keys = Object.keys(m.snapshot().counters);
    expect(keys.slice(0, 3)).toEqual(['kflush', 'ipi', 'invlpg']);
    const extra = keys.slice(STANDARD_COUNTERS.length);
    expect(extra).toEqual(['cr3', 'linux.vmap_purge', 'zero_page']); // standard first, then sorted
    expect(() => m.count('Bad Name')).toThrow(/lower-case/);
  });
});

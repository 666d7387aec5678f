// duplicate-id (Casemate model.c activate_ttbr "duplicate (VM/AS)ID"; examples/tests/bad_overlap_VMID.c)
// at its site: the register (VTTBR_EL2 with its VMID, or TTBR0_EL2 of the EL2 regime), the new and the old
// root frame, and the CPUs that may still hold the ID's entries from the old root.
import { Access, Mode, Outcome, Pte } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import type { InvariantViolation } from '../src/index.js';
import { fixture } from './machine-fixture.js';

const IPA = 0x80000000;
type F = ReturnType<typeof fixture>;

function dup(f: F): InvariantViolation[] {
  return f.mon.take().filter((v) => v.invariant === 'duplicate-id');
}
const hex = (pfn: number): string => `0x${(pfn * 4096).toString(16)}`;

describe('duplicate-id sites', () => {
  it('VTTBR_EL2: the VMID, both roots, the one CPU that ran the guest; each re-load is its own event', () => {
    const f = fixture('arm64', ['duplicate-id']);
    const vm0 = f.m.createStage2Space(0, f.table);
    f.map(vm0, IPA, f.frame(), Pte.WRITABLE);
    f.m.enterRegime(1, { el: 1, vttbr: vm0 });
    expect(f.m.access(1, IPA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    const second = f.m.createStage2Space(0, f.table);
    f.mon.take();
    f.m.enterRegime(0, { el: 2, vttbr: second });
    const v = dup(f);
    expect(v).toHaveLength(1);
    const [root, old] = [f.m.rootOf(second), f.m.rootOf(vm0)];
    expect(v[0]).toMatchObject({ cpu: 0, address: null, frame: root, claimed: true });
    expect(v[0].explanation).toBe(
      `VTTBR_EL2 loaded root frame ${root} (${hex(root)}) under VMID 0 while CPU 1 may still hold its entries from root frame ${old}`,
    );
    // CPU 0 now runs the guest on the second root, then CPU 1 goes back to the first: both may hold VMID 0
    // entries of the second root. Reported again, from CPU 1.
    f.m.enterRegime(0, { el: 1, vttbr: second });
    f.m.enterRegime(1, { el: 2, vttbr: vm0 });
    const w = dup(f);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ cpu: 1, frame: old });
    expect(w[0].explanation).toBe(
      `VTTBR_EL2 loaded root frame ${old} (${hex(old)}) under VMID 0 while CPUs 0, 1 may still hold its entries from root frame ${root}`,
    );
  });

  it('TTBR0_EL2: the EL2 regime, which has no ID of its own', () => {
    const f = fixture('arm64', ['duplicate-id']);
    const a = f.m.createEl2Space(f.table);
    f.map(a, 0x10000, f.frame(), Pte.WRITABLE);
    f.m.enterRegime(1, { el: 2, el2: a });
    expect(f.m.access(1, 0x10000, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    const b = f.m.createEl2Space(f.table);
    f.mon.take();
    f.m.enterRegime(0, { el: 2, el2: b });
    const v = dup(f);
    expect(v).toHaveLength(1);
    const [root, old] = [f.m.rootOf(b), f.m.rootOf(a)];
    expect(v[0]).toMatchObject({ cpu: 0, frame: root });
    expect(v[0].explanation).toMatch(
      new RegExp(
        `^TTBR0_EL2 loaded root frame ${root} \\(${hex(root)}\\) under the EL2 regime while CPUs? [0-9, ]+ may still hold its entries from root frame ${old}$`,
      ),
    );
    expect(v[0].explanation).toContain('CPU 1');
  });
});

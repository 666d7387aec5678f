// Linear-map splits on the simulated MMU (spec arm64-pkey.md §3.2, §7.3): without BBML2_NOABORT a block is
// replaced by break-before-make (invalid, TLBI, then the table) and the break-before-make invariant holds; with
// it the equivalent table replaces the block in place with no TLBI at split time. The control shows the check
// is live: an in-place replacement on a CPU without BBML2_NOABORT is a violation.
import { describe, expect, it } from 'vitest';
import { KPKEYS_PKEY_PGTABLES } from '../src/constants.js';
import { Run } from './support/run.js';

function rekeyOnePage(bbml2: boolean) {
  const r = new Run('arm64-pkey', {
    cpus: 2,
    memory: '64MiB',
    directMap: { leaf: '2M' },
    features: { 'bbml2-noabort': bbml2 },
  });
  const lmap = r.arm.arch.linearMap;
  const pfn = 8192 + 17;
  // Some CPU has the block in its TLB: reading through the linear map.
  r.step(() => r.kernel.access(1, r.kernel.directMapAddress(pfn), 'read', false));
  return { r, step: r.step(() => lmap.setMemoryPkey(pfn, 1, KPKEYS_PKEY_PGTABLES)), pfn };
}

describe('linear-map split', () => {
  it('without bbml2-noabort: break-before-make, one VAAE1IS for the block, no violation', () => {
    const { step, r, pfn } = rekeyOnePage(false);
    expect(step.value).toBe(true);
    expect(step.counters.split).toBe(1);
    expect(step.counters['arm64.bbm']).toBe(1);
    expect(step.counters.tlbi_all_levels).toBe(1);
    expect(step.counters.ipi ?? 0).toBe(0);
    expect(step.violations).toEqual([]);
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(pfn))?.pages).toBe(1);
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(pfn))?.key).toBe(KPKEYS_PKEY_PGTABLES);
  });

  it('with bbml2-noabort: the table replaces the block in place; only the re-key is flushed', () => {
    const { step } = rekeyOnePage(true);
    expect(step.counters.split).toBe(1);
    expect(step.counters['arm64.bbm'] ?? 0).toBe(0);
    expect(step.counters.tlbi_all_levels ?? 0).toBe(0);
    expect(step.counters.tlbi_leaf).toBe(1);
    expect(step.violations).toEqual([]);
  });

  it('control: an in-place block → table replacement on a CPU without BBML2_NOABORT breaks break-before-make', () => {
    const r = new Run('arm64-pkey', { cpus: 2, memory: '64MiB', directMap: { leaf: '2M' } });
    const va = r.kernel.directMapAddress(8192);
    r.step(() => r.kernel.access(1, va, 'read', false));
    const table = r.machine.frames.allocAny('page-table');
    const s = r.step(() => r.machine.splitLeaf(r.machine.kernelSpace, va, table));
    expect(s.violations).toContain('break-before-make');
  });
});

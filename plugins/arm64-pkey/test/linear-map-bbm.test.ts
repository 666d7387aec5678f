// Linear-map splits (spec arm64-pkey.md §3.2, §7.3), as arch/arm64/mm/mmu.c does them in Linux v6.18: with
// BBML2_NOABORT split_kernel_leaf_mapping() replaces a live block by the equivalent table in place (no TLBI at
// split time); without it the kernel never splits a live block — map_mem() builds the linear map with PTEs
// (force_pte_mapping()), and a partial-block change on a block it finds anyway is refused
// (split_kernel_leaf_mapping() returns early, pageattr_pmd_entry() warns and returns -EINVAL).
import { describe, expect, it } from 'vitest';
import { KPKEYS_PKEY_PGTABLES } from '../src/constants.js';
import { rig } from './support/harness.js';
import { BLOCK_MAP_BBML2, Run } from './support/run.js';

function rekeyOnePage(bbml2: boolean) {
  const r = new Run('arm64-pkey', {
    cpus: 2,
    memory: '64MiB',
    directMap: { leaf: '2M' },
    features: { 'bbml2-noabort': bbml2 },
  });
  const lmap = r.arm.arch.linearMap;
  const pfn = 8192 + 17;
  // Some CPU has the leaf in its TLB: reading through the linear map.
  r.step(() => r.kernel.access(1, r.kernel.directMapAddress(pfn), 'read', false));
  return { r, step: r.step(() => lmap.setMemoryPkey(pfn, 1, KPKEYS_PKEY_PGTABLES)), pfn };
}

describe('linear-map split', () => {
  it('without bbml2-noabort: the linear map is PTE-mapped from boot (force_pte_mapping()); re-keying splits nothing', () => {
    const { step, r, pfn } = rekeyOnePage(false);
    expect(r.arm.arch.linearMap.pteOnly()).toBe(true);
    expect(step.value).toBe(true);
    expect(step.counters.split ?? 0).toBe(0);
    expect(step.counters.tlbi_all_levels ?? 0).toBe(0);
    expect(step.counters.tlbi_leaf).toBe(1);
    expect(step.counters.ipi ?? 0).toBe(0);
    expect(step.violations).toEqual([]);
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(pfn))?.pages).toBe(1);
    expect(r.pmap.kernel.lookup(r.kernel.directMapAddress(pfn))?.key).toBe(KPKEYS_PKEY_PGTABLES);
  });

  it('with bbml2-noabort: the table replaces the block in place; only the re-key is flushed', () => {
    const { step } = rekeyOnePage(true);
    expect(step.counters.split).toBe(1);
    expect(step.counters.tlbi_all_levels ?? 0).toBe(0);
    expect(step.counters.tlbi_leaf).toBe(1);
    expect(step.violations).toEqual([]);
  });

  it('a block found without bbml2-noabort is never split live: a partial-block change is refused, nothing stored', () => {
    const { map, hw, counters } = rig('pt-unprotected', '2M', 1 << 14, false);
    expect(map.setMemoryPkey(8192 + 17, 1, KPKEYS_PKEY_PGTABLES)).toBe(false);
    expect(map.updatePtes(8192 + 17, 1, 0, 0)).toBe(false);
    expect(hw.stores).toEqual([]);
    expect(hw.tlbis).toEqual([]);
    expect(counters.get('arm64.split_refused')).toBe(2);
    expect(map.leafLevel(8192 + 17)).toBe(2);
    // A change covering whole blocks needs no split and is made in place (pageattr_pmd_entry() on a full PMD).
    expect(map.setMemoryPkey(8192, 512, KPKEYS_PKEY_PGTABLES)).toBe(true);
    expect(hw.stores).toEqual([`key L2 8192 ${KPKEYS_PKEY_PGTABLES}`]);
  });
});

// Issue 11 defect 4: after an in-place BBML2 split the old block may linger in TLBs (arch/arm64/mm/mmu.c,
// arch_kfence_init_pool(): "larger entries may safely linger in the TLB"); it translates every frame of the block
// exactly as the new PTEs do, so freeing and reusing a frame of that block is no stale-after-free — with or
// without a later, flushed permission change of a neighbouring frame's alias.
describe('linear-map split in place: frames of the split block freed and reused', () => {
  it('reports no stale-after-free on the linear-map addresses', () => {
    const r = new Run('arm64-pkey', BLOCK_MAP_BBML2);
    const frames: number[] = [];
    for (let i = 0; i < 4; i++) frames.push(r.pages.alloc(0, 0, []).pfn!);
    for (const f of frames) r.step(() => r.kernel.access(1, r.kernel.directMapAddress(f), 'read', false));
    const lmap = r.arm.arch.linearMap;
    const split = r.step(() => lmap.setMemoryPkey(frames[0]!, 1, KPKEYS_PKEY_PGTABLES));
    expect(split.counters.split).toBe(1);
    r.step(() => lmap.setMemoryPkey(frames[0]!, 1, 0));
    const seen: string[] = [];
    for (const f of frames) seen.push(...r.step(() => r.pages.free(0, f, 0)).violations);
    for (const f of frames) seen.push(...r.step(() => r.pages.alloc(0, 0, [], [f])).violations);
    for (const f of frames)
      seen.push(...r.step(() => r.kernel.access(1, r.kernel.directMapAddress(f), 'write', false)).violations);
    expect(seen).toEqual([]);
  });
});

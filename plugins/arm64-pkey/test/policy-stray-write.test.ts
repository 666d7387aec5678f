// pt-stray-write through the policy (catalogue pagetable-protection): a kernel write from the default POR_EL1
// context aimed at page tables faults under every protecting variant and lands under pt-unprotected (spec
// arm64-pkey.md §2.2, §9.1 "Stray write to a PTP at default level"); from the page-table context it lands.
import { describe, expect, it } from 'vitest';
import { PT_VARIANTS } from '../src/variants.js';
import { BLOCK_MAP_BBML2 as blockMap, mmap, Run } from './support/run.js';

const machine = { cpus: 2, memory: '64MiB', directMap: { leaf: '4K' } } as const;

function strayWrites(variant: string, params: object = machine) {
  const r = new Run(`arm64-pkey:pt-protection=${variant}`, params);
  const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
  r.kernel.run(0, pid);
  const addr = mmap(r, 0x400000, 1);
  const space = r.pmap.of(pid)!.space;
  const pte = r.tableOf(space, addr, 1);
  const pmd = r.tableOf(space, addr, 2);
  const image = r.tableOf(r.machine.kernelSpace, r.kernel.window('kernel-image')!.start, 1);
  const write = (pfn: number, ctx: string | null) => r.strayWrite(0, pfn, ctx);
  return {
    pte: write(pte, null),
    pmd: write(pmd, null),
    image: write(image, null),
    privileged: write(pte, 'kpkeys-pgtables'),
    user: r.step(() => r.kernel.access(0, addr, 'write', true)),
  };
}

describe('pt-stray-write (PTE-mapped linear map)', () => {
  for (const variant of PT_VARIANTS) {
    const protects = variant !== 'pt-unprotected';
    it(`${variant}: default-context writes ${protects ? 'fault on the key' : 'land'}; the page-table context writes`, () => {
      const s = strayWrites(variant);
      for (const w of [s.pte, s.pmd, s.image]) {
        expect(w.value.outcome).toBe(protects ? 'fault:key' : 'ok');
        // Landing in a page table is the invariant's trigger whether or not the variant claims it.
        expect(w.violations).toEqual(protects ? [] : ['pagetable-write-protected']);
      }
      expect(s.privileged.value.outcome).toBe('ok');
      expect(s.privileged.violations).toEqual([]);
      expect(s.user.value.outcome).toBe('ok');
    });
  }
});

// Issue 11 defect 2, Design C on a block-mapped linear map: bootArm64 keyed the frames of every pageblock in its
// bookkeeping but wrote PMD blocks with overlay index 0, so every stray write landed while the variant claimed
// pagetable-write-protected. Spec §6.3: the map starts "fully protected" at pageblock granularity.
describe('pt-stray-write on a block-mapped linear map (2 MiB blocks, BBML2_NOABORT)', () => {
  for (const variant of ['pt-pkey-block-cache', 'pt-pkey-freetype']) {
    it(`${variant}: the block descriptors carry the key, so default-context writes fault`, () => {
      const s = strayWrites(variant, blockMap);
      for (const w of [s.pte, s.pmd, s.image]) {
        expect(w.value.outcome).toBe('fault:key');
        expect(w.violations).toEqual([]);
      }
      expect(s.privileged.value.outcome).toBe('ok');
    });
  }
});

// free_pgtables and the flags of the table-freeing flush (spec linux.md §5.3–§5.6, seed 004): the same two
// layouts on x86 and on the split I/D TLB with the asm-generic, flags-honouring tlb_flush.
import { describe, expect, it } from 'vitest';
import { doMmap, doMprotectPkey, doMunmap, type MmapRequest } from '@shootdown/linux-mm';
import { Run } from './harness.js';

const PAGE = 4096;
const RX = 5;
const R = 1;
const BASE = 0x400000;

function req(over: Partial<MmapRequest>): MmapRequest {
  return {
    addr: 0,
    pages: 1,
    prot: 1,
    align: 0,
    fixed: false,
    fixedNoReplace: false,
    shared: false,
    populate: false,
    pfnmap: false,
    huge: false,
    ...over,
  };
}

/**
 * One 2 MiB PTE page holding [BASE, +4 pages) with `low` and [+4, +8 pages) with `high` protection; CPU 1
 * executes the executable half and reads the other; CPU 0 unmaps both in one munmap.
 */
function layout(selection: string, sides: 'unified' | 'split', low: number, _high: number) {
  const r = new Run(selection, { cpus: 2, memory: '64MiB', tlbSides: sides });
  const lm = r.x86.lm;
  const pid = r.kernel.createProcess(0).pid!;
  r.step(() => r.kernel.run(0, pid));
  r.step(() => r.kernel.run(1, pid));
  const task = lm.current[0]!;
  // Map all of it read-only, then make one half executable: removing exec with mprotect would itself leave
  // I-side entries behind under the flags-honouring flush (flush_tlb_range sees the new, non-exec flags).
  r.step(() => doMmap(lm, 0, task, req({ addr: BASE, pages: 8, prot: R, fixed: true, populate: true })));
  const execHalf = low & 4 ? BASE : BASE + 4 * PAGE;
  r.step(() => doMprotectPkey(lm, 0, task, execHalf, 4 * PAGE, RX, -1));
  const execAt = low & 4 ? BASE : BASE + 4 * PAGE;
  const readAt = low & 4 ? BASE + 4 * PAGE : BASE;
  r.step(() => r.kernel.access(1, execAt, 'exec', true));
  r.step(() => r.kernel.access(1, readAt, 'read', true));
  return r.step(() => doMunmap(lm, 0, task, BASE, 8 * PAGE));
}

describe('exec-then-readonly: r-x then r--; unmap_vmas ends with the non-executable VMA (§5.5)', () => {
  for (const pgt of ['pgt-no-start-vma', 'pgt-start-end-v1', 'pgt-or-flags']) {
    it(`x86 tlb_flush, ${pgt}: flags ignored, INVLPG drops both sides — clean on a unified and a split TLB`, () => {
      expect(layout(`linux-x86:free-pgtables=${pgt}`, 'unified', RX, R).violations).toEqual([]);
      expect(layout(`linux-x86:free-pgtables=${pgt}`, 'split', RX, R).violations).toEqual([]);
    });
  }

  it('generic tlb_flush on a split TLB, mainline: the table flush carries vma_exec = 0 → I-side walk entries to the freed table', () => {
    const m = layout('linux-x86:tlb-flush=generic-split', 'split', RX, R);
    expect(m.violations).toContain('freed-pagetable-walk');
  });

  it('generic tlb_flush on a split TLB, the S004 patch: start_vma(first = r-x) sets vma_exec — clean here', () => {
    expect(
      layout('linux-x86:tlb-flush=generic-split,free-pgtables=pgt-start-end-v1', 'split', RX, R).violations,
    ).toEqual([]);
  });

  it('generic tlb_flush on a unified TLB: the flags question does not arise', () => {
    expect(layout('linux-x86:tlb-flush=generic-split', 'unified', RX, R).violations).toEqual([]);
  });
});

describe('dickins-objection: r-- then r-x in one PTE page (§5.6, seed 004)', () => {
  it('mainline on the split TLB: the last unmapped VMA is r-x, so the flush includes the I-side — clean', () => {
    expect(layout('linux-x86:tlb-flush=generic-split', 'split', R, RX).violations).toEqual([]);
  });

  it('the S004 patch reproduces the bug it meant to fix: flags of the first gathered VMA (r--)', () => {
    const m = layout('linux-x86:tlb-flush=generic-split,free-pgtables=pgt-start-end-v1', 'split', R, RX);
    expect(m.violations).toContain('freed-pagetable-walk');
  });

  it('or-flags is clean on both layouts', () => {
    const sel = 'linux-x86:tlb-flush=generic-split,free-pgtables=pgt-or-flags';
    expect(layout(sel, 'split', R, RX).violations).toEqual([]);
    expect(layout(sel, 'split', RX, R).violations).toEqual([]);
  });

  it('x86 is immune to both layouts whatever the variant (§5.5: flags ignored, INVLPG drops every PSC entry)', () => {
    for (const pgt of ['pgt-no-start-vma', 'pgt-start-end-v1']) {
      expect(layout(`linux-x86:free-pgtables=${pgt}`, 'split', R, RX).violations).toEqual([]);
    }
  });
});

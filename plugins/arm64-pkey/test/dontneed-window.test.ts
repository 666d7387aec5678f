// madvise(MADV_DONTNEED) on arm64: where the stale window ends. zap_page_range_single → unmap_single_vma →
// unmap_page_range (mm/memory.c) clears the PTE in zap_pte_range (ptep_get_and_clear_full / clear_full_ptes,
// arch/arm64/include/asm/pgtable.h: no TLBI there), then tlb_end_vma (include/asm-generic/tlb.h) flushes at
// once because arm64 does not select CONFIG_MMU_GATHER_MERGE_VMAS — tlb_flush_mmu_tlbonly → arm64 tlb_flush
// (arch/arm64/include/asm/tlb.h), a VALE1IS. The zapped page is freed only in tlb_finish_mmu. So a CPU that
// cached the entry reaches the old frame between the clear and that per-VMA flush (the `cleared` phase), and
// faults a fresh page after it.
import { describe, expect, it } from 'vitest';
import { madviseDontneed } from '@shootdown/linux-mm';
import { mmap, Run } from './support/run.js';

const GiB = 1 << 30;

function setup() {
  const r = new Run('arm64-pkey', { cpus: 2, memory: '64MiB', tlb: 'adversarial' });
  const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
  r.kernel.run(0, pid);
  r.kernel.run(1, pid);
  const a = mmap(r, GiB, 1);
  const touch = r.step(() => r.kernel.access(1, a, 'write', true));
  return { r, a, touch };
}

describe('madvise(DONTNEED) window on arm64', () => {
  it('inside the window (cleared, before tlb_end_vma flushes) CPU 1 still reaches the zapped frame', () => {
    const { r, a, touch } = setup();
    expect(touch.value.outcome).toBe('ok');
    const lm = r.arm.lm;
    let inner: ReturnType<typeof r.step<ReturnType<typeof r.kernel.access>>> | undefined;
    r.armed.set('cleared', () => {
      inner = r.step(() => r.kernel.access(1, a, 'read', true));
    });
    const op = r.step(() => madviseDontneed(lm, 0, lm.task(0)!.mm, a, a + 4096));
    expect(op.value).toBe(0);
    expect(inner).toBeDefined();
    expect(inner!.value.outcome).toBe('ok-stale');
    expect(inner!.value.frame).toBe(touch.value.frame);
    expect(inner!.counters.fault ?? 0).toBe(0);
    // The flush after the window: one leaf-only VALE1IS (freed_tables clear), no fault inside the operation.
    expect(op.counters.tlbi_leaf).toBe(1);
    expect(op.counters.fault ?? 0).toBe(0);
    expect(op.violations).toEqual([]);
  });

  it('after the per-VMA flush (flushed phase) CPU 1 faults in a fresh page', () => {
    const { r, a, touch } = setup();
    const lm = r.arm.lm;
    let inner: ReturnType<typeof r.step<ReturnType<typeof r.kernel.access>>> | undefined;
    r.armed.set('flushed', () => {
      inner = r.step(() => r.kernel.access(1, a, 'read', true));
    });
    r.step(() => madviseDontneed(lm, 0, lm.task(0)!.mm, a, a + 4096));
    expect(inner!.value.outcome).toBe('ok');
    expect(inner!.counters.fault).toBe(1);
    expect(inner!.value.frame).not.toBe(touch.value.frame);
  });
});

import { describe, expect, it } from 'vitest';
import { arm64TlbFlush, type GatherView } from '../src/tlb-gather.js';
import { flushTlbKernelPgtable, flushTlbKernelRange } from '../src/tlbflush.js';
import { RecordingHw, TestCounters } from './support/fakes.js';

const PAGE = 4096;
function gather(over: Partial<GatherView>): GatherView {
  return {
    fullmm: false,
    freedTables: false,
    start: 0x400000,
    end: 0x400000 + 4 * PAGE,
    clearedPtes: true,
    clearedPmds: false,
    clearedPuds: false,
    clearedP4ds: false,
    ...over,
  };
}

describe('arm64 tlb_flush (spec linux.md §5.4, arch/arm64/include/asm/tlb.h)', () => {
  it('uses last-level VALE1IS per page when no table was freed, no IPI', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    arm64TlbFlush(hw, 0, 7, gather({}));
    expect(hw.tlbis.map((t) => t.op)).toEqual(['vale1is', 'vale1is', 'vale1is', 'vale1is']);
    expect(hw.tlbis.every((t) => t.asid === 7)).toBe(true);
    expect(c.get('kflush')).toBe(1);
    expect(c.get('dsb:ishst')).toBe(1);
    expect(c.get('dsb:ish')).toBe(1);
  });

  it('uses all-level VAE1IS when freed_tables is set (walk caches must go)', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    arm64TlbFlush(hw, 0, 7, gather({ freedTables: true, clearedPmds: true }));
    expect(hw.tlbis.map((t) => t.op)).toEqual(['vae1is', 'vae1is', 'vae1is', 'vae1is']);
  });

  it('falls back to ASIDE1IS at MAX_DVM_OPS (512) strides, not below', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    arm64TlbFlush(hw, 0, 3, gather({ end: 0x400000 + 511 * PAGE }));
    expect(hw.tlbis.length).toBe(511);
    hw.tlbis.length = 0;
    arm64TlbFlush(hw, 0, 3, gather({ end: 0x400000 + 512 * PAGE }));
    expect(hw.tlbis).toEqual([{ op: 'aside1is', asid: 3, va: 0 }]);
  });

  it('on fullmm teardown flushes the ASID only when tables were freed', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    arm64TlbFlush(hw, 0, 3, gather({ fullmm: true }));
    expect(hw.tlbis).toEqual([]);
    arm64TlbFlush(hw, 0, 3, gather({ fullmm: true, freedTables: true }));
    expect(hw.tlbis).toEqual([{ op: 'aside1is', asid: 3, va: 0 }]);
  });

  it('strides by the cleared level (tlb_get_unmap_size): a PMD-only unmap issues one TLBI per 2 MiB', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    arm64TlbFlush(hw, 0, 1, gather({ clearedPtes: false, clearedPmds: true, start: 0, end: 4 << 20 }));
    expect(hw.tlbis.map((t) => t.va)).toEqual([0, 2 << 20]);
  });
});

describe('kernel flushes (arch/arm64/include/asm/tlbflush.h)', () => {
  it('flush_tlb_kernel_range: VAALE1IS per page up to 512 pages, flush_tlb_all above', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    flushTlbKernelRange(hw, 0, 0, 512 * PAGE);
    expect(c.get('tlbi:vaale1is')).toBe(512);
    expect(c.get('isb')).toBe(1);
    flushTlbKernelRange(hw, 0, 0, 513 * PAGE);
    expect(c.get('tlbi:vmalle1is')).toBe(1);
    expect(c.get('tlbi:vaale1is')).toBe(512);
    expect(c.get('kflush')).toBe(2);
  });

  it('__flush_tlb_kernel_pgtable: one VAAE1IS (all levels)', () => {
    const c = new TestCounters();
    const hw = new RecordingHw(c);
    flushTlbKernelPgtable(hw, 0, 0x800000200000);
    expect(hw.tlbis).toEqual([{ op: 'vaae1is', asid: 0, va: 0x800000200000 }]);
  });
});

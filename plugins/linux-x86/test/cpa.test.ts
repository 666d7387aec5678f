// CPA on the direct map (spec linux.md §2.4) and the shootdown variants end to end (§2.2, §2.6).
import { describe, expect, it } from 'vitest';
import { PTE_EXEC, PTE_WRITE, VM_FLUSH_RESET_PERMS } from '@shootdown/linux-mm';
import { Run } from './harness.js';

const C = 4;

function setRo(leaf: '4K' | '2M' | '1G', selection = 'linux-x86', features = {}) {
  const r = new Run(selection, { cpus: C, memory: '2GiB', directMap: { leaf }, features });
  const lm = r.x86.lm;
  const area = r.step(() => lm.vmalloc.vmalloc(0, 1, VM_FLUSH_RESET_PERMS)).value!;
  const ro = r.step(() => r.x86.arch.directMap.setMemory(0, area.addr, 1, 0, PTE_WRITE));
  return { r, area, ro };
}

describe('set_memory_ro on one vmalloc page: alias processing and splits (§2.4)', () => {
  it('4 KiB direct map: no split; the processed alias forces one flush-all', () => {
    expect(setRo('4K').ro.counters).toEqual({ kflush: 1, ipi: C - 1, full: C });
  });

  it('2 MiB direct map: one split (ptalloc + flush_tlb_all), then the flush-all', () => {
    expect(setRo('2M').ro.counters).toEqual({
      kflush: 2,
      ipi: 2 * (C - 1),
      full: 2 * C,
      split: 1,
      ptalloc: 1,
    });
  });

  it('1 GiB direct map: 1 GiB → 2 MiB and 2 MiB → 4 KiB are two splits, each with its own flush_tlb_all', () => {
    expect(setRo('1G').ro.counters).toEqual({
      kflush: 3,
      ipi: 3 * (C - 1),
      full: 3 * C,
      split: 2,
      ptalloc: 2,
    });
  });

  it('a CPU that cached the RW direct-map entry takes no fault reading it after the change', () => {
    const { r, area } = setRo('2M');
    const pfn = area.pages[0]!;
    expect(r.kernel.access(1, r.kernel.directMapAddress(pfn), 'read', false).outcome).toBe('ok');
    expect(r.kernel.access(1, r.kernel.directMapAddress(pfn), 'write', false).outcome).toBe('fault:write');
  });
});

describe('spurious_kernel_fault (§2.1 item 4)', () => {
  it('a stale RO direct-map entry under an RW PTE: the write is retried and counted, not an oops', () => {
    const { r, area } = setRo('4K');
    const pfn = area.pages[0]!;
    // set_direct_map_default_noflush: the PTE becomes RW again without a flush.
    const reset = r.step(() => r.x86.arch.directMap.setDirectMapDefaultNoflush(0, pfn));
    const w = r.step(() => r.kernel.access(2, r.kernel.directMapAddress(pfn), 'write', false));
    expect(w.value.outcome).toBe('spurious');
    expect(w.counters.spurious).toBe(1);
    expect([...reset.violations, ...w.violations]).toContain('stale-direct-map');
    // The fault dropped the stale entry: the next write goes through.
    expect(r.kernel.access(2, r.kernel.directMapAddress(pfn), 'write', false).outcome).toBe('ok');
  });
});

describe('shootdown variants on vfree (§2.6)', () => {
  function free(selection: string, features = {}) {
    const r = new Run(selection, { cpus: C, memory: '64MiB', features });
    const lm = r.x86.lm;
    const area = r.step(() => lm.vmalloc.vmalloc(0, 4, VM_FLUSH_RESET_PERMS)).value!;
    return r.step(() => lm.vmalloc.vfree(0, area.addr));
  }

  it("x86-invlpgb: each flush-all (the split's and the free's) is one broadcast and a TLBSYNC, no IPI", () => {
    const f = free('linux-x86:shootdown=x86-invlpgb', { invlpgb: true });
    // The never-protected area's direct map is still a 2 MiB leaf: making it not-present splits it.
    expect(f.counters).toEqual({ kflush: 2, invlpgb: 2, tlbsync: 2, split: 1, ptalloc: 1 });
  });

  it('x86-invlpgb on a machine without the feature: the broadcast is emulated, still no IPI', () => {
    const f = free('linux-x86:shootdown=x86-invlpgb');
    expect(f.counters.ipi ?? 0).toBe(0);
    expect(f.counters.invlpgb).toBe(f.counters.kflush);
  });

  it('x86-pti: the same IPIs; every CPU that flushed kernel pages invalidates its other PCIDs at the next switch', () => {
    const r = new Run('linux-x86:shootdown=x86-pti', { cpus: 2, memory: '64MiB' });
    const lm = r.x86.lm;
    const a = r.kernel.createProcess(0).pid!;
    const b = r.kernel.createProcess(0).pid!;
    r.step(() => r.kernel.run(1, a));
    const area = r.step(() => lm.vmalloc.vmalloc(0, 1, 0)).value!;
    // set_memory_x on one page: NX-only, per-page flush on both CPUs.
    r.step(() => r.x86.arch.directMap.setMemory(0, area.addr, 1, 0x400, 0));
    const sw = r.step(() => r.kernel.run(1, b));
    expect(sw.counters.lflush).toBe(1);
  });
});

describe('cpa_flush with INVLPGB, before and after 86e6815b316e (issue 10 defect 5)', () => {
  // set_memory_x on an N-page vmalloc area: an NX-only change, so no alias and no forced flush-all
  // (arch/x86/mm/pat/set_memory.c change_page_attr_set_clr); what remains is cpa_flush's own choice.
  function setX(pages: number, selection: string, machine: { invlpgb?: boolean; countMax?: number } = {}) {
    const r = new Run(selection, {
      cpus: C,
      memory: '64MiB',
      features: { invlpgb: machine.invlpgb ?? true },
      ...(machine.countMax === undefined ? {} : { invlpgbCountMax: machine.countMax }),
    });
    const area = r.step(() => r.x86.lm.vmalloc.vmalloc(0, pages, 0)).value!;
    return r.step(() => r.x86.arch.directMap.setMemory(0, area.addr, pages, PTE_EXEC, 0)).counters;
  }

  it('since 86e6815b316e: flush_tlb_kernel_range → invlpgb_kernel_range_flush, invlpgb_count_max pages per INVLPGB', () => {
    // arch/x86/mm/tlb.c invlpgb_kernel_range_flush: nr = clamp(pages left, 1, invlpgb_count_max), then __tlbsync.
    expect(setX(20, 'linux-x86')).toEqual({ kflush: 1, invlpgb: 3, tlbsync: 1 });
    // invlpgb_count_max comes from CPUID 0x80000008: the machine parameter.
    expect(setX(20, 'linux-x86', { countMax: 16 })).toEqual({ kflush: 1, invlpgb: 2, tlbsync: 1 });
    expect(setX(20, 'linux-x86', { countMax: 1 })).toEqual({ kflush: 1, invlpgb: 20, tlbsync: 1 });
    // Above tlb_single_page_flush_ceiling get_flush_tlb_info makes it TLB_FLUSH_ALL: one broadcast flush-all.
    expect(setX(34, 'linux-x86')).toEqual({ kflush: 1, invlpgb: 1, tlbsync: 1 });
  });

  it('before it (cpa-flush=on-each-cpu): on_each_cpu(__cpa_flush_tlb), IPIs and INVLPG per page, INVLPGB unused', () => {
    expect(setX(20, 'linux-x86:cpa-flush=on-each-cpu')).toEqual({ kflush: 1, ipi: C - 1, invlpg: 20 * C });
    // flush_tlb_all above the ceiling: that one was already an INVLPGB flush-all.
    expect(setX(34, 'linux-x86:cpa-flush=on-each-cpu')).toEqual({ kflush: 1, invlpgb: 1, tlbsync: 1 });
  });

  it('without INVLPGB both are the same IPIs and per-page INVLPGs', () => {
    const ipis = { kflush: 1, ipi: C - 1, invlpg: 20 * C };
    expect(setX(20, 'linux-x86', { invlpgb: false })).toEqual(ipis);
    expect(setX(20, 'linux-x86:cpa-flush=on-each-cpu', { invlpgb: false })).toEqual(ipis);
  });
});

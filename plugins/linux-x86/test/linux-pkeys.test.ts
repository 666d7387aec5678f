// Linux user protection keys on x86 (spec linux.md §6): the key lives in the VMA, PKRU per thread, and a
// key change is a PTE change that needs a flush (§6.3).
import { describe, expect, it } from 'vitest';
import { doMmap, doMprotectPkey, swapOut, type MmapRequest } from '@shootdown/linux-mm';
import { Run } from './harness.js';

const PAGE = 4096;
const RW = 3;
const NONE = 0;

function req(pages: number): MmapRequest {
  return {
    addr: 0,
    pages,
    prot: RW,
    align: 0,
    fixed: false,
    fixedNoReplace: false,
    shared: false,
    populate: true,
    pfnmap: false,
    huge: false,
  };
}

function setup(variant: string, cpus = 2) {
  const r = new Run(`linux-x86:pkeys=${variant}`, { cpus, memory: '64MiB' });
  const lm = r.x86.lm;
  const pid = r.kernel.createProcess(0).pid!;
  for (let c = 0; c < cpus; c++) r.step(() => r.kernel.run(c, pid));
  return { r, lm, pid, task: lm.current[0]! };
}

describe('pkey-swapout-kept (§6.2: the PTE is rebuilt from vm_page_prot)', () => {
  it('the key survives swap-out and refault; WRPKRU costs no flush', () => {
    const { r, lm, task } = setup('vma');
    const k = r.kernel.keyAlloc(0, null).key!;
    expect(k).toBe(1);
    const buf = doMmap(lm, 0, task, req(2));
    doMprotectPkey(lm, 0, task, buf, 2 * PAGE, RW, k);
    const wr = r.step(() => r.kernel.setKeyRights(0, k, NONE));
    expect(wr.counters).toEqual({ wrpkru: 1 });
    r.step(() => swapOut(lm, 0, task.mm));
    expect(r.step(() => r.kernel.access(0, buf, 'read', true)).value.outcome).toBe('fault:key');
    r.step(() => r.kernel.setKeyRights(0, k, RW));
    const back = r.step(() => r.kernel.access(0, buf, 'read', true));
    expect(back.value.outcome).toBe('ok');
    expect(r.pmap.of(task.pid)!.lookup(buf)!.key).toBe(k);
    expect(back.violations).toEqual([]);
  });
});

describe('pkey-mprotect-stale-tag (§6.3)', () => {
  function staleTag(variant: string) {
    const { r, lm, task } = setup(variant);
    const buf = doMmap(lm, 0, task, req(1));
    r.step(() => r.kernel.access(1, buf, 'read', true));
    const k = r.kernel.keyAlloc(0, null).key!;
    r.step(() => r.kernel.setKeyRights(1, k, NONE));
    const assign = r.step(() => doMprotectPkey(lm, 0, task, buf, PAGE, RW, k));
    const read = r.step(() => r.kernel.access(1, buf, 'read', true));
    return { assign, read };
  }

  it('vma: one ranged flush to the non-lazy CPUs of mm_cpumask; the new key is enforced on CPU 1', () => {
    const { assign, read } = staleTag('vma');
    // One present page ≤ 33: flush_tlb_mm_range per page, IPI to CPU 1 (§6.3 "Counts").
    expect(assign.counters).toMatchObject({ kflush: 1, ipi: 1, invlpg: 2 });
    expect(read.value.outcome).toBe('fault:key');
    expect(read.violations).toEqual([]);
  });

  it('pkey-mprotect-noflush: CPU 1 keeps the key-0 entry and reads through it (pkey-tag)', () => {
    const { assign, read } = staleTag('pkey-mprotect-noflush');
    expect(assign.counters.kflush ?? 0).toBe(0);
    expect([...assign.violations, ...read.violations]).toContain('pkey-tag');
    expect(read.value.outcome).toBe('ok-stale');
  });
});

describe('pkey-free-reuse (§6.3, §6.4)', () => {
  it('vma: pkey_free only clears the bit; the next pkey_alloc returns the same index', () => {
    const { r, lm, task } = setup('vma');
    const k1 = r.kernel.keyAlloc(0, null).key!;
    const buf = doMmap(lm, 0, task, req(1));
    doMprotectPkey(lm, 0, task, buf, PAGE, RW, k1);
    expect(r.kernel.keyFree(0, k1).outcome).toBe('ok');
    const k2 = r.kernel.keyAlloc(0, RW).key!;
    expect(k2).toBe(k1);
    expect(r.pmap.of(task.pid)!.lookup(buf)!.key).toBe(k1);
  });

  it('pkey-free-scan: pkey_free refuses with EBUSY while a VMA carries the key', () => {
    const { r, lm, task } = setup('pkey-free-scan');
    const k1 = r.kernel.keyAlloc(0, null).key!;
    const buf = doMmap(lm, 0, task, req(1));
    doMprotectPkey(lm, 0, task, buf, PAGE, RW, k1);
    expect(r.kernel.keyFree(0, k1).outcome).toBe('error:EBUSY');
  });
});

describe('the execute-only key is allocated (issue 10 defect 2)', () => {
  // arch/x86/mm/pkeys.c __execute_only_pkey takes its key with mm_pkey_alloc, which sets it in
  // pkey_allocation_map; mm_pkey_is_allocated (arch/x86/include/asm/pkeys.h) hides it from pkey_mprotect
  // and pkey_free only. mm/mmap.c do_mmap: "if (prot == PROT_EXEC) pkey = execute_only_pkey(mm)".
  it('an execute-only mmap takes key 1: the keys check reports it, pkey_alloc skips it, pkey_free refuses it', () => {
    const { r, lm, pid, task } = setup('vma');
    expect(r.kernel.allocatedKeys(pid)).toEqual([0]);
    const text = doMmap(lm, 0, task, { ...req(1), prot: 4 /* PROT_EXEC */ });
    expect(text).toBeGreaterThan(0);
    expect(task.mm.executeOnlyPkey).toBe(1);
    expect(r.kernel.allocatedKeys(pid)).toEqual([0, 1]);
    expect(r.kernel.keyAlloc(0, null).key).toBe(2);
    expect(r.kernel.allocatedKeys(pid)).toEqual([0, 1, 2]);
    expect(r.kernel.keyFree(0, 1).outcome).toBe('error:EINVAL');
  });
});

describe('the signal of a user fault (arch/x86/mm/fault.c do_user_addr_fault)', () => {
  it('a key refusal is SEGV_PKUERR with si_pkey = vma_pkey(vma) (bad_area_access_error), and names the key', () => {
    const { r, lm, task, pid } = setup('vma');
    r.handlesSignals = true;
    const buf = doMmap(lm, 0, task, req(1));
    const k = r.kernel.keyAlloc(0, null).key!;
    doMprotectPkey(lm, 0, task, buf, PAGE, RW, k);
    r.kernel.setKeyRights(0, k, NONE);
    expect(r.kernel.access(0, buf, 'write', true)).toEqual({ outcome: 'fault:key', key: k });
    expect(r.signals).toEqual([{ signo: 'SIGSEGV', code: 'SEGV_PKUERR', addr: buf, pkey: k }]);
    // bad_area_access_from_pkeys consults the VMA key before VM_READ: PROT_NONE still says SEGV_PKUERR.
    doMprotectPkey(lm, 0, task, buf, PAGE, NONE, -1);
    expect(r.kernel.access(0, buf, 'read', true).outcome).toBe('fault:key');
    expect(r.signals[1]).toMatchObject({ code: 'SEGV_PKUERR', pkey: k });
    expect(r.kernel.processState(pid)).toBe('alive');
  });

  it('a plain protection failure is SEGV_ACCERR, no VMA SEGV_MAPERR; unhandled, the process dies', () => {
    const { r, lm, task, pid } = setup('vma');
    const buf = doMmap(lm, 0, task, { ...req(1), prot: 1 });
    r.handlesSignals = true;
    expect(r.kernel.access(0, buf, 'write', true)).toEqual({ outcome: 'fault:write' });
    r.handlesSignals = false;
    expect(r.kernel.access(0, buf + 64 * PAGE, 'read', true).outcome).toBe('fault:not-present');
    expect(r.signals.map((s) => s.code)).toEqual(['SEGV_ACCERR', 'SEGV_MAPERR']);
    expect(r.kernel.processState(pid)).toBe('killed');
  });
});

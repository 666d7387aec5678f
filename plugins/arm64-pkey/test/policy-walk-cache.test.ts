// pt-leaf-only-walk-cache through the policy: a munmap that frees page tables while another gather of the same mm
// is pending (spec linux.md §5.4, §5.8; 7a30df49f63a). arm64 tlb_flush() picks leaf-only VALE1IS when
// freed_tables is clear: with the pre-7a30df49f63a `nested-reset` the flag is lost and CPU 1 keeps walk-cache
// entries to the freed tables; today's `nested-fullmm` flushes the whole ASID.
import { describe, expect, it } from 'vitest';
import { doMunmap } from '@shootdown/linux-mm';
import { mmap, Run } from './support/run.js';

const GiB = 1 << 30;

function scenario(nested: string) {
  const r = new Run(`arm64-pkey:nested-gather=${nested}`, {
    cpus: 2,
    memory: '64MiB',
    directMap: { leaf: '2M' },
  });
  const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
  r.kernel.run(0, pid);
  r.kernel.run(1, pid);
  const a = mmap(r, GiB, 1);
  const b = mmap(r, 2 * GiB, 1);
  const touch = r.step(() => r.kernel.access(1, a, 'read', true));
  const lm = r.arm.lm;
  r.armed.set('cleared', () => {
    inner = r.step(() => doMunmap(lm, 0, lm.task(0)!, a, 4096));
  });
  let inner: ReturnType<typeof r.step<number>> | undefined;
  const outer = r.step(() => doMunmap(lm, 1, lm.task(1)!, b, 4096));
  return { touch, inner: inner!, outer, r };
}

describe('pt-leaf-only-walk-cache', () => {
  it('nested-reset: the nested munmap flushes leaf-only (VALE1IS); walk caches keep the freed tables', () => {
    const s = scenario('nested-reset');
    expect(s.touch.value.outcome).toBe('ok');
    // arm64 does not merge VMAs: tlb_end_vma flushes the cleared PTE (VALE1IS), then the final flush that lost
    // freed_tables is leaf-only too.
    expect(s.inner.counters.kflush).toBe(2);
    expect(s.inner.counters.tlbi_leaf).toBe(2);
    expect(s.inner.counters.tlbi_all_levels ?? 0).toBe(0);
    expect(s.inner.counters.tlbi_asid ?? 0).toBe(0);
    expect(s.inner.counters.ipi ?? 0).toBe(0);
    expect(s.inner.violations).toContain('freed-pagetable-walk');
  });

  it('nested-fullmm: the nested munmap flushes the ASID (ASIDE1IS); nothing survives', () => {
    const s = scenario('nested-fullmm');
    expect(s.inner.counters.tlbi_asid).toBe(1);
    expect(s.inner.counters.ipi ?? 0).toBe(0);
    expect(s.inner.violations).toEqual([]);
    expect(s.outer.violations).toEqual([]);
  });

  it('without nesting a table-freeing munmap uses all-level VAE1IS (last_level = !freed_tables)', () => {
    const r = new Run('arm64-pkey', { cpus: 2, memory: '64MiB' });
    const pid = (r.kernel.createProcess(0) as { pid: number }).pid;
    r.kernel.run(0, pid);
    r.kernel.run(1, pid);
    const a = mmap(r, GiB, 1);
    r.step(() => r.kernel.access(1, a, 'read', true));
    const lm = r.arm.lm;
    const un = r.step(() => doMunmap(lm, 0, lm.task(0)!, a, 4096));
    // tlb_end_vma's flush of the cleared PTE is leaf-only; the table-freeing flush is not: per stride VAE1IS, or
    // ASIDE1IS once the gathered range spans MAX_DVM_OPS strides.
    expect(un.counters.tlbi_leaf).toBe(1);
    expect((un.counters.tlbi_all_levels ?? 0) + (un.counters.tlbi_asid ?? 0)).toBeGreaterThan(0);
    expect(un.violations).toEqual([]);
  });
});

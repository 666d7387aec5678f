import { describe, expect, it } from 'vitest';
import { Access, Invpcid, Mode, Outcome, Pte, outcomeName } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('x86 TLB and walk-cache invalidation (spec linux.md §2.1)', () => {
  it('a missing invalidation after a store leaves a stale hit that returns the old frame (§2.5, DESIGN §2)', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const a = data();
    const b = data();
    m.setLeaf(mm, USER_VA, 1, a, RW_USER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.setLeaf(mm, USER_VA, 1, b, RW_USER);
    // No INVLPG: CPU 0 may still use the old translation.
    expect(outcomeName(m.access(0, USER_VA, Access.READ, Mode.USER))).toBe('ok-stale');
    expect(m.lastPfn).toBe(a);
    m.invlpg(0, USER_VA);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(b);
    expect(m.counter('invlpg')).toBe(1);
  });

  it('a CPU that never loaded the PCID holds nothing of it (adversarial holders, DESIGN §2)', () => {
    const { m, table, data } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.setRoot(1, mm);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
  });

  it('INVLPG drops all walk-cache entries of the current PCID, whatever the address, and not of other PCIDs (§2.1.1)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    const far = USER_VA + 0x40000000; // another 1 GiB region: invlpg's address is unrelated
    const ptA = table();
    const ptB = table();
    m.ensurePath(a, USER_VA, 2, table);
    m.ensurePath(b, USER_VA, 2, table);
    m.setTable(a, USER_VA, 2, ptA);
    m.setTable(b, USER_VA, 2, ptB);
    m.setLeaf(a, USER_VA, 1, data(), RW_USER);
    m.setLeaf(b, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, a);
    m.setRoot(0, b, { noflush: true });
    // Unlink both L1 tables while both PCIDs were live on CPU 0: walk-cache entries may remain.
    m.clearEntry(a, USER_VA, 2);
    m.clearEntry(b, USER_VA, 2);
    expect(m.staleWalkEntries().map((e) => e.tag)).toEqual([1, 2]);
    m.setRoot(0, a, { noflush: true });
    m.invlpg(0, far);
    const left = m.staleWalkEntries();
    expect(left.map((e) => e.tag)).toEqual([2]);
    expect(left[0].tablePfn).toBe(ptB);
  });

  it('MOV CR3 without no-flush drops the target PCID non-global entries but keeps global ones (§2.1.2)', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const k = data();
    m.setLeaf(kernel, kva, 1, k, Pte.WRITABLE | Pte.GLOBAL);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(kernel, kva, 1);
    m.clearEntry(mm, USER_VA, 1);
    m.setRoot(0, mm); // flushing CR3 write to the same PCID
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(k);
    // CR4.PGE toggle drops globals too (§2.1.2).
    m.flushGlobal(0);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.counter('full')).toBe(1);
  });

  it('INVLPG drops global entries for the page in every PCID (§2.1.1)', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.WRITABLE | Pte.GLOBAL);
    m.setRoot(0, a);
    m.clearEntry(kernel, kva, 1);
    m.setRoot(0, b, { noflush: true });
    m.invlpg(0, kva);
    m.setRoot(0, a, { noflush: true });
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('PCID reuse: a dormant PCID keeps stale entries usable only if loaded again without a flush (§2.3.6)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const old = m.createSpace(5, table);
    m.ensurePath(old, USER_VA, 1, table);
    const a = data();
    m.setLeaf(old, USER_VA, 1, a, RW_USER);
    m.setRoot(0, old);
    m.clearEntry(old, USER_VA, 1);
    const other = m.createSpace(6, table);
    m.setRoot(0, other, { noflush: true });
    // A new space reuses PCID 5 and is loaded without a flush: the old entry is live again.
    const reuse = m.createSpace(5, table);
    m.setRoot(0, reuse, { noflush: true });
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(a);
    // The same reuse with a flushing CR3 write (the kernel's catch-up flush) is clean.
    m.setRoot(0, other, { noflush: true });
    m.setRoot(0, reuse);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('INVPCID single-context drops a dormant PCID; individual-address drops one page (SDM INVPCID, §2.1)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.setLeaf(a, USER_VA, 1, data(), RW_USER);
    m.setLeaf(a, USER_VA + 4096, 1, data(), RW_USER);
    m.setRoot(0, a);
    m.clearEntry(a, USER_VA, 1);
    m.clearEntry(a, USER_VA + 4096, 1);
    m.invpcid(0, Invpcid.INDIVIDUAL, 1, USER_VA);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    m.setRoot(0, b, { noflush: true });
    m.invpcid(0, Invpcid.SINGLE_CONTEXT, 1);
    m.setRoot(0, a, { noflush: true });
    expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('without PCID every CR3 write flushes non-global entries (§2.3.6 "Without PCID")', () => {
    const { m, table, data } = rig({ cpus: 1, features: { pcid: false } });
    const a = m.createSpace(1, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.setLeaf(a, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, a);
    m.clearEntry(a, USER_VA, 1);
    m.setRoot(0, a, { noflush: true });
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a stale entry less permissive than the PTE faults as spurious, and the fault drops it (§2.1.4)', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    const p = data();
    m.setLeaf(kernel, kva, 1, p, Pte.GLOBAL);
    m.setLeaf(kernel, kva, 1, p, Pte.GLOBAL | Pte.WRITABLE); // RO → RW without a flush
    expect(m.access(0, kva, Access.WRITE, Mode.KERNEL)).toBe(Outcome.FAULT_WRITE);
    expect(m.lastFaultSpurious).toBe(true);
    expect(m.access(0, kva, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK);
  });

  it('IPIs count one per remote target; the sender runs its share directly (§1.1 ipi)', () => {
    const { m } = rig({ cpus: 4 });
    const ran: number[] = [];
    m.ipi(1, 'all', (c) => ran.push(c));
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(m.counter('ipi')).toBe(3);
    m.ipi(0, [3, 2, 3], (c) => ran.push(c));
    expect(ran.slice(4)).toEqual([2, 3]);
    expect(m.counter('ipi')).toBe(5);
    // Work: default weight 15 per IPI on the target (§7.2) plus the sender's ipi_send per target (§7.4).
    expect(m.cycles).toBeCloseTo(5 * (15 + 0.3), 9);
  });
});

describe('x86 protection keys (freebsd-amd64.md §1)', () => {
  it('an access-disabled key faults a read even when a TLB entry already exists (§1.4: PKRU is not cached)', () => {
    for (const tlb of ['adversarial', 'precise'] as const) {
      const { m, table, data } = rig({ cpus: 1, tlb });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      m.setLeaf(mm, USER_VA, 1, data(), RW_USER | (3 << Pte.KEY_SHIFT));
      m.setRoot(0, mm);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      if (tlb === 'precise') expect(m.counter('fill')).toBe(1);
      m.setPkru(0, 1 << (2 * 3)); // AD for key 3
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_KEY);
      if (tlb === 'precise') expect(m.counter('fill')).toBe(1); // it was a TLB hit
      m.setPkru(0, 2 << (2 * 3)); // WD only
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_KEY);
      // Supervisor data accesses to user pages are checked too (§1.3, copyin/copyout).
      expect(m.access(0, USER_VA, Access.WRITE, Mode.UACCESS)).toBe(Outcome.FAULT_KEY);
      expect(m.counter('wrpkru')).toBe(2);
    }
  });

  it('instruction fetch ignores PKRU (§1.3)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER | (2 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    m.setPkru(0, 3 << (2 * 2));
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_KEY);
  });

  it('a key violation is reported as the key fault even when the write permission also fails (§1.3)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | (1 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    m.setPkru(0, 2 << 2);
    expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_KEY);
  });

  it('a key change in the PTE needs an invalidation: the cached entry keeps the old key (§1.4)', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER | (1 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    m.setPkru(0, 1 << 2); // key 1 access-disabled
    m.setLeaf(mm, USER_VA, 1, p, RW_USER | (2 << Pte.KEY_SHIFT));
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_KEY);
    // Only write/fetch protection faults are spurious (arch/x86/mm/fault.c spurious_kernel_fault()).
    expect(m.lastFaultSpurious).toBe(false);
    m.invlpg(0, USER_VA);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
  });

  it('SMAP/SMEP: the kernel cannot touch user pages outside uaccess nor execute them', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER | Pte.XUSER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_PRIVILEGE);
    expect(m.access(0, USER_VA, Access.READ, Mode.UACCESS)).toBe(Outcome.OK);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.KERNEL)).toBe(Outcome.FAULT_EXEC);
  });
});

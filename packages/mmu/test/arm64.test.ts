import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, type BbmViolation } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('arm64 TLB maintenance (spec arm64-pkey.md §7)', () => {
  it('a TLBI is not complete until DSB: before it the entry may still be used (§7.2 ordering)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(7, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 7 });
    expect(m.pendingTlbi(0)).toBe(1);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(p);
    m.dsb(0);
    // Inner-shareable: CPU 0's TLBI reached CPU 1 without any IPI (§7.2).
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.counter('ipi')).toBe(0);
    expect(m.counter('tlbi_all_levels')).toBe(1);
    expect(m.counter('dsb')).toBe(1);
  });

  it('a local (non-IS) TLBI reaches only the issuing CPU', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(7, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 7, broadcast: false });
    m.dsb(0);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
  });

  it('onConflict either: after a change without BBM each access may be served by either entry (D8.16.1)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2, onConflict: 'either' });
    const mm = m.createSpace(7, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [old, now] = [data(), data()];
    m.setLeaf(mm, USER_VA, 1, old, RW_USER);
    m.setRoot(1, mm);
    m.setLeaf(mm, USER_VA, 1, now, RW_USER); // no break: CPU 1 may still hold `old`
    m.conflictPick = 2;
    expect([m.access(1, USER_VA, Access.READ, Mode.USER), m.lastPfn]).toEqual([Outcome.OK, now]);
    m.conflictPick = 1;
    expect([m.access(1, USER_VA, Access.READ, Mode.USER), m.lastPfn]).toEqual([Outcome.OK_STALE, old]);
    m.conflictPick = 0;
    expect([m.access(1, USER_VA, Access.READ, Mode.USER), m.lastPfn]).toEqual([Outcome.OK, now]);
  });

  it('local and broadcast TLBIs are counted apart, each also under its kind (Arm ARM D8.13.3)', () => {
    const { m } = rig({ arch: 'arm64', cpus: 2 });
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 7, broadcast: false });
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 7 });
    m.tlbi(1, 'ASIDE1', { asid: 7 });
    m.tlbi(1, 'VMALLE1', { broadcast: false });
    expect([m.counter('tlbi_local'), m.counter('tlbi_broadcast')]).toEqual([2, 2]);
    expect(m.counter('tlbi_all_levels') + m.counter('tlbi_leaf')).toBe(2);
    expect(m.counter('tlbi_asid') + m.counter('tlbi_vmall')).toBe(2);
  });

  it('a last-level TLBI leaves a walk-cache entry that points at a freed table; all-levels does not (§7.2 rule)', () => {
    for (const op of ['VALE1', 'VAE1'] as const) {
      const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
      const mm = m.createSpace(3, table);
      m.ensurePath(mm, USER_VA, 2, table);
      const pte = table();
      m.setTable(mm, USER_VA, 2, pte);
      m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
      m.setRoot(1, mm);
      // munmap + free_pgtables: clear the PTE, unlink the PTE table, flush, free the table page.
      m.clearEntry(mm, USER_VA, 1);
      m.clearEntry(mm, USER_VA, 2);
      m.tlbi(0, op, { va: USER_VA, asid: 3 });
      m.dsb(0);
      m.frames.free(pte);
      if (op === 'VALE1') {
        expect(m.staleWalkToFreedTable()).toBe(true);
        const e = m.staleWalkEntries();
        expect(e).toHaveLength(1);
        expect(e[0].tablePfn).toBe(pte);
        expect(e[0].tableFreed).toBe(true);
        expect(e[0].cpus).toEqual([1]); // only CPU 1 ever ran ASID 3 (DESIGN §2 adversarial)
        expect(m.counter('tlbi_leaf')).toBe(1);
      } else {
        expect(m.staleWalkToFreedTable()).toBe(false);
        expect(m.staleWalkEntries()).toHaveLength(0);
      }
    }
  });

  it('a walk through a stale walk-cache entry reaches what the reused table frame now maps (INV-FREED-PT)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(3, table);
    const other = m.createSpace(4, table);
    m.ensurePath(mm, USER_VA, 2, table);
    const pte = table();
    m.setTable(mm, USER_VA, 2, pte);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 3 });
    m.dsb(0);
    m.frames.free(pte);
    // The frame becomes a PTE table of another process that maps a secret there.
    const secret = data('secret');
    m.ensurePath(other, USER_VA, 2, table);
    m.setTable(other, USER_VA, 2, pte);
    m.setLeaf(other, USER_VA, 1, secret, RW_USER);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(secret);
  });

  it('ASIDE1 drops everything of the ASID, walk cache included', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(3, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setTable(mm, USER_VA, 2, table());
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'ASIDE1', { asid: 3 });
    m.dsb(0);
    expect(m.staleWalkEntries()).toHaveLength(0);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.counter('tlbi_asid')).toBe(1);
  });

  it('range TLBI (FEAT_TLBIRANGE) covers every page of the range with one op', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(3, table);
    m.ensurePath(mm, USER_VA, 1, table);
    for (let i = 0; i < 8; i++) m.setLeaf(mm, USER_VA + i * 4096, 1, data(), RW_USER);
    m.setRoot(0, mm);
    for (let i = 0; i < 8; i++) m.clearEntry(mm, USER_VA + i * 4096, 1);
    m.tlbi(0, 'RVALE1', { va: USER_VA, asid: 3, pages: 6 });
    m.dsb(0);
    const outcomes = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
      m.access(0, USER_VA + i * 4096, Access.READ, Mode.USER),
    );
    expect(outcomes).toEqual([2, 2, 2, 2, 2, 2, 1, 1]); // six not-present, two still stale
    expect(m.counter('tlbi_leaf')).toBe(1);
  });
});

describe('arm64 POE (spec arm64-pkey.md §1)', () => {
  it('POE gates instruction fetch, unlike x86 PKRU (§1.2)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER | (2 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    m.setPor(0, 0, 0x77777777 & ~(0xf << 8)); // index 2: no access
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_KEY);
    m.setPor(0, 0, (0x77777777 & ~(0xf << 8)) | (0x1 << 8)); // index 2: R only
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_KEY);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
  });

  it('an access-disabled overlay faults a read even when a TLB entry already exists (§1.2: POR not cached)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER | (5 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    const fills = m.counter('fill');
    m.setPor(0, 0, 0x77777777 & ~(0xf << 20));
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_KEY);
    expect(m.counter('fill')).toBe(fills);
  });

  it('the overlay only removes rights; reserved Perm values mean no access (§1.1)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER); // read-only page
    m.setRoot(0, mm);
    m.setPor(0, 0, 0x7); // RWX overlay on index 0 cannot add W
    expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_WRITE);
    m.setPor(0, 0, 0x9); // 0b1001: reserved
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_KEY);
  });

  it('POR_EL0 applies to unprivileged (LDTR/STTR) kernel accesses, POR_EL1 to privileged ones (§1.1)', () => {
    const { m, kernel, table, data } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER | (1 << Pte.KEY_SHIFT));
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.WRITABLE | Pte.GLOBAL | (1 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    m.setPor(0, 0, 0x77777777 & ~0xf0);
    expect(m.access(0, USER_VA, Access.READ, Mode.UACCESS)).toBe(Outcome.FAULT_KEY);
    expect(m.access(0, kva, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK);
    m.setPor(0, 1, (0x77777777 & ~0xf0) | 0x10); // POR_EL1 index 1: R only (kpkeys default level)
    expect(m.access(0, kva, Access.WRITE, Mode.KERNEL)).toBe(Outcome.FAULT_KEY);
    expect(m.access(0, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    // PAN: a plain kernel access to a user page faults.
    expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_PRIVILEGE);
  });
});

describe('break-before-make (spec arm64-pkey.md §7.3)', () => {
  function bbmRig(bbml2 = false) {
    const r = rig({ arch: 'arm64', cpus: 2, features: { 'bbml2-noabort': bbml2 } });
    const seen: BbmViolation[] = [];
    r.m.observe({ bbmViolation: (v) => seen.push(v) });
    const mm = r.m.createSpace(2, r.table);
    r.m.ensurePath(mm, USER_VA, 1, r.table);
    r.m.setRoot(1, mm);
    return { ...r, mm, seen };
  }

  it('valid → different output without break is reported at the offending store', () => {
    const { m, mm, data, seen } = bbmRig();
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(seen).toHaveLength(0);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(seen).toHaveLength(1);
    expect(seen[0].reason).toBe('output');
    expect(seen[0].va).toBe(USER_VA);
    expect(m.bbmViolations).toBe(1);
  });

  it('permission-only changes in place are allowed', () => {
    const { m, mm, data, seen } = bbmRig();
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setLeaf(mm, USER_VA, 1, p, Pte.USER | (3 << Pte.KEY_SHIFT));
    expect(seen).toHaveLength(0);
  });

  it('invalid + TLBI + DSB, then the new descriptor: no violation; without the DSB: a conflict', () => {
    const { m, mm, data, seen } = bbmRig();
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.clearEntry(mm, USER_VA, 1);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 2 });
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(seen.map((v) => v.reason)).toEqual(['conflict']);
    expect(seen[0].cpus).toEqual([1]);
    m.dsb(0);
    m.clearEntry(mm, USER_VA, 1);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 2 });
    m.dsb(0);
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    expect(seen).toHaveLength(1);
  });

  it('splitting a live block is a violation unless BBML2_NOABORT (§3.2, §7.3)', () => {
    for (const bbml2 of [false, true]) {
      const { m, kernel, table, seen } = bbmRig(bbml2);
      const base = m.arch.layout.directMapBase;
      m.ensurePath(kernel, base, 2, table);
      m.setLeaf(kernel, base, 2, 0, Pte.WRITABLE | Pte.GLOBAL);
      m.splitLeaf(kernel, base, table());
      expect(seen.map((v) => v.reason)).toEqual(bbml2 ? [] : ['size']);
    }
  });
});

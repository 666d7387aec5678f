import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

describe('splitting large leaves (spec linux.md §2.4)', () => {
  it('splitting a 2M leaf preserves the translations of all 512 pages', () => {
    const { m, kernel, table } = rig({ cpus: 2 });
    const base = m.arch.layout.directMapBase + 2 * 1024 * 1024; // frames 512..1023
    m.ensurePath(kernel, base, 2, table);
    const flags = Pte.WRITABLE | Pte.GLOBAL | (4 << Pte.KEY_SHIFT);
    m.setLeaf(kernel, base, 2, 512, flags);
    const before = Array.from({ length: 512 }, (_, i) => m.lookup(kernel, base + i * 4096));
    const pt = table();
    expect(m.splitLeaf(kernel, base, pt)).toBe(1);
    for (let i = 0; i < 512; i++) {
      const after = m.lookup(kernel, base + i * 4096);
      expect(after.present).toBe(true);
      expect(after.level).toBe(1);
      expect(after.pfn).toBe(before[i].pfn);
      expect(after.pfn).toBe(512 + i);
      expect(after.flags).toBe(flags | Pte.PRESENT);
      expect(after.tables[3]).toBe(pt);
      expect(m.access(1, base + i * 4096, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK);
      expect(m.lastPfn).toBe(512 + i);
    }
    // The MMU counts nothing for a split: `split` and `ptalloc` are the OS's (§1.1).
    expect(m.counter('split')).toBe(0);
    expect(m.counter('ptalloc')).toBe(0);
    // Reverse view: each frame still has exactly one valid reacher, plus the possibly-cached old 2M leaf.
    expect(m.reachers(700).valid).toBe(1);
    expect(m.reachers(700).stale).toBe(1);
    // The flush_tlb_all the kernel issues after a split (§2.4) retires the old large entry.
    for (let c = 0; c < 2; c++) m.flushGlobal(c);
    expect(m.reachers(700).stale).toBe(0);
  });

  it('a permission change on one split page differs from its neighbours only after the split', () => {
    const { m, kernel, table } = rig({ cpus: 1 });
    const base = m.arch.layout.directMapBase;
    m.ensurePath(kernel, base, 2, table);
    m.setLeaf(kernel, base, 2, 0, Pte.WRITABLE | Pte.GLOBAL);
    m.splitLeaf(kernel, base, table());
    m.flushGlobal(0);
    m.setLeaf(kernel, base + 4096, 1, 1, Pte.GLOBAL); // set_memory_ro on one page
    m.invlpg(0, base + 4096);
    expect(m.access(0, base + 4096, Access.WRITE, Mode.KERNEL)).toBe(Outcome.FAULT_WRITE);
    expect(m.access(0, base + 8192, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK);
  });

  it('splitting a 1G leaf gives 512 2M leaves', () => {
    const { m, kernel, table } = rig({ cpus: 1 });
    const base = m.arch.layout.directMapBase;
    m.ensurePath(kernel, base, 3, table);
    m.setLeaf(kernel, base, 3, 0, Pte.WRITABLE | Pte.GLOBAL);
    expect(m.splitLeaf(kernel, base + 5 * 4096, table())).toBe(2);
    const r = m.lookup(kernel, base + 3 * 2 * 1024 * 1024 + 4096);
    expect(r.level).toBe(2);
    expect(r.pfn).toBe(3 * 512 + 1);
  });
});

describe('split I/D TLBs (spec linux.md §5.4, §5.5)', () => {
  it('a data-side-only flush leaves the instruction-side entry', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlbSides: 'split' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const text = data();
    m.setLeaf(mm, USER_VA, 1, text, Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    // arch/arm/mm/tlb-v6.S v6wbi_flush_user_tlb_range without VM_EXEC: D side only (HARVARD_TLB).
    m.flushPageSide(0, USER_VA, 'data');
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(text);
    m.flushPageSide(0, USER_VA, 'instr');
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
  });

  it('a data-side-only TLBI after freeing a PTE table leaves the instruction-side walk entry (§5.5)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlbSides: 'split' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    const pte = table();
    m.setTable(mm, USER_VA, 2, pte);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 1);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1, side: 'data' });
    m.dsb(0);
    m.frames.free(pte);
    expect(m.staleWalkToFreedTable()).toBe(true);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1, side: 'instr' });
    m.dsb(0);
    expect(m.staleWalkToFreedTable()).toBe(false);
  });

  it('the precise model keeps separate instruction and data TLBs', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlbSides: 'split', tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const text = data();
    m.setLeaf(mm, USER_VA, 1, text, Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('fill')).toBe(2); // one fill per side
    m.clearEntry(mm, USER_VA, 1);
    m.flushPageSide(0, USER_VA, 'data');
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
  });
});

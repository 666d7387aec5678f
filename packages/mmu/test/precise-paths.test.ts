// The precise model's access path in the cases the reference property test does not reach: what the
// last-access registers say after each access, faults dropping entries (x86) or not (arm64), split
// instruction/data TLBs on a CPU other than 0, walk-cache entries at every level, capacity evictions of
// stale entries, no walk cache at all, and guests next to a host's global user entry.
import { describe, expect, it } from 'vitest';
import { Access, KERNEL_HALF, LEVEL_SIZE, Mode, Outcome, Pte, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('the last-access registers describe the last access only', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: lastStale, lastFaultSpurious and lastPfn are reset by every access`, () => {
      const { m, table, data } = rig({ cpus: 1, tlb });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      m.ensurePath(mm, USER_VA + 0x200000, 1, table);
      const p = data();
      const q = data();
      m.setLeaf(mm, USER_VA, 1, p, RW_USER);
      m.setLeaf(mm, USER_VA + 0x200000, 1, q, RW_USER);
      m.setRoot(0, mm);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      // The leaf becomes read-only without a flush: a write through the cached entry still works (stale).
      m.setLeaf(mm, USER_VA, 1, p, Pte.USER);
      expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
      expect([m.lastStale, m.lastPfn]).toEqual([true, p]);
      // An access through a current entry: nothing stale about it.
      expect(m.access(0, USER_VA + 0x200000, Access.READ, Mode.USER)).toBe(Outcome.OK);
      expect([m.lastStale, m.lastFaultSpurious, m.lastPfn, m.lastLevel]).toEqual([false, false, q, 1]);
      // A not-present fault reaches no frame and is not stale.
      expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      expect([m.lastStale, m.lastFaultSpurious, m.lastPfn, m.lastLevel]).toEqual([false, false, -1, 0]);
      // A stale read-only entry of a now-writable page: the write fault is spurious (spec linux.md §2.1.4).
      const r = USER_VA + 0x201000;
      m.setLeaf(mm, r, 1, q, Pte.USER);
      expect(m.access(0, r, Access.READ, Mode.USER)).toBe(Outcome.OK);
      m.setLeaf(mm, r, 1, q, RW_USER);
      expect(m.access(0, r, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_WRITE);
      expect([m.lastStale, m.lastFaultSpurious, m.lastPfn]).toEqual([true, true, -1]);
      // The fault dropped the entry (SDM Vol. 3A §4.10.4.1): the retry is an ordinary access.
      expect(m.access(0, r, Access.WRITE, Mode.USER)).toBe(Outcome.OK);
      expect([m.lastStale, m.lastFaultSpurious, m.lastPfn]).toEqual([false, false, q]);
    });
  }
});

describe('precise: a fault drops the TLB entry on x86, not on arm64', () => {
  // x86: a page fault invalidates the TLB entries for the faulting linear address (SDM Vol. 3A
  // §4.10.4.1). Arm: an entry that gives a permission fault may stay cached (only translation, address
  // size and access flag faults are never cached, Arm ARM D8.13), so the next access hits it.
  for (const arch of ['x86_64', 'arm64'] as const) {
    for (const level of [1, 2] as const) {
      it(`${arch}: a write fault on a read-only level-${level} entry, then a read`, () => {
        const { m, table } = rig({ arch, cpus: 1, tlb: 'precise' });
        const mm = m.createSpace(1, table);
        m.ensurePath(mm, USER_VA, level, table);
        m.setLeaf(mm, USER_VA, level, level === 1 ? 7 : 512, Pte.USER);
        m.setRoot(0, mm);
        expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
        expect(m.counter('walk')).toBe(1);
        expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_WRITE);
        expect(m.counter('walk')).toBe(1); // the fault came from the TLB entry
        expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
        expect([m.counter('walk'), m.lastPfn, m.lastLevel]).toEqual([
          arch === 'x86_64' ? 2 : 1,
          level === 1 ? 7 : 512,
          level,
        ]);
      });
    }
  }
});

describe('precise: split instruction and data TLBs per CPU', () => {
  it('CPU 1 fills its own instruction and data TLBs, and speculation fills the side it names', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2, tlbSides: 'split', tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const text = data();
    const other = USER_VA + 4096;
    m.setLeaf(mm, USER_VA, 1, text, Pte.USER | Pte.XUSER);
    m.setLeaf(mm, other, 1, data(), Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    m.setRoot(1, mm);
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(1);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(2);
    // CPU 0 shares neither.
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(3);
    // A speculative instruction-side walk on CPU 1 serves a fetch, not a load.
    expect(m.speculate(1, other, 'instr')).toBe(true);
    expect(m.counter('walk')).toBe(4);
    expect(m.access(1, other, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(4);
    expect(m.access(1, other, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(5);
    // A data-side speculation serves loads only.
    expect(m.speculate(0, other)).toBe(true);
    expect(m.access(0, other, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(6);
    expect(m.access(0, other, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(7);
    // Stale per side: the leaf changes; CPU 1's instruction entry and data entry both keep the old frame.
    m.clearEntry(mm, USER_VA, 1);
    expect(m.cachedTranslations(text).map((t) => t.cpus)).toEqual([[0, 1]]);
    m.flushPageSide(1, USER_VA, 'data');
    expect(m.access(1, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
    m.flushPageSide(1, USER_VA, 'instr');
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(m.cachedTranslations(text).map((t) => t.cpus)).toEqual([[0]]);
  });

  // CPU 33 of 40: its bit lies in the second word of the per-side holder masks.
  for (const [cpus, cpu] of [
    [2, 1],
    [40, 33],
  ] as const) {
    it(`a TLB entry refilled through a stale walk-cache entry is CPU ${cpu}'s (of ${cpus}), on the side that filled it`, () => {
      const { m, table, data } = rig({ arch: 'arm64', cpus, tlbSides: 'split', tlb: 'precise' });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      const text = data();
      m.setLeaf(mm, USER_VA, 1, text, Pte.USER | Pte.XUSER);
      m.setRoot(cpu, mm);
      expect(m.access(cpu, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
      // Unlink the level-1 table; a last-level TLBI removes the leaf, not the walk-cache entry (D8.13).
      m.clearEntry(mm, USER_VA, 2);
      m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
      m.dsb(0);
      expect(m.access(cpu, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
      expect(m.cachedTranslations(text).map((t) => t.cpus)).toEqual([[cpu]]);
      // Removing the data side leaves the refilled instruction-side entry.
      m.flushPageSide(cpu, USER_VA, 'data');
      expect(m.cachedTranslations(text).map((t) => t.cpus)).toEqual([[cpu]]);
      expect(m.access(cpu, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK_STALE);
      m.flushPageSide(cpu, USER_VA, 'instr');
      expect(m.cachedTranslations(text)).toEqual([]);
    });
  }
});

describe('precise: unified speculation, and pointers to freed tables', () => {
  it('unified TLB: an instruction-side speculation fills the speculating CPU’s TLB, not another’s', () => {
    const { m, table, data } = rig({ cpus: 2, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), Pte.USER | Pte.XUSER);
    m.setRoot(0, mm);
    m.setRoot(1, mm);
    expect(m.speculate(0, USER_VA, 'instr')).toBe(true);
    expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(1);
    expect(m.access(1, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.OK);
    expect(m.counter('walk')).toBe(2);
  });

  it('a cached pointer to a table frame freed since (no longer a table) leads nowhere', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const l1 = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, data(), RW_USER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    m.frames.free(l1);
    expect(m.staleWalkEntries().map((w) => [w.tablePfn, w.tableFreed])).toEqual([[l1, true]]);
    expect([m.access(0, USER_VA, Access.READ, Mode.USER), m.lastPfn]).toEqual([
      Outcome.FAULT_NOT_PRESENT,
      -1,
    ]);
  });
});

describe('precise: walk-cache entries at each level', () => {
  // An address never accessed, beside one that was: only the shared upper pointers are in the walk cache.
  const BESIDE = { 2: USER_VA + 4096, 3: USER_VA + 0x200000, 4: USER_VA + 0x40000000 } as const;
  for (const level of [2, 3, 4] as const) {
    it(`arm64: a table unlinked at level ${level} is still walked through the cached level-${level} pointer`, () => {
      const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise' });
      const mm = m.createSpace(1, table);
      const va2 = BESIDE[level];
      m.ensurePath(mm, USER_VA, 1, table);
      m.ensurePath(mm, va2, 1, table);
      const p = data();
      const q = data();
      m.setLeaf(mm, USER_VA, 1, p, RW_USER);
      m.setLeaf(mm, va2, 1, q, RW_USER);
      m.setRoot(0, mm);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
      m.clearEntry(mm, USER_VA - (USER_VA % LEVEL_SIZE[level]), level);
      // A last-level TLBI removes the leaf entry and leaves the walk cache (Arm ARM D8.13).
      m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
      m.dsb(0);
      expect(m.cachedTranslations(p)).toEqual([]);
      const walks = m.counter('walk');
      expect(m.access(0, va2, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
      expect([m.lastPfn, m.counter('walk') - walks]).toEqual([q, 1]);
      expect(m.cachedTranslations(q).map((t) => t.cpus)).toEqual([[0]]);
      // The walk through the stale pointer cached nothing below it as current: once the pointer's own
      // entry goes (TLBI by VA at all levels of an address it shares) and va2's leaf too, nothing is left.
      if (level > 2) {
        m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
        m.tlbi(0, 'VALE1', { va: va2, asid: 1 });
        m.dsb(0);
        expect(m.access(0, va2, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      }
      // TLBI by VA at all levels removes the walk-cache entries on the path too.
      m.tlbi(0, 'VAE1', { va: va2, asid: 1 });
      m.dsb(0);
      expect(m.access(0, va2, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }

  it('with no walk cache every TLB miss walks from the root, and an unlinked table is gone', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise', walkCacheEntries: 0 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const p = data();
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect([m.counter('walk'), m.counter('fill')]).toEqual([2, 1]);
  });
});

describe('precise: capacity', () => {
  it('evicting a stale TLB entry ends its stale record (the CPU no longer holds the old translation)', () => {
    // One set of two ways: a third page evicts the least recently used entry.
    const { m, table, data } = rig({ cpus: 1, tlb: 'precise', tlbEntries: 2, tlbAssociativity: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const frames = [data(), data(), data()];
    for (let i = 0; i < 3; i++) m.setLeaf(mm, USER_VA + i * 4096, 1, frames[i], RW_USER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.setLeaf(mm, USER_VA, 1, frames[2], RW_USER); // no flush: page 0's old entry is stale
    expect(m.cachedTranslations(frames[0]).map((t) => t.cpus)).toEqual([[0]]);
    expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedTranslations(frames[0]).map((t) => t.cpus)).toEqual([[0]]);
    expect(m.access(0, USER_VA + 8192, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.cachedTranslations(frames[0])).toEqual([]);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(frames[2]);
  });

  it('evicting a walk-cache entry to an unlinked table ends its stale record', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise', walkCacheEntries: 3 });
    const mm = m.createSpace(1, table);
    const far = USER_VA + 0x40000000; // another level-3 entry: three new walk-cache entries
    m.ensurePath(mm, USER_VA, 1, table);
    m.ensurePath(mm, far, 1, table);
    const p = data();
    const pte = m.lookup(mm, USER_VA).tables[3];
    m.setLeaf(mm, USER_VA, 1, p, RW_USER);
    m.setLeaf(mm, far, 1, data(), RW_USER);
    m.setRoot(0, mm);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    m.clearEntry(mm, USER_VA, 2);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.staleWalkEntries().map((w) => w.tablePfn)).toEqual([pte]);
    expect(m.access(0, far, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.staleWalkEntries()).toEqual([]);
  });
});

describe('precise: a host global user entry and a guest', () => {
  it("a guest's access to the same address uses its own stage-2 translation, not the host's global entry", () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, tlb: 'precise' });
    const host = m.createSpace(1, table);
    m.ensurePath(host, USER_VA, 1, table);
    const p = data();
    m.setLeaf(host, USER_VA, 1, p, RW_USER | Pte.GLOBAL);
    m.setRoot(0, host);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    const vm = m.createStage2Space(1, table);
    m.ensurePath(vm, USER_VA, 1, table);
    const q = data();
    // A stage-2 descriptor has no nG bit; the model's GLOBAL flag on it must not make it a host entry.
    m.setLeaf(vm, USER_VA, 1, q, Pte.WRITABLE | Pte.GLOBAL);
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(q);
    expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(q);
    m.exitRegime(0);
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect(m.lastPfn).toBe(p);
    // In the guest, speculation walks the guest's IPA space below 2^47, never the host kernel half.
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect([m.speculate(0, USER_VA), m.speculate(0, USER_VA + 4096), m.speculate(0, KERNEL_HALF)]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('speculation without a root, and the fill trace', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: a CPU with no user root does not walk for a user address`, () => {
      const { m } = rig({ cpus: 2, tlb });
      expect(m.speculate(1, USER_VA)).toBe(false);
      expect(m.counter('walk')).toBe(0);
      expect(m.speculate(1, KERNEL_HALF)).toBe(false);
      expect(m.counter('walk')).toBe(1);
    });
  }

  it('precise: each fill is traced with the level of the entry filled', () => {
    const { m, table } = rig({ cpus: 1, tlb: 'precise' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 512, RW_USER);
    m.ensurePath(mm, USER_VA + 0x200000, 1, table);
    m.setLeaf(mm, USER_VA + 0x200000, 1, 9, RW_USER);
    m.setRoot(0, mm);
    const fills: MmuEvent[] = [];
    m.setEventSink((e) => {
      if (e.kind === 'fill') fills.push(e);
    });
    m.access(0, USER_VA + 4096, Access.READ, Mode.USER);
    m.access(0, USER_VA + 0x200000, Access.READ, Mode.USER);
    expect(fills.map((e) => [e.cpu, e.va, e.pfn, e.detail])).toEqual([
      [0, USER_VA + 4096, 512, 'L2'],
      [0, USER_VA + 0x200000, 9, 'L1'],
    ]);
  });
});

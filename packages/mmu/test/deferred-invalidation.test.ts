// Invalidations that complete later (spec arm64-pkey.md §7.2: TLBI …IS completes at DSB on every CPU
// without IPIs; spec linux.md §2.2 item 6: AMD INVLPGB completes at TLBSYNC), and what each form counts.
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const U = Pte.USER;

/** Every CPU ran space `mm` (ASID 1); the leaf at USER_VA + i pages was then cleared without invalidation. */
function staleEverywhere(params: Parameters<typeof rig>[0], pages = 1) {
  const r = rig({ cpus: 3, ...params });
  const mm = r.m.createSpace(1, r.table);
  r.m.ensurePath(mm, USER_VA, 1, r.table);
  for (let i = 0; i < pages; i++) r.m.setLeaf(mm, USER_VA + i * 4096, 1, r.data(), U);
  for (let c = 0; c < r.m.cpus; c++) r.m.setRoot(c, mm);
  for (let i = 0; i < pages; i++) r.m.clearEntry(mm, USER_VA + i * 4096, 1);
  const seen = (cpu: number, i = 0) => r.m.access(cpu, USER_VA + i * 4096, Access.READ, Mode.USER);
  return { ...r, mm, seen };
}

describe('AMD INVLPGB + TLBSYNC', () => {
  it('needs features.invlpgb and x86', () => {
    const { m } = rig({ cpus: 1 });
    expect(() => m.invlpgb(0, USER_VA, 1, 1)).toThrow('invlpgb: the machine lacks features.invlpgb');
    const arm = rig({ arch: 'arm64', cpus: 1 }).m;
    expect(() => arm.invlpgb(0, USER_VA, 1, 1)).toThrow(/x86 only/);
    expect(() => arm.tlbsync(0)).toThrow(/tlbsync: x86 only/);
  });

  it('reaches every CPU without IPIs, only once the issuing CPU runs TLBSYNC', () => {
    const { m, seen } = staleEverywhere({ features: { invlpgb: true } }, 3);
    m.invlpgb(0, USER_VA, 2, 1);
    expect(m.pendingTlbi(0)).toBe(1);
    expect([seen(1, 0), seen(2, 1)]).toEqual([Outcome.OK_STALE, Outcome.OK_STALE]);
    m.tlbsync(1); // another CPU's TLBSYNC completes nothing of CPU 0's
    expect(seen(2, 0)).toBe(Outcome.OK_STALE);
    m.tlbsync(0);
    expect(m.pendingTlbi(0)).toBe(0);
    for (const c of [0, 1, 2]) {
      expect([seen(c, 0), seen(c, 1)]).toEqual([Outcome.FAULT_NOT_PRESENT, Outcome.FAULT_NOT_PRESENT]);
      expect(seen(c, 2)).toBe(Outcome.OK_STALE); // past the two pages
    }
    expect([m.counter('invlpgb'), m.counter('tlbsync'), m.counter('ipi')]).toEqual([1, 2, 0]);
  });

  it('another PCID is untouched; pages 0 means everything; global adds global entries', () => {
    const { m, kernel, table, data, seen } = staleEverywhere({ features: { invlpgb: true } });
    m.invlpgb(0, USER_VA, 1, 2);
    m.tlbsync(0);
    expect(seen(1)).toBe(Outcome.OK_STALE);
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.GLOBAL);
    m.clearEntry(kernel, kva, 1);
    m.invlpgb(0, kva, 1, 1);
    m.tlbsync(0);
    expect(m.access(1, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.OK_STALE);
    m.invlpgb(0, kva, 1, 1, true);
    m.tlbsync(0);
    expect(m.access(1, kva, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    m.invlpgb(0, 0, 0, 0);
    m.tlbsync(0);
    expect(seen(2)).toBe(Outcome.FAULT_NOT_PRESENT);
  });
});

describe('arm64 TLBI + DSB', () => {
  it('is refused on x86; a TLBI is pending until its CPU’s DSB, then reaches every CPU (…IS)', () => {
    expect(() => rig({ cpus: 1 }).m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 })).toThrow(
      'tlbi: arm64 only; use invlpg/invpcid on x86',
    );
    const { m, seen } = staleEverywhere({ arch: 'arm64' });
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    expect(m.pendingTlbi(0)).toBe(1);
    expect(seen(2)).toBe(Outcome.OK_STALE);
    m.dsb(2);
    expect(seen(2)).toBe(Outcome.OK_STALE);
    m.dsb(0);
    expect([m.pendingTlbi(0), seen(0), seen(1), seen(2)]).toEqual([
      0,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.FAULT_NOT_PRESENT,
    ]);
    expect([
      m.counter('tlbi_all_levels'),
      m.counter('tlbi_broadcast'),
      m.counter('dsb'),
      m.counter('ipi'),
    ]).toEqual([1, 1, 2, 0]);
  });

  it('the local form (broadcast: false) reaches only the issuing CPU, counted tlbi_local', () => {
    const { m, seen } = staleEverywhere({ arch: 'arm64' });
    m.tlbi(1, 'VALE1', { va: USER_VA, asid: 1, broadcast: false });
    m.dsb(1);
    expect([seen(0), seen(1), seen(2)]).toEqual([
      Outcome.OK_STALE,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.OK_STALE,
    ]);
    expect([m.counter('tlbi_local'), m.counter('tlbi_broadcast'), m.counter('tlbi_leaf')]).toEqual([1, 0, 1]);
  });

  it('each form is counted once as leaf, all-levels, ASID or whole, and once as local or broadcast', () => {
    const { m } = rig({ arch: 'arm64', cpus: 1 });
    const forms = [
      ['VAE1', 'tlbi_all_levels'],
      ['VALE1', 'tlbi_leaf'],
      ['VAAE1', 'tlbi_all_levels'],
      ['VAALE1', 'tlbi_leaf'],
      ['ASIDE1', 'tlbi_asid'],
      ['VMALLE1', 'tlbi_vmall'],
      ['RVAE1', 'tlbi_all_levels'],
      ['RVALE1', 'tlbi_leaf'],
      ['RVAAE1', 'tlbi_all_levels'],
      ['RVAALE1', 'tlbi_leaf'],
    ] as const;
    const counts = (): number[] =>
      ['tlbi_leaf', 'tlbi_all_levels', 'tlbi_asid', 'tlbi_vmall', 'tlbi_local', 'tlbi_broadcast'].map((n) =>
        m.counter(n),
      );
    for (const [op, counter] of forms) {
      const before = m.counter(counter);
      m.tlbi(0, op, { va: USER_VA, asid: 1 });
      expect(m.counter(counter), op).toBe(before + 1);
    }
    expect(counts()).toEqual([4, 4, 1, 1, 0, 10]);
    expect(m.pendingTlbi(0)).toBe(10);
    m.dsb(0);
    expect(m.pendingTlbi(0)).toBe(0);
    expect(() => m.tlbi(0, 'ASIDE1', { asid: 1, level: 1 })).toThrow(
      'tlbi ASIDE1: a TTL hint (level) applies to the by-address forms only',
    );
  });

  it('range forms cover pages × stride from va; the by-VA forms one page', () => {
    const { m, seen } = staleEverywhere({ arch: 'arm64' }, 4);
    m.tlbi(0, 'RVAE1', { va: USER_VA + 4096, asid: 1, pages: 2 });
    m.tlbi(0, 'VAE1', { va: USER_VA + 3 * 4096, asid: 1, pages: 5 });
    m.dsb(0);
    expect([0, 1, 2, 3].map((i) => seen(1, i))).toEqual([
      Outcome.OK_STALE,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.FAULT_NOT_PRESENT,
    ]);
    const s = staleEverywhere({ arch: 'arm64' }, 4);
    s.m.tlbi(0, 'RVAE1', { va: USER_VA, asid: 1, pages: 2, stride: 2 * 4096 });
    s.m.dsb(0);
    expect([0, 1, 2, 3].map((i) => s.seen(1, i))).toEqual([
      Outcome.FAULT_NOT_PRESENT,
      Outcome.OK_STALE,
      Outcome.FAULT_NOT_PRESENT,
      Outcome.OK_STALE,
    ]);
  });

  it('last-level forms leave walk-cache entries; all-levels forms take them (§7.2 rule after freeing a table)', () => {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 2 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, data(), U);
    m.setRoot(1, mm);
    m.clearEntry(mm, USER_VA, 2);
    expect(m.staleWalkEntries()).toHaveLength(1);
    m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.staleWalkEntries()).toHaveLength(1);
    m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
    m.dsb(0);
    expect(m.staleWalkEntries()).toEqual([]);
  });

  it('ASIDE1 takes one ASID’s entries; VAAE1 a VA in every ASID; VMALLE1 everything', () => {
    const mk = () => {
      const r = rig({ arch: 'arm64', cpus: 1 });
      const a = r.m.createSpace(1, r.table);
      const b = r.m.createSpace(2, r.table);
      for (const s of [a, b]) {
        r.m.ensurePath(s, USER_VA, 1, r.table);
        r.m.setLeaf(s, USER_VA, 1, r.data(), U);
        r.m.setLeaf(s, USER_VA + 4096, 1, r.data(), U);
      }
      r.m.setRoot(0, a);
      r.m.setRoot(0, b);
      for (const s of [a, b]) {
        r.m.clearEntry(s, USER_VA, 1);
        r.m.clearEntry(s, USER_VA + 4096, 1);
      }
      // Outcomes in ASID 1 then ASID 2, for both pages.
      const seen = (): number[] => {
        const out: number[] = [];
        for (const s of [a, b]) {
          r.m.setRoot(0, s);
          out.push(
            r.m.access(0, USER_VA, Access.READ, Mode.USER),
            r.m.access(0, USER_VA + 4096, Access.READ, Mode.USER),
          );
        }
        return out;
      };
      return { m: r.m, seen };
    };
    const S = Outcome.OK_STALE;
    const F = Outcome.FAULT_NOT_PRESENT;
    let t = mk();
    t.m.tlbi(0, 'ASIDE1', { asid: 1 });
    t.m.dsb(0);
    expect(t.seen()).toEqual([F, F, S, S]);
    t = mk();
    t.m.tlbi(0, 'VAAE1', { va: USER_VA });
    t.m.dsb(0);
    expect(t.seen()).toEqual([F, S, F, S]);
    t = mk();
    t.m.tlbi(0, 'VMALLE1');
    t.m.dsb(0);
    expect(t.seen()).toEqual([F, F, F, F]);
  });
});

describe('split I/D TLB, one side at a time (ARMv6 Harvard TLB, tlb-v6.S)', () => {
  it('flushRangeSide counts one invalidation per page per side and none for an empty range', () => {
    const { m, seen } = staleEverywhere({ arch: 'arm64', tlbSides: 'split' }, 3);
    m.flushRangeSide(0, USER_VA, USER_VA, 4096, 'data');
    expect(m.counter('invlpg')).toBe(0);
    m.flushRangeSide(0, USER_VA, USER_VA + 2 * 4096 + 1, 4096, 'data');
    expect([m.counter('invlpg'), m.counter('inv_dside'), m.counter('inv_iside')]).toEqual([3, 3, 0]);
    m.flushRangeSide(0, USER_VA, USER_VA + 4096, 4096, 'both');
    expect([m.counter('invlpg'), m.counter('inv_dside'), m.counter('inv_iside')]).toEqual([4, 4, 1]);
    expect(seen(0, 0)).toBe(Outcome.FAULT_NOT_PRESENT);
    expect(seen(1, 0)).toBe(Outcome.OK_STALE);
  });
});

// The adversarial model's access path (walk.ts): frames reached inside large leaves, which of several
// stale records serves an access (the one that permits it — the exploit path), global-tag records for
// user addresses, walks through stale walk-cache records at each level, the `onConflict: 'either'`
// picks, and the permission rules of the guest and EL2 regimes (Arm ARM D8.4 stage 2 S2AP/XN, EL2 AP/PXN).
import { describe, expect, it } from 'vitest';
import { Access, LEVEL_SIZE, Mode, Outcome, Pte } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

const RW_USER = Pte.WRITABLE | Pte.USER;

describe('adversarial: large leaves', () => {
  for (const level of [2, 3] as const) {
    it(`a level-${level} leaf reaches its output plus the page offset, current or stale`, () => {
      const { m, table } = rig({ cpus: 1, memory: '2GiB' });
      const mm = m.createSpace(1, table);
      const va = level === 3 ? 0x40000000 : USER_VA;
      const out = level === 3 ? 262144 : 1024;
      m.ensurePath(mm, va, level, table);
      m.setLeaf(mm, va, level, out, RW_USER);
      m.setRoot(0, mm);
      expect(m.access(0, va + 300 * 4096, Access.WRITE, Mode.USER)).toBe(Outcome.OK);
      expect([m.lastPfn, m.lastLevel]).toEqual([out + 300, level]);
      expect(m.access(0, va, Access.READ, Mode.USER)).toBe(Outcome.OK);
      expect(m.lastPfn).toBe(out);
      // Cleared without a flush: the stale large entry still reaches the same frames.
      m.clearEntry(mm, va, level);
      expect(m.access(0, va + 7 * 4096, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
      expect([m.lastPfn, m.lastLevel]).toEqual([out + 7, level]);
      m.invlpg(0, va + 7 * 4096);
      expect(m.access(0, va + 7 * 4096, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }
});

describe('adversarial: which stale record serves an access', () => {
  // Both orders: the permitting entry older or newer than the other (whichever a lookup meets first).
  for (const rwFirst of [false, true]) {
    it(`of two old entries of one address, the one that permits the access (${rwFirst ? 'writable one older' : 'writable one newer'})`, () => {
      const { m, table, data } = rig({ cpus: 1 });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      const [ro, rw, now] = [data(), data(), data()];
      const [first, second] = rwFirst
        ? [
            [rw, RW_USER],
            [ro, Pte.USER],
          ]
        : [
            [ro, Pte.USER],
            [rw, RW_USER],
          ];
      m.setLeaf(mm, USER_VA, 1, first[0], first[1]);
      m.setRoot(0, mm);
      m.setLeaf(mm, USER_VA, 1, second[0], second[1]); // no flush: the first entry may stay cached
      m.setLeaf(mm, USER_VA, 1, now, Pte.USER); // nor here: the second may too
      expect(m.cachedTranslations(ro).length + m.cachedTranslations(rw).length).toBe(2);
      // A write: only the old writable entry permits it.
      expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
      expect(m.lastPfn).toBe(rw);
      // A fetch: neither permits it; the outcome is a fault from a stale entry.
      expect(m.access(0, USER_VA, Access.EXEC, Mode.USER)).toBe(Outcome.FAULT_EXEC);
      expect([m.lastStale, m.lastFaultSpurious]).toEqual([true, false]);
    });
  }

  it('a stale 4 KiB entry inside a stale 2 MiB one: the one that permits the access, at any level', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 2, table);
    m.setLeaf(mm, USER_VA, 2, 512, Pte.USER); // read-only 2 MiB
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 2);
    m.setTable(mm, USER_VA, 2, table());
    const p = data();
    m.setLeaf(mm, USER_VA + 4096, 1, p, RW_USER);
    m.clearEntry(mm, USER_VA + 4096, 1);
    expect(m.access(0, USER_VA + 4096, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
    expect([m.lastPfn, m.lastLevel]).toEqual([p, 1]);
    expect(m.access(0, USER_VA + 8192, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect([m.lastPfn, m.lastLevel]).toEqual([514, 2]);
    expect(m.access(0, USER_VA + 8192, Access.WRITE, Mode.USER)).toBe(Outcome.FAULT_WRITE);
  });

  it('a user address: an old global entry serves when the current ASID’s own old entry does not permit it', () => {
    // A global entry matches under every PCID (SDM Vol. 3A §4.10.2.4): space b's CPU may use a's.
    const { m, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.ensurePath(b, USER_VA, 1, table);
    const [g, own] = [data(), data()];
    m.setLeaf(a, USER_VA, 1, g, RW_USER | Pte.GLOBAL);
    m.setRoot(0, a);
    m.clearEntry(a, USER_VA, 1); // a stale global writable entry
    m.setRoot(0, b);
    m.setLeaf(b, USER_VA, 1, own, Pte.USER);
    m.clearEntry(b, USER_VA, 1); // a stale read-only entry under PCID 2
    expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(own);
    expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
    expect(m.lastPfn).toBe(g);
  });

  it('a stale walk-cache record for another address leaves an access to a mapped page alone', () => {
    const { m, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    const far = USER_VA + 0x200000;
    m.ensurePath(mm, USER_VA, 1, table);
    m.ensurePath(mm, far, 1, table);
    const p = data();
    m.setLeaf(mm, far, 1, p, RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, USER_VA, 2); // USER_VA's level-1 table unlinked: a stale pointer
    expect(m.staleWalkEntries().length).toBe(1);
    expect(m.access(0, far, Access.READ, Mode.USER)).toBe(Outcome.OK);
    expect([m.lastPfn, m.lastStale]).toEqual([p, false]);
  });

  for (const level of [2, 3, 4] as const) {
    it(`arm64: a table unlinked at level ${level} is still walked through the stale pointer after a last-level TLBI`, () => {
      const { m, table, data } = rig({ arch: 'arm64', cpus: 1 });
      const mm = m.createSpace(1, table);
      m.ensurePath(mm, USER_VA, 1, table);
      const p = data();
      m.setLeaf(mm, USER_VA, 1, p, RW_USER);
      m.setRoot(0, mm);
      m.clearEntry(mm, USER_VA - (USER_VA % LEVEL_SIZE[level]), level);
      // TLBI VALE1 removes the cached leaf, not the cached pointers (Arm ARM D8.13).
      m.tlbi(0, 'VALE1', { va: USER_VA, asid: 1 });
      m.dsb(0);
      expect(m.cachedTranslations(p)).toEqual([]);
      expect(m.staleWalkEntries().some((w) => w.level === level)).toBe(true);
      expect(m.access(0, USER_VA, Access.WRITE, Mode.USER)).toBe(Outcome.OK_STALE);
      expect([m.lastPfn, m.lastStale]).toEqual([p, true]);
      // Not mapped below the old table: the walk through it finds nothing.
      expect(m.access(0, USER_VA + 4096, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
      m.tlbi(0, 'VAE1', { va: USER_VA, asid: 1 });
      m.dsb(0);
      expect(m.access(0, USER_VA, Access.READ, Mode.USER)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }
});

describe('adversarial: a stale level-4 pointer alone', () => {
  it('arm64: a 1 GiB leaf in the unlinked level-3 table is reached through the old level-4 pointer', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 1, memory: '2GiB' });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, 0x40000000, 3, table);
    m.setLeaf(mm, 0x40000000, 3, 262144, RW_USER);
    m.setRoot(0, mm);
    m.clearEntry(mm, 0, 4);
    m.tlbi(0, 'VALE1', { va: 0x40000000, asid: 1 });
    m.dsb(0);
    // Only the level-4 pointer is cached now: the walk starts below it, in the old level-3 table.
    expect(m.staleWalkEntries().map((w) => w.level)).toEqual([4]);
    expect(m.access(0, 0x40000000 + 5 * 4096, Access.READ, Mode.USER)).toBe(Outcome.OK_STALE);
    expect([m.lastPfn, m.lastLevel]).toEqual([262149, 3]);
  });
});

describe("onConflict 'either': the picked entry's details", () => {
  function conflict() {
    const { m, table, data } = rig({ arch: 'arm64', cpus: 1, onConflict: 'either' });
    const mm = m.createSpace(7, table);
    m.ensurePath(mm, USER_VA, 1, table);
    const [old, now] = [data(), data()];
    m.setLeaf(mm, USER_VA, 1, old, RW_USER);
    m.setRoot(0, mm);
    m.setLeaf(mm, USER_VA, 1, now, Pte.USER); // no break-before-make
    return { m, old, now };
  }

  it('the new entry picked: its fault reaches no frame; a read through it reaches the new frame', () => {
    const { m, now } = conflict();
    m.conflictPick = 2;
    expect([m.access(0, USER_VA, Access.WRITE, Mode.USER), m.lastPfn, m.lastLevel]).toEqual([
      Outcome.FAULT_WRITE,
      -1,
      0,
    ]);
    expect([m.access(0, USER_VA, Access.READ, Mode.USER), m.lastPfn, m.lastStale]).toEqual([
      Outcome.OK,
      now,
      false,
    ]);
  });

  it('the old entry picked: a read reaches the old frame, which is not the current translation', () => {
    const { m, old } = conflict();
    m.conflictPick = 1;
    expect([m.access(0, USER_VA, Access.READ, Mode.USER), m.lastPfn, m.lastStale]).toEqual([
      Outcome.OK_STALE,
      old,
      true,
    ]);
    // The rule: the current entry allows a read, so it serves; a write only the old one allows.
    m.conflictPick = 0;
    expect([m.access(0, USER_VA, Access.READ, Mode.USER), m.lastStale]).toEqual([Outcome.OK, false]);
    expect([m.access(0, USER_VA, Access.WRITE, Mode.USER), m.lastPfn]).toEqual([Outcome.OK_STALE, old]);
  });
});

describe('permission rules of the guest and EL2 regimes', () => {
  it('a guest: stage-2 write permission for writes, XN per exception level for fetches, reads always', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const vm = m.createStage2Space(1, table);
    const pages = [
      { flags: 0, out: 10 },
      { flags: Pte.WRITABLE, out: 11 },
      { flags: Pte.XUSER, out: 12 },
      { flags: Pte.XKERNEL, out: 13 },
    ];
    for (const [i, p] of pages.entries()) {
      m.ensurePath(vm, USER_VA + i * 4096, 1, table);
      m.setLeaf(vm, USER_VA + i * 4096, 1, p.out, p.flags);
    }
    m.enterRegime(0, { el: 1, vttbr: vm });
    const row = (i: number, mode: number): number[] => [
      m.access(0, USER_VA + i * 4096, Access.READ, mode as 0),
      m.access(0, USER_VA + i * 4096, Access.WRITE, mode as 0),
      m.access(0, USER_VA + i * 4096, Access.EXEC, mode as 0),
    ];
    const { OK, FAULT_WRITE: FW, FAULT_EXEC: FX } = Outcome;
    expect([0, 1, 2, 3].map((i) => row(i, Mode.USER))).toEqual([
      [OK, FW, FX],
      [OK, OK, FX],
      [OK, FW, OK],
      [OK, FW, FX],
    ]);
    expect([0, 1, 2, 3].map((i) => row(i, Mode.KERNEL))).toEqual([
      [OK, FW, FX],
      [OK, OK, FX],
      [OK, FW, FX],
      [OK, FW, OK],
    ]);
  });

  it('non-VHE EL2: AP write and PXN decide, whatever the access mode', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const hyp = m.createEl2Space(table);
    m.ensurePath(hyp, USER_VA, 1, table);
    m.setLeaf(hyp, USER_VA, 1, 20, Pte.XKERNEL);
    m.ensurePath(hyp, USER_VA + 4096, 1, table);
    m.setLeaf(hyp, USER_VA + 4096, 1, 21, Pte.WRITABLE | Pte.XUSER);
    m.enterRegime(0, { el: 2, el2: hyp });
    const { OK, FAULT_WRITE: FW, FAULT_EXEC: FX } = Outcome;
    for (const mode of [Mode.KERNEL, Mode.USER]) {
      expect([
        m.access(0, USER_VA, Access.READ, mode),
        m.access(0, USER_VA, Access.WRITE, mode),
        m.access(0, USER_VA, Access.EXEC, mode),
        m.access(0, USER_VA + 4096, Access.WRITE, mode),
        m.access(0, USER_VA + 4096, Access.EXEC, mode),
      ]).toEqual([OK, FW, OK, OK, FX]);
    }
  });
});

describe('arm64 POE: the permission an access needs', () => {
  it('an overlay granting only execute (or only write) gates reads, writes and fetches apart', () => {
    // POR_EL0 field per overlay index: bit 0 read, bit 1 execute, bit 2 write (Arm ARM D8.4.1.3, FEAT_S1POE).
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    m.ensurePath(mm, USER_VA, 1, table);
    m.setLeaf(mm, USER_VA, 1, 30, RW_USER | Pte.XUSER | (3 << Pte.KEY_SHIFT));
    m.setRoot(0, mm);
    const all = (): number[] => [
      m.access(0, USER_VA, Access.READ, Mode.USER),
      m.access(0, USER_VA, Access.WRITE, Mode.USER),
      m.access(0, USER_VA, Access.EXEC, Mode.USER),
    ];
    const { OK, FAULT_KEY: K } = Outcome;
    m.setPor(0, 0, 0x77777777 & ~(0xf << 12)); // index 3: nothing
    expect(all()).toEqual([K, K, K]);
    m.setPor(0, 0, (0x77777777 & ~(0xf << 12)) | (0x2 << 12)); // index 3: X only
    expect(all()).toEqual([K, K, OK]);
    m.setPor(0, 0, (0x77777777 & ~(0xf << 12)) | (0x4 << 12)); // index 3: W only
    expect(all()).toEqual([K, OK, K]);
    m.setPor(0, 0, (0x77777777 & ~(0xf << 12)) | (0x1 << 12)); // index 3: R only
    expect(all()).toEqual([OK, K, K]);
  });
});

describe("a guest's walks go through stage-2 walk-cache entries", () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`${tlb}: after IPAS2LE1 and VMALLE1 the cached stage-2 pointer to an unlinked table still serves`, () => {
      // IPAS2LE1 removes stage-2 leaf entries only; VMALLE1 the stage-1 and combined entries of the
      // VMID (Arm ARM D8.13). Neither need remove a stage-2 walk-cache entry, which the guest's walk
      // looks up under its VMID's stage-2 tag.
      const { m, table, data } = rig({ arch: 'arm64', cpus: 2, tlb });
      const vm = m.createStage2Space(1, table);
      m.ensurePath(vm, USER_VA, 1, table);
      const q = data();
      m.setLeaf(vm, USER_VA, 1, q, Pte.WRITABLE);
      m.enterRegime(0, { el: 1, vttbr: vm });
      expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.OK);
      m.clearEntry(vm, USER_VA, 2);
      m.enterRegime(1, { el: 2, vttbr: vm });
      m.tlbi(1, 'IPAS2LE1', { va: USER_VA });
      m.tlbi(1, 'VMALLE1');
      m.dsb(1);
      expect(m.cachedTranslations(q)).toEqual([]);
      expect(m.access(0, USER_VA, Access.WRITE, Mode.KERNEL)).toBe(Outcome.OK_STALE);
      expect(m.lastPfn).toBe(q);
      m.tlbi(1, 'VMALLS12E1');
      m.dsb(1);
      expect(m.access(0, USER_VA, Access.READ, Mode.KERNEL)).toBe(Outcome.FAULT_NOT_PRESENT);
    });
  }
});

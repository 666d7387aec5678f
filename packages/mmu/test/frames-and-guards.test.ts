// Physical frames (DESIGN §2: a use tag per frame and a generation that increases on every free) and the
// guards of the instruction interface: CPUs in range, x86-only and arm64-only instructions.
import { describe, expect, it } from 'vitest';
import { Access, BUILTIN_TAGS, Frames, Invpcid, Mode, Outcome, Pte, type InvpcidType } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

function frames(count: number, clock = (): number => 0): { f: Frames; freed: number[] } {
  const freed: number[] = [];
  return { f: new Frames(count, { beforeFree: (p) => freed.push(p) }, clock), freed };
}

describe('frames', () => {
  it('start free, generation 0, never freed; the built-in tags come first', () => {
    const { f } = frames(4);
    expect(f.count).toBe(4);
    expect(f.freeFrames).toBe(4);
    for (let p = 0; p < 4; p++) {
      expect([f.isFree(p), f.tag(p), f.generation(p), f.freedAt[p]]).toEqual([true, 'free', 0, 0]);
    }
    expect(BUILTIN_TAGS.map((t) => f.tagId(t))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(f.tagId('module')).toBe(BUILTIN_TAGS.length);
    expect(f.tagId('module')).toBe(BUILTIN_TAGS.length);
    expect(f.tagName(BUILTIN_TAGS.length)).toBe('module');
    expect(f.tagName(200)).toBe('tag200');
  });

  it('hand out the lowest free frame from a cursor that moves past each allocation, wrapping around', () => {
    const { f } = frames(4);
    expect([f.allocAny('data'), f.allocAny('data'), f.allocAny('page-table')]).toEqual([0, 1, 2]);
    expect(f.tag(2)).toBe('page-table');
    expect(f.tagIdOf(2)).toBe(2);
    expect(f.freeFrames).toBe(1);
    f.free(0);
    // The cursor is past 2: frame 3 first, then around to 0.
    expect(f.firstFree()).toBe(3);
    expect(f.allocAny('data')).toBe(3);
    expect(f.allocAny('data')).toBe(0);
    expect(f.firstFree()).toBe(-1);
    expect(() => f.allocAny('data')).toThrow('out of frames');
  });

  it('free: tag free, generation + 1, the clock recorded, the reverse view told first; never twice', () => {
    let now = 7;
    const { f, freed } = frames(2, () => now);
    const p = f.allocAny('kernel-text');
    f.free(p);
    expect(freed).toEqual([p]);
    expect([f.isFree(p), f.generation(p), f.freedAt[p], f.freeFrames]).toEqual([true, 1, 7, 2]);
    expect(() => f.free(p)).toThrow(`frame ${p} is already free`);
    expect(freed).toEqual([p]);
    f.setTag(p, 'data');
    now = 9;
    f.free(p);
    expect([f.generation(p), f.freedAt[p]]).toEqual([2, 9]);
  });

  it('setTag: retagging a used frame keeps the free count; tagging a free one takes it; free is not a tag', () => {
    const { f } = frames(3);
    f.setTag(1, 'data');
    expect(f.freeFrames).toBe(2);
    f.setTag(1, 'secret');
    f.setTag(1, f.tagId('user'));
    expect([f.tag(1), f.freeFrames]).toEqual(['user', 2]);
    expect(() => f.setTag(1, 'free')).toThrow('use frames.free(1) to free a frame');
    expect(() => f.setTag(2, 0)).toThrow(/use frames.free\(2\)/);
    expect(f.isFree(2)).toBe(true);
  });

  it('refuse frames outside memory and a 257th tag', () => {
    const { f } = frames(3);
    for (const bad of [-1, 3, 1.5]) {
      expect(() => f.tag(bad)).toThrow(`frame ${bad} outside memory (0..2)`);
      expect(() => f.generation(bad)).toThrow(RangeError);
      expect(() => f.free(bad)).toThrow(RangeError);
      expect(() => f.setTag(bad, 'data')).toThrow(RangeError);
    }
    expect(f.tag(2)).toBe('free');
    for (let i = BUILTIN_TAGS.length; i < 256; i++) f.tagId(`t${i}`);
    expect(f.tagId('t255')).toBe(255);
    expect(() => f.tagId('one-too-many')).toThrow('more than 256 frame tags');
  });
});

describe('instruction guards', () => {
  it('CPUs outside the machine are refused by every instruction', () => {
    const { m, table } = rig({ cpus: 2 });
    const mm = m.createSpace(1, table);
    expect(() => m.setRoot(2, mm)).toThrow('cpu 2 outside 0..1');
    expect(() => m.setRoot(-1, mm)).toThrow(RangeError);
    expect(() => m.invlpg(2, USER_VA)).toThrow(RangeError);
    expect(() => m.setPkru(1.5, 0)).toThrow(RangeError);
    expect(() => m.ipi(0, [1, 2], () => undefined)).toThrow('cpu 2 outside 0..1');
    expect(() => m.ipi(3, 'all', () => undefined)).toThrow(RangeError);
    expect(() => m.beginStep(2)).toThrow(RangeError);
    expect(() => m.runOn(2)).toThrow(RangeError);
    expect(() => m.currentSpace(2)).toThrow(RangeError);
    expect(m.currentSpace(1)).toBeTypeOf('number');
  });

  it('x86 instructions on arm64 and arm64 registers on x86 are refused', () => {
    const arm = rig({ arch: 'arm64', cpus: 1 }).m;
    expect(() => arm.invlpg(0, USER_VA)).toThrow('invlpg: x86 only; use tlbi/dsb on arm64');
    expect(() => arm.invpcid(0, Invpcid.SINGLE_CONTEXT, 1)).toThrow(/invpcid: x86 only/);
    expect(() => arm.flushGlobal(0)).toThrow(/flushGlobal: x86 only/);
    expect(() => arm.setPkru(0, 0)).toThrow('setPkru: PKRU is x86; use setPor on arm64');
    const x86 = rig({ cpus: 1 }).m;
    expect(() => x86.setPor(0, 0, 0)).toThrow('setPor: POR_ELx is arm64; use setPkru on x86');
    expect(() => x86.invpcid(0, 4 as InvpcidType)).toThrow('invpcid type 4');
    expect([x86.counter('wrpkru'), arm.counter('wrpkru')]).toEqual([0, 0]);
  });

  it('WRPKRU and MSR POR_ELx are counted as wrpkru on the CPU that runs them', () => {
    const x86 = rig({ cpus: 2 }).m;
    x86.setPkru(1, 0x0c);
    x86.setPkru(1, 0);
    expect(x86.counter('wrpkru')).toBe(2);
    const arm = rig({ arch: 'arm64', cpus: 2 }).m;
    arm.setPor(0, 0, 0x77);
    arm.setPor(1, 1, 0x77);
    expect(arm.counter('wrpkru')).toBe(2);
  });
});

describe('IPIs (on_each_cpu: the sender runs its own share, one interrupt per remote target)', () => {
  it("'all' includes the sender, 'others' does not; a list is de-duplicated and run in ascending order", () => {
    const { m } = rig({ cpus: 4 });
    const ran: number[] = [];
    m.ipi(1, 'all', (c) => ran.push(c));
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(m.counter('ipi')).toBe(3);
    ran.length = 0;
    m.ipi(1, 'others', (c) => ran.push(c));
    expect(ran).toEqual([0, 2, 3]);
    expect(m.counter('ipi')).toBe(6);
    ran.length = 0;
    m.ipi(2, [3, 0, 3, 2], (c) => ran.push(c));
    expect(ran).toEqual([0, 2, 3]);
    expect(m.counter('ipi')).toBe(8);
    ran.length = 0;
    m.ipi(2, [2], (c) => ran.push(c));
    expect(ran).toEqual([2]);
    expect(m.counter('ipi')).toBe(8);
  });
});

describe('INVPCID types (Intel SDM Vol. 2A, INVPCID)', () => {
  // One CPU that ran PCID 1 then PCID 2 (no flush on the switch), with a global kernel entry and a user
  // entry in each PCID; every entry is then cleared without an invalidation, so each is a stale record.
  function staged(): { m: ReturnType<typeof rig>['m']; kva: number; seen: () => number[] } {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const a = m.createSpace(1, table);
    const b = m.createSpace(2, table);
    const kva = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, kva, 1, table);
    m.ensurePath(a, USER_VA, 1, table);
    m.ensurePath(b, USER_VA, 1, table);
    m.setLeaf(kernel, kva, 1, data(), Pte.GLOBAL);
    m.setLeaf(a, USER_VA, 1, data(), Pte.USER);
    m.setLeaf(a, USER_VA + 4096, 1, data(), Pte.USER);
    m.setLeaf(b, USER_VA, 1, data(), Pte.USER);
    m.setRoot(0, a);
    m.setRoot(0, b, { noflush: true });
    m.clearEntry(kernel, kva, 1);
    m.clearEntry(a, USER_VA, 1);
    m.clearEntry(a, USER_VA + 4096, 1);
    m.clearEntry(b, USER_VA, 1);
    // Outcomes of: the global kernel entry, PCID 2's page, PCID 1's two pages (CPU back on PCID 1).
    const seen = (): number[] => {
      const out = [m.access(0, kva, Access.READ, Mode.KERNEL), m.access(0, USER_VA, Access.READ, Mode.USER)];
      m.setRoot(0, a, { noflush: true });
      out.push(
        m.access(0, USER_VA, Access.READ, Mode.USER),
        m.access(0, USER_VA + 4096, Access.READ, Mode.USER),
      );
      return out;
    };
    return { m, kva, seen };
  }
  const S = Outcome.OK_STALE;
  const F = Outcome.FAULT_NOT_PRESENT;

  it('individual address: that page in that PCID only, not the global entry (counted invlpg)', () => {
    const { m, seen } = staged();
    m.invpcid(0, Invpcid.INDIVIDUAL, 1, USER_VA);
    expect([m.counter('invlpg'), m.counter('full')]).toEqual([1, 0]);
    expect(seen()).toEqual([S, S, F, S]);
  });

  it('single context: every non-global entry of that PCID (counted full)', () => {
    const { m, seen } = staged();
    m.invpcid(0, Invpcid.SINGLE_CONTEXT, 1);
    expect([m.counter('invlpg'), m.counter('full')]).toEqual([0, 1]);
    expect(seen()).toEqual([S, S, F, F]);
  });

  it('all contexts including globals: everything', () => {
    const { m, seen } = staged();
    m.invpcid(0, Invpcid.ALL_INCL_GLOBAL);
    expect(m.counter('full')).toBe(1);
    expect(seen()).toEqual([F, F, F, F]);
  });

  it('all non-global: every PCID, the global entry stays', () => {
    const { m, seen } = staged();
    m.invpcid(0, Invpcid.ALL_NON_GLOBAL);
    expect(m.counter('full')).toBe(1);
    expect(seen()).toEqual([S, F, F, F]);
  });

  it('CR4.PGE toggle: everything, globals included', () => {
    const { m, seen } = staged();
    m.flushGlobal(0);
    expect(m.counter('full')).toBe(1);
    expect(seen()).toEqual([F, F, F, F]);
  });
});

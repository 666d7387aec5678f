import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pte, pteFlags } from '../src/index.js';
import { propertyRuns, rig } from './helpers.js';
import { ReferenceTlb } from './reference-model.js';

const CPUS = 3;
const PAGES = 2;
const USER_BASE = 0x10000000;

type Cmd =
  | { op: 'map'; space: number; page: number; frame: number; w: boolean; x: boolean }
  | { op: 'unmap'; space: number; page: number }
  | { op: 'invlpg'; cpu: number; space: number; page: number }
  | { op: 'root'; cpu: number; space: number; noflush: boolean }
  | { op: 'flushGlobal'; cpu: number }
  | { op: 'free'; frame: number }
  | { op: 'realloc'; frame: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant('map' as const),
    space: fc.integer({ min: 0, max: 2 }),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
    frame: fc.integer({ min: 0, max: 2 }),
    w: fc.boolean(),
    x: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('unmap' as const),
    space: fc.integer({ min: 0, max: 2 }),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
  }),
  fc.record({
    op: fc.constant('invlpg' as const),
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
    space: fc.integer({ min: 0, max: 2 }),
    page: fc.integer({ min: 0, max: PAGES - 1 }),
  }),
  fc.record({
    op: fc.constant('root' as const),
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
    space: fc.integer({ min: 1, max: 2 }),
    noflush: fc.boolean(),
  }),
  fc.record({ op: fc.constant('flushGlobal' as const), cpu: fc.integer({ min: 0, max: CPUS - 1 }) }),
  fc.record({ op: fc.constant('free' as const), frame: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('realloc' as const), frame: fc.integer({ min: 0, max: 2 }) }),
);

describe('reverse view against a reference model (DESIGN §2, spec linux.md §1.2 INV-WX / INV-XALIAS)', () => {
  it('W+X across aliases, reachable-after-free and stale holders agree with the naive model', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 20, maxLength: 80, size: 'max' }), (cmds) => {
        const { m, kernel, table, data } = rig({ cpus: CPUS });
        // space index 0 = kernel (global aliases in vmalloc space), 1 and 2 = user spaces with PCIDs 1, 2.
        const spaces = [kernel, m.createSpace(1, table), m.createSpace(2, table)];
        const base = [m.arch.layout.vmallocBase, USER_BASE, USER_BASE];
        for (let s = 0; s < 3; s++) m.ensurePath(spaces[s], base[s], 1, table);
        const frames = Array.from({ length: 3 }, () => data());
        const ref = new ReferenceTlb(CPUS, (s) => (s === 0 ? 0 : s), 0);
        const cur = [-1, -1, -1];
        for (const c of cmds) {
          switch (c.op) {
            case 'map': {
              const user = c.space !== 0;
              const flags = pteFlags({
                writable: c.w,
                user,
                xUser: user && c.x,
                xKernel: !user && c.x,
                global: !user,
              });
              m.setLeaf(spaces[c.space], base[c.space] + c.page * 4096, 1, frames[c.frame], flags);
              ref.store(c.space, base[c.space] + c.page * 4096, {
                pfn: c.frame,
                flags: { w: c.w, x: c.x, global: !user },
              });
              break;
            }
            case 'unmap':
              m.clearEntry(spaces[c.space], base[c.space] + c.page * 4096, 1);
              ref.store(c.space, base[c.space] + c.page * 4096, null);
              break;
            case 'invlpg':
              if (cur[c.cpu] < 0) break;
              m.invlpg(c.cpu, base[c.space] + c.page * 4096);
              ref.invlpg(c.cpu, base[c.space] + c.page * 4096);
              break;
            case 'root':
              m.setRoot(c.cpu, spaces[c.space], { noflush: c.noflush });
              ref.setRoot(c.cpu, c.space, c.noflush);
              cur[c.cpu] = c.space;
              break;
            case 'flushGlobal':
              m.flushGlobal(c.cpu);
              ref.flushGlobal(c.cpu);
              break;
            case 'free':
              if (m.frames.isFree(frames[c.frame])) break;
              m.frames.free(frames[c.frame]);
              ref.free(c.frame);
              break;
            case 'realloc':
              if (!m.frames.isFree(frames[c.frame])) break;
              m.frames.setTag(frames[c.frame], 'data');
              break;
          }
          // Compare as strings first: one expect per step keeps 16k steps fast.
          const got: unknown[] = [m.wxFrameCount];
          const want: unknown[] = [0];
          for (let f = 0; f < 3; f++) {
            const pfn = frames[f];
            const cpus = new Set<number>();
            for (const t of m.cachedTranslations(pfn)) for (const h of t.cpus) cpus.add(h);
            got.push(
              m.isWritableAnywhere(pfn),
              m.isExecutableAnywhere(pfn),
              m.isWxAnywhere(pfn),
              m.cachedAfterFree(pfn),
              m.reachableAfterFree(pfn),
              [...cpus].sort((a, b) => a - b).join(','),
            );
            const w = ref.writable(f);
            const x = ref.executable(f);
            want.push(
              w,
              x,
              w && x,
              ref.cachedAfterFree(f),
              ref.reachableAfterFree(f),
              ref.staleCpus(f).join(','),
            );
            if (w && x) want[0] = (want[0] as number) + 1;
          }
          if (JSON.stringify(got) !== JSON.stringify(want))
            expect({ step: c, got }).toEqual({ step: c, got: want });
        }
      }),
      { numRuns: propertyRuns(200), seed: 42 },
    );
  }, 600_000);

  it('a single W+X pair across a kernel alias and a user alias is found (INV-WX)', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const mm = m.createSpace(1, table);
    const p = data();
    m.ensurePath(mm, USER_BASE, 1, table);
    m.setLeaf(mm, USER_BASE, 1, p, Pte.USER | Pte.XUSER);
    expect(m.isWxAnywhere(p)).toBe(false);
    m.ensurePath(kernel, m.directMapVa(p), 1, table);
    m.setLeaf(kernel, m.directMapVa(p), 1, p, Pte.WRITABLE | Pte.GLOBAL);
    expect(m.isWxAnywhere(p)).toBe(true);
    expect(m.validTranslations(p).map((t) => t.va)).toEqual([m.directMapVa(p), USER_BASE]); // kernel space first
  });

  it('a frame freed while mapped, then unmapped without a flush, stays reachable after free (INV-XALIAS)', () => {
    const { m, kernel, table, data } = rig({ cpus: 2 });
    const va = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, va, 1, table);
    const p = data();
    m.setLeaf(kernel, va, 1, p, Pte.GLOBAL | Pte.XKERNEL);
    m.frames.free(p);
    expect(m.reachableAfterFree(p)).toBe(true);
    expect(m.cachedAfterFree(p)).toBe(false);
    m.clearEntry(kernel, va, 1);
    expect(m.cachedAfterFree(p)).toBe(true);
    expect(m.afterFreeFrameCount).toBe(1);
    expect(m.cachedTranslations(p)[0]).toMatchObject({ cpus: [0, 1], tag: 'global', afterFree: true });
    m.invlpg(0, va);
    m.invlpg(1, va);
    expect(m.cachedAfterFree(p)).toBe(false);
    expect(m.afterFreeFrameCount).toBe(0);
  });

  it('observers hear every store and invalidation that changes the reverse view', () => {
    const { m, kernel, table, data } = rig({ cpus: 1 });
    const va = m.arch.layout.vmallocBase;
    m.ensurePath(kernel, va, 1, table);
    const p = data();
    const heard: string[] = [];
    const detach = m.observe({
      framesChanged: (first, n, cause) => heard.push(`${cause}:${first - p}+${n}`),
    });
    m.setLeaf(kernel, va, 1, p, Pte.GLOBAL);
    m.clearEntry(kernel, va, 1);
    m.invlpg(0, va);
    detach();
    m.setLeaf(kernel, va, 1, p, Pte.GLOBAL);
    expect(heard).toEqual(['store:0+1', 'store:0+1', 'invalidate:0+1']);
  });
});

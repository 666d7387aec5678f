// Stale records share their holder mask in cohorts while nobody watches the machine (stale.ts): a full
// flush then clears a CPU once per cohort and frees the emptied records afterwards. Watched (an observer
// or a trace sink attached), the sets work record by record. Both must leave the same records, in the
// same live-list order, with the same holders per side, reuse freed records in the same order, answer
// every access the same way, and — once watched — count the same records per CPU (the trace samples
// those counts). A machine watched all along is held against one whose watching comes and goes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, Invpcid, Mode, Pte, type InvpcidType, type Machine } from '../src/index.js';
import { USER_VA, propertyRuns, rig } from './helpers.js';

const CPUS = 40;
const VAS = [USER_VA, USER_VA + 4096, USER_VA + 2 * 4096, USER_VA + 0x200000];
/** Kernel VAs (vmalloc area of x86_64): global and non-global kernel leaves share the global tag. */
const KVAS = [0xc90000000000, 0xc90000001000];

type Op =
  | { k: 'root'; cpu: number; space: number; noflush: boolean }
  | { k: 'map'; space: number; va: number; frame: number; global: boolean }
  | { k: 'unmap'; space: number; va: number }
  | { k: 'kmap'; va: number; frame: number; global: boolean }
  | { k: 'kunmap'; va: number }
  | { k: 'access'; cpu: number; va: number; write: boolean }
  | { k: 'kaccess'; cpu: number; va: number }
  | { k: 'invlpg'; cpu: number; va: number }
  | { k: 'invpcid'; cpu: number; type: number; pcid: number; va: number }
  | { k: 'pge'; cpu: number }
  | { k: 'everyone'; pcid: number }
  | { k: 'watch' };

const cpu = fc.integer({ min: 0, max: CPUS - 1 });
const space = fc.integer({ min: 0, max: 1 });
const va = fc.constantFrom(...VAS);
const kva = fc.constantFrom(...KVAS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant('root' as const), cpu, space, noflush: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('map' as const),
      space,
      va,
      frame: fc.integer({ min: 0, max: 5 }),
      global: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('unmap' as const), space, va }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('kmap' as const),
      va: kva,
      frame: fc.integer({ min: 0, max: 5 }),
      global: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('kunmap' as const), va: kva }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('kaccess' as const), cpu, va: kva }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('access' as const), cpu, va, write: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('invlpg' as const), cpu, va: fc.oneof(va, kva) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('invpcid' as const),
      cpu,
      type: fc.integer({ min: 0, max: 3 }),
      pcid: fc.integer({ min: 1, max: 2 }),
      va,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pge' as const), cpu }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('everyone' as const), pcid: fc.integer({ min: 1, max: 2 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('watch' as const) }) },
);

function build(tlbSides: 'unified' | 'split') {
  const r = rig({ cpus: CPUS, tlbSides });
  const spaces = [1, 2].map((asid) => {
    const s = r.m.createSpace(asid, r.table);
    for (const v of VAS) r.m.ensurePath(s, v, 1, r.table);
    return s;
  });
  for (const v of KVAS) r.m.ensurePath(r.kernel, v, 1, r.table);
  const frames = Array.from({ length: 6 }, () => r.data());
  // Every CPU runs one of the spaces from the start: a change is held by many CPUs, as in the MMU bench.
  for (let c = 0; c < CPUS; c++) r.m.setRoot(c, spaces[c % 3 === 0 ? 1 : 0]!);
  return { m: r.m, kernel: r.kernel, spaces, frames };
}

/** Everything the stale sets show: records in live-list order with their fields and per-side holders. */
function view(m: Machine): unknown[] {
  return [m.staleLeaf, m.staleWalk].map((s) =>
    Array.from(s.liveRecords(), (r) => [
      r,
      s.level[r],
      s.tag[r],
      s.index[r],
      s.flags[r],
      s.out[r],
      s.since[r],
      s.space[r],
      s.sideHolders(r, 0),
      s.sideHolders(r, 1),
    ]),
  );
}

function apply(w: ReturnType<typeof build>, o: Op): unknown {
  const { m, kernel, spaces, frames } = w;
  switch (o.k) {
    case 'root':
      m.setRoot(o.cpu, spaces[o.space]!, { noflush: o.noflush });
      return null;
    case 'map':
      m.setLeaf(
        spaces[o.space]!,
        o.va,
        1,
        frames[o.frame]!,
        Pte.WRITABLE | Pte.USER | (o.global ? Pte.GLOBAL : 0),
      );
      return null;
    case 'unmap':
      m.clearEntry(spaces[o.space]!, o.va, 1);
      return null;
    case 'kmap':
      m.setLeaf(kernel, o.va, 1, frames[o.frame]!, Pte.WRITABLE | (o.global ? Pte.GLOBAL : 0));
      return null;
    case 'kunmap':
      m.clearEntry(kernel, o.va, 1);
      return null;
    case 'kaccess': {
      if (m.currentSpace(o.cpu) < 0) return null;
      const out = m.access(o.cpu, o.va, Access.READ, Mode.KERNEL);
      return [out, m.lastPfn, m.lastStale];
    }
    case 'access': {
      if (m.currentSpace(o.cpu) < 0) return null;
      const out = m.access(o.cpu, o.va, o.write ? Access.WRITE : Access.READ, Mode.USER);
      return [out, m.lastPfn, m.lastStale];
    }
    case 'invlpg':
      m.invlpg(o.cpu, o.va);
      return null;
    case 'invpcid':
      m.invpcid(o.cpu, o.type as InvpcidType, o.pcid, o.va);
      return null;
    case 'pge':
      m.flushGlobal(o.cpu);
      return null;
    case 'everyone':
      // What the MMU bench does: every CPU flushes the PCID (each clears its bit from every cohort).
      for (let c = 0; c < CPUS; c++) m.invpcid(c, Invpcid.SINGLE_CONTEXT, o.pcid);
      return null;
    case 'watch':
      return null;
  }
}

describe('stale-record cohorts', () => {
  for (const sides of ['unified', 'split'] as const) {
    it(`batched and record-by-record stale sets end the same (${sides} TLB)`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 20, maxLength: 80, size: 'max' }), (ops) => {
          const watched = build(sides);
          watched.m.observe({});
          const loose = build(sides);
          let detach: (() => void) | null = null;
          for (const o of ops) {
            if (o.k === 'watch') {
              if (detach === null) detach = loose.m.observe({});
              else {
                detach();
                detach = null;
              }
            }
            expect(apply(loose, o)).toEqual(apply(watched, o));
            expect(view(loose.m)).toEqual(view(watched.m));
            for (const set of ['staleLeaf', 'staleWalk'] as const) {
              const a = Array.from(loose.m[set].cpuRefs);
              const b = Array.from(watched.m[set].cpuRefs);
              // Batched, a CPU counts cohorts: non-zero exactly when it counts records.
              if (detach !== null) expect(a).toEqual(b);
              else expect(a.map((n) => n > 0)).toEqual(b.map((n) => n > 0));
            }
          }
          expect(loose.m.cycles).toBe(watched.m.cycles);
        }),
        { numRuns: propertyRuns(60) },
      );
    });
  }
});

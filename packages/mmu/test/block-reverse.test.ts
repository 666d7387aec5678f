// The reverse view counts an aligned block leaf once per chunk (2 MiB / 1 GiB) and answers per-frame
// questions as sums; this checks it, frame by frame, against the per-frame reference on random mixes of
// 4 KiB, 2 MiB and 1 GiB leaves (aligned and not), splits, clears, invalidations, frees and reuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, Pte, type ArchName, type Machine, type ReachKind } from '../src/index.js';
import { PerFrameReverse } from './per-frame-reverse.js';
import { propertyRuns } from './helpers.js';

const SIZES = [1, 2, 3] as const;
/** Per size: VA regions that hold only leaves of that size (no block ↔ table changes but by `split`). */
const REGION = { 1: 0xc0000000, 2: 0x80000000, 3: 0x400000000 } as const;
const STEP = { 1: 0x1000, 2: 0x200000, 3: 0x40000000 } as const;
/** Output frames per size: aligned chunks (index 0–2) and unaligned ones (3), which count per frame. */
const OUT = { 1: [1024, 1025, 262143, 600], 2: [0, 1024, 261632, 1000], 3: [0, 0, 0, 512] } as const;
/** Data frames the commands free and hand out again; block outputs cover them. */
const DATA = [600, 1024, 1025, 1030, 1500, 2047, 131072, 261700, 262143];

type Cmd =
  | {
      op: 'map';
      space: number;
      size: 1 | 2 | 3;
      slot: number;
      out: number;
      w: boolean;
      x: boolean;
      g: boolean;
    }
  | { op: 'unmap'; space: number; size: 1 | 2 | 3; slot: number }
  | { op: 'split'; space: number; slot: number }
  | { op: 'inval'; cpu: number; space: number; size: 1 | 2 | 3; slot: number; all: boolean }
  | { op: 'root'; cpu: number; space: number; noflush: boolean }
  | { op: 'free'; frame: number }
  | { op: 'realloc'; frame: number };

const size = fc.constantFrom(...SIZES);
const space = fc.integer({ min: 0, max: 1 });
const slot = fc.integer({ min: 0, max: 1 });
const cpu = fc.integer({ min: 0, max: 1 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      space,
      size,
      slot,
      out: fc.integer({ min: 0, max: 3 }),
      w: fc.boolean(),
      x: fc.boolean(),
      g: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmap' as const), space, size, slot }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('split' as const), space, slot }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('inval' as const), cpu, space, size, slot, all: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('root' as const), cpu, space, noflush: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('free' as const),
      frame: fc.integer({ min: 0, max: DATA.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('realloc' as const),
      frame: fc.integer({ min: 0, max: DATA.length - 1 }),
    }),
  },
);

/** A 1 GiB machine (one 1 GiB chunk, 512 2 MiB chunks) whose reverse view also feeds the reference. */
function rig(arch: ArchName) {
  const m = createMachine({ arch, cpus: 2, memory: '1GiB', tlb: 'adversarial' });
  const ref = new PerFrameReverse(m.frames.count, m.frames.freedAt);
  const view = m.reverse as unknown as Record<string, (...a: number[]) => void>;
  for (const k of ['valid', 'stale', 'retire', 'walk', 'onFree'] as const) {
    const own = view[k].bind(view);
    const mirror = (ref[k] as (...a: number[]) => void).bind(ref);
    view[k] = (...a: number[]) => {
      mirror(...a);
      own(...a);
    };
  }
  const table = (): number => m.frames.allocAny('page-table');
  m.createKernelSpace(table);
  const spaces = [m.createSpace(1, table), m.createSpace(2, table)];
  for (const s of spaces) {
    for (const z of SIZES) for (let k = 0; k < 2; k++) m.ensurePath(s, REGION[z] + k * STEP[z], z, table);
  }
  const splitTables = Array.from({ length: 8 }, table);
  for (const f of DATA) m.frames.setTag(f, 'data');
  return { m, ref, spaces, splitTables };
}

function run(m: Machine, r: ReturnType<typeof rig>, c: Cmd): void {
  const va = (z: 1 | 2 | 3, k: number): number => REGION[z] + k * STEP[z];
  const leafAt = (s: number, v: number, z: number): boolean => {
    const l = m.lookup(s, v);
    return l.present && l.level === z;
  };
  switch (c.op) {
    case 'map': {
      const flags =
        Pte.USER |
        (c.w ? Pte.WRITABLE : 0) |
        (c.x ? (m.isArm ? Pte.XKERNEL : Pte.XUSER) : 0) |
        (c.g ? Pte.GLOBAL : 0);
      if (
        !leafAt(r.spaces[c.space], va(c.size, c.slot), c.size) &&
        m.lookup(r.spaces[c.space], va(c.size, c.slot)).level < c.size
      )
        return;
      m.setLeaf(r.spaces[c.space], va(c.size, c.slot), c.size, OUT[c.size][c.out], flags);
      return;
    }
    case 'unmap':
      if (leafAt(r.spaces[c.space], va(c.size, c.slot), c.size))
        m.clearEntry(r.spaces[c.space], va(c.size, c.slot), c.size);
      return;
    case 'split': {
      const t = r.splitTables.pop();
      if (t !== undefined && leafAt(r.spaces[c.space], va(2, c.slot), 2))
        m.splitLeaf(r.spaces[c.space], va(2, c.slot), t);
      return;
    }
    case 'inval':
      if (m.isArm) {
        if (c.all) m.tlbi(c.cpu, 'ASIDE1', { asid: c.space + 1 });
        else m.tlbi(c.cpu, 'VAAE1', { va: va(c.size, c.slot) });
        m.dsb(c.cpu);
      } else if (c.all) m.flushGlobal(c.cpu);
      else m.invlpg(c.cpu, va(c.size, c.slot));
      return;
    case 'root':
      m.setRoot(c.cpu, r.spaces[c.space], { noflush: c.noflush });
      return;
    case 'free':
      if (!m.frames.isFree(DATA[c.frame])) m.frames.free(DATA[c.frame]);
      return;
    case 'realloc':
      if (m.frames.isFree(DATA[c.frame])) m.frames.setTag(DATA[c.frame], 'data');
      return;
  }
}

/** Frames compared one by one: the data frames, chunk edges, and the first page-table frames. */
const PROBES = [...DATA, 0, 1, 2, 3, 511, 512, 1023, 1535, 1536, 1999, 2000, 261631, 261632, 262142];

function frameRow(m: Machine, ref: PerFrameReverse, f: number): [unknown[], unknown[]] {
  const v = m.reverse;
  return [
    [
      f,
      v.validRefs(f),
      v.validW(f),
      v.validX(f),
      v.staleRefs(f),
      v.staleW(f),
      v.staleX(f),
      v.validAfterFree(f),
      v.staleAfterFree(f),
      v.walkRefs(f),
      v.walkAfterFree(f),
      v.isWx(f),
    ],
    [
      f,
      ref.validRefs[f],
      ref.validW[f],
      ref.validX[f],
      ref.staleRefs[f],
      ref.staleW[f],
      ref.staleX[f],
      ref.validAfterFree[f],
      ref.staleAfterFree[f],
      ref.walkRefs[f],
      ref.walkAfterFree[f],
      ref.isWx(f),
    ],
  ];
}

function selected(m: Machine, kind: ReachKind, first: number, end: number): number[] {
  const out: number[] = [];
  m.reverse.framesWhere(kind, first, end, (f) => out.push(f));
  return out;
}

function reference(ref: PerFrameReverse, kind: ReachKind, first: number, end: number): number[] {
  const out: number[] = [];
  const test =
    kind === 'exec'
      ? (f: number) => ref.isExec(f)
      : kind === 'wx'
        ? (f: number) => ref.isWx(f)
        : (f: number) => ref.isAfterFree(f);
  for (let f = first; f < Math.min(end, ref.count); f++) if (test(f)) out.push(f);
  return out;
}

function sameSelection(
  m: Machine,
  ref: PerFrameReverse,
  kind: ReachKind,
  lo: number,
  hi: number,
  c: Cmd | null,
): void {
  const got = selected(m, kind, lo, hi);
  const want = reference(ref, kind, lo, hi);
  if (got.length !== want.length || got.some((f, i) => f !== want[i]))
    expect({ c, kind, lo, hi, got: got.slice(0, 20) }).toEqual({ c, kind, lo, hi, got: want.slice(0, 20) });
}

describe('block leaves counted per chunk agree with the per-frame reverse view', () => {
  for (const arch of ['arm64', 'x86_64'] as const) {
    it(`${arch}: per-frame counts, selected frames and totals after every command`, () => {
      fc.assert(
        fc.property(
          fc.array(cmd, { minLength: 10, maxLength: 40 }),
          fc.integer({ min: 0, max: 262143 }),
          fc.integer({ min: 1, max: 262144 }),
          (cmds, a, b) => {
            const r = rig(arch);
            const { m, ref } = r;
            // Windows start near the data frames and chunk edges, or anywhere.
            const starts = [a, 0, 590, 1020, 1490, 2040, 131000, 261600];
            for (const [i, c] of cmds.entries()) {
              run(m, r, c);
              for (const f of PROBES) {
                const [got, want] = frameRow(m, ref, f);
                if (JSON.stringify(got) !== JSON.stringify(want))
                  expect({ c, got }).toEqual({ c, got: want });
              }
              // A random window of up to 4096 frames after every command; the whole memory at the end.
              const lo = starts[i % starts.length];
              for (const kind of ['exec', 'wx', 'after-free'] as const)
                sameSelection(m, ref, kind, lo, lo + (b % 4096) + 1, c);
            }
            let wx = 0;
            let af = 0;
            for (let f = 0; f < ref.count; f++) {
              if (ref.isWx(f)) wx++;
              if (ref.isAfterFree(f)) af++;
            }
            expect([m.wxFrameCount, m.afterFreeFrameCount, m.reverse.walkAfterFreeTotal]).toEqual([
              wx,
              af,
              ref.walkAfterFreeTotal,
            ]);
            for (const kind of ['exec', 'wx', 'after-free'] as const)
              sameSelection(m, ref, kind, 0, ref.count, null);
          },
        ),
        { numRuns: propertyRuns(25, 4), seed: 11 },
      );
    }, 600_000);
  }
});

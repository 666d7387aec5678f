// Property tests of the TLB models against a naive reference written only for this test (DESIGN §9):
// random sequences of PTE stores (some of them global user leaves), invalidations, context switches and
// accesses, fixed seed.
//  1. The precise model agrees exactly with a reference precise TLB (per-CPU list of cached leaf
//     translations, filled by successful walks, dropped by the invalidations of spec linux.md §2.1).
//  2. The adversarial model never holds fewer possibly-stale translations than the precise execution of
//     the same sequence: every stale (CPU, address, frame) the precise model can show, it shows too.
//  3. Nor does it refuse an access the precise execution allows, unless with a spurious fault (a stale,
//     less permissive entry it may hold, which the precise execution did not cache): it serves from a stale
//     entry that allows the access when there is one — a global user entry from the space a CPU left is one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, Mode, Outcome, Pte, type Machine, type SpaceId } from '../src/index.js';
import { USER_VA, propertyRuns, rig } from './helpers.js';

const CPUS = 2;
const PAGES = 2;
const FRAMES = 4;
const SPACES = 2;

type Cmd =
  | { op: 'map'; space: number; page: number; frame: number; w: boolean; g: boolean }
  | { op: 'unmap'; space: number; page: number }
  | { op: 'access'; cpu: number; page: number; write: boolean }
  | { op: 'invlpg'; cpu: number; page: number }
  | { op: 'root'; cpu: number; space: number; noflush: boolean }
  | { op: 'flushGlobal'; cpu: number };

const cpu = fc.integer({ min: 0, max: CPUS - 1 });
const page = fc.integer({ min: 0, max: PAGES - 1 });
const space = fc.integer({ min: 0, max: SPACES - 1 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  // Weighted so that fills, changes and invalidations of the same few pages meet often.
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      space,
      page,
      frame: fc.integer({ min: 0, max: FRAMES - 1 }),
      w: fc.boolean(),
      // a global user leaf now and then: its TLB entry matches under every PCID (SDM Vol. 3A §4.10.2.4)
      g: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmap' as const), space, page }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('access' as const), cpu, page, write: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('invlpg' as const), cpu, page }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('root' as const), cpu, space, noflush: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flushGlobal' as const), cpu }) },
);

interface RefEntry {
  pfn: number;
  w: boolean;
  g: boolean;
}

/** Reference precise TLB: no capacity pressure (the machine under test is sized so none arises). */
class ReferencePreciseTlb {
  readonly pte = new Map<string, RefEntry>(); // `${space}:${page}` → current leaf
  readonly tlb: Map<string, RefEntry>[] = Array.from({ length: CPUS }, () => new Map<string, RefEntry>());
  readonly cur: number[] = Array.from({ length: CPUS }, () => -1);
  walks = 0;
  fills = 0;

  private key(s: number, p: number): string {
    return `${s}:${p}`;
  }

  /** A global entry's key: it matches whatever PCID is current. */
  private globalKey(p: number): string {
    return `g:${p}`;
  }

  /** Returns [outcome, frame reached]. */
  access(c: number, p: number, write: boolean): [number, number] {
    const s = this.cur[c]!;
    const cur = this.pte.get(this.key(s, p));
    // The current PCID's entry first, then a global one (the machine probes in that order).
    const k = this.tlb[c]!.has(this.key(s, p)) ? this.key(s, p) : this.globalKey(p);
    const hit = this.tlb[c]!.get(k);
    if (hit) {
      if (write && !hit.w) {
        // A fault invalidates the faulting address's TLB entries (SDM §4.10.4.1).
        this.tlb[c]!.delete(k);
        return [Outcome.FAULT_WRITE, -1];
      }
      const current = cur !== undefined && cur.pfn === hit.pfn && (!write || cur.w);
      return [current ? Outcome.OK : Outcome.OK_STALE, hit.pfn];
    }
    this.walks++;
    // Not-present translations are never cached (spec linux.md §2.1 item 3).
    if (!cur) return [Outcome.FAULT_NOT_PRESENT, -1];
    // A present translation is cached by the walk; a permission fault then invalidates the faulting
    // address's entries (SDM §4.10.4.1), so the fill is counted but nothing stays.
    this.fills++;
    if (write && !cur.w) return [Outcome.FAULT_WRITE, -1];
    this.tlb[c]!.set(cur.g ? this.globalKey(p) : this.key(s, p), { ...cur });
    return [Outcome.OK, cur.pfn];
  }

  apply(x: Cmd, frames: readonly number[]): [number, number] | undefined {
    switch (x.op) {
      case 'map':
        this.pte.set(this.key(x.space, x.page), { pfn: frames[x.frame]!, w: x.w, g: x.g });
        return undefined;
      case 'unmap':
        this.pte.delete(this.key(x.space, x.page));
        return undefined;
      case 'access':
        return this.access(x.cpu, x.page, x.write);
      case 'invlpg': // this page in the current PCID, and its global entry (spec linux.md §2.1 item 1)
        this.tlb[x.cpu]!.delete(this.key(this.cur[x.cpu]!, x.page));
        this.tlb[x.cpu]!.delete(this.globalKey(x.page));
        return undefined;
      case 'root': // CR3 write: with PCID, drops the target PCID's non-global entries unless no-flush (§2.1 item 2)
        this.cur[x.cpu] = x.space;
        if (!x.noflush)
          for (const k of [...this.tlb[x.cpu]!.keys()])
            if (k.startsWith(`${x.space}:`)) this.tlb[x.cpu]!.delete(k);
        return undefined;
      case 'flushGlobal': // CR4.PGE toggle: everything (§2.1 item 2)
        this.tlb[x.cpu]!.clear();
        return undefined;
    }
  }
}

interface Rigged {
  m: Machine;
  spaces: SpaceId[];
  frames: number[];
}

function build(tlb: 'precise' | 'adversarial'): Rigged {
  const { m, table, data } = rig({
    cpus: CPUS,
    tlb,
    tlbEntries: 64,
    tlbAssociativity: 64,
    walkCacheEntries: 64,
  });
  const spaces: SpaceId[] = [];
  for (let s = 0; s < SPACES; s++) {
    const sp = m.createSpace(s + 1, table);
    m.ensurePath(sp, USER_VA, 1, table);
    spaces.push(sp);
  }
  for (let c = 0; c < CPUS; c++) m.setRoot(c, spaces[0]!);
  const frames = Array.from({ length: FRAMES }, () => data());
  return { m, spaces, frames };
}

function apply(r: Rigged, x: Cmd): [number, number] | undefined {
  const { m, spaces, frames } = r;
  const va = (p: number): number => USER_VA + p * 4096;
  switch (x.op) {
    case 'map':
      m.setLeaf(
        spaces[x.space]!,
        va(x.page),
        1,
        frames[x.frame]!,
        Pte.USER | (x.w ? Pte.WRITABLE : 0) | (x.g ? Pte.GLOBAL : 0),
      );
      return undefined;
    case 'unmap':
      m.clearEntry(spaces[x.space]!, va(x.page), 1);
      return undefined;
    case 'access': {
      const o = m.access(x.cpu, va(x.page), x.write ? Access.WRITE : Access.READ, Mode.USER);
      return [o, o === Outcome.OK || o === Outcome.OK_STALE ? m.lastPfn : -1];
    }
    case 'invlpg':
      m.invlpg(x.cpu, va(x.page));
      return undefined;
    case 'root':
      m.setRoot(x.cpu, spaces[x.space]!, { noflush: x.noflush });
      return undefined;
    case 'flushGlobal':
      m.flushGlobal(x.cpu);
      return undefined;
  }
}

/** Every possibly-stale (CPU, address, frame) the machine reports for the data frames. */
function staleSet(r: Rigged): Set<string> {
  const out = new Set<string>();
  for (const f of r.frames) {
    for (const t of r.m.cachedTranslations(f))
      for (const c of t.cpus) out.add(`${c}@${t.tag}:${t.va}->${t.pfn}`);
  }
  return out;
}

describe('TLB models against a reference (fast-check, fixed seed)', () => {
  it('the precise model agrees exactly with the reference precise TLB (outcome, frame, walks, fills)', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 5, maxLength: 40 }), (cmds) => {
        const r = build('precise');
        const ref = new ReferencePreciseTlb();
        for (let c = 0; c < CPUS; c++) ref.cur[c] = 0;
        for (const [i, x] of cmds.entries()) {
          const got = apply(r, x);
          const want = ref.apply(x, r.frames);
          if (want) expect(got, `step ${i} ${JSON.stringify(x)}`).toEqual(want);
        }
        expect([r.m.counter('walk'), r.m.counter('fill')]).toEqual([ref.walks, ref.fills]);
      }),
      { numRuns: propertyRuns(1000), seed: 20261123 },
    );
  });

  it('the adversarial model allows every access a precise execution of the same sequence allows', () => {
    const allowed = (o: number): boolean => o === Outcome.OK || o === Outcome.OK_STALE;
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 5, maxLength: 40 }), (cmds) => {
        const precise = build('precise');
        const adversarial = build('adversarial');
        for (const [i, x] of cmds.entries()) {
          const p = apply(precise, x);
          const a = apply(adversarial, x);
          if (p !== undefined && allowed(p[0])) {
            const ok = allowed(a![0]) || adversarial.m.lastFaultSpurious;
            expect(ok, `step ${i} ${JSON.stringify(x)}: precise ${p[0]}, adversarial ${a![0]}`).toBe(true);
          }
        }
      }),
      { numRuns: propertyRuns(1000), seed: 20261123 },
    );
  });

  it('the adversarial model reports every stale translation a precise execution can show', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 5, maxLength: 40 }), (cmds) => {
        const precise = build('precise');
        const adversarial = build('adversarial');
        for (const [i, x] of cmds.entries()) {
          apply(precise, x);
          apply(adversarial, x);
          const p = staleSet(precise);
          const a = staleSet(adversarial);
          for (const s of p) expect(a.has(s), `step ${i} ${JSON.stringify(x)}: ${s} missing`).toBe(true);
          expect(a.size).toBeGreaterThanOrEqual(p.size);
        }
      }),
      { numRuns: propertyRuns(1000), seed: 20261123 },
    );
  });
});

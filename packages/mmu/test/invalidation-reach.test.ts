// What each invalidation instruction removes, and what it leaves, in both TLB models: after a set of CPUs
// cached translations of two address spaces and the kernel half and every leaf was then cleared (so all that
// is left of them is what the CPUs may still hold), one instruction at a time must remove exactly the
// entries the architecture says and keep every other CPU's and every other address's.
//  - x86 (Intel SDM Vol. 2A INVLPG, INVPCID; Vol. 3A §4.10.4.1): INVLPG drops the page's entries of the
//    current PCID and its global entries, on the executing CPU; INVPCID type 0 the page's non-global entries
//    of the given PCID; type 1 every non-global entry of the PCID; type 2 everything; type 3 every non-global
//    entry; toggling CR4.PGE everything.
//  - arm64 (Arm ARM D8.13, C5.5 "TLBI"): VAE1/VALE1 the VA's entries of the ASID and its global ones; VAAE1
//    the VA's entries of every ASID; ASIDE1 the non-global entries of the ASID; VMALLE1 every EL1&0 entry;
//    the R… forms the same over a range; the …IS forms on every CPU, the others on the issuing CPU only.
//  - either: a per-page flush of a Harvard TLB (arch/arm/mm/tlb-v6.S v6wbi_flush_user_tlb_range, both sides
//    here) the page's entries of the current ASID and its global ones, on the executing CPU, page by page
//    over a range.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Access, Invpcid, KERNEL_HALF, Mode, Pte, type SpaceId, type TlbiOp } from '../src/index.js';
import { USER_VA, propertyRuns, rig, tlbiDsb, type Rig } from './helpers.js';

const CPUS = 3;
const USER_PAGES = 3;
const KERNEL_PAGES = 2;
const KVA = KERNEL_HALF + 0x200000;
const ASIDS = [1, 2] as const;

interface Entry {
  space: SpaceId;
  va: number;
  /** The ASID/PCID it is cached under, or null for a global entry. */
  asid: number | null;
}

interface World {
  r: Rig;
  entries: Entry[];
  spaces: SpaceId[];
  /** The ASID/PCID each CPU runs when the instructions execute. */
  current: number[];
}

/** Which entries each CPU reads, per space it runs in turn: plan[cpu][space][page] (the last space stays loaded). */
type Plan = boolean[][][];

function build(arch: 'x86_64' | 'arm64', tlb: 'adversarial' | 'precise', plan: Plan, order: number[]): World {
  const r = rig({ arch, tlb, cpus: CPUS, features: arch === 'x86_64' ? { pcid: true } : {} });
  const { m, kernel, table, data } = r;
  const entries: Entry[] = [];
  const spaces = ASIDS.map((asid) => {
    const space = m.createSpace(asid, table);
    m.ensurePath(space, USER_VA, 1, table);
    for (let p = 0; p < USER_PAGES; p++) {
      m.setLeaf(space, USER_VA + p * 4096, 1, data(), Pte.WRITABLE | Pte.USER);
      entries.push({ space, va: USER_VA + p * 4096, asid });
    }
    return space;
  });
  m.ensurePath(kernel, KVA, 1, table);
  for (let p = 0; p < KERNEL_PAGES; p++) {
    m.setLeaf(kernel, KVA + p * 4096, 1, data(), Pte.WRITABLE | Pte.GLOBAL);
    entries.push({ space: kernel, va: KVA + p * 4096, asid: null });
  }
  const current: number[] = [];
  for (let c = 0; c < CPUS; c++) {
    // each CPU runs the spaces in its order; PCIDs (x86 CR3 bit 63) and ASIDs keep the other space's entries
    const first = order[c]!;
    for (const s of [1 - first, first]) {
      m.setRoot(c, spaces[s]!, { noflush: true });
      for (let p = 0; p < USER_PAGES; p++)
        if (plan[c]![s]![p]) m.access(c, USER_VA + p * 4096, Access.READ, Mode.USER);
      for (let p = 0; p < KERNEL_PAGES; p++)
        if (plan[c]![2]![p]) m.access(c, KVA + p * 4096, Access.READ, Mode.KERNEL);
    }
    current.push(ASIDS[first]!);
  }
  // every leaf cleared without an invalidation: what remains is only what CPUs may still hold
  for (const e of entries) m.clearEntry(e.space, e.va, 1);
  return { r, entries, spaces, current };
}

const held = (w: World): number[][] =>
  w.entries.map((e) => [...w.r.m.cachedCpus(e.space, e.va)].sort((a, b) => a - b));

/** An instruction, and which (cpu, entry) pairs the architecture says it removes. */
interface Instruction {
  name: string;
  run: (w: World) => void;
  removes: (w: World, cpu: number, e: Entry) => boolean;
}

const page = (i: number): number => (i < USER_PAGES ? USER_VA + i * 4096 : KVA + (i - USER_PAGES) * 4096);
const onlyOn = (c: number, cpu: number): boolean => c === cpu;

function x86Instruction(kind: number, cpu: number, pageIndex: number, pcid: number): Instruction {
  const va = page(pageIndex);
  switch (kind) {
    case 0:
      return {
        name: `invlpg cpu${cpu} ${va.toString(16)}`,
        run: (w) => w.r.m.invlpg(cpu, va),
        removes: (w, c, e) => onlyOn(c, cpu) && e.va === va && (e.asid === null || e.asid === w.current[cpu]),
      };
    case 1:
      return {
        name: `invpcid individual cpu${cpu} pcid ${pcid} ${va.toString(16)}`,
        run: (w) => w.r.m.invpcid(cpu, Invpcid.INDIVIDUAL, pcid, va),
        removes: (_w, c, e) => onlyOn(c, cpu) && e.va === va && e.asid === pcid,
      };
    case 2:
      return {
        name: `invpcid single-context cpu${cpu} pcid ${pcid}`,
        run: (w) => w.r.m.invpcid(cpu, Invpcid.SINGLE_CONTEXT, pcid),
        removes: (_w, c, e) => onlyOn(c, cpu) && e.asid === pcid,
      };
    case 3:
      return {
        name: `invpcid all-incl-global cpu${cpu}`,
        run: (w) => w.r.m.invpcid(cpu, Invpcid.ALL_INCL_GLOBAL),
        removes: (_w, c) => onlyOn(c, cpu),
      };
    case 4:
      return {
        name: `invpcid all-non-global cpu${cpu}`,
        run: (w) => w.r.m.invpcid(cpu, Invpcid.ALL_NON_GLOBAL),
        removes: (_w, c, e) => onlyOn(c, cpu) && e.asid !== null,
      };
    default:
      return {
        name: `cr4.pge cpu${cpu}`,
        run: (w) => w.r.m.flushGlobal(cpu),
        removes: (_w, c) => onlyOn(c, cpu),
      };
  }
}

/** flushPageSide / flushRangeSide (both sides): like INVLPG on the executing CPU, one page or a range. */
function perPageInstruction(cpu: number, pageIndex: number, pages: number): Instruction {
  const va = page(pageIndex);
  const removes: Instruction['removes'] = (w, c, e) =>
    onlyOn(c, cpu) &&
    e.va >= va &&
    e.va < va + pages * 4096 &&
    (e.asid === null || e.asid === w.current[cpu]);
  return pages === 1
    ? {
        name: `page flush cpu${cpu} ${va.toString(16)}`,
        run: (w) => w.r.m.flushPageSide(cpu, va, 'both'),
        removes,
      }
    : {
        name: `range flush cpu${cpu} ${va.toString(16)} +${pages}`,
        run: (w) => w.r.m.flushRangeSide(cpu, va, va + pages * 4096, 4096, 'both'),
        removes,
      };
}

const perPageArb = fc
  .tuple(
    fc.integer({ min: 0, max: CPUS - 1 }),
    fc.integer({ min: 0, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
  )
  .map(([c, p, n]) => perPageInstruction(c, p, n));

const ARM_FORMS: TlbiOp[] = ['VAE1', 'VALE1', 'VAAE1', 'VAALE1', 'ASIDE1', 'VMALLE1', 'RVAE1', 'RVAAE1'];

function armInstruction(
  kind: number,
  cpu: number,
  pageIndex: number,
  asid: number,
  broadcast: boolean,
  pages: number,
): Instruction {
  const op = ARM_FORMS[kind]!;
  const va = page(pageIndex);
  const ranged = op.startsWith('R');
  const inRange = (e: Entry): boolean => (ranged ? e.va >= va && e.va < va + pages * 4096 : e.va === va);
  const targets = (c: number): boolean => broadcast || c === cpu;
  const byAsid = (e: Entry): boolean => e.asid === null || e.asid === asid;
  const removes: Instruction['removes'] = (() => {
    switch (op) {
      case 'VAE1':
      case 'VALE1':
      case 'RVAE1':
        return (_w, c, e) => targets(c) && inRange(e) && byAsid(e);
      case 'VAAE1':
      case 'VAALE1':
      case 'RVAAE1':
        return (_w, c, e) => targets(c) && inRange(e);
      case 'ASIDE1':
        return (_w, c, e) => targets(c) && e.asid === asid;
      default:
        return (_w, c) => targets(c);
    }
  })();
  return {
    name: `tlbi ${op}${broadcast ? 'IS' : ''} cpu${cpu} va ${va.toString(16)} asid ${asid} pages ${pages}`,
    run: (w) => tlbiDsb(w.r.m, cpu, op, { va, asid, broadcast, ...(ranged ? { pages } : {}) }),
    removes,
  };
}

/** Runs each instruction in turn and checks, after each, every entry's holders against the rule. */
function check(w: World, instructions: Instruction[]): void {
  let before = held(w);
  for (const ins of instructions) {
    ins.run(w);
    const after = held(w);
    const expected = w.entries.map((e, i) => before[i]!.filter((c) => !ins.removes(w, c, e)));
    expect(after, ins.name).toEqual(expected);
    before = after;
  }
}

const planArb = fc.array(
  fc.array(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
  { minLength: CPUS, maxLength: CPUS },
);
const orderArb = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: CPUS, maxLength: CPUS });
const cpuArb = fc.integer({ min: 0, max: CPUS - 1 });
const pageArb = fc.integer({ min: 0, max: USER_PAGES + KERNEL_PAGES - 1 });
const asidArb = fc.constantFrom(...ASIDS, 3);

/** Any plan, then one to three instructions of the arch's (or per-page flushes), each checked. */
function holds(
  arch: 'x86_64' | 'arm64',
  tlb: 'adversarial' | 'precise',
  insArb: fc.Arbitrary<Instruction>,
  seed: number,
): void {
  const anyArb = fc.oneof(insArb, perPageArb);
  fc.assert(
    fc.property(planArb, orderArb, fc.array(anyArb, { minLength: 1, maxLength: 3 }), (plan, order, ins) => {
      check(build(arch, tlb, plan, order), ins);
    }),
    { seed, numRuns: propertyRuns(150) },
  );
}

describe('invalidations remove exactly what the architecture says, on exactly the CPUs it says', () => {
  for (const tlb of ['adversarial', 'precise'] as const) {
    it(`x86_64, ${tlb}: INVLPG, the four INVPCID types and CR4.PGE`, () => {
      const insArb = fc
        .tuple(fc.integer({ min: 0, max: 5 }), cpuArb, pageArb, asidArb)
        .map(([k, c, p, a]) => x86Instruction(k, c, p, a));
      holds('x86_64', tlb, insArb, 7);
    });

    it(`arm64, ${tlb}: TLBI by VA, by VA for all ASIDs, by ASID, VMALLE1 and ranges, local and inner-shareable`, () => {
      const insArb = fc
        .tuple(
          fc.integer({ min: 0, max: ARM_FORMS.length - 1 }),
          cpuArb,
          pageArb,
          asidArb,
          fc.boolean(),
          fc.integer({ min: 1, max: 4 }),
        )
        .map(([k, c, p, a, b, n]) => armInstruction(k, c, p, a, b, n));
      holds('arm64', tlb, insArb, 11);
    });
  }

  it('the check can fail: a rule that forgets the global entries of INVLPG is refuted', () => {
    const wrong: Instruction = {
      ...x86Instruction(0, 0, USER_PAGES, 1),
      removes: () => false,
    };
    const everything = Array.from({ length: CPUS }, () => [
      [true, true, true],
      [true, true, true],
      [true, true, true],
    ]);
    expect(() => check(build('x86_64', 'precise', everything, [0, 0, 0]), [wrong])).toThrow();
  });
});

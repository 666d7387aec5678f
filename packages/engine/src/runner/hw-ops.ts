// Hardware-level steps (DESIGN §4): stores, table allocation, TLB maintenance, barriers, roots, and
// accesses addressed by space and VA — straight onto the MMU, only under `raw-mmu:<arch>`.
import {
  Access,
  ENTRIES_PER_TABLE,
  Invpcid,
  KERNEL_HALF,
  LEVEL_SIZE,
  Mode,
  outcomeName,
  Pte,
  Regime,
  tableIndex,
  type Level,
  type Machine,
  type TlbiOp,
} from '@shootdown/mmu';
import type { Outcome } from '../result/types.js';
import { leafDecode } from '../scenario/arm64-descriptor.js';
import type {
  AccessStep,
  ContextStep,
  HwEntry,
  RawWriteStep,
  SpeculateStep,
  Step,
} from '../scenario/types.js';
import { LEVEL_OF, entryFlags, regimeSpaceForRoot, spaceForRoot, type HwNames } from './hw-space.js';
import { OK, UNSUPPORTED, StepSkipped, stepOutcome, type StepOutcome } from './report.js';
import { combinePages } from './ops/combine.js';

const KIND = { read: Access.READ, write: Access.WRITE, exec: Access.EXEC } as const;
const INVPCID = {
  'invpcid-one': Invpcid.INDIVIDUAL,
  'invpcid-single': Invpcid.SINGLE_CONTEXT,
  'invpcid-all': Invpcid.ALL_INCL_GLOBAL,
  'invpcid-all-nonglobal': Invpcid.ALL_NON_GLOBAL,
} as const;

function named(map: Map<string, number>, name: string, what: string): number {
  const v = map.get(name);
  if (v === undefined) throw new StepSkipped(`no ${what} named '${name}' in the hw block`);
  return v;
}

/**
 * The entry value of `e` as (flags, output frame) in a table of `regime` (stage-2 descriptors have their
 * own permission fields); a level-1 pointer or level-4 leaf is refused.
 */
function entryValue(m: Machine, names: HwNames, level: Level, e: HwEntry, regime: number): [number, number] {
  if (!e.valid) return [0, 0];
  if (e.table !== null) {
    if (level === 1) throw new StepSkipped('a table pointer cannot be stored at pte level');
    return [Pte.PRESENT | Pte.TABLE, named(names.tables, e.table, 'table')];
  }
  if (e.frame === null) throw new StepSkipped('a valid leaf needs frame:');
  if (level === 4) throw new StepSkipped('no leaf at pgd level');
  return [entryFlags(e, m.isArm, regime) | Pte.PRESENT, named(names.frames, e.frame, 'frame')];
}

function store(
  m: Machine,
  names: HwNames,
  cpu: number,
  space: number,
  addr: number,
  level: Level,
  e: HwEntry,
): void {
  // The entry at `level` on the walk of `addr`: it translates the whole aligned block around it.
  const va = addr - (addr % LEVEL_SIZE[level]);
  const [flags, out] = entryValue(m, names, level, e, m.regimeOf(space));
  if (level < 4) m.ensurePath(space, va, level, () => m.frames.allocAny('page-table'));
  const table = m.lookup(space, va).tables[4 - level];
  const index = tableIndex(va, level);
  names.unsynced.store(cpu, table, index, wasPresent(m, table, index));
  if (flags === 0) m.clearEntry(space, va, level);
  else if ((flags & Pte.TABLE) !== 0) m.setTable(space, va, level as 2 | 3 | 4, out);
  else m.setLeaf(space, va, level as 1 | 2 | 3, out, flags);
}

/** The MMU refuses what the hardware could not hold (a table frame at two levels): the step is skipped. */
function storeRaw(
  m: Machine,
  names: HwNames,
  cpu: number,
  pfn: number,
  index: number,
  flags: number,
  out: number,
): void {
  try {
    names.unsynced.store(cpu, pfn, index, wasPresent(m, pfn, index));
    m.storeInTable(pfn, index, flags, out);
  } catch (e) {
    throw new StepSkipped((e as Error).message);
  }
}

/** Entry `index` of table frame `pfn` is present (the frame is a table). */
function wasPresent(m: Machine, pfn: number, index: number): boolean {
  return (m.tables.flags[m.tables.slotOf[pfn] * ENTRIES_PER_TABLE + index] & Pte.PRESENT) !== 0;
}

const REGIME_OF = { el1: Regime.EL10, el2: Regime.EL2, stage2: Regime.STAGE2 } as const;

/**
 * A raw descriptor stored into a table (Casemate's mem-write). The loader fixed its kind and output; the
 * permission bits are read for the regime of the tree the table is in now (stage 1 of EL1&0 when it is
 * in none yet, as table-store does). Fields the MMU does not model come back as `ignored`.
 */
function rawWrite(m: Machine, names: HwNames, step: RawWriteStep): StepOutcome {
  if (!m.isArm) return UNSUPPORTED;
  const pfn = named(names.tables, step.table, 'table');
  if (m.frames.isFree(pfn))
    throw new StepSkipped(`table '${step.table}' was freed and is not a table any more`);
  // A hw table written before anything links it (or handed out again by table-alloc reuse) is a
  // page-table frame of its declared level all the same: a kernel fills a table before linking it.
  const slot = m.tables.slotOf[pfn] >= 0 ? m.tables.slotOf[pfn] : m.tables.adopt(pfn, LEVEL_OF[step.level]);
  if (step.kind === 'invalid') {
    storeRaw(m, names, step.cpu, pfn, step.index, 0, 0);
    return OK;
  }
  if (step.kind === 'table') {
    const target = named(names.tables, step.target!, 'table');
    storeRaw(m, names, step.cpu, pfn, step.index, Pte.PRESENT | Pte.TABLE, target);
    return OK;
  }
  // The tree it is in decides whose descriptor this is; in none yet, the table's declared regime.
  const owner = m.tables.slotSpace[slot];
  const regime = owner >= 0 ? m.regimeOf(owner) : REGIME_OF[step.regime ?? 'el1'];
  // MMU level 3 / 2 / 1 is Arm lookup level 1 / 2 / 3 (1 GiB block, 2 MiB block, page).
  const level = (4 - m.tables.slotLevel[slot]) as 1 | 2 | 3;
  const leaf = leafDecode(step.lo, step.hi, regime, level);
  const out = names.frames.get(step.target!) ?? named(names.tables, step.target!, 'frame or table');
  storeRaw(m, names, step.cpu, pfn, step.index, leaf.flags, out);
  return leaf.ignored.length > 0 ? stepOutcome('ok', undefined, leaf.ignored) : OK;
}

function accessOutcome(m: Machine, code: number): StepOutcome {
  const outcome = outcomeName(code) as Outcome;
  return stepOutcome(outcome, undefined, undefined, m.lastPfn >= 0 ? m.lastPfn : undefined);
}

export function runHwStep(m: Machine, names: HwNames, step: Step): StepOutcome {
  switch (step.op) {
    case 'pte-store': {
      const space = named(names.spaces, step.space, 'space');
      store(m, names, step.cpu, space, step.va, LEVEL_OF[step.level], step.entry);
      return OK;
    }
    case 'table-store': {
      // Linked or not: a kernel fills a table before linking it, and a store into a table linked at
      // several places translates through each of them.
      const pfn = named(names.tables, step.table, 'table');
      let slot = m.tables.slotOf[pfn];
      if (slot < 0) {
        if (m.frames.isFree(pfn))
          throw new StepSkipped(`table '${step.table}' was freed and is not a table any more`);
        // Linked nowhere yet: a page-table frame of the level it was declared at all the same.
        slot = m.tables.adopt(pfn, names.levels.get(step.table)!);
      }
      if (step.index < 0 || step.index >= ENTRIES_PER_TABLE)
        throw new StepSkipped(`index ${step.index} outside 0..511`);
      // A table reached from a stage-2 or EL2 space holds that regime's descriptors.
      const owner = m.tables.slotSpace[slot];
      const regime = owner >= 0 ? m.regimeOf(owner) : Regime.EL10;
      const [flags, out] = entryValue(m, names, m.tables.slotLevel[slot] as Level, step.entry, regime);
      names.unsynced.store(step.cpu, pfn, step.index, wasPresent(m, pfn, step.index));
      m.storeInTable(pfn, step.index, flags, out);
      return OK;
    }
    case 'raw-write':
      return rawWrite(m, names, step);
    case 'table-alloc': {
      names.levels.set(step.id, LEVEL_OF[step.level]);
      if (step.reuse === null) {
        names.tables.set(step.id, m.frames.allocAny('page-table'));
        return OK;
      }
      const pfn = named(names.tables, step.reuse, 'table');
      if (!m.frames.isFree(pfn))
        throw new StepSkipped(`table '${step.reuse}' has not been freed: nothing to reuse`);
      m.frames.setTag(pfn, 'page-table');
      // The allocator hands the frame out zeroed (pagetable allocations are __GFP_ZERO): a plain store
      // of an invalid entry over each present one, through wherever the frame is still linked.
      m.zeroTable(pfn);
      names.tables.set(step.id, pfn);
      return OK;
    }
    case 'table-free':
      m.frames.free(named(names.tables, step.table, 'table'));
      return OK;
    case 'tlbi': {
      if (!m.isArm) return UNSUPPORTED;
      const broadcast = step.kind.endsWith('is');
      const op = (broadcast ? step.kind.slice(0, -2) : step.kind).toUpperCase() as TlbiOp;
      names.unsynced.tlbi(step.cpu);
      try {
        m.tlbi(step.cpu, op, {
          broadcast,
          ...(step.va !== null ? { va: step.va } : {}),
          ...(step.asid !== null ? { asid: step.asid } : {}),
          ...(step.pages !== null ? { pages: step.pages } : {}),
          ...(step.level !== null ? { level: LEVEL_OF[step.level] as 1 | 2 | 3 } : {}),
        });
      } catch (e) {
        // The MMU refuses what the architecture makes meaningless here (IPAS2E1 with no VTTBR_EL2 loaded).
        throw new StepSkipped((e as Error).message);
      }
      return OK;
    }
    case 'invlpg':
      if (m.isArm) return UNSUPPORTED;
      m.invlpg(step.cpu, step.va);
      return OK;
    case 'invpcid-one':
    case 'invpcid-single':
    case 'invpcid-all':
    case 'invpcid-all-nonglobal':
      if (m.isArm) return UNSUPPORTED;
      m.invpcid(step.cpu, INVPCID[step.op], step.pcid ?? 0, step.va ?? 0);
      return OK;
    case 'cr3-write':
    case 'cr3-write-noflush': {
      if (m.isArm) return UNSUPPORTED;
      const space = named(names.spaces, step.space, 'space');
      m.writeCr3(step.cpu, space, step.op === 'cr3-write-noflush');
      return step.pcid !== null && step.pcid !== m.asidOf(space)
        ? stepOutcome('ok', undefined, ['pcid'])
        : OK;
    }
    case 'set-root': {
      // A TTBR write: a root table and an ASID. Naming a space loads its root with its own ASID unless
      // `asid:` says otherwise; naming a root table loads that table.
      const root =
        step.root !== null
          ? named(names.tables, step.root, 'table')
          : m.rootOf(named(names.spaces, step.space!, 'space'));
      const asid = step.asid ?? m.asidOf(named(names.spaces, step.space!, 'space'));
      if (m.tables.slotOf[root] >= 0 && m.tables.slotLevel[m.tables.slotOf[root]] !== 4)
        throw new StepSkipped(`table '${step.root}' is not a root (pgd) table`);
      m.setRoot(step.cpu, spaceForRoot(m, names, root, asid));
      return OK;
    }
    case 'barrier':
      if (step.kind === 'dsb') {
        if (!m.isArm) return UNSUPPORTED;
        m.dsb(step.cpu);
        names.unsynced.order(step.cpu);
      } else if (step.kind === 'isb') {
        names.unsynced.sync(step.cpu);
      }
      return OK;
    case 'context':
      return hwContext(m, names, step);
    case 'access':
      return hwAccess(m, names, step);
    case 'speculate':
      return hwSpeculate(m, names, step);
    default:
      return UNSUPPORTED;
  }
}

/**
 * Entering or leaving a translation regime (arm64): EL2 with its TTBR0_EL2 and a VTTBR_EL2 (so TLBI …E1
 * act on that VMID, as Linux's enter_vmid_context does), a guest (EL1&0 with stage 2), or the host.
 * A named privileged context without `el:` belongs to a policy's key discipline, not to the bare MMU.
 */
function hwContext(m: Machine, names: HwNames, step: ContextStep): StepOutcome {
  if (step.action === 'exit') {
    if (m.regimeDepth(step.cpu) === 0) {
      if (step.name !== null) return UNSUPPORTED;
      throw new StepSkipped(`CPU ${step.cpu} has not entered a translation regime`);
    }
    m.exitRegime(step.cpu);
    return OK;
  }
  if (step.el === null) return UNSUPPORTED;
  if (!m.isArm) return UNSUPPORTED;
  // A register value names a root table: the space of that root (and VMID) is made on its first load.
  const vttbr =
    step.vttbr !== null
      ? named(names.spaces, step.vttbr, 'space')
      : step.vttbrRoot !== null
        ? regimeSpaceForRoot(m, names, named(names.tables, step.vttbrRoot.root, 'table'), step.vttbrRoot.vmid)
        : undefined;
  const el2 =
    step.el2 !== null
      ? named(names.spaces, step.el2, 'space')
      : step.el2Root !== null
        ? regimeSpaceForRoot(m, names, named(names.tables, step.el2Root, 'table'), null)
        : undefined;
  m.enterRegime(step.cpu, {
    el: step.el,
    ...(vttbr !== undefined ? { vttbr } : {}),
    ...(el2 !== undefined ? { el2 } : {}),
  });
  return OK;
}

function spaceTarget(names: HwNames, step: AccessStep | SpeculateStep): { va: number; space: number } | null {
  if (step.target.kind !== 'space') return null;
  return { va: step.target.va, space: named(names.spaces, step.target.space, 'space') };
}

function hwAccess(m: Machine, names: HwNames, step: AccessStep): StepOutcome {
  const t = spaceTarget(names, step);
  if (t === null) return UNSUPPORTED; // regions and frame selectors need an OS
  // The walk that misses a store is herd7's arm64 VMSA model (unsynced-stores.ts); nothing states it for x86.
  if (step.walk === 'before-store' && !m.isArm) return UNSUPPORTED;
  const pages: StepOutcome[] = [];
  // A guest runs at EL1 (its stage 1 is flat), the hypervisor at EL2: neither is a user access.
  const el10 = m.regimeOf(t.space) === Regime.EL10;
  for (let i = 0; i < step.pages; i++) {
    const va = t.va + i * 4096;
    const user = el10 && va < KERNEL_HALF;
    // The CPU must be translating with the space's root (loaded under any ASID: a root loaded with
    // `root:` + `asid:` is the same tables under another tag).
    const cur = m.currentSpace(step.cpu);
    if ((user || !el10) && (cur < 0 || m.rootOf(cur) !== m.rootOf(t.space))) {
      throw new StepSkipped(
        `CPU ${step.cpu} has not loaded space '${(step.target as { space: string }).space}'`,
      );
    }
    if (step.walk === 'before-store') {
      pages.push(walkBeforeStore(m, names, step.cpu, t.space, va));
      continue;
    }
    m.conflictPick = step.serve === 'old' ? 1 : step.serve === 'new' ? 2 : 0;
    try {
      pages.push(accessOutcome(m, m.access(step.cpu, va, KIND[step.kind], user ? Mode.USER : Mode.KERNEL)));
    } finally {
      m.conflictPick = 0;
    }
    // what a walk reaches it has seen (unsynced-stores.ts keeps to that)
    if (names.unsynced.active && m.lastPfn >= 0) noteWalkSeen(m, names, step.cpu, t.space, va);
  }
  const out = combinePages(pages);
  // Only the 'either' model lets an access choose between two conflicting entries.
  return step.serve !== undefined && m.params.onConflict !== 'either'
    ? stepOutcome(out.outcome, out.pages, ['serve'], out.frame, out.key, out.value)
    : out;
}

/** The entries a walk of `va` reads (table frame, index) in the tables of its path, root first. */
function entriesOf(tables: readonly number[], va: number): [number, number][] {
  return tables.map((pfn, i) => [pfn, tableIndex(va, (4 - i) as Level)]);
}

/**
 * May the walk of `cpu`'s access to `va`, which translates now, read an entry of its path as the invalid one
 * it was before a store that nothing has ordered before the walk yet (unsynced-stores.ts)? The herd
 * importer's choice point.
 */
export function walkMayMissStore(
  m: Machine,
  names: HwNames,
  cpu: number,
  space: number,
  va: number,
  addressSince = -1,
): boolean {
  if (!names.unsynced.active || m.regimeOf(space) !== Regime.EL10) return false;
  const path = m.lookup(space, va);
  return path.present && names.unsynced.mayMiss(cpu, entriesOf(path.tables, va), addressSince);
}

/** `cpu` has read the entries of the walk of `va` as they are now (an explicit read of an entry, too). */
export function noteWalkSeen(m: Machine, names: HwNames, cpu: number, space: number, va: number): void {
  names.unsynced.saw(cpu, entriesOf(m.lookup(space, va).tables, va));
}

/** `walk: before-store`: the walk read such an entry as invalid, a translation fault (nothing is cached). */
function walkBeforeStore(m: Machine, names: HwNames, cpu: number, space: number, va: number): StepOutcome {
  if (!walkMayMissStore(m, names, cpu, space, va))
    throw new StepSkipped(
      `walk: before-store: no entry of this walk was made valid by a store that CPU ${cpu}'s walk may still miss`,
    );
  return stepOutcome('fault:not-present');
}

function hwSpeculate(m: Machine, names: HwNames, step: SpeculateStep): StepOutcome {
  const t = spaceTarget(names, step);
  if (t === null) return UNSUPPORTED;
  for (let i = 0; i < step.pages; i++)
    m.speculate(step.cpu, t.va + i * 4096, step.kind === 'exec' ? 'instr' : 'data');
  return OK;
}

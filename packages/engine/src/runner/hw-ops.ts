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
  type Level,
  type Machine,
  type TlbiOp,
} from '@shootdown/mmu';
import type { Outcome } from '../result/types.js';
import type { AccessStep, HwEntry, SpeculateStep, Step } from '../scenario/types.js';
import { LEVEL_OF, entryFlags, type HwNames } from './hw-space.js';
import { OK, UNSUPPORTED, StepSkipped, type StepOutcome } from './report.js';
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

function store(m: Machine, names: HwNames, space: number, va: number, level: Level, e: HwEntry): void {
  const anon = () => m.frames.allocAny('page-table');
  if (level < 4) m.ensurePath(space, va, level, anon);
  if (!e.valid) {
    m.clearEntry(space, va, level);
  } else if (e.table !== null) {
    if (level === 1) throw new StepSkipped('a table pointer cannot be stored at pte level');
    m.setTable(space, va, level, named(names.tables, e.table, 'table'));
  } else {
    const pfn = e.frame === null ? -1 : named(names.frames, e.frame, 'frame');
    if (pfn < 0) throw new StepSkipped('a valid leaf needs frame:');
    if (level === 4) throw new StepSkipped('no leaf at pgd level');
    m.setLeaf(space, va, level, pfn, entryFlags(e, m.isArm));
  }
}

function accessOutcome(m: Machine, code: number): StepOutcome {
  const outcome = outcomeName(code) as Outcome;
  return m.lastPfn >= 0 ? { outcome, frame: m.lastPfn } : { outcome };
}

export function runHwStep(m: Machine, names: HwNames, step: Step): StepOutcome {
  switch (step.op) {
    case 'pte-store': {
      const space = named(names.spaces, step.space, 'space');
      store(m, names, space, step.va, LEVEL_OF[step.level], step.entry);
      return OK;
    }
    case 'table-store': {
      const pfn = named(names.tables, step.table, 'table');
      const slot = m.tables.slotOf[pfn];
      if (slot < 0 || m.tables.slotLinks[slot] === 0) {
        throw new StepSkipped(`table '${step.table}' is not linked: store through the entry that links it`);
      }
      const level = m.tables.slotLevel[slot] as Level;
      if (step.index < 0 || step.index >= ENTRIES_PER_TABLE)
        throw new StepSkipped(`index ${step.index} outside 0..511`);
      const va = m.tables.slotBase[slot] + step.index * LEVEL_SIZE[level];
      store(m, names, m.tables.slotSpace[slot], va, level, step.entry);
      return OK;
    }
    case 'table-alloc':
      names.tables.set(step.id, m.frames.allocAny('page-table'));
      return OK;
    case 'table-free':
      m.frames.free(named(names.tables, step.table, 'table'));
      return OK;
    case 'tlbi': {
      if (!m.isArm) return UNSUPPORTED;
      const broadcast = step.kind.endsWith('is');
      const op = (broadcast ? step.kind.slice(0, -2) : step.kind).toUpperCase() as TlbiOp;
      m.tlbi(step.cpu, op, {
        broadcast,
        ...(step.va !== null ? { va: step.va } : {}),
        ...(step.asid !== null ? { asid: step.asid } : {}),
        ...(step.pages !== null ? { pages: step.pages } : {}),
      });
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
      return step.pcid !== null && step.pcid !== m.asidOf(space) ? { outcome: 'ok', ignored: ['pcid'] } : OK;
    }
    case 'set-root': {
      const space = named(names.spaces, step.space, 'space');
      m.setRoot(step.cpu, space);
      return step.asid !== null && step.asid !== m.asidOf(space) ? { outcome: 'ok', ignored: ['asid'] } : OK;
    }
    case 'barrier':
      if (step.kind === 'dsb') {
        if (!m.isArm) return UNSUPPORTED;
        m.dsb(step.cpu);
      }
      return OK;
    case 'access':
      return hwAccess(m, names, step);
    case 'speculate':
      return hwSpeculate(m, names, step);
    default:
      // `context` (privileged contexts) belongs to a policy's key discipline, not to the bare MMU.
      return UNSUPPORTED;
  }
}

function spaceTarget(names: HwNames, step: AccessStep | SpeculateStep): { va: number; space: number } | null {
  if (step.target.kind !== 'space') return null;
  return { va: step.target.va, space: named(names.spaces, step.target.space, 'space') };
}

function hwAccess(m: Machine, names: HwNames, step: AccessStep): StepOutcome {
  const t = spaceTarget(names, step);
  if (t === null) return UNSUPPORTED; // regions and frame selectors need an OS
  const pages: StepOutcome[] = [];
  for (let i = 0; i < step.pages; i++) {
    const va = t.va + i * 4096;
    const user = va < KERNEL_HALF;
    if (user && m.currentSpace(step.cpu) !== t.space) {
      throw new StepSkipped(
        `CPU ${step.cpu} has not loaded space '${(step.target as { space: string }).space}'`,
      );
    }
    pages.push(accessOutcome(m, m.access(step.cpu, va, KIND[step.kind], user ? Mode.USER : Mode.KERNEL)));
  }
  return combinePages(pages);
}

function hwSpeculate(m: Machine, names: HwNames, step: SpeculateStep): StepOutcome {
  const t = spaceTarget(names, step);
  if (t === null) return UNSUPPORTED;
  for (let i = 0; i < step.pages; i++)
    m.speculate(step.cpu, t.va + i * 4096, step.kind === 'exec' ? 'instr' : 'data');
  return OK;
}

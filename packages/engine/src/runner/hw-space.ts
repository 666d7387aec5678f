// The `hw:` block made real on a bare machine (raw-mmu only): named frames, page-table frames and
// address spaces with their initial mappings (DESIGN §4 "Hardware-level ops").
import { LEVEL_SIZE, Regime, pteFlags, type Machine } from '@shootdown/mmu';
import type { HwBlock, HwEntry, Prot, TableLevel } from '../scenario/types.js';
import { UnsyncedStores } from './unsynced-stores.js';

/** Page-table level names → MMU levels (4-level paging; p4d is folded into pgd). */
export const LEVEL_OF: Readonly<Record<TableLevel, 1 | 2 | 3 | 4>> = {
  pgd: 4,
  p4d: 4,
  pud: 3,
  pmd: 2,
  pte: 1,
};

export interface HwNames {
  readonly frames: Map<string, number>;
  readonly tables: Map<string, number>;
  /** The level each named table was declared or allocated at: a table nothing links yet is adopted at it. */
  readonly levels: Map<string, 1 | 2 | 3 | 4>;
  readonly spaces: Map<string, number>;
  /** MMU spaces by `<root frame>:<asid>`: a TTBR value names one translation regime. */
  readonly roots: Map<string, number>;
  /** Page-table stores a walk may not have seen yet (`walk: before-store`, unsynced-stores.ts). */
  readonly unsynced: UnsyncedStores;
}

export function emptyHwNames(): HwNames {
  return {
    frames: new Map(),
    tables: new Map(),
    levels: new Map(),
    spaces: new Map(),
    roots: new Map(),
    unsynced: new UnsyncedStores(),
  };
}

/** The MMU space that translates with root frame `pfn` under `asid` (made on first use, like a TTBR load). */
export function spaceForRoot(m: Machine, names: HwNames, pfn: number, asid: number): number {
  const key = `${pfn}:${asid}`;
  let space = names.roots.get(key);
  if (space === undefined) {
    space = m.createSpace(asid, pfn);
    names.roots.set(key, space);
  }
  return space;
}

/**
 * The stage-2 space (`vmid` given) or EL2 space (null) translating with root frame `pfn`: a VTTBR_EL2 or
 * TTBR0_EL2 value, made on first load like a TTBR0_EL1 one; a space the hw block declares is the same.
 */
export function regimeSpaceForRoot(m: Machine, names: HwNames, pfn: number, vmid: number | null): number {
  const key = vmid === null ? `el2:${pfn}` : `s2:${pfn}:${vmid}`;
  let space = names.roots.get(key);
  if (space === undefined) {
    space = vmid === null ? m.createEl2Space(pfn) : m.createStage2Space(vmid, pfn);
    names.roots.set(key, space);
  }
  return space;
}

export function protFlags(prot: Prot, user: boolean, global: boolean, key: number, arm: boolean): number {
  const x = prot.includes('x');
  return pteFlags({
    writable: prot.includes('w'),
    user,
    xUser: x && user,
    // arm64 forbids privileged execution of user pages (PXN on user leaves); x86 SMEP does the same at
    // access time, so the kernel-exec bit only goes on kernel entries.
    xKernel: x && (!user || !arm),
    global,
    key,
  });
}

/**
 * Leaf flags in a stage-2 or EL2 space. Stage 2: S2AP write and XN[1:0] (FEAT_XNX) — `x` lets EL0 and
 * EL1 of the guest fetch. EL2 (non-VHE): AP write and PXN; one privilege level, no nG, no overlays.
 */
export function regimeFlags(prot: Prot, regime: number): number {
  const x = prot.includes('x');
  return pteFlags({
    writable: prot.includes('w'),
    user: false,
    xUser: x && regime === Regime.STAGE2,
    xKernel: x,
    global: false,
    key: 0,
  });
}

/** Flags word of an `HwEntry` (a leaf) stored in a space of `regime`; pointers and invalid entries are the caller's. */
export function entryFlags(e: HwEntry, arm: boolean, regime: number = Regime.EL10): number {
  let f =
    regime === Regime.EL10 ? protFlags(e.prot, e.user, e.global, e.key, arm) : regimeFlags(e.prot, regime);
  if (e.attrs['accessed'] === true || e.attrs['af'] === true) f |= 1 << 7;
  return f;
}

export function setupHw(m: Machine, hw: HwBlock): HwNames {
  const names = emptyHwNames();
  const anonTable = () => m.frames.allocAny('page-table');
  // A 2M / 1G frame is the aligned run a block leaf's output names (Arm ARM D8.3; Intel SDM Vol. 3A §4.5).
  for (const [name, fr] of Object.entries(hw.frames)) {
    const run = fr.size === '1G' ? 262144 : fr.size === '2M' ? 512 : 1;
    names.frames.set(name, run === 1 ? m.frames.allocAny(fr.use) : m.frames.allocRun(run, fr.use));
  }
  for (const [name, t] of Object.entries(hw.tables)) {
    names.tables.set(name, m.frames.allocAny('page-table'));
    names.levels.set(name, LEVEL_OF[t.level]);
  }
  // The kernel half exists whether or not the block names it: kernel-half VAs always walk it.
  const kernelName = Object.entries(hw.spaces).find(([, s]) => s.kernel)?.[0];
  const kernelRoot = kernelName === undefined ? null : hw.spaces[kernelName].root;
  const kernel = m.createKernelSpace(
    kernelRoot === null ? anonTable : names.tables.get(kernelRoot)!,
    kernelName === undefined ? 0 : hw.spaces[kernelName].asid,
  );
  if (kernelName !== undefined) names.spaces.set(kernelName, kernel);
  names.roots.set(`${m.rootOf(kernel)}:${m.asidOf(kernel)}`, kernel);
  for (const [name, s] of Object.entries(hw.spaces)) {
    if (s.kernel) continue;
    const root = s.root === null ? anonTable() : names.tables.get(s.root)!;
    // A stage-2 space is a VTTBR_EL2 value (root + VMID), an EL2 space a TTBR0_EL2 root: each its own.
    if (s.vmid !== null) names.spaces.set(name, m.createStage2Space(s.vmid, root));
    else if (s.el2) names.spaces.set(name, m.createEl2Space(root));
    // a register value naming the same root (and VMID) loads this space
    const key = s.vmid !== null ? `s2:${root}:${s.vmid}` : s.el2 ? `el2:${root}` : null;
    if (key !== null && !names.roots.has(key)) names.roots.set(key, names.spaces.get(name)!);
    else names.spaces.set(name, spaceForRoot(m, names, root, s.asid));
  }
  for (const [name, s] of Object.entries(hw.spaces)) {
    const space = names.spaces.get(name)!;
    for (const map of s.mappings) {
      const level = map.size === '4K' ? 1 : map.size === '2M' ? 2 : 3;
      const pfn = names.frames.get(map.frame)!;
      if (map.va % LEVEL_SIZE[level] !== 0)
        throw new Error(`hw mapping ${map.va.toString(16)} is not aligned to ${map.size}`);
      m.ensurePath(space, map.va, level, anonTable);
      const regime = m.regimeOf(space);
      const flags =
        regime === Regime.EL10
          ? protFlags(map.prot, map.user, map.global, map.key, m.isArm)
          : regimeFlags(map.prot, regime);
      m.setLeaf(space, map.va, level, pfn, flags);
    }
  }
  return names;
}

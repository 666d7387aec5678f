// The part of the simulated MMU (`@shootdown/mmu`) the x86 arch code drives, named structurally so the
// arch code depends on what it uses and nothing else.
/** Page-table levels as the MMU numbers them (1 = PTE … 4 = PGD). */
export type Level = 1 | 2 | 3 | 4;
export type LeafLevel = 1 | 2 | 3;

export interface MachineLookup {
  readonly present: boolean;
  readonly level: Level;
  readonly flags: number;
  readonly pfn: number;
}

export interface MachineEntry {
  readonly present: boolean;
  readonly table: boolean;
  readonly flags: number;
  readonly pfn: number;
}

/** Page-table stores and software walks of the machine (MachineCore). */
export interface MachineTables {
  readonly cpus: number;
  readonly kernelSpace: number;
  createKernelSpace(root: number, asid?: number): number;
  createSpace(asid: number, root: number): number;
  /** pgd_free(): the space's root is no longer loadable (see the MMU's retireSpace). */
  retireSpace(space: number): void;
  setLeaf(space: number, va: number, level: LeafLevel, pfn: number, flags: number): void;
  clearEntry(space: number, va: number, level: Level): void;
  setTable(space: number, va: number, level: 2 | 3 | 4, tablePfn: number): void;
  ensurePath(space: number, va: number, level: Level, allocTable: () => number): number;
  splitLeaf(space: number, va: number, newTablePfn: number): LeafLevel;
  lookup(space: number, va: number): MachineLookup;
  readEntry(space: number, va: number, level: Level): MachineEntry;
  directMapVa(pfn: number): number;
}

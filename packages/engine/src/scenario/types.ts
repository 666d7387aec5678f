// The parsed, fully resolved scenario (DESIGN §4): every `$name` substituted, every `repeat` expanded into
// its iterations, every id checked, every default filled in. The runner executes it without re-checking.

/** A JSON value as written in a scenario (params, check answers, policy-op arguments). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A scenario parameter: a typed JSON value (scalar or list), DESIGN §4 "Parameters and repetition". */
export type ParamValue = JsonValue;

/** The two TLB models of DESIGN §2. */
export type TlbModel = 'adversarial' | 'precise';

/**
 * The `machine` block, validated against `machine.schema.json` and passed to the MMU as written, with the
 * two fields the engine itself needs made explicit (CPU range checks, the verdict file's TLB model).
 */
export type MachineBlock = Readonly<Record<string, JsonValue>> & {
  readonly cpus: number;
  readonly tlb: TlbModel;
};

/** Where a step came from in the scenario file (for messages and for results). */
export interface SourcePosition {
  /** The file as given to the loader. */
  readonly file: string;
  /** 1-based line and column of the step's first character. */
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the step in the source document, e.g. `/steps/4/steps/1`. */
  readonly pointer: string;
}

// ---------------------------------------------------------------------------------------------------------
// Outcomes and expectations
// ---------------------------------------------------------------------------------------------------------

/** A fault kind an access may report (DESIGN §4 "Expectations"). */
export type FaultKind = 'not-present' | 'read' | 'write' | 'exec' | 'key' | 'privilege';

/**
 * An outcome pattern an `expect` may name: an exact outcome, plain `fault` (any fault), or `error:<ERRNO>`.
 * (Outcomes a step *reports* are `Outcome` in `result/types.ts`.)
 */
export type ExpectedOutcome =
  'ok' | 'ok-stale' | 'fault' | `fault:${FaultKind}` | `error:${string}` | 'spurious' | 'unsupported';

/**
 * A step's `expect`, normalised: a single outcome, a list ("any of") and the object form all become this.
 * `anyOf` is empty only when the object form names no `outcome` (then only the other fields are checked).
 */
export interface Expectation {
  readonly anyOf: readonly ExpectedOutcome[];
  /** The key the reached entry must carry (a `key-alloc` id or a literal index). */
  readonly key?: KeyRef;
  /** The access must reach this frame (`frame-of: <region>, page: n`). */
  readonly frameOf?: FrameOf;
  /** The errno a failing call must return (e.g. `EINVAL`); `error:EINVAL` as outcome is equivalent. */
  readonly errno?: string;
  /** The value a call or query must produce (e.g. `key-alloc`'s index, a `check` query's answer). */
  readonly value?: JsonValue;
  /** The fault signal's `si_code` the step must record (`SEGV_PKUERR`, …; see `SignalCode`). */
  readonly signal?: SignalCode;
  /**
   * `per-selection:` — expectations that differ by selection (what each selection is expected to do), the
   * most specific matching entry first; `default` applies to any selection no entry names. When present,
   * the fields above are unused: the matching entry is the step's expectation.
   */
  readonly perSelection?: PerSelectionExpectations;
  /** The expectation as written, for reports (`fault:not-present`, `[ok, ok-stale]`, …). */
  readonly text: string;
}

/** A fault signal's si_code (core's `FaultSignalCode`): the same names in Linux and FreeBSD. */
export type SignalCode = 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'SEGV_PKUERR' | 'BUS_ADRERR' | 'BUS_OOMERR';

/** A signal a process may handle (`process` with `handlers:`). */
export type SignalName = 'SIGSEGV' | 'SIGBUS';

/** One `per-selection` entry: a selection pattern (`linux-x86`, `linux-x86:vfree=arch-vunmap-v2`). */
export interface SelectionExpectation {
  /** The pattern as written. */
  readonly selection: string;
  /** Its policy, and the variants it pins (a selection matches when it has every one of them). */
  readonly policy: string;
  readonly variants: Readonly<Record<string, string>>;
  readonly expect: Expectation;
}

export interface PerSelectionExpectations {
  /** Entries, most specific first (more pinned variants first; ties in written order). */
  readonly entries: readonly SelectionExpectation[];
  /** The `default` entry, or null: a selection no entry matches then has no expectation on this step. */
  readonly fallback: Expectation | null;
}

// ---------------------------------------------------------------------------------------------------------
// Addressing (DESIGN §4 "Addressing")
// ---------------------------------------------------------------------------------------------------------

/** A page-table level, top to bottom (x86 names, as the spec uses them for both architectures). */
export type TableLevel = 'pgd' | 'p4d' | 'pud' | 'pmd' | 'pte';

/** `{ frame-of: <region>, page: n }` — the n-th frame behind a region. */
export interface FrameOf {
  readonly kind: 'frame-of';
  readonly region: string;
  readonly page: number;
  /** `region` names a frame of the `hw:` block (hardware-level scenarios), not a region. */
  readonly hw?: boolean;
}

/** `{ pagetable-of: <region | kernel-image>, level }` — the page-table frame mapping a region's page. */
export interface PagetableOf {
  readonly kind: 'pagetable-of';
  /** A region id, or `kernel-image` for the kernel's own tables. */
  readonly region: string;
  readonly level: TableLevel;
  readonly page: number;
  /** `direct-map`: the kernel's table on the walk to the linear-map alias of the region's frame, not the
   *  table of the region's own mapping (the linear map's own tables, split tables included). */
  readonly via?: 'direct-map';
}

/** A frame selector, accepted wherever a frame is the target (`stray-write`, `direct-map` checks, …). */
export type FrameSelector = FrameOf | PagetableOf;

/** A page range inside a region: `page` (first page, default 0) and `pages` (count, default: to the end). */
export interface RegionRange {
  readonly kind: 'region';
  readonly region: string;
  readonly page: number;
  /** Number of pages, or `null` for "to the end of the region". */
  readonly pages: number | null;
  /** Extra byte offset inside the first page (`offset:`), 0 unless written. */
  readonly offset: number;
}

/** Several whole regions of one address space as one span (`munmap` `regions: [a, b]`): from the lowest
 *  start to the highest end, holes between them included, as munmap(2) allows (Linux `do_vmi_munmap`,
 *  FreeBSD `vm_map_delete`). */
export interface RegionSpan {
  readonly kind: 'regions';
  readonly regions: readonly string[];
}

/** A literal user address range `range: { from, to }` (FreeBSD key ranges may cover holes). */
export interface AddressRange {
  readonly kind: 'range';
  readonly from: number;
  readonly to: number;
}

/** An address by space and VA, used by hardware-level steps. */
export interface SpaceAddress {
  readonly kind: 'space';
  readonly space: string;
  readonly va: number;
}

/** What an `access` or `speculate` touches. */
export type AccessTarget = RegionRange | FrameSelector | SpaceAddress;

/** A key: a `key-alloc` id (its iteration suffix applied) or a literal index. */
export type KeyRef =
  { readonly kind: 'id'; readonly id: string } | { readonly kind: 'index'; readonly index: number };

/** Protection as written: any subset of `rwx` in that order, or `none`. */
export type Prot = 'none' | 'r' | 'w' | 'x' | 'rw' | 'rx' | 'wx' | 'rwx';

/** Key rights of a thread for one key: any subset of `rwx`, or `none` (x only meaningful for POE). */
export type KeyRights = Prot;

// ---------------------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------------------

/** What every step carries, whatever its op. */
export interface StepBase {
  /**
   * Stable step id used in results and comparisons. Top-level steps are `"0"`, `"1"`, …; a nested step
   * appends `.<index>`; a step inside iteration i (0-based) of a `repeat` appends `#<i>` to the repeat's
   * path before the body index: `"3#2.0"` is the first body step of step 3's third iteration. An
   * `interleave`'s operation is `<path>.op`, its nested steps `<path>.<index>`.
   */
  readonly path: string;
  readonly source: SourcePosition;
  /** The CPU performing the step (default 0). */
  readonly cpu: number;
  readonly expect?: Expectation;
  /** Per-page expectations of a multi-page access (`expect-pages:`), one per page, in order. */
  readonly expectPages?: readonly Expectation[];
  /** `violation:` — invariant ids this step must report. */
  readonly violation?: readonly string[];
  /** `counters:` — expected counter deltas of this step (for a `repeat`, over the whole repeat). */
  readonly counters?: Readonly<Record<string, number>>;
}

export interface ProcessStep extends StepBase {
  readonly op: 'process';
  readonly id: string;
  /** Signals the process installs a handler for (`handlers: [SIGSEGV]`): a fault raising one of them is
   *  recorded and the thread goes on; without a handler the process dies (DESIGN §4). */
  readonly handlers: readonly SignalName[];
}

export interface RunStep extends StepBase {
  readonly op: 'run';
  /** The process this CPU now runs, or `null` for `process: none` (a kernel thread, lazy TLB). */
  readonly process: string | null;
}

export type MmapFlag = 'fixed' | 'fixed-excl' | 'populate' | 'exec' | 'huge' | 'pfnmap' | 'shared';

export interface MmapStep extends StepBase {
  readonly op: 'mmap';
  readonly id: string;
  readonly pages: number;
  readonly prot: Prot;
  readonly flags: readonly MmapFlag[];
  /** A literal address hint (`addr:`), or null. */
  readonly addr: number | null;
  /** Required alignment in bytes (`align:`), or null. */
  readonly align: number | null;
  /** Place the mapping where an earlier region was (`at:`), or null. */
  readonly at: string | null;
}

export interface MunmapStep extends StepBase {
  readonly op: 'munmap';
  /** One region's page range, or several whole regions unmapped by one call (one mmu_gather). */
  readonly range: RegionRange | RegionSpan;
}

export interface MprotectStep extends StepBase {
  readonly op: 'mprotect';
  readonly range: RegionRange;
  readonly prot: Prot;
}

export interface KeyAllocStep extends StepBase {
  readonly op: 'key-alloc';
  readonly id: string;
  /** Initial rights for the allocating thread (`pkey_alloc`'s access_rights), or null for the policy's. */
  readonly rights: KeyRights | null;
}

export interface KeyFreeStep extends StepBase {
  readonly op: 'key-free';
  readonly key: KeyRef;
}

export type KeyAssignFlag = 'persist' | 'excl';

export interface KeyAssignStep extends StepBase {
  readonly op: 'key-assign';
  readonly key: KeyRef;
  readonly range: RegionRange | AddressRange;
  readonly flags: readonly KeyAssignFlag[];
}

export interface KeyClearStep extends StepBase {
  readonly op: 'key-clear';
  readonly range: RegionRange | AddressRange;
}

export interface SetKeyRightsStep extends StepBase {
  readonly op: 'set-key-rights';
  readonly key: KeyRef;
  readonly rights: KeyRights;
}

export interface SwapoutStep extends StepBase {
  readonly op: 'swapout';
  /** `null`: the whole-process swap-out; otherwise a partial reclaim of this range. */
  readonly range: RegionRange | null;
}

export interface MsyncInvalidateStep extends StepBase {
  readonly op: 'msync-invalidate';
  readonly range: RegionRange;
}

export interface MadviseDontneedStep extends StepBase {
  readonly op: 'madvise-dontneed';
  readonly range: RegionRange;
}

export interface ForkStep extends StepBase {
  readonly op: 'fork';
  /** The child process id; the forking process is the one running on `cpu`. */
  readonly id: string;
}

export interface ExecStep extends StepBase {
  readonly op: 'exec';
}

/** The kernel reaches late init (at most once, at the top level): the steps before it run during boot. */
export interface LateInitStep extends StepBase {
  readonly op: 'late-init';
}

export type AccessKind = 'read' | 'write' | 'exec';

export interface AccessStep extends StepBase {
  readonly op: 'access';
  readonly kind: AccessKind;
  readonly target: AccessTarget;
  /** Number of pages touched, one outcome each (1 unless `pages:` is written). */
  readonly pages: number;
  /** `direct-map`: through the kernel's linear-map alias of the target's frames; `own`: the region's mapping. */
  readonly via: 'own' | 'direct-map';
  /** Hardware level, machine `onConflict: either`: which of two conflicting entries serves this access. */
  readonly serve?: 'old' | 'new';
  /** Hardware level: the walk reads an entry as it was before this CPU's own store that no ISB of it has
   *  followed (runner/unsynced-stores.ts), so the access takes a translation fault. */
  readonly walk?: 'before-store';
}

export type UaccessKind = 'copyin' | 'copyout' | 'gup-read' | 'gup-write' | 'remote-read';

export interface UaccessStep extends StepBase {
  readonly op: 'uaccess';
  readonly kind: UaccessKind;
  readonly range: RegionRange;
  /** For `remote-read`: the process whose memory is read (null: the current one). */
  readonly process: string | null;
}

export type KallocFlag = 'reset-perms' | 'exec' | 'huge' | 'no-guard';

export interface KallocStep extends StepBase {
  readonly op: 'kalloc';
  readonly id: string;
  readonly pages: number;
  readonly flags: readonly KallocFlag[];
  /** The 2018 arch_vunmap series' VM_IMMEDIATE_UNMAP hint as the caller set it (`immediate:`); absent:
   *  the policy's default (that series: set by the callers of executable memory). */
  readonly immediate?: boolean;
}

export interface KprotectStep extends StepBase {
  readonly op: 'kprotect';
  readonly range: RegionRange;
  readonly prot: Prot;
  readonly via: 'own' | 'direct-map';
  /** `false` models set_direct_map_*_noflush. */
  readonly flush: boolean;
}

export interface KfreeStep extends StepBase {
  readonly op: 'kfree';
  readonly region: string;
}

/** `fresh-pageblock`: the allocation starts at the first frame of a pageblock none of whose frames was in
 *  use (the buddy allocator splitting a pageblock-sized free block, spec linux.md §4.2). */
export type PageAllocFlag = 'unmapped' | 'zero' | 'pagetable' | 'fresh-pageblock';

export interface PageAllocStep extends StepBase {
  readonly op: 'page-alloc';
  readonly id: string;
  /** `pages: N` means N order-0 frames (DESIGN §4 semantics). Null when `order` is given. */
  readonly pages: number | null;
  /** `order: k` asks for one 2^k block. Null when `pages` is given. */
  readonly order: number | null;
  readonly flags: readonly PageAllocFlag[];
  /** Take back the frames this region freed (`reuse:`), or null. */
  readonly reuse: string | null;
}

export interface PageFreeStep extends StepBase {
  readonly op: 'page-free';
  readonly region: string;
}

/** A bare `flush_tlb_kernel_range` over a region's kernel addresses (FreeBSD: `pmap_invalidate_range` on
 *  `kernel_pmap`), no attribute change. `via: direct-map` flushes the linear-map range of its frames. */
export interface FlushKernelRangeStep extends StepBase {
  readonly op: 'flush-kernel-range';
  readonly range: RegionRange;
  readonly via: 'own' | 'direct-map';
}

/** `frame`: give a frame a region name without allocating it — the frame a selector names now (e.g. a
 *  page-table frame before it is freed), moved by `offset` frames — so a later `page-alloc … reuse:` can
 *  ask for it. */
export interface FrameStep extends StepBase {
  readonly op: 'frame';
  readonly id: string;
  readonly of: FrameSelector;
  readonly offset: number;
}

export interface StrayWriteStep extends StepBase {
  readonly op: 'stray-write';
  readonly target: FrameSelector;
  /** The privileged context the write runs in (e.g. `kpkeys-pgtables`), or null for the default one. */
  readonly context: string | null;
}

export interface RevokeStep extends StepBase {
  readonly op: 'revoke';
  /** The PFN-mapped region whose mapping a driver revokes (unmap_mapping_range). */
  readonly range: RegionRange;
}

export interface PressureStep extends StepBase {
  readonly op: 'pressure';
  /** Drive the allocator to this many free pages, or null. */
  readonly freePages: number | null;
  /** Fragment free memory so that no free block above this order remains, or null. */
  readonly fragmentOrder: number | null;
  /** Ask the policy's shrinkers to run. */
  readonly shrink: boolean;
}

export type InterleavePhase = 'cleared' | 'unlinked' | 'flushed';

export interface InterleaveStep extends StepBase {
  readonly op: 'interleave';
  /** The operation that is interrupted. */
  readonly operation: Step;
  /** The phase of `operation` at which `steps` run (e.g. after its entries are cleared, before the flush). */
  readonly phase: InterleavePhase;
  readonly steps: readonly Step[];
}

export interface SpeculateStep extends StepBase {
  readonly op: 'speculate';
  readonly target: AccessTarget;
  readonly pages: number;
  readonly kind: AccessKind;
  /** Which alias is walked (as for `access`). */
  readonly via: 'own' | 'direct-map';
}

export interface RepeatStep extends StepBase {
  readonly op: 'repeat';
  /** The bindings of each iteration (`for:`), or empty objects for `times:`. */
  readonly bindings: readonly Readonly<Record<string, JsonValue>>[];
  /** The expanded body of each iteration, ids suffixed `#<i>` (see `StepBase.path`, `Scenario.regions`). */
  readonly iterations: readonly (readonly Step[])[];
}

/** The check queries of DESIGN §4; a policy probe is named with its policy prefix and a dot. */
export type CheckQuery =
  | 'entry'
  | 'direct-map'
  | 'cached'
  | 'keys'
  | 'pageblock-freetype'
  | 'process'
  | 'within'
  | `${string}.${string}`;

export interface CheckStep extends StepBase {
  readonly op: 'check';
  /** The query, or null for a pure `expect: no-violations` / `drain: true` check. */
  readonly query: CheckQuery | null;
  /** The query's subject: an address range, a frame, a process id, … (absent for queries without one). */
  readonly target?: RegionRange | FrameSelector | AddressRange;
  /** `process` query: the process asked about; `keys` query: whose keys (default: the current one). */
  readonly process?: string;
  /** `within` query: the named window (e.g. `linux.mermap`). */
  readonly window?: string;
  /** Further arguments of a policy probe, as written after substitution. */
  readonly args: Readonly<Record<string, JsonValue>>;
  /** Run deferred kernel work (e.g. the lazy vmap purge) before answering. */
  readonly drain: boolean;
  /** `expect: no-violations`: no finding in the run so far — a violation of an invariant the selection
   *  claims (never a soft one). Under `raw-mmu:<arch>` every invariant is claimed. */
  readonly noViolations: boolean;
}

/** A policy-contributed op (`linux.mermap-get`); its arguments were validated by the registry's schema. */
export interface PolicyOpStep extends StepBase {
  readonly op: `${string}.${string}`;
  /** Resolved id this op defines (if its schema fragment has an `id`), or null. */
  readonly id: string | null;
  readonly args: Readonly<Record<string, JsonValue>>;
}

// ----- hardware-level steps (only under `raw-mmu:<arch>`) -----

/** An entry value for `pte-store` / `table-store`. `valid: false` stores an invalid entry. */
export interface HwEntry {
  readonly valid: boolean;
  /** Output: a named data frame of the `hw` block … */
  readonly frame: string | null;
  /** … or a named page-table frame (a non-leaf entry). */
  readonly table: string | null;
  readonly prot: Prot;
  readonly user: boolean;
  readonly global: boolean;
  readonly key: number;
  /** Leaf at a higher level (2 MiB / 1 GiB block). */
  readonly leaf: boolean;
  /** Arch bits (`af`, `dbm`, `contiguous`, `nx-kernel`, …) passed through to the arch encoding. */
  readonly attrs: Readonly<Record<string, boolean | number>>;
}

export interface PteStoreStep extends StepBase {
  readonly op: 'pte-store';
  readonly space: string;
  readonly va: number;
  /** The level whose entry for `va` is written (default `pte`). */
  readonly level: TableLevel;
  readonly entry: HwEntry;
}

export interface TableStoreStep extends StepBase {
  readonly op: 'table-store';
  readonly table: string;
  readonly index: number;
  readonly entry: HwEntry;
}

/**
 * A raw 64-bit store to a physical address inside a page-table frame the hw block gives a `pa:` —
 * Casemate's `mem-write` of a descriptor. The loader resolves the address to the table and index and
 * the descriptor's kind and output address (Arm ARM D8.3) to a named frame or table; the runner decodes
 * the permission bits for the regime of the tree the table is in.
 */
export interface RawWriteStep extends StepBase {
  readonly op: 'raw-write';
  readonly pa: number;
  /** The descriptor as written, canonical `0x` + 16 hex digits. */
  readonly value: string;
  /** Its low and high 32 bits, unsigned. */
  readonly lo: number;
  readonly hi: number;
  readonly table: string;
  /** The table's declared level: a hw table first written here, or reused, becomes a table of it. */
  readonly level: TableLevel;
  /** Whose descriptors the table holds while it is in no tree (its `regime:`), else null (EL1&0). */
  readonly regime: 'el1' | 'el2' | 'stage2' | null;
  readonly index: number;
  readonly kind: 'invalid' | 'table' | 'block' | 'page';
  /** The named frame (leaf) or table (table descriptor) at the output address; null when invalid. */
  readonly target: string | null;
}

export interface TableAllocStep extends StepBase {
  readonly op: 'table-alloc';
  readonly id: string;
  readonly level: TableLevel;
  /** Take back the (freed) frame of this named table, zeroed, as an allocator reusing it would. */
  readonly reuse: string | null;
}

export interface TableFreeStep extends StepBase {
  readonly op: 'table-free';
  readonly table: string;
}

/** arm64 TLBI mnemonics (without the `tlbi` prefix), spec arm64-pkey.md §7.2. */
export type TlbiKind =
  | 'vae1'
  | 'vae1is'
  | 'vale1'
  | 'vale1is'
  | 'vaae1'
  | 'vaae1is'
  | 'vaale1'
  | 'vaale1is'
  | 'aside1'
  | 'aside1is'
  | 'vmalle1'
  | 'vmalle1is'
  | 'rvae1'
  | 'rvae1is'
  | 'rvale1'
  | 'rvale1is'
  | 'rvaae1is'
  | 'rvaale1is'
  // The stage-2 and EL2 regimes (Arm ARM D8.13): by IPA in the current VMID, by VMID, every VMID, EL2.
  | 'ipas2e1'
  | 'ipas2e1is'
  | 'ipas2le1'
  | 'ipas2le1is'
  | 'vmalls12e1'
  | 'vmalls12e1is'
  | 'alle1'
  | 'alle1is'
  | 'vae2'
  | 'vae2is'
  | 'vale2'
  | 'vale2is'
  | 'alle2'
  | 'alle2is';

export interface TlbiStep extends StepBase {
  readonly op: 'tlbi';
  readonly kind: TlbiKind;
  readonly va: number | null;
  readonly asid: number | null;
  /** Range forms: number of pages from `va`. */
  readonly pages: number | null;
  /** FEAT_TTL hint of the by-address forms: the level of the leaf being invalidated (null: no hint). */
  readonly level: TableLevel | null;
}

export interface InvlpgStep extends StepBase {
  readonly op: 'invlpg';
  readonly va: number;
}

/**
 * INVPCID types, named after Linux's helpers (arch/x86/include/asm/invpcid.h): `one` = individual address
 * (type 0), `single` = single context (1), `all` = all contexts including globals (2), `all-nonglobal` (3).
 */
export type InvpcidType = 'one' | 'single' | 'all' | 'all-nonglobal';

export interface InvpcidStep extends StepBase {
  readonly op: `invpcid-${InvpcidType}`;
  readonly pcid: number | null;
  readonly va: number | null;
}

export interface Cr3WriteStep extends StepBase {
  readonly op: 'cr3-write' | 'cr3-write-noflush';
  readonly space: string;
  /** PCID loaded with the root (null: the space's own). */
  readonly pcid: number | null;
}

export interface BarrierStep extends StepBase {
  readonly op: 'barrier';
  readonly kind: 'dsb' | 'isb';
  /** DSB domain (`ish`, `nsh`, `osh`, `sy`); null for `isb`. */
  readonly domain: 'ish' | 'nsh' | 'osh' | 'sy' | null;
}

export interface SetRootStep extends StepBase {
  readonly op: 'set-root';
  /** A space of the hw block … (exactly one of `space` and `root`). */
  readonly space: string | null;
  /** … or a named root table (pgd level), loaded with `asid` like a TTBR write. */
  readonly root: string | null;
  /** ASID/PCID installed with the root (null: the space's own). */
  readonly asid: number | null;
}

export interface ContextStep extends StepBase {
  readonly op: 'context';
  readonly action: 'enter' | 'exit';
  /** The privileged context entered (e.g. `kpkeys-pgtables`); null on exit. */
  readonly name: string | null;
  /**
   * Hardware level (arm64): the exception level entered — 2: EL2 (the hypervisor), 1: EL1&0, a guest
   * when `vttbr` is given, else the host. Null for a named privileged context.
   */
  readonly el: 1 | 2 | null;
  /** A stage-2 space of the hw block loaded into VTTBR_EL2 (its root and VMID). */
  readonly vttbr: string | null;
  /** An EL2 space of the hw block loaded into TTBR0_EL2 (entering EL2 only). */
  readonly el2: string | null;
  /** VTTBR_EL2 given as a register value: a root table and a VMID (its space made on first load). */
  readonly vttbrRoot: { readonly root: string; readonly vmid: number } | null;
  /** TTBR0_EL2 given as a root table (its EL2 space made on first load). */
  readonly el2Root: string | null;
}

/** Every step the runner executes, discriminated on `op`. */
export type Step =
  | ProcessStep
  | RunStep
  | MmapStep
  | MunmapStep
  | MprotectStep
  | KeyAllocStep
  | KeyFreeStep
  | KeyAssignStep
  | KeyClearStep
  | SetKeyRightsStep
  | SwapoutStep
  | MsyncInvalidateStep
  | MadviseDontneedStep
  | ForkStep
  | ExecStep
  | LateInitStep
  | AccessStep
  | UaccessStep
  | KallocStep
  | KprotectStep
  | KfreeStep
  | PageAllocStep
  | PageFreeStep
  | StrayWriteStep
  | FlushKernelRangeStep
  | FrameStep
  | RevokeStep
  | PressureStep
  | InterleaveStep
  | SpeculateStep
  | RepeatStep
  | CheckStep
  | PteStoreStep
  | TableStoreStep
  | RawWriteStep
  | TableAllocStep
  | TableFreeStep
  | TlbiStep
  | InvlpgStep
  | InvpcidStep
  | Cr3WriteStep
  | BarrierStep
  | SetRootStep
  | ContextStep
  | PolicyOpStep;

/** The op names of the neutral vocabulary (policy ops are `<prefix>.<name>`). */
export type StepOp = Step['op'];

/** Ops that only run under `raw-mmu:<arch>` (DESIGN §4 "Hardware-level ops"). */
export const HW_OPS: readonly string[] = [
  'pte-store',
  'table-store',
  'raw-write',
  'table-alloc',
  'table-free',
  'tlbi',
  'invlpg',
  'invpcid-one',
  'invpcid-single',
  'invpcid-all',
  'invpcid-all-nonglobal',
  'cr3-write',
  'cr3-write-noflush',
  'barrier',
  'set-root',
  'context',
];

// ---------------------------------------------------------------------------------------------------------
// The hw block
// ---------------------------------------------------------------------------------------------------------

export interface HwFrame {
  /** Use tag (data, kernel-text, secret, …). */
  readonly use: string;
  /** 4K: one frame; 2M / 1G: an aligned run of 512 / 262144 frames (a block's output), named by its first. */
  readonly size: '4K' | '2M' | '1G';
  /** Physical address the scenario's raw descriptors use for it (`raw-write`), or null. */
  readonly pa: number | null;
}

export interface HwTable {
  readonly level: TableLevel;
  /** The regime whose descriptors it holds (`regime:`; a space's root takes its space's), or null. */
  readonly regime: 'el1' | 'el2' | 'stage2' | null;
  /** Physical address the scenario's raw descriptors use for it (`raw-write`), or null. */
  readonly pa: number | null;
}

export interface HwMapping {
  readonly va: number;
  readonly frame: string;
  readonly prot: Prot;
  readonly user: boolean;
  readonly global: boolean;
  readonly key: number;
  /** Leaf size: `4K`, `2M` or `1G`. */
  readonly size: '4K' | '2M' | '1G';
}

export interface HwSpace {
  /** ASID (arm64) / PCID (x86) of the space (0 for stage-2 and EL2 spaces). */
  readonly asid: number;
  /** A stage-2 space (arm64 VTTBR_EL2 tables, VAs are IPAs) tagged with this VMID; null otherwise. */
  readonly vmid: number | null;
  /** An EL2 stage-1 space (arm64 TTBR0_EL2, no ASID). */
  readonly el2: boolean;
  /** A named table of the hw block (pgd level) used as the root; null: an unnamed one. */
  readonly root: string | null;
  /** The kernel space (arm64 TTBR1 / x86 shared upper half). */
  readonly kernel: boolean;
  readonly mappings: readonly HwMapping[];
}

/** The top-level `hw:` block: named frames, page-table frames and address spaces with initial mappings. */
export interface HwBlock {
  /** From `machine.arch`: the hw block is written for the machine's architecture. */
  readonly arch: 'x86_64' | 'arm64';
  readonly frames: Readonly<Record<string, HwFrame>>;
  readonly tables: Readonly<Record<string, HwTable>>;
  readonly spaces: Readonly<Record<string, HwSpace>>;
}

// ---------------------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------------------

/** What defined a region id (`mmap` → user, `kalloc` → kernel, `page-alloc` → pages, policy ops → policy,
 *  `frame` → frame). */
export type RegionKind = 'user' | 'kernel' | 'pages' | 'policy' | 'frame';

export interface RegionInfo {
  readonly kind: RegionKind;
  /** Path of the defining step. */
  readonly definedBy: string;
  /** Size in pages when known at load time (null when it depends on the policy). */
  readonly pages: number | null;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The patch, commit or discussion the scenario comes from (`source:`), or null. */
  readonly source: string | null;
  readonly file: string;
  /** Parameter values after `--set` overrides. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly machine: MachineBlock;
  /** The hardware block, or null for an OS-level scenario. */
  readonly hw: HwBlock | null;
  /** True when any step is a hardware-level op: the scenario runs only under `raw-mmu:<arch>`. */
  readonly hardwareLevel: boolean;
  readonly steps: readonly Step[];
  /** Every region id (iteration suffixes included), in definition order. */
  readonly regions: Readonly<Record<string, RegionInfo>>;
  /** Every process id, in definition order. */
  readonly processes: readonly string[];
  /** Every key id, in definition order. */
  readonly keys: readonly string[];
}

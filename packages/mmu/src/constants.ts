// Small-integer vocabulary of the hardware model. Hot paths pass these numbers, never strings or objects.

/** Arch-neutral entry flag bits (the `flags` word of an entry; the output frame is stored beside it). */
export const Pte = {
  PRESENT: 1 << 0,
  /** Non-leaf: the entry points at the next-level table. */
  TABLE: 1 << 1,
  WRITABLE: 1 << 2,
  USER: 1 << 3,
  /** Executable at user level (x86: NX clear on a user page; arm64: UXN clear). */
  XUSER: 1 << 4,
  /** Executable at kernel level (x86: NX clear on a supervisor page; arm64: PXN clear). */
  XKERNEL: 1 << 5,
  GLOBAL: 1 << 6,
  ACCESSED: 1 << 7,
  DIRTY: 1 << 8,
  KEY_SHIFT: 12,
  KEY_MASK: 0xf << 12,
} as const;

/** Page-table levels: a leaf at L1 maps 4 KiB, at L2 2 MiB, at L3 1 GiB; L4 is the root. */
export type Level = 1 | 2 | 3 | 4;
export type LeafLevel = 1 | 2 | 3;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const ENTRIES_PER_TABLE = 512;
/** Bytes mapped by one entry at each level (index = level). */
export const LEVEL_SIZE = [0, 4096, 2 * 1024 * 1024, 1024 * 1024 * 1024, 512 * 1024 * 1024 * 1024] as const;
/**
 * Their reciprocals, powers of two: `va * LEVEL_SCALE[l]` is exactly `va / LEVEL_SIZE[l]` (scaling by a power
 * of two rounds nothing), and a multiplication costs a fraction of a division on the walk path.
 */
export const LEVEL_SCALE = [0, 2 ** -12, 2 ** -21, 2 ** -30, 2 ** -39] as const;

/** Number of the level-`level` region (4 KiB page, 2 MiB, 1 GiB, 512 GiB) holding `va`: floor(va / LEVEL_SIZE). */
export function levelIndex(va: number, level: number): number {
  // Level 1 (the page number) as a literal: where the caller passes 1 the JIT drops the table read.
  return Math.floor(va * (level === 1 ? 2 ** -12 : LEVEL_SCALE[level]));
}
/** Shift of the VA bits that index a table at each level (index = level). */
export const LEVEL_SHIFT = [0, 12, 21, 30, 39] as const;
/** 4 KiB pages covered by one leaf at each level (index = level). */
export const LEVEL_PAGES = [0, 1, 512, 512 * 512, 512 * 512 * 512] as const;
/** VAs are plain numbers in a 48-bit space; bit 47 selects the kernel half (TTBR1 / upper PML4 half). */
export const VA_BITS = 48;
export const KERNEL_HALF = 2 ** 47;
export const VA_LIMIT = 2 ** 48;

/** Access kinds. */
export const Access = { READ: 0, WRITE: 1, EXEC: 2 } as const;
export type AccessKind = 0 | 1 | 2;
export const ACCESS_NAMES = ['read', 'write', 'exec'] as const;
export type AccessName = (typeof ACCESS_NAMES)[number];

/**
 * Privilege of an access. UACCESS is the kernel acting on behalf of user space (x86 copy_{to,from}_user
 * under STAC, arm64 LDTR/STTR): user-page permissions apply and so do the user key registers.
 */
export const Mode = { USER: 0, KERNEL: 1, UACCESS: 2 } as const;
export type AccessMode = 0 | 1 | 2;
export const MODE_NAMES = ['user', 'kernel', 'kernel-on-behalf'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

/** Access outcomes, returned as small ints by `Machine.access`. */
export const Outcome = {
  OK: 0,
  /** Allowed only by a possibly-stale cached entry: the current entry would not allow it, or reaches another frame. */
  OK_STALE: 1,
  FAULT_NOT_PRESENT: 2,
  FAULT_READ: 3,
  FAULT_WRITE: 4,
  FAULT_EXEC: 5,
  FAULT_KEY: 6,
  FAULT_PRIVILEGE: 7,
} as const;
export type OutcomeCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const OUTCOME_NAMES = [
  'ok',
  'ok-stale',
  'fault:not-present',
  'fault:read',
  'fault:write',
  'fault:exec',
  'fault:key',
  'fault:privilege',
] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];
export function outcomeName(code: number): OutcomeName {
  const n = OUTCOME_NAMES[code];
  if (n === undefined) throw new RangeError(`unknown outcome code ${code}`);
  return n;
}

/** TLB sides for the split I/D flavour (spec linux.md §5.5). Unified machines use BOTH everywhere. */
export const Side = { DATA: 1, INSTR: 2, BOTH: 3 } as const;
export type SideMask = 1 | 2 | 3;

/** Tag value of global entries (match every ASID/PCID). ASIDs/PCIDs are 0..65535. */
export const GLOBAL_TAG = 65536;

/** x86 INVPCID types (SDM Vol. 2A INVPCID). */
export const Invpcid = { INDIVIDUAL: 0, SINGLE_CONTEXT: 1, ALL_INCL_GLOBAL: 2, ALL_NON_GLOBAL: 3 } as const;
export type InvpcidType = 0 | 1 | 2 | 3;

/**
 * arm64 TLBI operations; the `IS` (inner-shareable) form is selected by `broadcast`. EL1&0 stage 1 (…E1),
 * stage 2 by IPA (IPAS2E1, IPAS2LE1), by VMID (VMALLS12E1), every VMID (ALLE1), and the EL2 regime's
 * own stage 1 (VAE2, VALE2, ALLE2). Scopes: Arm ARM (DDI 0487) D8.13 "TLB maintenance instructions".
 */
export type TlbiOp =
  | 'VAE1'
  | 'VALE1'
  | 'VAAE1'
  | 'VAALE1'
  | 'ASIDE1'
  | 'VMALLE1'
  | 'RVAE1'
  | 'RVALE1'
  | 'RVAAE1'
  | 'RVAALE1'
  | 'IPAS2E1'
  | 'IPAS2LE1'
  | 'VMALLS12E1'
  | 'ALLE1'
  | 'VAE2'
  | 'VALE2'
  | 'ALLE2';
export const TLBI_OPS: readonly TlbiOp[] = [
  'VAE1',
  'VALE1',
  'VAAE1',
  'VAALE1',
  'ASIDE1',
  'VMALLE1',
  'RVAE1',
  'RVALE1',
  'RVAAE1',
  'RVAALE1',
  'IPAS2E1',
  'IPAS2LE1',
  'VMALLS12E1',
  'ALLE1',
  'VAE2',
  'VALE2',
  'ALLE2',
];

/**
 * Translation regimes (arm64): what a space's tables translate and what a CPU runs in.
 * - EL10: the EL1&0 stage 1 the OS policies drive (TTBR0/1_EL1, ASIDs); stage 2 off (HCR_EL2.VM = 0).
 * - STAGE2: a stage-2 table tree (VTTBR_EL2: root + VMID) translating IPAs to PAs.
 * - EL2: the non-VHE EL2 regime's own stage 1 (TTBR0_EL2; no ASID, Casemate "TTBR0_EL2 ASID is reserved 0").
 * A CPU in the GUEST regime runs at EL1&0 with stage 2 on and the guest's stage 1 off: its VAs are IPAs.
 */
export const Regime = { EL10: 0, STAGE2: 1, EL2: 2, GUEST: 3 } as const;
export type RegimeCode = 0 | 1 | 2 | 3;

/** VMIDs modelled: 8 bits (VTCR_EL2.VS = 0; FEAT_VMID16 is not modelled). */
export const VMID_LIMIT = 256;
/**
 * Tags beyond GLOBAL_TAG (the TLB-key and stale-record tag space is 17 bits): per VMID, entries that hold
 * stage-2 information only (an IPA → PA walk), and entries that combine stage 1 and stage 2 (what an
 * access by the guest caches). Arm ARM D8.13.x: TLBI IPAS2E1 need only remove the first kind, which is
 * why KVM follows it with TLBI VMALLE1 (arch/arm64/kvm/hyp/nvhe/tlb.c __kvm_tlb_flush_vmid_ipa).
 */
export function stage2Tag(vmid: number): number {
  return GLOBAL_TAG + 1 + 2 * vmid;
}
export function combinedTag(vmid: number): number {
  return GLOBAL_TAG + 2 + 2 * vmid;
}
/** Tag of the EL2 regime's stage-1 entries (one regime, no ASID). */
export const EL2_TAG = GLOBAL_TAG + 1 + 2 * VMID_LIMIT;
/** Number of tags beyond GLOBAL_TAG (rows of the holder masks). */
export const EXTRA_TAGS = 2 * VMID_LIMIT + 1;

/** Print a 48-bit VA sign-extended to 64 bits, the way kernels print addresses. */
export function formatVa(va: number): string {
  const v = BigInt(va);
  const ext = va >= KERNEL_HALF ? v | 0xffff000000000000n : v;
  return '0x' + ext.toString(16).padStart(16, '0');
}

/** Parse a sign-extended 64-bit address (bigint or hex string) into the 48-bit number the MMU uses. */
export function parseVa(va: bigint | string | number): number {
  if (typeof va === 'number') return va;
  const v = typeof va === 'bigint' ? va : BigInt(va);
  return Number(v & 0xffffffffffffn);
}

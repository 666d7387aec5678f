// What each physical page of a Casemate trace is, decided over the whole trace before any step is
// written: the roots its translation base registers load (VTTBR_EL2 → stage 2, TTBR0_EL2 → EL2 stage 1,
// TTBR0_EL1 → EL1&0 stage 1), the tables their table descriptors reach and at which lookup level, and the
// frames their leaves name. Casemate finds the same by walking from each root it registers (src/lib/src/
// model.c try_register_root / traverse_pgtable, src/lib/src/pgtable.c deconstruct_pte); a page reached at
// two levels or from two regimes, a level-0 block, a 16-bit VMID, … are reported unsupported, never
// guessed.
import { descriptorShape } from '../../scenario/arm64-descriptor.js';
import type { TraceRecord } from './records.js';

export type Regime = 'el1' | 'el2' | 'stage2';
export type FrameSize = '4K' | '2M' | '1G';

export interface TableRole {
  readonly level: 0 | 1 | 2 | 3;
  readonly regime: Regime;
}

/** One translation base register value: a root under an ID (VMID, ASID; 0 for EL2). */
export interface RootLoad {
  readonly regime: Regime;
  readonly root: number;
  readonly id: number;
}

export interface Layout {
  readonly tables: ReadonlyMap<number, TableRole>;
  readonly frames: ReadonlyMap<number, FrameSize>;
  /** The root loads, keyed `${regime}:${root}:${id}`, in the order the trace first makes them. */
  readonly loads: ReadonlyMap<string, RootLoad>;
  readonly unsupported: readonly string[];
  /** Assumptions the trace does not state (no VTCR_EL2 / TCR_EL2 write). */
  readonly notes: readonly string[];
}

const PAGE = 0xfffn;
const PA_LIMIT = 1n << 48n;
const at = (r: TraceRecord): string => `line ${r.line} (id ${r.id})`;
export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** [lo, hi] 32-bit halves of a 64-bit value. */
export function halves(v: bigint): [number, number] {
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}

/** The root load a TTBR write makes, or the reason it is not modelled. */
export function rootLoad(r: TraceRecord & { kind: 'sysreg-write' }): RootLoad | string | null {
  const regime: Regime | null =
    r.sysreg === 'vttbr_el2'
      ? 'stage2'
      : r.sysreg === 'ttbr0_el2'
        ? 'el2'
        : r.sysreg === 'ttbr0_el1'
          ? 'el1'
          : null;
  if (regime === null) return null;
  // BADDR is bits [47:1]; bit 0 is CnP (common-not-private, a TLB-sharing hint the model need not
  // distinguish); with a 4 KiB-granule root of 512 entries, bits [11:1] are zero (Arm ARM D8.2.x, VTTBR_EL2).
  const id = Number(r.value >> 48n);
  const root = Number(r.value & 0xfffffffff000n);
  if ((r.value & 0xffen) !== 0n)
    return `${r.sysreg} ${hex(r.value)}: a root not 4 KiB-aligned (concatenated or 52-bit tables)`;
  if (regime === 'el2' && id !== 0)
    return `${r.sysreg} ${hex(r.value)}: ASID field ${id}, RES0 in non-VHE EL2 (Casemate: "TTBR0_EL2 ASID is reserved 0")`;
  if (regime === 'stage2' && id > 255)
    return `${r.sysreg} ${hex(r.value)}: VMID ${id} needs 16-bit VMIDs (FEAT_VMID16)`;
  return { regime, root, id };
}

/**
 * The start level Casemate derives from T0SZ (src/lib/src/pgtable.c read_start_level: (48 - (64 - T0SZ))
 * / 9, ignoring VTCR_EL2.SL0) and the granule from TG0: the model walks 4 levels of 4 KiB tables only.
 */
function translationControl(r: TraceRecord & { kind: 'sysreg-write' }): string | null {
  if (r.sysreg !== 'vtcr_el2' && r.sysreg !== 'tcr_el2') return null;
  const t0sz = Number(r.value & 0x3fn);
  const tg0 = Number((r.value >> 14n) & 3n);
  if (tg0 !== 0) return `${r.sysreg} ${hex(r.value)}: TG0 ${tg0}, a ${tg0 === 1 ? '64' : '16'} KiB granule`;
  if (t0sz !== 16)
    return `${r.sysreg} ${hex(r.value)}: T0SZ ${t0sz}, a ${64 - t0sz}-bit input address (the model walks 48 bits from level 0)`;
  return null;
}

export function layoutOf(records: readonly TraceRecord[]): Layout {
  const unsupported: string[] = [];
  const notes: string[] = [];
  const tables = new Map<number, TableRole>();
  const frames = new Map<number, FrameSize>();
  const loads = new Map<string, RootLoad>();
  let control = false;
  const clashed = new Set<number>(); // pages already reported reached twice

  const role = (page: number, want: TableRole, why: string): boolean => {
    const have = tables.get(page);
    if (have === undefined) {
      tables.set(page, want);
      return true;
    }
    if ((have.level !== want.level || have.regime !== want.regime) && !clashed.has(page)) {
      clashed.add(page);
      unsupported.push(
        `page ${hex(page)} is a level-${have.level} ${have.regime} table and, ${why}, a level-${want.level} ${want.regime} table`,
      );
    }
    return false;
  };

  for (const r of records) {
    if (r.kind !== 'sysreg-write') continue;
    const c = translationControl(r);
    if (r.sysreg === 'vtcr_el2' || r.sysreg === 'tcr_el2') control = true;
    if (c !== null) unsupported.push(`${at(r)}: ${c}`);
    const load = rootLoad(r);
    if (typeof load === 'string') unsupported.push(`${at(r)}: ${load}`);
    else if (load !== null) {
      loads.set(`${load.regime}:${load.root}:${load.id}`, load);
      role(load.root, { level: 0, regime: load.regime }, `as ${r.sysreg} loads it at ${at(r)}`);
    }
  }
  if (!control && loads.size > 0)
    notes.push('no vtcr_el2 / tcr_el2 write: 48-bit input addresses from level 0 with 4 KiB pages assumed');

  // Table descriptors reach tables one level down, whichever order the writes come in.
  const writes = records.filter((r): r is TraceRecord & { kind: 'mem-write' } => r.kind === 'mem-write');
  for (const w of writes)
    if (w.address >= PA_LIMIT) unsupported.push(`${at(w)}: address ${hex(w.address)} beyond 48 bits`);
  for (let changed = true; changed;) {
    changed = false;
    for (const w of writes) {
      const t = tables.get(Number(w.address & ~PAGE));
      if (t === undefined || t.level === 3) continue;
      const [lo, hi] = halves(w.value);
      const s = descriptorShape(lo, hi, t.level);
      if (typeof s !== 'string' && s.kind === 'table')
        changed =
          role(s.oa, { level: (t.level + 1) as 1 | 2 | 3, regime: t.regime }, `linked at ${at(w)}`) ||
          changed;
    }
  }
  for (const w of writes) {
    const t = tables.get(Number(w.address & ~PAGE));
    if (t === undefined) continue;
    if ((w.address & 7n) !== 0n)
      unsupported.push(`${at(w)}: a descriptor write at ${hex(w.address)}, not 8-byte aligned`);
    const [lo, hi] = halves(w.value);
    const s = descriptorShape(lo, hi, t.level);
    if (typeof s === 'string') {
      unsupported.push(`${at(w)}: ${hex(w.value)} at ${hex(w.address)} is ${s}`);
      continue;
    }
    if (s.kind !== 'block' && s.kind !== 'page') continue;
    if (s.kind === 'page' && tables.has(s.oa)) continue;
    const size: FrameSize = s.kind === 'page' ? '4K' : t.level === 1 ? '1G' : '2M';
    const have = frames.get(s.oa);
    if (have !== undefined && have !== size)
      unsupported.push(`${at(w)}: output ${hex(s.oa)} is mapped as a ${have} and a ${size} leaf`);
    else frames.set(s.oa, size);
  }
  for (const [pa, size] of frames)
    if (size !== '4K' && tables.has(pa))
      unsupported.push(`page ${hex(pa)} is a page table and the output of a ${size} block`);
  for (const r of records)
    if (r.kind === 'mem-set' && r.value !== 0n)
      for (let p = r.address & ~PAGE; p < r.address + r.size; p += 0x1000n)
        if (tables.has(Number(p))) {
          unsupported.push(`${at(r)}: mem-set of byte ${hex(r.value)} over page table ${hex(p)}`);
          break;
        }
  return { tables, frames, loads, unsupported, notes };
}

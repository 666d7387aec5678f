// A Casemate trace as a hardware-level scenario (raw-mmu:arm64): the layout's tables and frames become the
// hw block with their physical addresses, and each record a step — or nothing, with the reason listed
// in `ignored`. What the model cannot state is `unsupported` and no scenario is made (never guessed).
//
// Record by record (the transitions of rems-project/casemate src/lib/src/model.c):
// - mem-write into a page table → raw-write (the descriptor, decoded per Arm ARM D8.3); elsewhere it is
//   plain memory, which no walk reads. Its memory order is not modelled: every store is visible to every
//   walk at once (DESIGN §4).
// - mem-init of a freed table → table-alloc reuse (a zeroed frame handed out again); of a live one → a
//   store of 0 into each non-zero entry. mem-free / hint release_table of a table → table-free.
//   mem-set of 0 over a table → a store of 0 into each non-zero entry.
// - barrier dsb/isb → barrier; tlbi → tlbi with the address and TTL hint of its operand register
//   (IPAS2E1IS: IPA[47:12] in Xt[35:0]; VAE2/VALE2: VA[55:12] in Xt[43:0]; TTL in Xt[47:44], Arm ARM
//   D8.13 "TLB maintenance instructions", TTL field).
// - sysreg-write vttbr_el2 / ttbr0_el2 → context el: 2 with that register loaded (enter_vmid_context);
//   ttbr0_el1 → set-root; vtcr_el2 / tcr_el2 are checked by the layout; mair_el2, hcr_el2, sctlr_el2 ignored.
// - hints set_root_lock / set_owner_root / set_pte_thread_owner and lock / trylock / unlock: Casemate's
//   ownership and lock discipline, which the model has no notion of — ignored, and counted.
import type { TableLevel } from '../../scenario/types.js';
import { hex, layoutOf, rootLoad, type Layout } from './layout.js';
import type { TraceRecord } from './records.js';

const LEVEL_NAME: readonly TableLevel[] = ['pgd', 'pud', 'pmd', 'pte'];
const PAGE = 0xfffn;

export interface ImportedScenario {
  /** The scenario document (for YAML), or null when something is unsupported. */
  readonly document: Record<string, unknown> | null;
  readonly unsupported: readonly string[];
  /** What was left out, with how often: `lock/unlock ×3 (lock discipline is not modelled)`. */
  readonly ignored: readonly string[];
  readonly notes: readonly string[];
}

const tableName = (pa: number): string => `t${pa.toString(16)}`;
const frameName = (pa: number): string => `f${pa.toString(16)}`;

/** Memory for every frame the hw block names (a block's run included) and the walk's own tables. */
function memoryFor(layout: Layout): string {
  let bytes = (layout.tables.size + 64) * 4096;
  for (const size of layout.frames.values())
    bytes += size === '1G' ? 2 ** 30 : size === '2M' ? 2 ** 21 : 4096;
  // a block's run is aligned to its size: room to align the largest
  const mib = Math.ceil(bytes / 2 ** 20) + ([...layout.frames.values()].includes('1G') ? 1024 : 8);
  return `${mib}MiB`;
}

class Ignored {
  private readonly counts = new Map<string, number>();
  add(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }
  list(): string[] {
    return [...this.counts].map(([w, n]) => (n > 1 ? `${w} ×${n}` : w));
  }
}

/** The TLBI step of one record, or the reason it is not modelled. */
function tlbiStep(r: TraceRecord & { kind: 'tlbi' }): Record<string, unknown> | string {
  const step: Record<string, unknown> = { op: 'tlbi', cpu: r.tid, kind: r.tlbi };
  if (r.value === null) return step;
  const ipa = r.tlbi === 'ipas2e1is';
  const page = r.value & ((1n << (ipa ? 36n : 44n)) - 1n);
  const va = page << 12n;
  if (va >= 1n << 47n)
    return `tlbi ${r.tlbi} of ${hex(va)}: stage-2 IPAs and EL2 VAs are modelled below 2^47`;
  step['va'] = hex(va);
  const ttl = Number((r.value >> 44n) & 0xfn);
  if (ttl >> 2 === 1) {
    if ((ttl & 3) === 0) return `tlbi ${r.tlbi} TTL ${ttl}: level 0 with 4 KiB pages is reserved`;
    step['level'] = LEVEL_NAME[ttl & 3];
  } else if (ttl >> 2 !== 0)
    return `tlbi ${r.tlbi} TTL ${ttl}: a ${ttl >> 2 === 2 ? '16' : '64'} KiB granule`;
  return step;
}

/** How a trace is replayed. */
export interface BuildOptions {
  /**
   * Add one CPU that runs, as a guest, every VM whose VTTBR_EL2 the trace loads, from the load on:
   * the other CPUs Casemate assumes may hold any valid stage-2 entry (model.c step_write_on_invalid:
   * after a valid write "all cores see a valid value"), which the trace itself never shows. Without it
   * only the trace's own threads translate, and they run at EL2.
   */
  readonly guest?: boolean;
}

export function buildScenario(
  name: string,
  records: readonly TraceRecord[],
  options: BuildOptions = {},
): ImportedScenario {
  const layout = layoutOf(records);
  const threads = Math.max(1, ...records.map((r) => r.tid + 1));
  let guestIn: string | null = null;
  // Per trace CPU at EL2: the VTTBR_EL2 and TTBR0_EL2 values it has loaded.
  type RegValue = { root: string; vmid?: number };
  const atEl2 = new Map<number, { vttbr: RegValue | null; el2: RegValue | null }>();
  const unsupported = [...layout.unsupported];
  const ignored = new Ignored();
  const steps: Record<string, unknown>[] = [];
  const shadow = new Map<number, bigint>(); // non-zero entries of the tables, by physical address
  const freed = new Set<number>(); // table pages freed and not handed out again
  const reused = new Map<number, number>(); // table page → how many times handed out again
  const src = (r: TraceRecord): string => `#${r.id} line ${r.line}${r.src !== null ? ` (${r.src})` : ''}`;

  const zero = (page: number, from: number, to: number, r: TraceRecord): void => {
    for (const [pa] of [...shadow].filter(
      ([a]) => a >= Math.max(page, from) && a < Math.min(page + 4096, to),
    )) {
      steps.push({ op: 'raw-write', cpu: r.tid, pa: hex(pa), value: '0x0', comment: src(r) });
      shadow.delete(pa);
    }
  };
  const free = (page: number, r: TraceRecord): void => {
    if (freed.has(page)) return ignored.add('a second free of a freed table');
    freed.add(page);
    steps.push({ op: 'table-free', cpu: r.tid, table: tableName(page), comment: src(r) });
  };
  const pages = (from: bigint, size: bigint): number[] => {
    const out: number[] = [];
    for (let p = from & ~PAGE; p < from + size && out.length <= 1 << 20; p += 0x1000n)
      if (layout.tables.has(Number(p))) out.push(Number(p));
    return out;
  };

  for (const r of records) {
    switch (r.kind) {
      case 'mem-write': {
        const page = Number(r.address & ~PAGE);
        if (!layout.tables.has(page)) {
          ignored.add('mem-write outside every page-table tree (plain memory, no walk reads it)');
          break;
        }
        if (freed.has(page)) {
          unsupported.push(
            `line ${r.line} (id ${r.id}): a write into page table ${hex(page)} after it was freed`,
          );
          break;
        }
        if (r.order === 'release')
          ignored.add('release memory order (every store is visible to every walk at once)');
        // As a hex string: a YAML number above 2^53 would lose bits.
        steps.push({ op: 'raw-write', cpu: r.tid, pa: hex(r.address), value: hex(r.value), comment: src(r) });
        if (r.value === 0n) shadow.delete(Number(r.address));
        else shadow.set(Number(r.address), r.value);
        break;
      }
      case 'mem-init':
        for (const page of pages(r.address, r.size)) {
          if (freed.has(page)) {
            // The allocator hands the freed frame out again, zeroed (table-alloc reuse).
            const n = (reused.get(page) ?? 0) + 1;
            reused.set(page, n);
            freed.delete(page);
            steps.push({
              op: 'table-alloc',
              cpu: r.tid,
              id: `${tableName(page)}_${n}`,
              level: LEVEL_NAME[layout.tables.get(page)!.level],
              reuse: tableName(page),
              comment: src(r),
            });
          } else zero(page, Number(r.address), Number(r.address + r.size), r);
        }
        break;
      case 'mem-set':
        for (const page of pages(r.address, r.size))
          zero(page, Number(r.address), Number(r.address + r.size), r);
        break;
      case 'mem-free':
        for (const page of pages(r.address, r.size)) free(page, r);
        break;
      case 'mem-read':
        ignored.add('mem-read (a read changes nothing)');
        break;
      case 'barrier':
        steps.push(
          r.barrier === 'dsb'
            ? { op: 'barrier', cpu: r.tid, kind: 'dsb', domain: r.domain, comment: src(r) }
            : { op: 'barrier', cpu: r.tid, kind: 'isb', comment: src(r) },
        );
        break;
      case 'tlbi': {
        const step = tlbiStep(r);
        if (typeof step === 'string') unsupported.push(`line ${r.line} (id ${r.id}): ${step}`);
        else steps.push({ ...step, comment: src(r) });
        break;
      }
      case 'sysreg-write': {
        const load = rootLoad(r);
        if (load === null) {
          if (r.sysreg !== 'vtcr_el2' && r.sysreg !== 'tcr_el2')
            ignored.add(
              r.sysreg === 'mair_el2'
                ? 'mair_el2 (memory attributes are not modelled)'
                : `${r.sysreg} (translation is always on in the model)`,
            );
          break;
        }
        if (typeof load === 'string') break; // the layout reported it
        // The register value itself: the space of that root (and VMID) is made when it is first loaded,
        // so a root freed and handed out again starts a new life (context vttbr: { root, vmid }).
        const space =
          load.regime === 'stage2'
            ? { root: tableName(load.root), vmid: load.id }
            : { root: tableName(load.root) };
        if (load.regime === 'el1') {
          steps.push({
            op: 'set-root',
            cpu: r.tid,
            root: tableName(load.root),
            asid: load.id,
            comment: src(r),
          });
          break;
        }
        // A register write replaces the register: the CPU leaves the EL2 context it entered for the last
        // write and enters one with both EL2 registers as they are now (not a nested regime).
        const regs = atEl2.get(r.tid) ?? { vttbr: null, el2: null };
        if (atEl2.has(r.tid)) steps.push({ op: 'context', cpu: r.tid, action: 'exit', comment: src(r) });
        const now = load.regime === 'stage2' ? { ...regs, vttbr: space } : { ...regs, el2: space };
        atEl2.set(r.tid, now);
        steps.push({
          op: 'context',
          cpu: r.tid,
          action: 'enter',
          el: 2,
          ...(now.vttbr === null ? {} : { vttbr: now.vttbr }),
          ...(now.el2 === null ? {} : { el2: now.el2 }),
          comment: src(r),
        });
        const key = `${space.root}:${load.id}`;
        if (options.guest === true && load.regime === 'stage2' && guestIn !== key) {
          if (guestIn !== null)
            steps.push({
              op: 'context',
              cpu: threads,
              action: 'exit',
              comment: 'the guest CPU leaves its VM',
            });
          steps.push({
            op: 'context',
            cpu: threads,
            action: 'enter',
            el: 1,
            vttbr: space,
            comment: 'the guest CPU runs this VM',
          });
          guestIn = key;
        }
        break;
      }
      case 'hint': {
        if (r.hint !== 'release_table') {
          ignored.add(`hint ${r.hint} (ownership is not modelled)`);
          break;
        }
        const page = Number(r.location & ~PAGE);
        if (layout.tables.has(page)) free(page, r);
        else ignored.add('hint release_table of a page that is no page table');
        break;
      }
      default:
        ignored.add('lock / trylock / unlock (the lock discipline is not modelled)');
    }
  }
  if (unsupported.length > 0)
    return { document: null, unsupported, ignored: ignored.list(), notes: layout.notes };
  if (steps.length === 0) unsupported.push('nothing in the trace touches a page table');
  if (unsupported.length > 0)
    return { document: null, unsupported, ignored: ignored.list(), notes: layout.notes };

  const tables: Record<string, unknown> = {};
  for (const [pa, t] of [...layout.tables].sort((a, b) => a[0] - b[0]))
    tables[tableName(pa)] = { level: LEVEL_NAME[t.level], pa: hex(pa), regime: t.regime };
  const frames: Record<string, unknown> = {};
  for (const [pa, size] of [...layout.frames].sort((a, b) => a[0] - b[0]))
    frames[frameName(pa)] = size === '4K' ? { pa: hex(pa) } : { pa: hex(pa), size };
  const cpus = threads + (options.guest === true && layout.loads.size > 0 ? 1 : 0);
  const document = {
    name,
    description: `Imported from the Casemate trace ${name}: ${records.length} records as hardware-level steps (shootdown import casemate).`,
    machine: { arch: 'arm64', cpus, memory: memoryFor(layout), tlb: 'adversarial' },
    hw: { frames, tables },
    steps,
  };
  return { document, unsupported, ignored: ignored.list(), notes: layout.notes };
}

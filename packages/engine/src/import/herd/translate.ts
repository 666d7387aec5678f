// A parsed litmus test → what the hardware level needs to run it: one address space (ASID 0, as herd's
// TLBI operands carry ASID 0) in which every virtual location has its own 4 KiB page, a frame per physical
// page, the initial memory, page-table entries and registers, and the list of what the test uses that the
// simulated MMU does not model. Every such thing is named (`unsupported: …`), never approximated.
import type { Descriptor, LitmusTest, Location, Prop, Value } from './ast.js';

/** The first virtual location's address; each next location one page above (all under one PTE table). */
export const LITMUS_VA_BASE = 0x400000;
export const LITMUS_SPACE = 'litmus';

export interface Plan {
  readonly test: LitmusTest;
  /** What the test uses that is not modelled; empty when it can run. */
  readonly unsupported: readonly string[];
  /** herd's fault handling (lib/fault.ml `Handling`): fatal (default, `precise`) stops the thread. */
  readonly fatal: boolean;
  /** herd's `ETS2` (or `ETS3`) variant: a translation fault is ordered after the thread's earlier accesses
   *  (libdir aarch64hwreqs.cat `ets-ob`), so no walk reads an entry as it was before the thread's own store. */
  readonly ets2: boolean;
  /** Virtual locations in order of first mention, with their VAs. */
  readonly va: ReadonlyMap<string, number>;
  /** Physical pages, each a frame of the `hw:` block named `frameName.get(page)`. */
  readonly frameName: ReadonlyMap<string, string>;
  readonly initMem: ReadonlyMap<string, Value>;
  readonly initPte: ReadonlyMap<string, Descriptor>;
  readonly initRegs: readonly ReadonlyMap<string, Value>[];
  /** The scenario's name (kebab-case) and its `machine:` + `hw:` blocks as YAML. */
  readonly scenarioName: string;
  readonly baseYaml: string;
}

/** herd's fault-handling variants (lib/fault.ml `Handling.parse`) and the variants that change nothing here. */
const FATAL_VARIANTS = new Set(['precise', 'fatal']);
const HANDLED_VARIANTS = new Set(['imprecise', 'handled', 'faulttonext', 'skip']);
// `vmsa` is the model itself. ETS2/ETS3 add orderings (herd libdir aarch64hwreqs.cat: DSB-ob's ETS2
// branches, `ets-ob`): without them a walk may miss its own thread's store until a DSB and an ISB.
const ETS_VARIANTS = new Set(['ets2', 'ets3']);
const NEUTRAL_VARIANTS = new Set(['vmsa', 'mixed']);

/** The herd7 variants the importer reads (case-insensitive); a test naming another is unsupported. */
export const KNOWN_VARIANTS: readonly string[] = [
  ...FATAL_VARIANTS,
  ...HANDLED_VARIANTS,
  ...ETS_VARIANTS,
  ...NEUTRAL_VARIANTS,
];

export function kebab(name: string): string {
  const k = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return k === '' ? 'litmus' : k;
}

function descriptors(v: Value | null): Descriptor[] {
  return v !== null && v.k === 'desc' ? [v.d] : [];
}

/** What a descriptor asks for that the MMU does not model (Arm ARM D8.4 fields herd lets a test set). */
export function descriptorProblems(d: Descriptor): string[] {
  const out: string[] = [];
  if (d.af === 0) out.push('access flag (af:0): access-flag faults and hardware AF updates are not modelled');
  if (d.dbm !== 0) out.push('dirty-bit modifier (dbm:1): hardware dirty-state updates are not modelled');
  if (d.el0 === 0) out.push('el0:0 entries (EL0 access permission) are not modelled');
  for (const a of d.attrs) {
    out.push(
      a.startsWith('oa:') ? `an entry pointing at a page-table entry (${a})` : `memory attribute ${a}`,
    );
  }
  return out;
}

function propLocations(p: Prop | null, out: Location[]): void {
  if (p === null) return;
  switch (p.k) {
    case 'eq':
      out.push(p.loc);
      if (p.value.k === 'va' || p.value.k === 'pte') out.push({ k: 'mem', loc: p.value.loc });
      return;
    case 'not':
      propLocations(p.p, out);
      return;
    case 'and':
    case 'or':
      for (const q of p.ps) propLocations(q, out);
      return;
    case 'implies':
      propLocations(p.p, out);
      propLocations(p.q, out);
      return;
    default:
      return;
  }
}

/** `variants`: herd7 variants given beside the test's own `Variant` line (herd7's `-variant`). */
export function planTest(test: LitmusTest, variants: readonly string[] = []): Plan {
  const unsupported = new Set<string>();
  const va = new Map<string, number>();
  const pages: string[] = [];
  const virt = (loc: string): void => {
    if (!va.has(loc)) va.set(loc, LITMUS_VA_BASE + va.size * 4096);
    page(loc);
  };
  const page = (p: string): void => {
    if (!pages.includes(p)) pages.push(p);
  };
  const touchValue = (v: Value | null): void => {
    if (v === null) return;
    if (v.k === 'va' || v.k === 'pte' || v.k === 'vpn') virt(v.loc);
    else if (v.k === 'pa') page(v.loc);
    else if (v.k === 'desc' && v.d.oa !== null) page(v.d.oa);
  };

  const initMem = new Map<string, Value>();
  const initPte = new Map<string, Descriptor>();
  const initRegs = test.threads.map(() => new Map<string, Value>());
  for (const item of test.init) {
    touchValue(item.value);
    for (const d of descriptors(item.value)) for (const p of descriptorProblems(d)) unsupported.add(p);
    if (item.type?.endsWith('[]'))
      unsupported.add(`array location ${item.loc.k === 'mem' ? item.loc.loc : ''}`);
    switch (item.loc.k) {
      case 'reg': {
        if (item.loc.thread >= test.threads.length)
          unsupported.add(`register of a thread P${item.loc.thread} the code does not have`);
        else initRegs[item.loc.thread]!.set(item.loc.reg, item.value ?? { k: 'int', v: 0n });
        break;
      }
      case 'mem':
        virt(item.loc.loc);
        initMem.set(item.loc.loc, item.value ?? { k: 'int', v: 0n });
        break;
      case 'pa':
        page(item.loc.loc);
        initMem.set(item.loc.loc, item.value ?? { k: 'int', v: 0n });
        break;
      case 'pte': {
        virt(item.loc.loc);
        const v = item.value;
        if (v === null || v.k !== 'desc') {
          unsupported.add(
            `a page-table entry initialised with something other than a descriptor (PTE(${item.loc.loc}))`,
          );
          break;
        }
        const d = v.d.oa === null ? { ...v.d, oa: item.loc.loc } : v.d;
        page(d.oa!);
        initPte.set(item.loc.loc, d);
        break;
      }
    }
  }
  const condLocs: Location[] = [...test.locations];
  propLocations(test.condition.prop, condLocs);
  propLocations(test.filter, condLocs);
  for (const l of condLocs) {
    if (l.k === 'mem' || l.k === 'pte') virt(l.loc);
    else if (l.k === 'pa') page(l.loc);
  }
  for (const loc of va.keys())
    if (!initPte.has(loc))
      initPte.set(loc, { oa: loc, valid: 1, af: 1, db: 1, dbm: 0, el0: 1, x: 1, attrs: [] });

  // header lines
  for (const [key, value] of Object.entries(test.meta)) {
    if (
      key === 'TTHM' ||
      key === 'EL0' ||
      key === 'Hash' ||
      key === 'Com' ||
      key === 'Orig' ||
      key === 'Cycle' ||
      key === 'Relax' ||
      key === 'Safe' ||
      key === 'Generator' ||
      key === 'Prefetch' ||
      key === 'Scopes' ||
      key === 'Mapping'
    )
      continue;
    if (key.toLowerCase() !== 'variant') unsupported.add(`header ${key}=${value}`);
  }
  let fatal = true;
  let ets2 = false;
  const variant = Object.entries(test.meta).find(([k]) => k.toLowerCase() === 'variant')?.[1] ?? '';
  for (const v of [...variants, ...variant.split(/[,\s]+/)].filter((x) => x !== '')) {
    const lv = v.toLowerCase();
    if (FATAL_VARIANTS.has(lv)) fatal = true;
    else if (HANDLED_VARIANTS.has(lv)) fatal = false;
    else if (ETS_VARIANTS.has(lv)) ets2 = true;
    else if (!NEUTRAL_VARIANTS.has(lv)) unsupported.add(`variant ${v}`);
  }
  for (const h of test.handlers)
    unsupported.add(`fault handler ${h} (exception entry and return are not modelled)`);
  for (const t of test.threads) {
    for (const line of t.code) {
      const ins = line.ins;
      if (ins.op === 'unmodelled') unsupported.add(`instruction ${ins.mnemonic}`);
      if (ins.op === 'dsb' && ins.option.startsWith('NSH'))
        unsupported.add(`DSB ${ins.option} (a non-shareable DSB and broadcast TLBIs)`);
      if (ins.op === 'tlbi' && !TLBI_KINDS.has(ins.kind)) unsupported.add(`TLBI ${ins.kind}`);
    }
  }

  const frameName = new Map<string, string>();
  const used = new Set<string>([LITMUS_SPACE]);
  for (const p of pages) {
    let n = p.replace(/[^A-Za-z0-9_-]/g, '_');
    if (!/^[A-Za-z_]/.test(n)) n = `_${n}`;
    while (used.has(n)) n += '_';
    used.add(n);
    frameName.set(p, n);
  }
  return {
    test,
    unsupported: [...unsupported],
    fatal,
    ets2,
    va,
    frameName,
    initMem,
    initPte,
    initRegs,
    scenarioName: kebab(test.name),
    baseYaml: baseYaml(test, va, frameName, initPte),
  };
}

/**
 * herd's TLBI operations (lib/AArch64Base.ml `TLBI`) that the MMU models for the EL1&0 regime of one
 * address space. EL2 and stage-2 forms need a regime herd's tests never set up.
 */
export const TLBI_KINDS: ReadonlyMap<string, { kind: string; operand: 'va' | 'asid' | 'none' }> = new Map([
  ['VAE1', { kind: 'vae1', operand: 'va' }],
  ['VAE1IS', { kind: 'vae1is', operand: 'va' }],
  ['VALE1', { kind: 'vale1', operand: 'va' }],
  ['VALE1IS', { kind: 'vale1is', operand: 'va' }],
  ['VAAE1', { kind: 'vaae1', operand: 'va' }],
  ['VAAE1IS', { kind: 'vaae1is', operand: 'va' }],
  ['VAALE1', { kind: 'vaale1', operand: 'va' }],
  ['VAALE1IS', { kind: 'vaale1is', operand: 'va' }],
  ['ASIDE1', { kind: 'aside1', operand: 'asid' }],
  ['ASIDE1IS', { kind: 'aside1is', operand: 'asid' }],
  ['VMALLE1', { kind: 'vmalle1', operand: 'none' }],
  ['VMALLE1IS', { kind: 'vmalle1is', operand: 'none' }],
] as const);

function prot(d: Descriptor): string {
  // herd's `db` is the write permission (lib/AArch64PteVal.ml `writable`: db or dbm with HD)
  return d.db !== 0 ? 'rw' : 'r';
}

function hex(n: number): string {
  return `'0x${n.toString(16)}'`;
}

function baseYaml(
  test: LitmusTest,
  va: ReadonlyMap<string, number>,
  frameName: ReadonlyMap<string, string>,
  initPte: ReadonlyMap<string, Descriptor>,
): string {
  const frames = [...frameName.values()].map((f) => `${f}: { use: data }`).join(', ');
  const mappings: string[] = [];
  for (const [loc, addr] of va) {
    const d = initPte.get(loc)!;
    if (d.valid === 0 || d.oa === null) continue;
    mappings.push(
      `        - { va: ${hex(addr)}, frame: ${frameName.get(d.oa)}, prot: ${prot(d)}, user: true }`,
    );
  }
  return [
    `machine: { arch: arm64, cpus: ${Math.max(1, test.threads.length)}, memory: 1MiB, tlb: adversarial, onConflict: either }`,
    'hw:',
    `  frames: { ${frames} }`,
    '  spaces:',
    `    ${LITMUS_SPACE}:`,
    '      asid: 0',
    mappings.length === 0 ? '      mappings: []' : `      mappings:\n${mappings.join('\n')}`,
  ].join('\n');
}

export { prot as descriptorProt };

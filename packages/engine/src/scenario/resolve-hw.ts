// The hardware level (DESIGN §4 "Hardware-level ops"): the `hw:` block's named frames, page-table frames
// and address spaces, and the steps that address them directly. Names are checked here so the MMU-only
// runner never meets a dangling one.
import { ARM_LOOKUP_LEVEL, descriptorHalves, descriptorHex, descriptorShape } from './arm64-descriptor.js';
import type { Ctx, HwPaName } from './context.js';
import type {
  BarrierStep,
  ContextStep,
  Cr3WriteStep,
  HwBlock,
  HwEntry,
  HwFrame,
  HwMapping,
  HwSpace,
  HwTable,
  InvlpgStep,
  InvpcidStep,
  Prot,
  PteStoreStep,
  RawWriteStep,
  SetRootStep,
  Step,
  StepBase,
  TableAllocStep,
  TableFreeStep,
  TableLevel,
  TableStoreStep,
  TlbiKind,
  TlbiStep,
} from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function resolveHwBlock(ctx: Ctx, raw: unknown, arch: 'x86_64' | 'arm64'): HwBlock {
  const hw = obj(raw);
  const frames: Record<string, HwFrame> = {};
  const tables: Record<string, HwTable> = {};
  const spaces: Record<string, HwSpace> = {};
  for (const [name, f] of Object.entries(obj(hw['frames']))) {
    ctx.ids.declare('frame', name, `/hw/frames/${name}`, ctx.line(`/hw/frames/${name}`));
    const size = obj(f)['size'] === '2M' || obj(f)['size'] === '1G' ? (obj(f)['size'] as '2M' | '1G') : '4K';
    const pa = physical(ctx, obj(f)['pa'], `/hw/frames/${name}/pa`, { kind: 'frame', name, size }, size);
    frames[name] = { use: typeof obj(f)['use'] === 'string' ? (obj(f)['use'] as string) : 'data', size, pa };
  }
  for (const [name, t] of Object.entries(obj(hw['tables']))) {
    ctx.ids.declare('table', name, `/hw/tables/${name}`, ctx.line(`/hw/tables/${name}`));
    const level = obj(t)['level'] as TableLevel;
    ctx.hwTableLevel.set(name, level);
    const r = obj(t)['regime'];
    const regime = r === 'el1' || r === 'el2' || r === 'stage2' ? r : null;
    const named: HwPaName = { kind: 'table', name, level, regime };
    const pa = physical(ctx, obj(t)['pa'], `/hw/tables/${name}/pa`, named, '4K');
    tables[name] = { level, pa, regime };
  }
  const asids = new Map<number, string>();
  for (const [name, sp] of Object.entries(obj(hw['spaces']))) {
    const p = `/hw/spaces/${name}`;
    ctx.ids.declare('space', name, p, ctx.line(p));
    const s = obj(sp);
    const vmid = num(s['vmid']);
    const el2 = s['el2'] === true;
    const kinds = [s['asid'] !== undefined, vmid !== null, el2].filter(Boolean).length;
    if (kinds !== 1)
      ctx.error(
        p,
        'a space needs exactly one of asid: (an EL1&0 space), vmid: (a stage-2 space) and el2: true (an EL2 space)',
      );
    if ((vmid !== null || el2) && arch !== 'arm64')
      ctx.error(`${p}/${el2 ? 'el2' : 'vmid'}`, 'stage-2 and EL2 spaces are arm64 (machine.arch: arm64)');
    if ((vmid !== null || el2) && s['kernel'] === true)
      ctx.error(`${p}/kernel`, 'the kernel space is an EL1&0 space (asid:)');
    const asid = num(s['asid']) ?? 0;
    const kernel = s['kernel'] === true;
    if (!kernel && vmid === null && !el2 && asids.has(asid))
      ctx.error(`${p}/asid`, `asid ${asid} is already used by space "${asids.get(asid)}"`);
    if (vmid === null && !el2) asids.set(asid, name);
    ctx.hwSpaceRegime.set(name, vmid !== null ? 'stage2' : el2 ? 'el2' : 'el1');
    const mappings: HwMapping[] = [];
    const list = Array.isArray(s['mappings']) ? (s['mappings'] as unknown[]) : [];
    list.forEach((m, i) => {
      const mo = obj(m);
      const mp = `${p}/mappings/${i}`;
      // Stage-2 descriptors have S2AP and XN only; non-VHE EL2 has no EL0, no nG and no overlays.
      for (const k of ['user', 'global', 'key'])
        if ((vmid !== null || el2) && mo[k] !== undefined)
          ctx.error(`${mp}/${k}`, `${k}: has no meaning in a ${el2 ? 'EL2' : 'stage-2'} space`);
      const va = ctx.address(mo['va'], `${mp}/va`) ?? 0;
      if ((vmid !== null || el2) && va >= 2 ** 47)
        ctx.error(`${mp}/va`, 'stage-2 IPAs and EL2 VAs are modelled below 0x800000000000 (2^47)');
      mappings.push({
        va,
        frame: ctx.ref('frame', mo['frame'], `${mp}/frame`),
        prot: (mo['prot'] as Prot | undefined) ?? 'rw',
        user: mo['user'] === true,
        global: mo['global'] === true,
        key: num(mo['key']) ?? 0,
        size: (mo['size'] as HwMapping['size'] | undefined) ?? '4K',
      });
    });
    const root = s['root'] === undefined ? null : ctx.ref('table', s['root'], `${p}/root`);
    if (
      root !== null &&
      tables[root] !== undefined &&
      tables[root].level !== 'pgd' &&
      tables[root].level !== 'p4d'
    )
      ctx.error(`${p}/root`, `table "${root}" is a ${tables[root].level} table; a root must be pgd`);
    // A root holds its space's descriptors; a regime: on it must say the same.
    const mine = vmid !== null ? 'stage2' : el2 ? 'el2' : 'el1';
    if (root !== null && tables[root] !== undefined) {
      const said = tables[root].regime;
      if (said !== null && said !== mine)
        ctx.error(`${p}/root`, `table "${root}" is declared regime: ${said}, but this is a ${mine} space`);
      tables[root] = { ...tables[root], regime: mine };
      const byPa = tables[root].pa === null ? undefined : ctx.hwPa.get(tables[root].pa);
      if (byPa?.kind === 'table') byPa.regime = mine;
    }
    spaces[name] = { asid, vmid, el2, root, kernel, mappings };
  }
  return { arch, frames, tables, spaces };
}

const PA_ALIGN = { '4K': 4096, '2M': 2 ** 21, '1G': 2 ** 30 } as const;

/** A frame's or table's `pa:`: aligned to its size (Arm ARM D8.3: outputs are size-aligned), used once. */
function physical(
  ctx: Ctx,
  v: unknown,
  pointer: string,
  what: HwPaName,
  size: '4K' | '2M' | '1G',
): number | null {
  if (v === undefined) return null;
  const pa = ctx.address(v, pointer) ?? 0;
  if (pa % PA_ALIGN[size] !== 0) {
    ctx.error(pointer, `pa ${hex(pa)} is not aligned to ${size}`);
    return pa;
  }
  if (pa >= 2 ** 48) ctx.error(pointer, `pa ${hex(pa)} is beyond the 48-bit physical address space`);
  const other = ctx.hwPa.get(pa);
  if (other !== undefined)
    ctx.error(pointer, `pa ${hex(pa)} is already the pa of ${other.kind} "${other.name}"`);
  else ctx.hwPa.set(pa, what);
  return pa;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * `raw-write`: the address names entry (pa mod 4096) / 8 of the table whose `pa:` is its page; the
 * descriptor's kind at that table's level and its output address, which must be the `pa:` of a frame of
 * the leaf's size (or of a table, for a page or a table descriptor). Everything static is checked here.
 */
function rawWrite(ctx: Ctx, o: Obj, pointer: string, base: StepBase): RawWriteStep {
  const at = (k: string): string => `${pointer}/${k}`;
  const pa = ctx.address(o['pa'], at('pa')) ?? 0;
  const halves = descriptorHalves(o['value']);
  if (halves === null)
    ctx.error(
      at('value'),
      'a descriptor above 2^53 - 1 loses bits as a number: write it as a quoted hex string ("0x…", 16 digits at most)',
    );
  const [lo, hi] = halves ?? [0, 0];
  const step = { ...base, op: 'raw-write', pa, value: descriptorHex(lo, hi), lo, hi } as const;
  const page = pa - (pa % 4096);
  const owner = ctx.hwPa.get(page);
  if (owner?.kind !== 'table') {
    ctx.error(
      at('pa'),
      owner === undefined
        ? `pa ${hex(pa)} is in no table of the hw block (give the table a pa:)`
        : `pa ${hex(pa)} is in frame "${owner.name}", not a page table: raw-write stores descriptors`,
    );
    return { ...step, table: '', level: 'pte', regime: null, index: 0, kind: 'invalid', target: null };
  }
  if (pa % 8 !== 0) ctx.error(at('pa'), `pa ${hex(pa)} is not 8-byte aligned (a descriptor is 64 bits)`);
  const index = Math.floor((pa - page) / 8);
  const at0 = { ...step, table: owner.name, level: owner.level, regime: owner.regime, index };
  const level = ARM_LOOKUP_LEVEL[owner.level];
  const shape = descriptorShape(lo, hi, level);
  if (typeof shape === 'string') {
    ctx.error(
      at('value'),
      `${descriptorHex(lo, hi)} in ${owner.level} table "${owner.name}" is ${shape}: not modelled`,
    );
    return { ...at0, kind: 'invalid', target: null };
  }
  if (shape.kind === 'invalid') return { ...at0, kind: 'invalid', target: null };
  const out = ctx.hwPa.get(shape.oa);
  const need = shape.kind === 'block' ? (level === 1 ? '1G' : '2M') : '4K';
  const fits =
    out !== undefined &&
    (shape.kind === 'table'
      ? out.kind === 'table' && ARM_LOOKUP_LEVEL[out.level] === level + 1
      : out.kind === 'frame'
        ? out.size === need
        : shape.kind === 'page');
  if (!fits) {
    const wanted =
      shape.kind === 'table'
        ? `a ${['pud', 'pmd', 'pte'][level]} table`
        : shape.kind === 'page'
          ? 'a 4K frame or a table'
          : `a ${need} frame`;
    ctx.error(
      at('value'),
      `${descriptorHex(lo, hi)} is a ${shape.kind} descriptor in ${owner.level} table "${owner.name}" with output ${hex(shape.oa)}, which is not the pa: of ${wanted} in the hw block`,
    );
  }
  return { ...at0, kind: shape.kind, target: out?.name ?? null };
}

/** `entry: invalid` (also what an importer stores for a descriptor whose valid bit is clear). */
export const INVALID_HW_ENTRY: HwEntry = {
  valid: false,
  frame: null,
  table: null,
  prot: 'none',
  user: false,
  global: false,
  key: 0,
  leaf: false,
  attrs: {},
};

function entry(ctx: Ctx, v: unknown, pointer: string): HwEntry {
  const invalid = INVALID_HW_ENTRY;
  if (v === 'invalid') return invalid;
  const o = obj(v);
  const valid = o['valid'] !== false;
  const frame = o['frame'] === undefined ? null : ctx.ref('frame', o['frame'], `${pointer}/frame`);
  const table = o['table'] === undefined ? null : ctx.ref('table', o['table'], `${pointer}/table`);
  if (valid && (frame === null) === (table === null)) {
    ctx.error(pointer, 'a valid entry needs exactly one output: frame or table');
  }
  const attrs: Record<string, boolean | number> = {};
  for (const [k, x] of Object.entries(obj(o['attrs'])))
    if (typeof x === 'boolean' || typeof x === 'number') attrs[k] = x;
  return {
    valid,
    frame,
    table,
    prot: (o['prot'] as Prot | undefined) ?? (table === null ? 'rw' : 'rwx'),
    user: o['user'] === true,
    global: o['global'] === true,
    key: num(o['key']) ?? 0,
    leaf: o['leaf'] === true,
    attrs,
  };
}

/** A hw space named where a register of one regime is loaded: it must be a space of that regime. */
function regimeSpace(ctx: Ctx, v: unknown, pointer: string, want: 'stage2' | 'el2'): string {
  const name = ctx.ref('space', v, pointer);
  const have = ctx.hwSpaceRegime.get(name);
  if (have !== undefined && have !== want)
    ctx.error(
      pointer,
      want === 'stage2'
        ? `space "${name}" is not a stage-2 space (VTTBR_EL2 takes one declared with vmid:)`
        : `space "${name}" is not an EL2 space (TTBR0_EL2 takes one declared with el2: true)`,
    );
  return name;
}

/** One hardware-level step, or null when `op` is not one. */
export function resolveHwStep(
  ctx: Ctx,
  o: Obj,
  pointer: string,
  base: StepBase,
  suffix: string,
): Step | null {
  const at = (k: string): string => `${pointer}/${k}`;
  const space = (): string => ctx.ref('space', o['space'], at('space'));
  switch (o['op']) {
    case 'pte-store':
      return {
        ...base,
        op: 'pte-store',
        space: space(),
        va: ctx.address(o['va'], at('va')) ?? 0,
        level: (o['level'] as TableLevel | undefined) ?? 'pte',
        entry: entry(ctx, o['entry'], at('entry')),
      } satisfies PteStoreStep;
    case 'table-store':
      return {
        ...base,
        op: 'table-store',
        table: ctx.ref('table', o['table'], at('table')),
        index: num(o['index']) ?? 0,
        entry: entry(ctx, o['entry'], at('entry')),
      } satisfies TableStoreStep;
    case 'raw-write':
      return rawWrite(ctx, o, pointer, base);
    case 'table-alloc':
      return {
        ...base,
        op: 'table-alloc',
        id: ctx.define('table', o['id'], suffix, at('id')),
        level: o['level'] as TableLevel,
        reuse: o['reuse'] === undefined ? null : ctx.ref('table', o['reuse'], at('reuse')),
      } satisfies TableAllocStep;
    case 'table-free':
      return {
        ...base,
        op: 'table-free',
        table: ctx.ref('table', o['table'], at('table')),
      } satisfies TableFreeStep;
    case 'tlbi':
      return {
        ...base,
        op: 'tlbi',
        kind: o['kind'] as TlbiKind,
        va: ctx.address(o['va'], at('va')),
        asid: num(o['asid']),
        pages: num(o['pages']),
        level: (o['level'] as TableLevel | undefined) ?? null,
      } satisfies TlbiStep;
    case 'invlpg':
      return { ...base, op: 'invlpg', va: ctx.address(o['va'], at('va')) ?? 0 } satisfies InvlpgStep;
    case 'invpcid-one':
    case 'invpcid-single':
    case 'invpcid-all':
    case 'invpcid-all-nonglobal':
      return {
        ...base,
        op: o['op'],
        pcid: num(o['pcid']),
        va: ctx.address(o['va'], at('va')),
      } satisfies InvpcidStep;
    case 'cr3-write':
    case 'cr3-write-noflush':
      return { ...base, op: o['op'], space: space(), pcid: num(o['pcid']) } satisfies Cr3WriteStep;
    case 'barrier': {
      const kind = o['kind'] as 'dsb' | 'isb';
      if (kind === 'isb' && o['domain'] !== undefined) ctx.error(at('domain'), 'isb takes no domain');
      const domain = kind === 'dsb' ? ((o['domain'] as BarrierStep['domain'] | undefined) ?? 'sy') : null;
      return { ...base, op: 'barrier', kind, domain } satisfies BarrierStep;
    }
    case 'set-root': {
      if ((o['space'] === undefined) === (o['root'] === undefined))
        ctx.error(pointer, 'set-root needs exactly one of space (a hw space) and root (a named root table)');
      if (o['root'] !== undefined && o['asid'] === undefined)
        ctx.error(pointer, 'set-root with root: needs asid: (the ASID/PCID loaded with it)');
      if (typeof o['space'] === 'string' && (ctx.hwSpaceRegime.get(o['space']) ?? 'el1') !== 'el1')
        ctx.error(
          at('space'),
          'set-root loads TTBR0_EL1: a stage-2 or EL2 space is entered with context el:',
        );
      return {
        ...base,
        op: 'set-root',
        space: o['space'] === undefined ? null : space(),
        root: o['root'] === undefined ? null : ctx.ref('table', o['root'], at('root')),
        asid: num(o['asid']),
      } satisfies SetRootStep;
    }
    case 'context': {
      const action = o['action'] as 'enter' | 'exit';
      const el = o['el'] === 1 || o['el'] === 2 ? o['el'] : null;
      if (action === 'enter' && typeof o['name'] !== 'string' && el === null)
        ctx.error(pointer, 'context enter needs a name (a privileged context) or el: (a translation regime)');
      if (action === 'exit')
        for (const k of ['el', 'vttbr', 'el2'])
          if (o[k] !== undefined)
            ctx.error(at(k), `context exit takes no ${k}: it returns to the regime before`);
      if (el === null)
        for (const k of ['vttbr', 'el2'])
          if (o[k] !== undefined) ctx.error(at(k), `${k}: loads a translation regime: it needs el:`);
      if (el === 1 && o['el2'] !== undefined) ctx.error(at('el2'), 'TTBR0_EL2 is loaded at EL2 (el: 2)');
      // A register value ({ root, vmid } / { root }) names a root table, not a declared space.
      const vo = typeof o['vttbr'] === 'object' && o['vttbr'] !== null ? obj(o['vttbr']) : null;
      const eo = typeof o['el2'] === 'object' && o['el2'] !== null ? obj(o['el2']) : null;
      const root = (v: Obj, p: string): string => {
        const t = ctx.ref('table', v['root'], `${p}/root`);
        const level = ctx.hwTableLevel.get(t);
        if (level !== undefined && level !== 'pgd' && level !== 'p4d')
          ctx.error(`${p}/root`, `table "${t}" is a ${level} table; a root must be pgd`);
        return t;
      };
      return {
        ...base,
        op: 'context',
        action,
        name: typeof o['name'] === 'string' ? o['name'] : null,
        el,
        vttbr:
          o['vttbr'] === undefined || vo !== null
            ? null
            : regimeSpace(ctx, o['vttbr'], at('vttbr'), 'stage2'),
        el2: o['el2'] === undefined || eo !== null ? null : regimeSpace(ctx, o['el2'], at('el2'), 'el2'),
        vttbrRoot: vo === null ? null : { root: root(vo, at('vttbr')), vmid: num(vo['vmid']) ?? 0 },
        el2Root: eo === null ? null : root(eo, at('el2')),
      } satisfies ContextStep;
    }
    default:
      return null;
  }
}

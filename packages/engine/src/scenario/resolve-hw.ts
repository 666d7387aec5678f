// The hardware level (DESIGN §4 "Hardware-level ops"): the `hw:` block's named frames, page-table frames
// and address spaces, and the steps that address them directly. Names are checked here so the MMU-only
// runner never meets a dangling one.
import type { Ctx } from './context.js';
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
    frames[name] = { use: typeof obj(f)['use'] === 'string' ? (obj(f)['use'] as string) : 'data' };
  }
  for (const [name, t] of Object.entries(obj(hw['tables']))) {
    ctx.ids.declare('table', name, `/hw/tables/${name}`, ctx.line(`/hw/tables/${name}`));
    tables[name] = { level: obj(t)['level'] as TableLevel };
  }
  const asids = new Map<number, string>();
  for (const [name, sp] of Object.entries(obj(hw['spaces']))) {
    const p = `/hw/spaces/${name}`;
    ctx.ids.declare('space', name, p, ctx.line(p));
    const s = obj(sp);
    const asid = num(s['asid']) ?? 0;
    const kernel = s['kernel'] === true;
    if (!kernel && asids.has(asid))
      ctx.error(`${p}/asid`, `asid ${asid} is already used by space "${asids.get(asid)}"`);
    asids.set(asid, name);
    const mappings: HwMapping[] = [];
    const list = Array.isArray(s['mappings']) ? (s['mappings'] as unknown[]) : [];
    list.forEach((m, i) => {
      const mo = obj(m);
      const mp = `${p}/mappings/${i}`;
      mappings.push({
        va: ctx.address(mo['va'], `${mp}/va`) ?? 0,
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
    spaces[name] = { asid, root, kernel, mappings };
  }
  return { arch, frames, tables, spaces };
}

function entry(ctx: Ctx, v: unknown, pointer: string): HwEntry {
  const invalid: HwEntry = {
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
      if (action === 'enter' && typeof o['name'] !== 'string')
        ctx.error(pointer, 'context enter needs a name');
      return {
        ...base,
        op: 'context',
        action,
        name: typeof o['name'] === 'string' ? o['name'] : null,
      } satisfies ContextStep;
    }
    default:
      return null;
  }
}

// OS-level steps (DESIGN §4 "OS-level ops"): what each op names is checked against what the scenario
// defined before it, so the runner can trust every id, CPU and key it is handed.
import type { Ctx } from './context.js';
import type {
  RegionSpan,
  AccessKind,
  AccessStep,
  AccessTarget,
  KallocFlag,
  KeyAssignFlag,
  KeyRights,
  MmapFlag,
  PageAllocFlag,
  Prot,
  SignalName,
  SpeculateStep,
  Step,
  StepBase,
  UaccessKind,
} from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
/**
 * The strings of a list, in a list of one array class (V8 elements kind) whether it has any or not: an
 * empty literal `[]`, or a list filtered from an empty one, is a list of small integers to V8, and the op
 * handlers and allocators that ask `flags.includes(…)`, optimised for one class, were deoptimised by the
 * other.
 */
function strs<T extends string>(v: unknown): T[] {
  const out: T[] = ['' as T];
  out.length = 0; // an array's elements kind never narrows back: it stays a list of objects
  if (Array.isArray(v)) for (const x of v as unknown[]) if (typeof x === 'string') out.push(x as T);
  return out;
}

/** Where an access or speculative walk goes: a region, a frame selector, or (hw) a space and VA. */
function accessTarget(ctx: Ctx, o: Obj, pointer: string, op: string, hw: boolean): AccessTarget {
  const given = ['region', 'target', 'space'].filter((k) => o[k] !== undefined);
  const at = (k: string): string => `${pointer}/${k}`;
  if (o['va'] !== undefined && o['space'] === undefined) ctx.error(at('va'), `${op} with va needs a space`);
  if (given.length !== 1) {
    ctx.error(
      pointer,
      `${op} needs exactly one of region, target, or space with va; got ${given.length === 0 ? 'none' : given.join(', ')}`,
    );
  }
  if (o['space'] !== undefined) {
    if (!hw) ctx.error(at('space'), `${op} by space and va needs a hw: block (a hardware-level scenario)`);
    if (o['va'] === undefined) ctx.error(pointer, `${op} by space needs a va`);
    return {
      kind: 'space',
      space: ctx.ref('space', o['space'], at('space')),
      va: ctx.address(o['va'], at('va')) ?? 0,
    };
  }
  if (hw) ctx.error(pointer, `${op} in a hardware-level scenario is addressed by space and va`);
  if (o['target'] !== undefined) return ctx.frameSelector(obj(o['target']), at('target'));
  if (typeof o['region'] === 'object') return ctx.frameSelector(obj(o['region']), at('region'));
  const pages = num(o['pages']) ?? 1;
  return ctx.regionRange({ ...o, pages }, pointer, op);
}

function access(ctx: Ctx, o: Obj, pointer: string, base: StepBase, hw: boolean): AccessStep | SpeculateStep {
  const op = o['op'] as 'access' | 'speculate';
  const target = accessTarget(ctx, o, pointer, op, hw);
  const pages = num(o['pages']) ?? 1;
  const via = (o['via'] as 'own' | 'direct-map' | undefined) ?? 'own';
  if (via === 'direct-map' && target.kind !== 'region' && target.kind !== 'frame-of') {
    ctx.error(`${pointer}/via`, 'via: direct-map needs a region or a frame-of selector');
  }
  if (base.expectPages !== undefined && base.expectPages.length !== pages) {
    ctx.error(
      `${pointer}/expect-pages`,
      `expect-pages has ${base.expectPages.length} entries but the ${op} touches ${pages} page(s)`,
    );
  }
  const kind = (o['kind'] as AccessKind | undefined) ?? 'read';
  const serve = o['serve'] as 'old' | 'new' | undefined;
  if (serve !== undefined && (!hw || op !== 'access'))
    ctx.error(`${pointer}/serve`, 'serve: is for accesses of a hardware-level scenario (hw: block)');
  const walk = o['walk'] as 'before-store' | undefined;
  if (walk !== undefined && (!hw || op !== 'access'))
    ctx.error(`${pointer}/walk`, 'walk: is for accesses of a hardware-level scenario (hw: block)');
  if (op === 'speculate') return { ...base, op, target, pages, kind, via };
  // `serve` and `walk` present even when absent (undefined): one hidden class for every access step
  return { ...base, op, kind, target, pages, via, serve, walk };
}

/** A key range: a region range or a literal `range`, exactly one. */
function keyRange(ctx: Ctx, o: Obj, pointer: string, op: string) {
  if ((o['region'] === undefined) === (o['range'] === undefined)) {
    ctx.error(pointer, `${op} needs exactly one of region or range`);
  }
  return o['range'] !== undefined
    ? ctx.addressRange(obj(o['range']), `${pointer}/range`)
    : ctx.regionRange(o, pointer, op, ['user']);
}

/**
 * `munmap` `regions: [a, b, …]`: one munmap(2) of the span the whole regions cover, holes included (Linux
 * `do_vmi_munmap` → `unmap_region`: one mmu_gather over every VMA; FreeBSD `vm_map_delete` over the range).
 * One call acts on one address space, so every region must have been mapped in the same process.
 */
function munmapSpan(ctx: Ctx, o: Obj, pointer: string): RegionSpan {
  for (const k of ['region', 'page', 'pages'])
    if (o[k] !== undefined)
      ctx.error(`${pointer}/${k}`, `munmap takes either regions or region/page/pages`, true);
  const names = Array.isArray(o['regions']) ? (o['regions'] as unknown[]) : [];
  const regions: string[] = [];
  let first: { name: string; space: string } | null = null;
  names.forEach((name, i) => {
    const where = `${pointer}/regions/${i}`;
    const id = ctx.region(name, where, 'munmap', ['user']);
    if (regions.includes(id)) ctx.error(where, `region "${String(name)}" is listed twice`);
    regions.push(id);
    const space = ctx.regionSpace.get(id) ?? null;
    if (space === null) return;
    if (first === null) first = { name: String(name), space };
    else if (first.space !== space)
      ctx.error(
        where,
        `region "${String(name)}" was mapped by process "${space}", but "${first.name}" by "${first.space}": one munmap acts on one address space`,
      );
  });
  regions.forEach((id, i) => {
    if (regions.indexOf(id) === i) ctx.free(id, names[i], `${pointer}/regions/${i}`);
  });
  return { kind: 'regions', regions };
}

/** One OS-level step, or null when `op` is not one. */
export function resolveOsStep(
  ctx: Ctx,
  o: Obj,
  pointer: string,
  base: StepBase,
  suffix: string,
  hw: boolean,
): Step | null {
  const at = (k: string): string => `${pointer}/${k}`;
  const op = o['op'] as string;
  const regionPages = (
    id: string,
    pages: number | null,
    kind: 'user' | 'kernel' | 'pages' | 'frame',
    path: string,
  ): void => ctx.ids.defineRegion(id, kind, path, pages);
  switch (op) {
    case 'process':
      return {
        ...base,
        op,
        id: ctx.define('process', o['id'], suffix, at('id')),
        handlers: [...new Set(strs<SignalName>(o['handlers']))],
      };
    case 'run': {
      const process = o['process'] === 'none' ? null : ctx.ref('process', o['process'], at('process'));
      ctx.cpuProcess.set(base.cpu, process);
      return { ...base, op, process };
    }
    case 'mmap': {
      const flags = strs<MmapFlag>(o['flags']);
      if (flags.includes('fixed') && flags.includes('fixed-excl'))
        ctx.error(at('flags'), 'fixed and fixed-excl exclude each other');
      const atRegion = o['at'] === undefined ? null : ctx.region(o['at'], at('at'), op, ['user']);
      if (atRegion !== null && o['addr'] !== undefined)
        ctx.error(at('addr'), 'give either at or addr, not both');
      const id = ctx.define('region', o['id'], suffix, at('id'));
      const pages = num(o['pages']) ?? 1;
      regionPages(id, pages, 'user', base.path);
      ctx.regionSpace.set(id, ctx.cpuProcess.get(base.cpu) ?? null);
      return {
        ...base,
        op,
        id,
        pages,
        prot: (o['prot'] as Prot | undefined) ?? 'rw',
        flags,
        addr: ctx.address(o['addr'], at('addr')),
        align: ctx.bytes(o['align'], at('align')),
        at: atRegion,
      };
    }
    case 'munmap': {
      if (o['regions'] !== undefined) return { ...base, op, range: munmapSpan(ctx, o, pointer) };
      if (o['region'] === undefined) ctx.error(pointer, 'munmap needs region (with page/pages) or regions');
      const range = ctx.regionRange(o, pointer, op, ['user']);
      // only a whole-region munmap frees the id's range; partial ones may repeat
      if (o['page'] === undefined && o['pages'] === undefined) ctx.free(range.region, o['region'], pointer);
      return { ...base, op, range };
    }
    case 'mprotect':
      return { ...base, op, range: ctx.regionRange(o, pointer, op, ['user']), prot: o['prot'] as Prot };
    case 'key-alloc': {
      const id = ctx.define('key', o['id'], suffix, at('id'));
      return { ...base, op, id, rights: (o['rights'] as KeyRights | undefined) ?? null };
    }
    case 'key-free':
      return { ...base, op, key: ctx.key(o['key'], at('key'), true) };
    case 'key-assign':
      return {
        ...base,
        op,
        key: ctx.key(o['key'], at('key'), true),
        range: keyRange(ctx, o, pointer, op),
        flags: strs<KeyAssignFlag>(o['flags']),
      };
    case 'key-clear':
      return { ...base, op, range: keyRange(ctx, o, pointer, op) };
    case 'set-key-rights':
      return { ...base, op, key: ctx.key(o['key'], at('key'), true), rights: o['rights'] as KeyRights };
    case 'swapout':
      return {
        ...base,
        op,
        range: o['region'] === undefined ? null : ctx.regionRange(o, pointer, op, ['user']),
      };
    case 'msync-invalidate':
    case 'madvise-dontneed':
      return { ...base, op, range: ctx.regionRange(o, pointer, op, ['user']) };
    case 'fork':
      return { ...base, op, id: ctx.define('process', o['id'], suffix, at('id')) };
    case 'exec':
    case 'late-init':
      return { ...base, op };
    case 'access':
    case 'speculate':
      return access(ctx, o, pointer, base, hw);
    case 'uaccess': {
      const kind = o['kind'] as UaccessKind;
      if (o['process'] !== undefined && kind !== 'remote-read')
        ctx.error(at('process'), `only remote-read names another process`);
      return {
        ...base,
        op,
        kind,
        range: ctx.regionRange(o, pointer, op, ['user']),
        process: o['process'] === undefined ? null : ctx.ref('process', o['process'], at('process')),
      };
    }
    case 'kalloc': {
      const id = ctx.define('region', o['id'], suffix, at('id'));
      const pages = num(o['pages']) ?? 1;
      regionPages(id, pages, 'kernel', base.path);
      const flags = strs<KallocFlag>(o['flags']);
      // `immediate` present even when not given (undefined): one hidden class for every kalloc step
      const immediate = typeof o['immediate'] === 'boolean' ? o['immediate'] : undefined;
      return { ...base, op, id, pages, flags, immediate };
    }
    case 'kprotect': {
      const via = (o['via'] as 'own' | 'direct-map' | undefined) ?? 'own';
      return {
        ...base,
        op,
        range: ctx.regionRange(o, pointer, op, via === 'own' ? ['kernel'] : undefined),
        prot: o['prot'] as Prot,
        via,
        flush: o['flush'] !== false,
      };
    }
    case 'kfree': {
      const region = ctx.region(o['region'], at('region'), op, ['kernel']);
      ctx.free(region, o['region'], at('region'));
      return { ...base, op, region };
    }
    case 'page-alloc': {
      if ((o['pages'] === undefined) === (o['order'] === undefined))
        ctx.error(pointer, 'page-alloc needs exactly one of pages or order');
      const reuse = o['reuse'] === undefined ? null : ctx.region(o['reuse'], at('reuse'));
      const id = ctx.define('region', o['id'], suffix, at('id'));
      const order = num(o['order']);
      const pages = num(o['pages']);
      regionPages(id, order !== null ? 2 ** order : (pages ?? 1), 'pages', base.path);
      return {
        ...base,
        op,
        id,
        pages: order === null ? (pages ?? 1) : null,
        order,
        flags: strs<PageAllocFlag>(o['flags']),
        reuse,
      };
    }
    case 'page-free': {
      const region = ctx.region(o['region'], at('region'), op, ['pages']);
      ctx.free(region, o['region'], at('region'));
      return { ...base, op, region };
    }
    case 'stray-write': {
      if ((o['target'] === undefined) === (o['region'] === undefined))
        ctx.error(pointer, 'stray-write needs exactly one of target or region');
      const target =
        o['target'] !== undefined
          ? ctx.frameSelector(obj(o['target']), at('target'))
          : typeof o['region'] === 'object'
            ? ctx.frameSelector(obj(o['region']), at('region'))
            : ctx.frameOf(o['region'], o['page'], at('region'));
      return { ...base, op, target, context: typeof o['context'] === 'string' ? o['context'] : null };
    }
    case 'revoke':
      return { ...base, op, range: ctx.regionRange(o, pointer, op, ['user']) };
    case 'flush-kernel-range': {
      const via = (o['via'] as 'own' | 'direct-map' | undefined) ?? 'own';
      const kinds = via === 'own' ? (['kernel', 'pages', 'frame'] as const) : undefined;
      return { ...base, op, range: ctx.regionRange(o, pointer, op, kinds), via };
    }
    case 'frame': {
      const of = ctx.frameSelector(obj(o['of']), at('of'));
      const id = ctx.define('region', o['id'], suffix, at('id'));
      regionPages(id, 1, 'frame', base.path);
      return { ...base, op, id, of, offset: num(o['offset']) ?? 0 };
    }
    case 'pressure':
      if (o['free-pages'] === undefined && o['fragment-order'] === undefined && o['shrink'] === undefined) {
        ctx.error(pointer, 'pressure needs free-pages, fragment-order or shrink');
      }
      return {
        ...base,
        op,
        freePages: num(o['free-pages']),
        fragmentOrder: num(o['fragment-order']),
        shrink: o['shrink'] === true,
      };
    default:
      return null;
  }
}

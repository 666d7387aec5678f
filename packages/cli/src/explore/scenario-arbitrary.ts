// Random OS-neutral scenarios for `explore` (issue 16 item 1): fast-check arbitraries over a list of
// abstract commands — an op name and small integers — and a deterministic builder that turns the list into
// a scenario document whose references are valid by construction: a command names the n-th region,
// process or key that exists at that point (n taken modulo how many there are; a command with nothing to
// name is dropped), CPUs are in range, every CPU runs a process before user-side ops (processes that
// run), sizes are 1–8 pages. fast-check shrinks the list and the integers, and every shrunk list still
// builds a valid scenario. The ops, their fields and their enums (prot, key rights, access and uaccess
// kinds, kalloc and mmap flags) are the scenario schema's (schemas/scenario.schema.json `$defs/op-*`);
// the loader still judges each document, so a combination the schema allows but the language refuses
// simply does not count.
import fc from 'fast-check';

type Json = Record<string, unknown>;

/** The enums the generator draws from, read from the scenario schema. */
export interface OpVocabulary {
  readonly prot: readonly string[];
  readonly rights: readonly string[];
  readonly accessKinds: readonly string[];
  readonly uaccessKinds: readonly string[];
  readonly kallocFlags: readonly string[];
  readonly mmapFlags: readonly string[];
  /** Every `op-*` definition of the schema: a generated op must be one of them. */
  readonly ops: readonly string[];
}

function enumOf(schema: Json, def: string, path: readonly string[]): string[] {
  let node = (schema['$defs'] as Record<string, Json>)[def] as Json | undefined;
  for (const p of path) node = node?.[p] as Json | undefined;
  const e = (node?.['enum'] ?? (node?.['items'] as Json | undefined)?.['enum']) as string[] | undefined;
  if (e === undefined) throw new Error(`scenario schema: no enum at $defs/${def}/${path.join('/')}`);
  return e;
}

export function vocabularyFromSchema(schema: Json): OpVocabulary {
  return {
    prot: enumOf(schema, 'prot', []),
    rights: enumOf(schema, 'rights', []),
    accessKinds: enumOf(schema, 'op-access', ['properties', 'kind']),
    uaccessKinds: enumOf(schema, 'op-uaccess', ['properties', 'kind']),
    // flags whose effect the generator can follow (a huge or pfnmap mapping needs sizes it does not draw)
    kallocFlags: enumOf(schema, 'op-kalloc', ['properties', 'flags']).filter((f) => f === 'reset-perms'),
    mmapFlags: enumOf(schema, 'op-mmap', ['properties', 'flags']).filter((f) => f === 'populate'),
    ops: Object.keys(schema['$defs'] as Json)
      .filter((k) => k.startsWith('op-'))
      .map((k) => k.slice(3)),
  };
}

/** The kernel side (vmalloc'd memory, its permissions, the page allocator) or a process's memory. */
export const FAMILIES = {
  kernel: ['kalloc', 'kprotect', 'kfree', 'page-alloc', 'access'],
  user: [
    'mmap',
    'mprotect',
    'munmap',
    'access',
    'uaccess',
    'swapout',
    'key-alloc',
    'key-assign',
    'set-key-rights',
  ],
} as const;
export type Family = keyof typeof FAMILIES;

/** One abstract command: which op of the family, and four small integers it resolves its choices by. */
export type Command = readonly [op: number, a: number, b: number, c: number, d: number];

export interface Draft {
  readonly family: Family;
  readonly cpus: number;
  readonly splitTlb: boolean;
  readonly commands: readonly Command[];
}

export function draftArbitrary(maxCommands: number): fc.Arbitrary<Draft> {
  const command = fc.tuple(fc.nat(15), fc.nat(7), fc.nat(7), fc.nat(7), fc.nat(7));
  return fc.record({
    family: fc.constantFrom<Family>('kernel', 'user'),
    cpus: fc.integer({ min: 1, max: 4 }),
    splitTlb: fc.boolean(),
    commands: fc.array(command, { minLength: 1, maxLength: maxCommands }),
  });
}

const SIZES = [1, 2, 4, 8];
/** Where a fixed mmap goes: one 2 MiB page-table span, the next, and two far apart (other upper tables). */
const ADDRS = [undefined, '0x400000', '0x600000', '0x40000000'];

interface Region {
  readonly id: string;
  readonly pages: number;
}

/** The scenario the draft stands for; deterministic. */
export function buildScenario(draft: Draft, v: OpVocabulary, name = 'explored'): Json {
  const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
  const cpu = (n: number): number => n % draft.cpus;
  const steps: Json[] = [];
  let ids = 0;
  const fresh = (prefix: string): string => `${prefix}${ids++}`;
  const regions: Region[] = [];
  const freed: Region[] = [];
  const keys: string[] = [];
  if (draft.family === 'user') {
    // a process running on every CPU: user-side ops act on the process their CPU runs
    steps.push({ op: 'process', id: 'p' });
    for (let c = 0; c < draft.cpus; c++) steps.push({ op: 'run', cpu: c, process: 'p' });
  }
  const kalloc = (a: number, c: number): void => {
    const r = { id: fresh('k'), pages: pick(SIZES, a) };
    regions.push(r);
    const flags = c % 2 === 0 ? v.kallocFlags : [];
    steps.push({
      op: 'kalloc',
      id: r.id,
      pages: r.pages,
      ...(flags.length > 0 ? { flags: [...flags] } : {}),
    });
  };
  const mmap = (a: number, b: number, c: number, d: number): void => {
    const r = { id: fresh('m'), pages: pick(SIZES, a) };
    regions.push(r);
    const addr = pick(ADDRS, d);
    const flags = [...(c % 2 === 0 ? v.mmapFlags : []), ...(addr === undefined ? [] : ['fixed'])];
    steps.push({
      op: 'mmap',
      cpu: cpu(b),
      id: r.id,
      pages: r.pages,
      prot: pick(v.prot, c >> 1),
      ...(flags.length > 0 ? { flags } : {}),
      ...(addr === undefined ? {} : { addr }),
    });
  };
  const keyAlloc = (d: number): void => {
    const k = fresh('key');
    keys.push(k);
    steps.push({ op: 'key-alloc', cpu: cpu(d), id: k });
  };
  const family = FAMILIES[draft.family];
  for (const [o, a, b, c, d] of draft.commands) {
    const op = pick(family, o);
    if (!v.ops.includes(op)) continue;
    const needsRegion = !['kalloc', 'mmap', 'page-alloc', 'swapout', 'key-alloc', 'set-key-rights'].includes(
      op,
    );
    const needsKey = op === 'key-assign' || op === 'set-key-rights';
    if (
      (needsRegion && regions.length + (op === 'access' || op === 'uaccess' ? freed.length : 0) === 0) ||
      (needsKey && keys.length === 0)
    ) {
      // nothing to name yet: the command creates it instead
      if (needsKey && keys.length === 0) keyAlloc(d);
      else if (draft.family === 'kernel') kalloc(a, c);
      else mmap(a, b, c, d);
      continue;
    }
    const region = regions.length === 0 ? undefined : pick(regions, a);
    const page = region === undefined ? 0 : b % region.pages;
    switch (op) {
      case 'kalloc':
        kalloc(a, c);
        break;
      case 'mmap':
        mmap(a, b, c, d);
        break;
      case 'kprotect':
      case 'mprotect':
        if (region === undefined) continue;
        steps.push({
          op,
          ...(op === 'mprotect' ? { cpu: cpu(d) } : {}),
          region: region.id,
          ...(c % 2 === 0 ? {} : { page, pages: 1 }),
          prot: pick(v.prot, c),
        });
        break;
      case 'kfree':
      case 'munmap':
        if (region === undefined) continue;
        regions.splice(regions.indexOf(region), 1);
        freed.push(region);
        steps.push({ op, ...(op === 'munmap' ? { cpu: cpu(d) } : {}), region: region.id });
        break;
      case 'page-alloc': {
        const from = freed.length === 0 || c % 2 === 1 ? undefined : pick(freed, b);
        const r = { id: fresh('pg'), pages: from?.pages ?? pick(SIZES, a) };
        steps.push({ op, id: r.id, pages: r.pages, ...(from === undefined ? {} : { reuse: from.id }) });
        break;
      }
      case 'access': {
        // a freed region too: touching memory after it was given back is what finds stale entries
        const all = [...regions, ...freed];
        if (all.length === 0) continue;
        const r = pick(all, a);
        steps.push({ op, cpu: cpu(d), region: r.id, page: b % r.pages, kind: pick(v.accessKinds, c) });
        break;
      }
      case 'uaccess': {
        const all = [...regions, ...freed];
        if (all.length === 0) continue;
        const r = pick(all, a);
        const kinds = v.uaccessKinds.filter((k) => k === 'copyin' || k === 'copyout');
        steps.push({ op, cpu: cpu(d), kind: pick(kinds, c), region: r.id, page: b % r.pages });
        break;
      }
      case 'swapout':
        steps.push({ op, cpu: cpu(d) });
        break;
      case 'key-alloc':
        keyAlloc(d);
        break;
      case 'key-assign':
        if (region === undefined || keys.length === 0) continue;
        steps.push({ op, cpu: cpu(d), key: pick(keys, c), region: region.id });
        break;
      case 'set-key-rights':
        if (keys.length === 0) continue;
        steps.push({ op, cpu: cpu(d), key: pick(keys, a), rights: pick(v.rights, c) });
        break;
    }
  }
  return {
    name,
    description: 'A scenario shootdown explore generated.',
    machine: {
      cpus: draft.cpus,
      memory: '64MiB',
      tlb: 'adversarial',
      ...(draft.splitTlb ? { tlbSides: 'split' } : {}),
    },
    steps,
  };
}

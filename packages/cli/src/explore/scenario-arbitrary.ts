// Random OS-neutral scenarios for `explore` (issue 16 item 1): fast-check arbitraries over a list of
// abstract commands — an op name and small integers — and a deterministic builder that turns the list into
// a scenario document whose references are valid by construction: a command names the n-th region,
// process or key that exists at that point (n taken modulo how many there are; a command with nothing to
// name creates it first), CPUs are in range, every CPU runs a process before user-side ops (processes
// that run), an op on a region runs on a CPU whose process has it, sizes are 1–8 pages.
//
// The vocabulary (a family's op list, weighted by repetition: ops that set up state — mappings, keys —
// come more often than the ones that only observe it) covers the catalogue's documented divergences:
// kernel memory (kalloc, kprotect, kfree, page-alloc); a process's memory (mmap, mprotect, munmap,
// madvise-dontneed, swapout, fork, context switches); protection keys (key-alloc, key-free, key-assign,
// set-key-rights); and `interleave`, which stops an mmu_gather user (munmap, mprotect, madvise-dontneed,
// swapout, key-assign, kfree, kprotect) at a phase — cleared, unlinked, flushed — and runs the next
// command there, on another CPU: only what a kernel lets run while that op holds its locks (an access, a
// copyin/out, a PKRU write, kernel memory, or a munmap / madvise of another region — munmap runs under
// the read side of mmap_lock since 4.20, which is how the nested-gather race of the catalogue arises). fast-check shrinks the list and the integers, and every shrunk list still
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

/** Each family's ops, weighted by repetition; the first is what a shrunk command falls back to. */
export const FAMILIES = {
  kernel: [
    'kalloc',
    'access',
    'kfree',
    'kprotect',
    'kalloc',
    'access',
    'kfree',
    'kprotect',
    'page-alloc',
    'interleave',
    'kalloc',
    'access',
  ],
  user: [
    'mmap',
    'access',
    'munmap',
    'mprotect',
    'key-alloc',
    'key-assign',
    'set-key-rights',
    'mmap',
    'access',
    'interleave',
    'swapout',
    'uaccess',
    'madvise-dontneed',
    'fork',
    'run',
    'key-free',
    'set-key-rights',
    'key-assign',
    'munmap',
    'interleave',
  ],
  // protection keys' lifetime: a key's range across swap-out, fork, munmap and mprotect (pkey-lifetime)
  keys: [
    'key-assign',
    'set-key-rights',
    'access',
    'swapout',
    'key-assign',
    'set-key-rights',
    'access',
    'uaccess',
    'swapout',
    'key-assign',
    'set-key-rights',
    'access',
    'mmap',
    'uaccess',
    'key-alloc',
    'fork',
    'munmap',
    'mprotect',
    'key-free',
    'interleave',
    'run',
  ],
  // a process's memory and the kernel's at once (a user access meeting a kernel region's frames again)
  mixed: [
    'mmap',
    'kalloc',
    'access',
    'munmap',
    'kfree',
    'mprotect',
    'kprotect',
    'interleave',
    'key-alloc',
    'key-assign',
    'set-key-rights',
    'swapout',
    'page-alloc',
    'fork',
    'madvise-dontneed',
    'uaccess',
  ],
} as const;
export type Family = keyof typeof FAMILIES;

/** The ops an `interleave` can stop (engine INTERLEAVABLE), per the kind of region they act on. */
const INTERLEAVED_USER = ['munmap', 'mprotect', 'madvise-dontneed', 'swapout', 'key-assign'] as const;
const INTERLEAVED_KERNEL = ['kfree', 'kprotect'] as const;
const PHASES = ['cleared', 'flushed', 'unlinked'] as const;
/**
 * Which address-space ops may run inside which interrupted op of the same process (mmap_lock): mprotect
 * and pkey_mprotect hold it for writing throughout; munmap downgrades to the read side for the unmap
 * itself (since 4.20), where another munmap's write-locked part fits; madvise(MADV_DONTNEED) holds the
 * read side; reclaim (swapout) and kernel memory take no mmap_lock. Another process's ops always fit.
 */
const FITS_INSIDE: Readonly<Record<string, readonly string[]>> = {
  munmap: ['munmap', 'madvise-dontneed'],
  'madvise-dontneed': ['madvise-dontneed'],
  swapout: ['munmap', 'madvise-dontneed'],
  mprotect: [],
  'key-assign': [],
  kfree: ['munmap', 'madvise-dontneed'],
  kprotect: ['munmap', 'madvise-dontneed'],
};
/** What may run inside another op's phase (see the file comment); anything else becomes an access. */
const NESTABLE = new Set([
  'access',
  'uaccess',
  'munmap',
  'madvise-dontneed',
  'set-key-rights',
  'kalloc',
  'kfree',
  'kprotect',
  'page-alloc',
]);

/** One abstract command: which op of the family, and four small integers it resolves its choices by. */
export type Command = readonly [op: number, a: number, b: number, c: number, d: number];

export interface Draft {
  readonly family: Family;
  readonly cpus: number;
  readonly splitTlb: boolean;
  readonly commands: readonly Command[];
}

export function draftArbitrary(maxCommands: number): fc.Arbitrary<Draft> {
  const command = fc.tuple(fc.nat(31), fc.nat(7), fc.nat(7), fc.nat(7), fc.nat(7));
  return fc.record({
    family: fc.constantFrom<Family>('kernel', 'user', 'keys', 'mixed'),
    cpus: fc.integer({ min: 1, max: 4 }),
    splitTlb: fc.boolean(),
    commands: fc.array(command, { minLength: 1, maxLength: maxCommands }),
  });
}

const SIZES = [1, 2, 4, 8];
/** Where a fixed mmap goes: one 2 MiB page-table span, the next (same PMD table, another PTE table), and
 *  two 1 GiB apart (other PMD tables: unmapping one frees its PMD and PTE tables). */
const ADDRS = [undefined, '0x400000', '0x600000', '0x40000000', '0x80000000'];

interface Region {
  readonly id: string;
  readonly pages: number;
  readonly kernel: boolean;
  /** The processes whose address space has it (the mapper's; a fork's child too). */
  readonly owners: string[];
}

/** The scenario the draft stands for; deterministic. */
export function buildScenario(draft: Draft, v: OpVocabulary, name = 'explored'): Json {
  const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
  /** Inside an interleave: the CPU busy with the interrupted op, and that op (nested steps avoid both). */
  let inside: { cpu: number; op: string; process: string | undefined; region: string } | undefined;
  const cpu = (n: number): number => {
    const c = n % draft.cpus;
    return inside !== undefined && c === inside.cpu ? (c + 1) % draft.cpus : c;
  };
  let steps: Json[] = [];
  let ids = 0;
  const fresh = (prefix: string): string => `${prefix}${ids++}`;
  const regions: Region[] = [];
  const freed: Region[] = [];
  const keys: string[] = [];
  const user = draft.family !== 'kernel';
  const processes: string[] = [];
  /** The process each CPU runs. */
  const running: string[] = [];
  if (user) {
    // a process running on every CPU: user-side ops act on the process their CPU runs
    processes.push('p');
    steps.push({ op: 'process', id: 'p' });
    for (let c = 0; c < draft.cpus; c++) {
      steps.push({ op: 'run', cpu: c, process: 'p' });
      running.push('p');
    }
  }
  /** A CPU whose process has `r`: `n`'s CPU if it does, else the first that does (undefined: none). */
  const cpuFor = (r: Region, n: number): number | undefined => {
    if (r.kernel) return cpu(n);
    for (let i = 0; i < draft.cpus; i++) {
      const c = (n + i) % draft.cpus;
      if (c !== inside?.cpu && r.owners.includes(running[c]!)) return c;
    }
    return undefined;
  };
  const kalloc = (a: number, c: number): void => {
    const r = { id: fresh('k'), pages: pick(SIZES, a), kernel: true, owners: [] };
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
    const on = cpu(b);
    const r = { id: fresh('m'), pages: pick(SIZES, a), kernel: false, owners: [running[on]!] };
    regions.push(r);
    const addr = pick(ADDRS, d);
    // populated three times in four: most divergences need resident pages (swap-out, stale entries)
    const flags = [...(c % 4 !== 3 ? v.mmapFlags : []), ...(addr === undefined ? [] : ['fixed'])];
    steps.push({
      op: 'mmap',
      cpu: on,
      id: r.id,
      pages: r.pages,
      prot: pick(mapProt, c >> 1),
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
  // a new mapping is usable first (the schema's order starts at none): rw, then the rest in schema order
  const mapProt = ['rw', ...v.prot.filter((p) => p !== 'rw')].filter((p) => v.prot.includes(p));
  // The kernel never asks set_memory_* for writable and executable at once (module text goes RO, then X:
  // kernel/module/strict_rwx.c); a W+X kprotect breaks wx-alias by request, not by any policy's design.
  const kernelProt = v.prot.filter((p) => !(p.includes('w') && p.includes('x')));
  /** The regions an op of this kind may name. */
  const named = (op: string): Region[] => {
    // inside an interleave, only an access may name the interrupted op's region
    const live = inside === undefined ? regions : regions.filter((r) => r.id !== inside!.region);
    if (op === 'access') return [...regions, ...freed];
    if (op === 'uaccess') return [...regions, ...freed].filter((r) => !r.kernel);
    if (op === 'kprotect' || op === 'kfree') return live.filter((r) => r.kernel);
    return live.filter((r) => !r.kernel);
  };
  /** One command's steps (pushed to `steps`); false when it had nothing to do. */
  const command = (op: string, [, a, b, c, d]: Command, nested: boolean): boolean => {
    if (!v.ops.includes(op)) return false;
    const creates = ['kalloc', 'mmap', 'page-alloc', 'swapout', 'key-alloc', 'set-key-rights', 'fork', 'run'];
    const needsRegion = !creates.includes(op) && op !== 'interleave' && op !== 'key-free';
    const needsKey = op === 'key-assign' || op === 'set-key-rights' || op === 'key-free';
    if ((needsRegion && named(op).length === 0) || (needsKey && keys.length === 0)) {
      if (nested) return false;
      // nothing to name yet: the command creates what it names first (a key, a region), then does its op
      if (needsKey && keys.length === 0) keyAlloc(d);
      if (needsRegion && named(op).length === 0) {
        if (op === 'kprotect' || op === 'kfree' || !user) kalloc(a, c);
        else mmap(a, b, c, d);
      }
      if (op === 'key-free') return true;
    }
    const candidates = named(op);
    const region = candidates.length === 0 ? undefined : pick(candidates, a);
    const page = region === undefined ? 0 : b % region.pages;
    const on = region === undefined ? cpu(d) : cpuFor(region, d);
    if (
      nested &&
      (op === 'munmap' || op === 'madvise-dontneed') &&
      on !== undefined &&
      running[on] === inside?.process &&
      !(FITS_INSIDE[inside!.op] ?? []).includes(op)
    ) {
      return false;
    }
    switch (op) {
      case 'kalloc':
        kalloc(a, c);
        return true;
      case 'mmap':
        mmap(a, b, c, d);
        return true;
      case 'kprotect':
      case 'mprotect':
        if (region === undefined || on === undefined) return false;
        steps.push({
          op,
          ...(op === 'mprotect' ? { cpu: on } : {}),
          region: region.id,
          ...(c % 2 === 0 ? {} : { page, pages: 1 }),
          prot: pick(op === 'kprotect' ? kernelProt : v.prot, c),
        });
        return true;
      case 'kfree':
      case 'munmap':
        if (region === undefined || on === undefined) return false;
        regions.splice(regions.indexOf(region), 1);
        freed.push(region);
        steps.push({ op, ...(op === 'munmap' ? { cpu: on } : {}), region: region.id });
        return true;
      case 'madvise-dontneed':
        if (region === undefined || on === undefined) return false;
        steps.push({ op, cpu: on, region: region.id, ...(c % 2 === 0 ? {} : { page, pages: 1 }) });
        return true;
      case 'page-alloc': {
        const gone = freed.filter((r) => r.kernel || c % 4 === 0);
        const from = gone.length === 0 || c % 2 === 1 ? undefined : pick(gone, b);
        const r = { id: fresh('pg'), pages: from?.pages ?? pick(SIZES, a) };
        steps.push({ op, id: r.id, pages: r.pages, ...(from === undefined ? {} : { reuse: from.id }) });
        return true;
      }
      case 'access': {
        // a freed region too, and from any CPU: touching memory after it was given back, or through
        // another process's address space, is what finds stale entries
        if (region === undefined) return false;
        steps.push({ op, cpu: cpu(d), region: region.id, page, kind: pick(v.accessKinds, c) });
        return true;
      }
      case 'uaccess': {
        if (region === undefined || !user) return false;
        const kinds = v.uaccessKinds.filter((k) => k === 'copyin' || k === 'copyout');
        steps.push({ op, cpu: cpu(d), kind: pick(kinds, c), region: region.id, page });
        return true;
      }
      case 'swapout':
        if (!user) return false;
        steps.push({ op, cpu: cpu(d) });
        return true;
      case 'key-alloc':
        if (!user) return false;
        keyAlloc(d);
        return true;
      case 'key-free': {
        const k = pick(keys, a);
        keys.splice(keys.indexOf(k), 1);
        steps.push({ op, cpu: cpu(d), key: k });
        return true;
      }
      case 'key-assign':
        if (region === undefined || on === undefined) return false;
        steps.push({ op, cpu: on, key: pick(keys, c), region: region.id });
        return true;
      case 'set-key-rights':
        steps.push({ op, cpu: cpu(d), key: pick(keys, a), rights: pick(v.rights, c) });
        return true;
      case 'fork': {
        if (!user) return false;
        const child = fresh('c');
        const parent = running[cpu(d)]!;
        processes.push(child);
        for (const r of [...regions, ...freed]) if (r.owners.includes(parent)) r.owners.push(child);
        steps.push({ op, cpu: cpu(d), id: child });
        // the child runs where the parent did or on the CPU b names
        const where = cpu(b);
        steps.push({ op: 'run', cpu: where, process: child });
        running[where] = child;
        return true;
      }
      case 'run': {
        if (!user) return false;
        const to = pick(processes, a);
        if (running[cpu(d)] === to) return false;
        steps.push({ op, cpu: cpu(d), process: to });
        running[cpu(d)] = to;
        return true;
      }
    }
    return false;
  };
  const commands = draft.commands;
  for (let i = 0; i < commands.length; i++) {
    const cmd = commands[i]!;
    const op = pick(family, cmd[0]);
    if (op !== 'interleave') {
      command(op, cmd, false);
      continue;
    }
    // interleave: an op of the right kind on a region, stopped at a phase; the next command runs there
    const [, a, b, c] = cmd;
    // one CPU cannot be inside an op and run another op at the same time
    if (draft.cpus === 1) {
      command(pick(family, 0), cmd, false);
      continue;
    }
    const kinds = [
      ...(user ? INTERLEAVED_USER : []),
      ...(draft.family === 'user' ? [] : INTERLEAVED_KERNEL),
    ].filter((k) => named(k).length > 0 && (k !== 'key-assign' || keys.length > 0));
    if (kinds.length === 0) {
      command(user ? 'mmap' : 'kalloc', cmd, false);
      continue;
    }
    const kind = pick(kinds, c);
    const outer = steps;
    steps = [];
    command(kind, cmd, false);
    const operation = steps[0];
    steps = outer;
    if (operation === undefined) continue;
    const next = commands[i + 1];
    const nestedSteps: Json[] = [];
    if (next !== undefined) {
      // the next command runs inside the op's phase, on another CPU (an op without a cpu runs on CPU 0)
      const busy = (operation['cpu'] as number | undefined) ?? 0;
      inside = {
        cpu: busy,
        op: kind,
        process: running[busy],
        region: String(operation['region']),
      };
      steps = nestedSteps;
      const nestedOp = pick(family, next[0]);
      command(NESTABLE.has(nestedOp) ? nestedOp : 'access', next, true);
      // kernel-memory ops name no CPU (they run on CPU 0): inside, they run on the one cpu() gives
      for (const st of nestedSteps) if (st['cpu'] === undefined) st['cpu'] = cpu(next[4]);
      steps = outer;
      inside = undefined;
      i++;
    }
    if (nestedSteps.length === 0) steps.push(operation);
    else {
      const phases = kind === 'munmap' ? PHASES : PHASES.slice(0, 2);
      steps.push({ op: 'interleave', operation, phase: pick(phases, b + a), steps: nestedSteps });
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

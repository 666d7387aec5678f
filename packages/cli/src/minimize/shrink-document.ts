// Delta debugging on a scenario document (the YAML as written, before `$name` substitution and `repeat`
// expansion, so what comes out is a scenario a person can read and edit): drop steps with ddmin — every
// `steps:` list, the top level first, then those inside `repeat` blocks — and lower counts and sizes
// (the CPU count, `pages`, `times`, `page`, numeric params) to the smallest value that still reproduces,
// by bisection. Removing a process or region is dropping the step that creates it (together with the
// steps that use it, which no longer load otherwise). A candidate counts only when `reproduces` says so —
// it loads, validates and shows the same signature — so every intermediate document is a valid scenario.
// Passes repeat until one changes nothing (or the test budget runs out); the order is fixed, so the
// result is deterministic.
import { ddmin } from './ddmin.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Integer fields a smaller value of keeps a scenario meaningful: counts, sizes, indices (a CPU's
 *  number too, so the machine can lose the CPUs above it). */
const LOWERABLE = new Set(['cpus', 'cpu', 'pages', 'times', 'page', 'count']);
/** Below these a field is not valid anyway (a machine has a CPU, a repeat runs once). */
const FLOOR: Readonly<Record<string, number>> = { cpus: 1, pages: 1, times: 1, count: 1, page: 0, cpu: 0 };

export interface ShrinkStats {
  /** Candidates tried (each a load and a run per selection). */
  tests: number;
  /** Whether the budget ran out before a pass changed nothing. */
  exhausted: boolean;
}

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

function get(doc: Json, path: Path): Json | undefined {
  let cur: Json | undefined = doc;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[k];
  }
  return cur;
}

function set(doc: Json, path: Path, value: Json): Json {
  const out = clone(doc);
  let cur = out as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  cur[path[path.length - 1]!] = value;
  return out;
}

/** Paths of every `steps` list, outermost first, in document order. */
function stepLists(doc: Json, path: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...stepLists(v, [...path, i])));
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'steps' && Array.isArray(v)) out.push([...path, k]);
    }
    for (const [k, v] of Object.entries(doc)) out.push(...stepLists(v, [...path, k]));
  }
  return out.sort((a, b) => a.length - b.length);
}

/** Paths of every integer a smaller value could replace, with the floor it may go down to. */
function lowerable(doc: Json, path: Path = []): { path: Path; floor: number }[] {
  const out: { path: Path; floor: number }[] = [];
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...lowerable(v, [...path, i])));
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const inParams = path.length === 1 && path[0] === 'params';
      if (typeof v === 'number' && Number.isInteger(v) && (LOWERABLE.has(k) || inParams)) {
        const floor = FLOOR[k] ?? 0;
        if (v > floor) out.push({ path: [...path, k], floor });
      } else out.push(...lowerable(v, [...path, k]));
    }
  }
  return out;
}

/** Counts the steps of a document, `repeat` blocks counted as one step plus their body. */
export function countSteps(doc: Json): number {
  let n = 0;
  for (const p of stepLists(doc)) n += (get(doc, p) as Json[]).length;
  return n;
}

export async function shrinkDocument(
  original: Json,
  reproduces: (doc: Json) => boolean | Promise<boolean>,
  budget: number,
): Promise<{ doc: Json; stats: ShrinkStats }> {
  const stats: ShrinkStats = { tests: 0, exhausted: false };
  const test = async (candidate: Json): Promise<boolean> => {
    if (stats.tests >= budget) {
      stats.exhausted = true;
      return false;
    }
    stats.tests++;
    return reproduces(candidate);
  };
  let doc = clone(original);
  for (let changed = true; changed && !stats.exhausted;) {
    changed = false;
    // 1. steps, outermost list first: a dropped repeat takes its body with it
    // (the lists are found again after each change: dropping a repeat removes the lists inside it)
    for (let i = 0; i < stepLists(doc).length; i++) {
      const path = stepLists(doc)[i]!;
      const list = get(doc, path);
      if (!Array.isArray(list) || list.length === 0) continue;
      const base = doc;
      const kept = await ddmin(list, (candidate) => test(set(base, path, [...candidate])));
      if (kept.length < list.length) {
        doc = set(doc, path, kept);
        changed = true;
      }
    }
    // 2. counts and sizes, each bisected down to the smallest value that still reproduces
    for (const { path, floor } of lowerable(doc)) {
      const now = get(doc, path);
      if (typeof now !== 'number') continue;
      let lo = floor;
      let hi = now;
      while (lo < hi && !stats.exhausted) {
        const mid = Math.floor((lo + hi) / 2);
        if (await test(set(doc, path, mid))) hi = mid;
        else lo = mid + 1;
      }
      if (hi < now) {
        doc = set(doc, path, hi);
        changed = true;
      }
    }
  }
  return { doc, stats };
}

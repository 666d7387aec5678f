// How many steps a scenario expands to, multiplied out before any `repeat` is expanded: nested repeats
// (1,000 × 1,001) and counts given as params (`times: $n`) are refused at once instead of after a
// million iterations were built. Counts the walker cannot know yet (a `times` bound to a loop variable of
// an outer repeat) count as 0 here; the walker's own per-repeat check still bounds them.
import { MAX_EXPANDED_STEPS } from './limits.js';
import { paramRef, type Scope } from './params.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Saturates just above the limit, so no product can overflow or grow without bound. */
const CAP = MAX_EXPANDED_STEPS + 1;
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : Math.min(CAP, a * b));

function valueOf(v: unknown, scope: Scope): unknown {
  const name = paramRef(v);
  return name === null ? v : scope.get(name);
}

function iterations(step: Obj, scope: Scope): number {
  const times = valueOf(step['times'], scope);
  if (typeof times === 'number' && Number.isFinite(times)) return Math.max(0, Math.floor(times));
  if (!isObj(step['for'])) return 0;
  const values = valueOf(Object.values(step['for'])[0], scope);
  return Array.isArray(values) ? values.length : 0;
}

/** Steps `raw` (a step list) expands to, capped at MAX_EXPANDED_STEPS + 1. Nesting is bounded (MAX_NESTING). */
export function expandedStepCount(raw: unknown, scope: Scope): number {
  if (!Array.isArray(raw)) return 0;
  let total = 0;
  for (const step of raw) {
    let n = 1;
    if (isObj(step) && step['op'] === 'repeat') {
      n = 1 + mul(iterations(step, scope), expandedStepCount(step['steps'], scope));
    } else if (isObj(step) && step['op'] === 'interleave') {
      n = 1 + expandedStepCount([step['operation']], scope) + expandedStepCount(step['steps'], scope);
    }
    total = Math.min(CAP, total + n);
  }
  return total;
}

// Typed parameters (DESIGN §4 "Parameters and repetition"): defaults in `params:`, overrides from
// `--set name=value` (parsed as JSON when possible, else taken as a string), type-checked against the
// default, and `$name` references replaced by their values wherever a value is written.
import type { ParamValue } from './types.js';

/** `$name` as a whole string is a reference; anything else (`a$b`, `$`) is a literal. */
const REF = /^\$([A-Za-z_][A-Za-z0-9_-]*)$/;

export function paramRef(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = REF.exec(v);
  return m === null ? null : m[1];
}

/** The type name of a param value, as messages say it. */
export function paramType(v: unknown): string {
  if (Array.isArray(v)) {
    const kinds = new Set(v.map((x) => paramType(x)));
    if (kinds.size === 0) return 'list';
    return kinds.size === 1 ? `list of ${[...kinds][0]!}` : 'list of mixed values';
  }
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (v === null) return 'null';
  return typeof v;
}

/** Whether an override may replace a default: same type; an integer fits a number; lists element-wise. */
export function fitsType(value: unknown, def: unknown): boolean {
  if (Array.isArray(def)) {
    if (!Array.isArray(value)) return false;
    if (def.length === 0) return value.every((x) => ['string', 'number', 'boolean'].includes(typeof x));
    return value.every((x) => fitsType(x, def[0]));
  }
  if (typeof def === 'number') {
    if (typeof value !== 'number') return false;
    return Number.isInteger(def) ? Number.isInteger(value) : true;
  }
  return typeof value === typeof def && !Array.isArray(value);
}

/** Parses one `--set` value the same way the CLI does: JSON when it parses, otherwise the raw string. */
export function parseOverrideValue(raw: string): unknown {
  const text = raw.trim();
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return raw;
  }
}

/** A substitution scope: the scenario's params, with loop variables of enclosing `repeat`s on top. */
export type Scope = ReadonlyMap<string, ParamValue>;

export interface SubstitutionProblem {
  readonly pointer: string;
  readonly name: string;
}

/**
 * Deep copy of `v` with every `$name` replaced from `scope`. Unknown names are reported (with the pointer
 * where they were written) and left in place. `skip` names keys whose values are not substituted at this
 * level (a `repeat`'s `steps`, substituted later per iteration).
 */
export function substitute(
  v: unknown,
  scope: Scope,
  pointer: string,
  problems: SubstitutionProblem[],
  skip: (key: string, parent: Record<string, unknown>) => boolean = () => false,
): unknown {
  const name = paramRef(v);
  if (name !== null) {
    const value = scope.get(name);
    if (value === undefined) {
      problems.push({ pointer, name });
      return v;
    }
    return value;
  }
  if (Array.isArray(v)) {
    return v.map((x, i) => substitute(x, scope, `${pointer}/${i}`, problems, skip));
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      const key = k.replace(/~/g, '~0').replace(/\//g, '~1');
      out[k] = skip(k, o) ? o[k] : substitute(o[k], scope, `${pointer}/${key}`, problems, skip);
    }
    return out;
  }
  return v;
}

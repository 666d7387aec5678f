// `--set name=value` overrides of a scenario's params (DESIGN §4 "Parameters and repetition").
// Values are typed JSON where they parse as JSON (`pages=64`, `list=[1,2]`, `on=true`) and plain strings
// otherwise (`variant=arch-vunmap`), so a shell user never has to quote twice. Whether the type fits the
// param is the engine's judgement; this only rejects what cannot be an assignment at all.
import { InputError } from './errors.js';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Names JavaScript objects treat specially; a scenario cannot declare them (the loader refuses the key). */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export type ParamOverrides = Record<string, unknown>;

export function parseSetValue(raw: string): unknown {
  const text = raw.trim();
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return raw;
  }
}

/** Parses every `--set` flag; a repeated name is a mistake, not a silent last-wins. */
export function parseSetFlags(sets: readonly string[] | undefined): ParamOverrides {
  // null prototype: a user's name is only ever data, never a path to Object.prototype
  const out: ParamOverrides = Object.create(null) as ParamOverrides;
  for (const item of sets ?? []) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      throw new InputError(`--set ${item}: expected name=value (e.g. --set pages=64)`);
    }
    const name = item.slice(0, eq).trim();
    if (!PARAM_NAME.test(name)) {
      throw new InputError(`--set ${item}: '${name}' is not a parameter name (letters, digits, '_' and '-')`);
    }
    if (RESERVED.has(name)) {
      throw new InputError(`--set ${item}: '${name}' is reserved and cannot be a parameter name`);
    }
    if (Object.hasOwn(out, name)) {
      throw new InputError(`--set ${item}: parameter '${name}' is set twice`);
    }
    out[name] = parseSetValue(item.slice(eq + 1));
  }
  return out;
}

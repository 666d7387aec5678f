// `--set name=value` overrides (DESIGN §4): a value replaces a declared param's default only if it has
// the default's type, so a typo cannot turn `pages` into a string that fails later and far away.
import type { ScenarioError } from './errors.js';
import { fitsType, paramType, parseOverrideValue } from './params.js';
import { didYouMean } from './suggest.js';
import type { ParamValue } from './types.js';

/** Parsed values by name (what the CLI's parser produces), or raw `name=value` strings. */
export type Overrides = Readonly<Record<string, unknown>> | readonly string[];

function setError(text: string, pointer: string, message: string): ScenarioError {
  return { file: `--set ${text}`, line: 0, column: 0, pointer, message };
}

function entries(set: Overrides, errors: ScenarioError[]): [string, unknown, string][] {
  if (!Array.isArray(set)) {
    return Object.entries(set).map(([k, v]): [string, unknown, string] => [
      k,
      v,
      `${k}=${JSON.stringify(v)}`,
    ]);
  }
  const out: [string, unknown, string][] = [];
  const seen = new Set<string>();
  for (const item of set as readonly string[]) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      errors.push(setError(item, '', 'expected name=value'));
      continue;
    }
    const name = item.slice(0, eq).trim();
    if (seen.has(name)) errors.push(setError(item, `/params/${name}`, `param "${name}" is set twice`));
    seen.add(name);
    out.push([name, parseOverrideValue(item.slice(eq + 1)), item]);
  }
  return out;
}

/** The params a run uses: defaults with overrides applied; bad overrides become errors. */
export function applyOverrides(
  defaults: Readonly<Record<string, unknown>>,
  set: Overrides,
  errors: ScenarioError[],
): Record<string, ParamValue> {
  // null prototype: `--set constructor=…` or a hostile default can only ever be a (rejected) name
  const params = Object.assign(Object.create(null) as Record<string, ParamValue>, defaults);
  for (const [name, value, text] of entries(set, errors)) {
    if (!Object.hasOwn(defaults, name)) {
      const known = Object.keys(defaults);
      const hint = didYouMean(name, known);
      const list =
        known.length === 0
          ? ' (the scenario declares no params)'
          : hint === ''
            ? `; params: ${known.join(', ')}`
            : hint;
      errors.push(setError(text, `/params/${name}`, `unknown param "${name}"${list}`));
      continue;
    }
    const def = defaults[name];
    if (!fitsType(value, def)) {
      errors.push(
        setError(
          text,
          `/params/${name}`,
          `param "${name}" is ${paramType(def)}, got ${paramType(value)} ${JSON.stringify(value)}`,
        ),
      );
      continue;
    }
    params[name] = value as ParamValue;
  }
  return params;
}

// `--sweep name=v1,v2,…` (issue 12 item 5): the flag's text → a SweepSpec. Each value is read as a
// `--set` value is (typed JSON where it parses, else a string); whether the param exists and the values
// have its type is the loader's judgement, applied to every value before anything runs.
import type { SweepSpec } from '@shootdown/engine';
import { InputError } from './errors.js';
import { parseSetValue } from './set-flags.js';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The one `--sweep` flag, or undefined without one; more than one sweep is a mistake. */
export function parseSweepFlag(sweeps: readonly string[] | undefined): SweepSpec | undefined {
  if (sweeps === undefined || sweeps.length === 0) return undefined;
  if (sweeps.length > 1) {
    throw new InputError(`--sweep is given ${sweeps.length} times; a compare sweeps one param`);
  }
  const item = sweeps[0];
  const eq = item.indexOf('=');
  if (eq < 0) throw new InputError(`--sweep ${item}: expected name=v1,v2,… (e.g. --sweep cpus=2,4,8)`);
  const param = item.slice(0, eq).trim();
  if (!PARAM_NAME.test(param)) {
    throw new InputError(
      `--sweep ${item}: '${param}' is not a parameter name (letters, digits, '_' and '-')`,
    );
  }
  const text = item.slice(eq + 1).trim();
  const parts = text === '' ? [] : text.split(',');
  if (parts.some((p) => p.trim() === '')) {
    throw new InputError(`--sweep ${item}: an empty value in the list`);
  }
  return { param, values: parts.map(parseSetValue) };
}

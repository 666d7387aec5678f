// `--policy` and `--vary` → resolved selections, checked against the registry before anything runs.
// Unknown policies, mechanisms and variants are user mistakes (exit 2) with the closest name, which core's
// resolver already puts in its message.
import {
  expandVary,
  resolveSelection,
  SelectionError,
  type PolicyRegistry,
  type ResolvedSelection,
} from '@shootdown/core';
import { InputError } from './errors.js';

function asInput<T>(flag: string, value: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SelectionError) throw new InputError(`${flag} ${value}: ${e.message}`);
    throw e;
  }
}

/**
 * Every `--policy` in the order given, then every `--vary` expansion (default variant first). A selection
 * named twice (e.g. `linux-x86` and the default variant from `--vary`) becomes one column.
 */
export function selectionsFromFlags(
  registry: PolicyRegistry,
  policies: readonly string[] | undefined,
  varies: readonly string[] | undefined,
): ResolvedSelection[] {
  const out: ResolvedSelection[] = [];
  const seen = new Set<string>();
  const add = (s: ResolvedSelection): void => {
    if (seen.has(s.text)) return;
    seen.add(s.text);
    out.push(s);
  };
  for (const p of policies ?? []) add(asInput('--policy', p, () => resolveSelection(registry, p)));
  for (const v of varies ?? []) for (const s of asInput('--vary', v, () => expandVary(registry, v))) add(s);
  return out;
}

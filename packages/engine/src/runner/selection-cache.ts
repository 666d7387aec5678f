// A selection string resolved once per registry state. `runScenario` accepts the text of a selection;
// a sweep (the catalogue under every selection, a bench, a library caller's loop) passes the same few
// texts thousands of times, and resolving one parses it, copies the policy's defaults and rebuilds the
// sorted claims each time — about 3 % of a litmus-sized run. The registry's generation moves whenever a
// policy or a variant arrives, which is the only thing that can change what a text resolves to; a
// cached selection is frozen, since every run that names the same text now shares it.
import { resolveSelection, type PolicyRegistry, type ResolvedSelection } from '@shootdown/core';

interface Resolved {
  readonly generation: number;
  readonly byText: Map<string, ResolvedSelection>;
}

const cache = new WeakMap<PolicyRegistry, Resolved>();

/** `resolveSelection(registry, text)`, from the cache when the registry has not changed since. A text
 *  that does not resolve throws as resolveSelection does, every time (errors are not cached). */
export function resolveSelectionCached(registry: PolicyRegistry, text: string): ResolvedSelection {
  let entry = cache.get(registry);
  if (entry === undefined || entry.generation !== registry.generation) {
    entry = { generation: registry.generation, byText: new Map() };
    cache.set(registry, entry);
  }
  let s = entry.byText.get(text);
  if (s === undefined) {
    s = frozen(resolveSelection(registry, text));
    entry.byText.set(text, s);
  }
  return s;
}

function frozen(s: ResolvedSelection): ResolvedSelection {
  Object.freeze(s.variants);
  Object.freeze(s.claims);
  return Object.freeze(s);
}

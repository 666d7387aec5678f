// The one "did you mean …" of shootdown: commands, policies, mechanisms, variants, formats, scenarios,
// topics, ops, properties and ids all go through `closest`, so a typo is judged the same way wherever it
// is made. The distance is fastest-levenshtein's (the library under oclif's plugin-not-found too).
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `name` (case-insensitive), if it is plausibly a typo: at most a third of the
 * name's length away (at least 2 edits, so one swapped pair — `arm46` for `arm64` — is close), or a
 * candidate that starts with the name or contains it (`vmalloc` for `vmalloc-perms`). Ties go to a
 * candidate of the name's length (a typo more often replaces letters than drops one), then to the
 * alphabetically first, so messages are deterministic.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const typed = name.toLowerCase();
  const all = [...new Set(candidates)].sort();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of all) {
    const score = distance(typed, c.toLowerCase()) + (c.length === name.length ? 0 : 0.5);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  if (best === undefined) return undefined;
  if (Math.floor(bestScore) <= Math.max(2, Math.floor(name.length / 3))) return best;
  if (typed.length < 3) return undefined;
  return (
    all.find((c) => c.toLowerCase().startsWith(typed)) ?? all.find((c) => c.toLowerCase().includes(typed))
  );
}

/** `; did you mean "x"?` for the closest candidate, or nothing (for messages that go on after it). */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : `; did you mean "${c}"?`;
}

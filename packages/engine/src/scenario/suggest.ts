// "Did you mean …?" for unknown ops, properties and ids: the closest candidate by edit distance.

/** Levenshtein distance, two rows of integers (names are short; no allocation per cell). */
export function editDistance(a: string, b: string): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * The closest candidate if it is plausibly a typo: within a third of the name's length (at least 2 edits),
 * or the name is a prefix/suffix of it. Ties go to the earlier candidate, so the answer is deterministic.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // a same-length candidate wins a tie: a typo more often replaces a letter than drops one
    const d = editDistance(name.toLowerCase(), c.toLowerCase()) + (c.length === name.length ? 0 : 0.5);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(name.length / 3));
  if (Math.floor(bestD) <= limit) return best;
  return undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : `; did you mean "${c}"?`;
}

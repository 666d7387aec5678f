// "Did you mean …" for names typed by a user: the closest candidate by edit distance, if it is close enough
// to be a typo rather than a different word.

function editDistance(a: string, b: string): number {
  const prev = new Uint32Array(b.length + 1);
  const cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, sub);
    }
    prev.set(cur);
  }
  return prev[b.length];
}

/** The closest candidate within a third of the typed name's length (at least 2 edits), or undefined. */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(typed.toLowerCase(), c.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(typed.length / 3));
  if (best !== undefined && (bestDistance <= limit || best.startsWith(typed) || typed.startsWith(best))) {
    return best;
  }
  return undefined;
}

/**
 * The topic a mistyped topic name most likely meant: the closest full name, else the topic whose leading
 * word (`vmalloc` of `vmalloc-perms`) is closest — a user often types only the subject.
 */
export function closestTopic(typed: string, topics: readonly string[]): string | undefined {
  const full = closest(typed, topics);
  if (full !== undefined) return full;
  const lead = (t: string): string => t.split('-')[0] ?? t;
  const word = closest(
    typed,
    topics.map((t) => lead(t)),
  );
  return word === undefined ? undefined : [...topics].sort().find((t) => lead(t) === word);
}

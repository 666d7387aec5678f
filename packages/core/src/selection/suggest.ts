/**
 * Edit distance with adjacent transpositions (optimal string alignment: insert, delete, substitute,
 * swap two neighbours = 1), so `arm46` is one step from `arm64`. Three rows of a typed array.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const n = b.length;
  let before = new Uint32Array(n + 1);
  let prev = new Uint32Array(n + 1);
  let cur = new Uint32Array(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        d = Math.min(d, before[j - 2] + 1);
      }
      cur[j] = d;
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[n];
}

/**
 * The candidate closest to `name`, if it is close enough to be a plausible typo: at most a third of
 * the longer name's length (at least 1), or a candidate that contains the name / is contained in it.
 * Ties go to the alphabetically first candidate so messages are deterministic.
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  if (bestDistance <= limit) return best;
  const contained = [...candidates]
    .sort()
    .find((c) => c.includes(name) || (c.length > 2 && name.includes(c)));
  return contained;
}

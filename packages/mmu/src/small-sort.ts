// Sorting the few elements a per-frame question finds (the entries or translations reaching one frame: one
// to three, nearly always): Array.prototype.sort allocates its scratch space at every call, even for two
// elements, and the mermap invariant asks at every change of a window frame's reach. An insertion sort is
// stable, as Array.prototype.sort is, so the order is the same.

/** At most this many elements are sorted in place by insertion; more go to Array.prototype.sort. */
const SMALL = 8;

/** Sort `a` in place by `cmp` (stable) and return it. */
export function sortSmall<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > SMALL) return a.sort(cmp);
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && cmp(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

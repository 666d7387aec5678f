// Zeller and Hildebrandt's ddmin ("Simplifying and Isolating Failure-Inducing Input", IEEE TSE 28(2),
// 2002): the smallest sublist it can find, by removing chunks and keeping complements, that still passes
// `test`. Deterministic: chunks are tried in order, the first that works is taken. The result is
// 1-minimal — removing any single element makes `test` fail. `test` may be asynchronous (a candidate
// scenario runs on a worker thread); candidates are still tried one at a time, in order.
export async function ddmin<T>(
  items: readonly T[],
  test: (candidate: readonly T[]) => boolean | Promise<boolean>,
): Promise<T[]> {
  let current = [...items];
  let n = 2;
  while (current.length >= 2) {
    const chunks = split(current, n);
    let reduced = false;
    for (const chunk of chunks) {
      if (chunk.length < current.length && (await test(chunk))) {
        current = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (let i = 0; i < chunks.length; i++) {
        const complement = chunks.filter((_, k) => k !== i).flat();
        if (complement.length < current.length && (await test(complement))) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  if (current.length === 1 && (await test([]))) return [];
  return current;
}

function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    if (end > start) out.push(items.slice(start, end));
    start = end;
  }
  return out;
}

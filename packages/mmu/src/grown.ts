// Growing a per-entry or per-slot store: every grown array keeps its old values and starts the new part
// at the store's "nothing here" value, which is 0 for most and -1 for the slot sentinels.

type NumberArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A new array of `a`'s type and `length` elements: `a`'s values first, then `fill`. */
export function grown<T extends NumberArray>(a: T, length: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

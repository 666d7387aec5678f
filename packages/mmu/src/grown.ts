// Growing a per-entry or per-slot store: every grown array keeps its old values and starts the new part
// at the store's "nothing here" value, which is 0 for most and -1 for the slot sentinels.
import type { ArrayLease, LeasedArrayConstructor } from './array-pool.js';

type NumberArray = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A new array of `a`'s type and `length` elements: `a`'s values first, then `fill`. */
export function grown<T extends NumberArray>(a: T, length: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/**
 * grown(), the new array taken from the machine's lease: a store that grows in every run of a scenario (the
 * page tables of a boot outgrow their first 16 slots in almost every run) takes its grown arrays back from
 * the pool the previous machine released, instead of allocating fresh ones each run — ~60 KB of new
 * ArrayBuffers per litmus-sized run, which the collector then had to find and free. The old array stays on
 * the lease and goes back to the pool with the machine's other arrays when it is released, never earlier —
 * unless the machine is too large for the pool (ArrayLease.outgrown): then it is garbage at once.
 */
export function grownOn<T extends NumberArray>(lease: ArrayLease, a: T, length: number, fill = 0): T {
  const b = lease.take(a.constructor as LeasedArrayConstructor<T>, length, fill);
  b.set(a);
  lease.outgrown(a);
  return b;
}

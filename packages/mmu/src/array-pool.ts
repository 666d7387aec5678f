// Typed arrays recycled from one machine to the next. A machine's per-frame and per-CPU arrays (reverse
// view, frames, page-table slots, stale sets, and whatever the OS model sizes by the machine) are
// allocated through its `ArrayLease`; `Machine.release()` hands them back once the machine will never be
// read again, and the next machine of the same size takes them, refilled, instead of new ones. A run of a
// litmus-sized scenario lasts about a millisecond: allocating ~1 MB of fresh ArrayBuffers per run made the
// engine spend more time in allocation and in the garbage collections that external memory forces than
// in the scenario. Arrays are refilled when taken, so a recycled array reads exactly like a new one.

/** The typed arrays a lease hands out. */
export type LeasedArray = Int8Array | Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** A constructor of one of them (`Int32Array`, …). */
export interface LeasedArrayConstructor<T extends LeasedArray> {
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/**
 * Arrays kept for reuse, per (type, length); past this total, released arrays are left to the collector.
 * A 64 MiB machine's arrays are about 1 MiB: this keeps several machines' worth, while a multi-GiB machine
 * (tens of MiB of arrays, rare, and slow to run anyway) is not kept alive after its run — the pool must not
 * raise a worker's peak memory (DESIGN §8: `compare --jobs 1` of the catalogue in ≤ 300 MiB).
 */
const MAX_POOLED_BYTES = 8 * 1024 * 1024;

class ArrayPool {
  /** Free arrays by constructor, then by length (no key string built per take and give: a litmus-sized
   *  run takes and gives back ~120 arrays). */
  readonly #free = new Map<LeasedArrayConstructor<LeasedArray>, Map<number, LeasedArray[]>>();
  #bytes = 0;

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill: number): T {
    const list = this.#free.get(ctor)?.get(length);
    const a = list === undefined ? undefined : (list.pop() as T | undefined);
    if (a === undefined) {
      const fresh = new ctor(length);
      if (fill !== 0) fresh.fill(fill);
      return fresh;
    }
    this.#bytes -= a.byteLength;
    a.fill(fill);
    return a;
  }

  give(a: LeasedArray): void {
    if (this.#bytes + a.byteLength > MAX_POOLED_BYTES) return;
    const ctor = a.constructor as LeasedArrayConstructor<LeasedArray>;
    let byLength = this.#free.get(ctor);
    if (byLength === undefined) this.#free.set(ctor, (byLength = new Map<number, LeasedArray[]>()));
    let list = byLength.get(a.length);
    if (list === undefined) byLength.set(a.length, (list = []));
    list.push(a);
    this.#bytes += a.byteLength;
  }
}

/** One pool per thread (module state): a worker's runs recycle each other's arrays. */
const pool = new ArrayPool();

/**
 * The arrays of one machine. `take` hands out an array of `length` elements, every one `fill`; `release`
 * gives all of them back at once — after it nothing may read or write them (they belong to the next
 * machine). Without `release` the arrays are ordinary garbage.
 */
export class ArrayLease {
  #taken: LeasedArray[] = [];
  #released = false;

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill = 0): T {
    if (this.#released) throw new Error('the machine was released: its arrays belong to another machine');
    const a = pool.take(ctor, length, fill);
    this.#taken.push(a);
    return a;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const a of this.#taken) pool.give(a);
    this.#taken = [];
  }
}

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
 * Arrays kept for reuse, per (type, length), by any later machine; past this total, released arrays are not
 * kept there. A 64 MiB machine's arrays are about 1 MiB: this keeps several machines' worth.
 */
const MAX_POOLED_BYTES = 8 * 1024 * 1024;

/** A small number per array type: with the length, the key of a free list (`keyOf`). */
function kindOf(ctor: LeasedArrayConstructor<LeasedArray>): number {
  switch (ctor) {
    case Int8Array:
      return 0;
    case Uint8Array:
      return 1;
    case Uint16Array:
      return 2;
    case Int32Array:
      return 3;
    case Uint32Array:
      return 4;
    case Float64Array:
      return 5;
    default:
      throw new TypeError(`the array pool does not hold ${ctor.name}`);
  }
}

/** The free-list key of arrays of `length` elements of `ctor`'s type. */
function keyOf(ctor: LeasedArrayConstructor<LeasedArray>, length: number): number {
  return length * 8 + kindOf(ctor);
}

/**
 * Free arrays by (type, length), one number as the key. A litmus-sized run takes and gives back ~120 arrays:
 * the key and the size travel with each array from `take` to `give` (the lease keeps them), so giving back
 * reads no typed-array getter and looks up one map, not a map per type and then one per length.
 */
class FreeArrays {
  readonly #free = new Map<number, LeasedArray[]>();
  bytes = 0;

  pop(key: number): LeasedArray | undefined {
    const a = this.#free.get(key)?.pop();
    if (a !== undefined) this.bytes -= a.byteLength;
    return a;
  }

  push(a: LeasedArray, key: number, bytes: number): void {
    const list = this.#free.get(key);
    if (list === undefined) this.#free.set(key, [a]);
    else list.push(a);
    this.bytes += bytes;
  }

  clear(): void {
    this.#free.clear();
    this.bytes = 0;
  }
}

class ArrayPool {
  readonly #shared = new FreeArrays();
  /**
   * The arrays of a machine too large for the shared pool (a multi-GiB machine: tens of MiB), kept only for the
   * next machine of the same frame count — a catalogue runs each scenario under every selection in a row — and
   * dropped as soon as a machine of another size is built. So they never outlive the runs of their size, and a
   * worker's peak memory stays that of its largest machine (DESIGN §8: `compare --jobs 1` in ≤ 300 MiB).
   */
  readonly #large = new FreeArrays();
  #largeFrames = -1;

  /** A machine of `frames` frames is being built: a larger machine's arrays of another size go. */
  machineBuilt(frames: number): void {
    if (frames === this.#largeFrames) return;
    this.#large.clear();
    this.#largeFrames = frames;
  }

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill: number, key: number): T {
    const a = (this.#shared.pop(key) ?? this.#large.pop(key)) as T | undefined;
    if (a === undefined) {
      const fresh = new ctor(length);
      if (fill !== 0) fresh.fill(fill);
      return fresh;
    }
    a.fill(fill);
    return a;
  }

  /**
   * The arrays of one released lease, with their keys and sizes (index by index) and their total size;
   * `frames`: the machine's frame count, if it is a machine's.
   */
  give(
    arrays: readonly LeasedArray[],
    keys: readonly number[],
    sizes: readonly number[],
    total: number,
    frames: number | undefined,
  ): void {
    if (total > MAX_POOLED_BYTES) {
      if (frames === this.#largeFrames)
        for (let i = 0; i < arrays.length; i++) this.#large.push(arrays[i], keys[i], sizes[i]);
      return;
    }
    const shared = this.#shared;
    for (let i = 0; i < arrays.length; i++) {
      if (shared.bytes + sizes[i] <= MAX_POOLED_BYTES) shared.push(arrays[i], keys[i], sizes[i]);
    }
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
  /** Per taken array (same index): its free-list key and its size in bytes. */
  #keys: number[] = [];
  #sizes: number[] = [];
  #bytes = 0;
  #released = false;

  /** @param frames the frame count of the machine whose arrays these are (absent: no machine's). */
  constructor(readonly frames?: number) {
    if (frames !== undefined) pool.machineBuilt(frames);
  }

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill = 0): T {
    if (this.#released) throw new Error('the machine was released: its arrays belong to another machine');
    const key = keyOf(ctor, length);
    const a = pool.take(ctor, length, fill, key);
    const size = length * ctor.BYTES_PER_ELEMENT;
    this.#taken.push(a);
    this.#keys.push(key);
    this.#sizes.push(size);
    this.#bytes += size;
    return a;
  }

  /**
   * `a`, taken from this lease, was replaced by a larger copy (a store that grew, grown.ts). A machine whose
   * arrays the shared pool can keep holds on to it until release — its next run grows the same way and
   * takes it back — but a larger machine lets it go now: growth by half leaves about twice the final store
   * in old copies, which for a 1 GiB machine mapped page by page was 27 of its 81 bytes per page
   * (DESIGN §8: ≤ 48).
   */
  outgrown(a: LeasedArray): void {
    if (this.#bytes <= MAX_POOLED_BYTES) return;
    const i = this.#taken.lastIndexOf(a);
    if (i < 0) return;
    this.#taken.splice(i, 1);
    this.#keys.splice(i, 1);
    this.#bytes -= this.#sizes.splice(i, 1)[0];
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    pool.give(this.#taken, this.#keys, this.#sizes, this.#bytes, this.frames);
    this.#taken = [];
    this.#keys = [];
    this.#sizes = [];
  }
}

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

/** Free arrays by constructor, then by length (no key string built per take and give: a litmus-sized run
 *  takes and gives back ~120 arrays). */
class FreeArrays {
  readonly #free = new Map<LeasedArrayConstructor<LeasedArray>, Map<number, LeasedArray[]>>();
  bytes = 0;

  pop<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number): T | undefined {
    const a = this.#free.get(ctor)?.get(length)?.pop() as T | undefined;
    if (a !== undefined) this.bytes -= a.byteLength;
    return a;
  }

  push(a: LeasedArray): void {
    const ctor = a.constructor as LeasedArrayConstructor<LeasedArray>;
    let byLength = this.#free.get(ctor);
    if (byLength === undefined) this.#free.set(ctor, (byLength = new Map<number, LeasedArray[]>()));
    let list = byLength.get(a.length);
    if (list === undefined) byLength.set(a.length, (list = []));
    list.push(a);
    this.bytes += a.byteLength;
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

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill: number): T {
    const a = this.#shared.pop(ctor, length) ?? this.#large.pop(ctor, length);
    if (a === undefined) {
      const fresh = new ctor(length);
      if (fill !== 0) fresh.fill(fill);
      return fresh;
    }
    a.fill(fill);
    return a;
  }

  /** The arrays of one released lease; `frames`: the machine's frame count, if it is a machine's. */
  give(arrays: readonly LeasedArray[], frames: number | undefined): void {
    let bytes = 0;
    for (const a of arrays) bytes += a.byteLength;
    if (bytes > MAX_POOLED_BYTES) {
      if (frames === this.#largeFrames) for (const a of arrays) this.#large.push(a);
      return;
    }
    for (const a of arrays) if (this.#shared.bytes + a.byteLength <= MAX_POOLED_BYTES) this.#shared.push(a);
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
  #bytes = 0;
  #released = false;

  /** @param frames the frame count of the machine whose arrays these are (absent: no machine's). */
  constructor(readonly frames?: number) {
    if (frames !== undefined) pool.machineBuilt(frames);
  }

  take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill = 0): T {
    if (this.#released) throw new Error('the machine was released: its arrays belong to another machine');
    const a = pool.take(ctor, length, fill);
    this.#taken.push(a);
    this.#bytes += a.byteLength;
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
    this.#bytes -= a.byteLength;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    pool.give(this.#taken, this.frames);
    this.#taken = [];
  }
}

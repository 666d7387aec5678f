// Test-only reference pieces: a first-fit buddy over a bitmap and a recording MMU port. They exist so the
// allocator arithmetic of the spec can be checked on its own; the policy tests drive the real linux-mm and MMU.
import type { LinearMapHw } from '../../src/linear-map.js';
import type { DsbDomain, TlbiOp } from '../../src/tlbflush.js';
import type { BuddyPort, CounterPort } from '../../src/ptp/types.js';

/** Lowest aligned free block first; `hold` takes frames out so that only smaller blocks remain. */
export class TestBuddy implements BuddyPort {
  readonly used: Uint8Array;
  /** Frees into each pageblock (BuddyPort.freesIn). */
  private readonly frees: Uint32Array;
  constructor(readonly nrFrames: number) {
    this.used = new Uint8Array(nrFrames);
    this.frees = new Uint32Array(Math.ceil(nrFrames / 512));
  }
  allocPages(order: number): number {
    const n = 1 << order;
    for (let p = 0; p + n <= this.nrFrames; p += n) {
      let free = true;
      for (let i = 0; i < n && free; i++) if (this.used[p + i]) free = false;
      if (free) {
        this.used.fill(1, p, p + n);
        return p;
      }
    }
    return -1;
  }
  freePages(pfn: number, order: number): void {
    this.used.fill(0, pfn, pfn + (1 << order));
    for (let b = pfn >>> 9; b <= (pfn + (1 << order) - 1) >>> 9; b++) this.frees[b]++;
  }
  freesIn(pfn: number): number {
    return this.frees[pfn >>> 9];
  }
  isFree(pfn: number): boolean {
    return this.used[pfn] === 0;
  }
  takeFrame(pfn: number): boolean {
    if (this.used[pfn]) return false;
    this.used[pfn] = 1;
    return true;
  }
  /** Occupies one frame in every aligned block of 2^order frames, so no free block of that order survives. */
  fragment(order: number): void {
    for (let p = 0; p < this.nrFrames; p += 1 << order) this.used[p + (1 << order) - 1] = 1;
  }
  freeCount(): number {
    let n = 0;
    for (let i = 0; i < this.nrFrames; i++) if (!this.used[i]) n++;
    return n;
  }
}

export class TestCounters implements CounterPort {
  readonly values = new Map<string, number>();
  count(name: string, delta: number): void {
    this.values.set(name, (this.values.get(name) ?? 0) + delta);
  }
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
  reset(): void {
    this.values.clear();
  }
}

/** Records what the linear map asks of the hardware, counting like the MMU would. */
export class RecordingHw implements LinearMapHw {
  readonly tlbis: { op: TlbiOp; asid: number; va: number }[] = [];
  readonly stores: string[] = [];
  constructor(private readonly counters: TestCounters) {}
  tlbi(_cpu: number, op: TlbiOp, asid: number, va: number): void {
    this.tlbis.push({ op, asid, va });
    this.counters.count(`tlbi:${op}`, 1);
  }
  dsb(_cpu: number, domain: DsbDomain): void {
    this.counters.count(`dsb:${domain}`, 1);
  }
  isb(): void {
    this.counters.count('isb', 1);
  }
  countFlush(): void {
    this.counters.count('kflush', 1);
  }
  setLeafKey(_cpu: number, level: number, pfn: number, key: number): void {
    this.stores.push(`key L${level} ${pfn} ${key}`);
  }
  clearBlock(_cpu: number, level: number, pfn: number): void {
    this.stores.push(`invalid L${level} ${pfn}`);
  }
  installTable(_cpu: number, level: number, pfn: number, table: number): void {
    this.stores.push(`table L${level} ${pfn} -> ${table}`);
  }
  updatePte(_cpu: number, pfn: number, set: number, clear: number): void {
    this.stores.push(`pte ${pfn} +${set} -${clear}`);
  }
  directMapVa(pfn: number): number {
    return 0x800000000000 + pfn * 4096;
  }
}

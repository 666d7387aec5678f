// The mm's per-frame arrays (buddy free lists, page references, allocation orders, direct-map removals,
// mermap pending counts) and its software copies of the page tables (pgtable.ts) come from the arch's lease — the simulated machine's, recycled from one run's machine to the next. A
// zone or allocator built on recycled arrays must behave exactly as one built on new arrays: every array
// handed back refilled with its initial value (array-pool.ts).
import { ArrayLease, type LeasedArray, type LeasedArrayConstructor } from '@shootdown/mmu';
import { describe, expect, it } from 'vitest';
import {
  BuddyZone,
  GFP_UNMAPPED,
  GFP_ZERO,
  LinuxMm,
  MIGRATE_MOVABLE,
  MIGRATE_UNMOVABLE,
  defaultLinuxMmConfig,
} from '../src/index.js';
import { FakeArch } from './fake-arch.js';

/** A lease that also remembers what it handed out. */
class RecordingLease extends ArrayLease {
  readonly taken: LeasedArray[] = [];
  override take<T extends LeasedArray>(ctor: LeasedArrayConstructor<T>, length: number, fill = 0): T {
    const a = super.take(ctor, length, fill);
    this.taken.push(a);
    return a;
  }
}

class LeasedArch extends FakeArch {
  constructor(
    nrCpus: number,
    readonly lease: ArrayLease,
  ) {
    super(nrCpus);
  }
}

/** Allocations and frees that leave the free lists, orders and pageblock types far from their start. */
function zoneWorkload(zone: BuddyZone): number[] {
  const out: number[] = [];
  const held: [number, number][] = [];
  for (let i = 0; i < 40; i++) {
    const order = i % 4;
    const pfn = zone.rmqueue(order, i % 3 === 0 ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE);
    out.push(pfn);
    held.push([pfn, order]);
  }
  for (let i = 0; i < held.length; i += 2) {
    const [pfn, order] = held[i]!;
    zone.freeOnePage(pfn, order, zone.getPageblockFreetype(pfn));
  }
  out.push(zone.takeFreePage(3000) ? 1 : 0, zone.freePages);
  for (let p = 0; p < zone.nrPages; p += 97) out.push(zone.isFree(p) ? 1 : 0, zone.isFreeHead(p) ? 1 : 0);
  return out;
}

describe('linux-mm per-frame arrays from the machine lease', () => {
  it('a buddy zone on recycled arrays allocates exactly as one on new arrays', () => {
    const fresh = zoneWorkload(new BuddyZone(4096, 16));
    const lease = new RecordingLease();
    const first = new BuddyZone(4096, 16, lease);
    // next, prev and freeOrder: one entry per frame each.
    expect(lease.taken.filter((a) => a.length === 4096)).toHaveLength(3);
    expect(zoneWorkload(first)).toEqual(fresh);
    lease.release();
    const again = new RecordingLease();
    const second = new BuddyZone(4096, 16, again);
    // The released arrays, dirty from the first zone's work, are the ones handed out again.
    expect(again.taken.filter((a) => lease.taken.includes(a))).toHaveLength(3);
    expect(zoneWorkload(second)).toEqual(fresh);
  });

  it('the page allocator takes its per-frame arrays from the arch lease and behaves the same on recycled ones', () => {
    const work = (arch: FakeArch): unknown[] => {
      const lm = new LinuxMm(arch, defaultLinuxMmConfig(2048, 16));
      const a = lm.allocator;
      const pfns = [a.allocPages(0, 0, GFP_ZERO), a.allocPages(1, 2, 0), a.allocPages(0, 0, GFP_UNMAPPED)];
      a.freePages(1, pfns[1]!, 2);
      const after = [a.allocPages(0, 1, 0), a.allocPages(0, 0, GFP_UNMAPPED)];
      return [pfns, after, [...a.refcount], [...a.allocOrder], [...a.directMapRemoved]];
    };
    const fresh = work(new FakeArch(2));
    const lease = new RecordingLease();
    const first = new LeasedArch(2, lease);
    expect(work(first)).toEqual(fresh);
    // refcount, allocOrder, directMapRemoved, the zone's three lists and the mermap's pending counts.
    expect(lease.taken.filter((a) => a.length === 2048)).toHaveLength(7);
    lease.release();
    const again = new RecordingLease();
    expect(work(new LeasedArch(2, again))).toEqual(fresh);
    expect(again.taken.filter((a) => a.length === 2048 && lease.taken.includes(a))).toHaveLength(7);
  });

  it('the software page tables come from the arch lease, zeroed again for the next machine', () => {
    const work = (arch: FakeArch): unknown[] => {
      const lm = new LinuxMm(arch, defaultLinuxMmConfig(2048, 16));
      const mm = lm.initMm;
      const pt = lm.pgtables;
      const out: unknown[] = [];
      // a PTE table under fresh upper levels, an entry written in it, read back through the walk
      for (const addr of [0x4000_0000, 0x4020_0000, 0x7f00_0000_0000]) {
        const table = pt.walk(0, mm, addr, 1, true);
        out.push(table, pt.readEntry(mm, addr, 1));
        pt.setEntry(0, mm, 1, table, (addr / 4096) & 511, addr, 0x1234);
        out.push(pt.readEntry(mm, addr, 1));
      }
      out.push(pt.size(), Array.from(pt.get(mm.pgd)).filter((e) => e !== 0).length);
      return out;
    };
    const fresh = work(new FakeArch(2));
    const lease = new RecordingLease();
    expect(work(new LeasedArch(2, lease))).toEqual(fresh);
    const tables = lease.taken.filter((a) => a instanceof Float64Array && a.length === 512);
    // the pgd and, per address, whatever levels it lacked: every table the store made came from the lease
    expect(tables.length).toBe(fresh.at(-2));
    lease.release();
    const again = new RecordingLease();
    expect(work(new LeasedArch(2, again))).toEqual(fresh);
    expect(again.taken.filter((a) => tables.includes(a))).toHaveLength(tables.length);
  });
});

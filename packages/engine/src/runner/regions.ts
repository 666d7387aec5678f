// The run's name tables: regions, processes and keys by scenario id (DESIGN §4 "Addressing",
// "Semantics rules"): a region id keeps naming its address range after munmap and exec.
import { PAGE_SIZE, type Pfn, type Va } from '@shootdown/core';
import type { KeyRef, RegionKind } from '../scenario/types.js';

export interface Region {
  readonly id: string;
  readonly kind: RegionKind;
  /** First address: user / kernel VA; for `pages` regions the linear-map address of the first frame. */
  readonly start: Va;
  readonly pages: number;
  /** Backing frames where the defining op reported them (kalloc, page-alloc, policy ops); for user
   *  regions, the frames last seen mapped (filled in lazily), -1 for pages never seen. */
  readonly frames: Pfn[];
  /** `page-alloc order: k` blocks are freed as one block. */
  readonly order: number | null;
  /** Which address space a user region was defined in (process id of the scenario). */
  readonly space: 'kernel' | number;
  freed: boolean;
}

export class NameTables {
  readonly regions = new Map<string, Region>();
  readonly processes = new Map<string, number>();
  readonly keys = new Map<string, number>();

  defineRegion(region: Omit<Region, 'freed'>): void {
    this.regions.set(region.id, { ...region, freed: false });
  }

  region(id: string): Region | undefined {
    return this.regions.get(id);
  }

  key(ref: KeyRef): number | undefined {
    return ref.kind === 'index' ? ref.index : this.keys.get(ref.id);
  }

  /** Address of `page` (+ byte offset) of a region. */
  static address(region: Region, page: number, offset = 0): Va {
    return region.start + page * PAGE_SIZE + offset;
  }
}

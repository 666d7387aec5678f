// One process's vmspace: its vm_map entries and its amd64 pmap, with the dependencies the VM paths share.
import type { Counters, FrameBook } from '@shootdown/core';
import type { Amd64Pmap } from '../amd64/pmap.js';
import type { PkruCallOptions } from '../pkru/pmap-pkru.js';
import type { KeyLifetime } from '../policy/key-lifetime.js';
import { MapEntries } from './entries.js';
import type { VmObjects } from './objects.js';

export interface VmDeps {
  readonly objects: VmObjects;
  readonly lifetime: KeyLifetime;
  readonly frameBook: FrameBook;
  readonly counters: Counters;
  readonly pkru: PkruCallOptions;
}

export class Vmspace {
  readonly entries: MapEntries;
  /**
   * Pages [removeStart, removeEnd) of a vm_map_remove in progress, -1 when none. vm_map_remove holds the map's
   * write lock (vm_map_lock, an sx lock) from before vm_map_delete clips the first entry until every entry in
   * the range is gone (sys/vm/vm_map.c vm_map_remove), so a nested step of an `interleave` runs while it is held.
   */
  removeStart = -1;
  removeEnd = -1;
  constructor(
    readonly pid: number,
    readonly pmap: Amd64Pmap,
    readonly deps: VmDeps,
  ) {
    this.entries = new MapEntries(deps.objects);
  }
}

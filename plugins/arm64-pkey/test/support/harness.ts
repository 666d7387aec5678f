// Wires one PTP allocator to a test buddy and a recording linear map, booted like kpkeys_hardened_pgtables_init()
// then _init_late().
import { LinearMap, type LinearMapLeaf } from '../../src/linear-map.js';
import { BlockCachePtpAllocator, PBA_NR_RESERVED_PAGES } from '../../src/ptp/block-cache.js';
import { FreetypePtpAllocator } from '../../src/ptp/freetype.js';
import { PerPagePtpAllocator } from '../../src/ptp/per-page.js';
import type { PkeyPort, PtpAllocator } from '../../src/ptp/types.js';
import { UnprotectedPtpAllocator } from '../../src/ptp/unprotected.js';
import { RecordingHw, TestBuddy, TestCounters } from './fakes.js';

export interface Rig {
  buddy: TestBuddy;
  counters: TestCounters;
  hw: RecordingHw;
  map: LinearMap;
  ptp: PtpAllocator;
}

export function rig(variant: string, leaf: LinearMapLeaf, nrFrames = 1 << 14, bbml2 = true): Rig {
  const buddy = new TestBuddy(nrFrames);
  const counters = new TestCounters();
  const hw = new RecordingHw(counters);
  const map = new LinearMap(nrFrames, leaf, bbml2, hw, counters);
  const pkeys: PkeyPort = {
    setMemoryPkey: (pfn, nr, key) => map.setMemoryPkey(pfn, nr, key),
    pteOnlyDirectMap: () => map.pteOnly(),
    clearPage: () => {},
  };
  let ptp: PtpAllocator;
  switch (variant) {
    case 'pt-unprotected':
      ptp = new UnprotectedPtpAllocator(buddy, pkeys);
      break;
    case 'pt-pkey-per-page':
      ptp = new PerPagePtpAllocator(buddy, pkeys, counters);
      break;
    case 'pt-pkey-block-cache':
    case 'pt-pkey-block-cache-noreserve': {
      const noreserve = variant.endsWith('noreserve');
      ptp = new BlockCachePtpAllocator(buddy, pkeys, counters, {
        variant,
        reserved: noreserve ? 0 : PBA_NR_RESERVED_PAGES,
        honourSplitFlag: !noreserve,
        nrFrames,
      });
      break;
    }
    default:
      ptp = new FreetypePtpAllocator(
        buddy,
        pkeys,
        counters,
        nrFrames,
        variant.endsWith('defer') ? 'defer' : 'fail',
      );
  }
  map.setTableSource(ptp);
  if (ptp instanceof FreetypePtpAllocator) {
    // Design C boots with the whole linear map keyed for page tables (spec §6.3).
    map.key.fill(1);
    ptp.pageblockProtected.fill(1);
  }
  ptp.init();
  ptp.initLate();
  return { buddy, counters, hw, map, ptp };
}

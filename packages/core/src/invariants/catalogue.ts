// Every invariant of DESIGN §3, in the table's order (then those added since).
import { breakBeforeMake } from './break-before-make.js';
import { crossMmAlias } from './cross-mm-alias.js';
import { directMapDefault } from './direct-map-default.js';
import { doubleUse } from './double-use.js';
import { duplicateId } from './duplicate-id.js';
import { freedPagetableWalk } from './freed-pagetable-walk.js';
import type { Invariant } from './invariant.js';
import { mermapFree } from './mermap-free.js';
import { pagetableReuse } from './pagetable-reuse.js';
import { pagetableWriteProtected } from './pagetable-write-protected.js';
import { pfnRelease } from './pfn-release.js';
import { pkeyKept } from './pkey-kept.js';
import { pkeyTag } from './pkey-tag.js';
import { staleAfterFree } from './stale-after-free.js';
import { staleDirectMap } from './stale-direct-map.js';
import { staleExecAlias } from './stale-exec-alias.js';
import { unmappedStaysUnmapped } from './unmapped-stays-unmapped.js';
import { wxAlias } from './wx-alias.js';

export const INVARIANTS: readonly Invariant[] = [
  staleExecAlias,
  wxAlias,
  staleAfterFree,
  directMapDefault,
  freedPagetableWalk,
  pagetableReuse,
  unmappedStaysUnmapped,
  pfnRelease,
  mermapFree,
  crossMmAlias,
  pkeyTag,
  pkeyKept,
  pagetableWriteProtected,
  breakBeforeMake,
  staleDirectMap,
  doubleUse,
  duplicateId,
];

export function invariant(id: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.id === id);
}

// What each `pkru-remove` variant does at the call sites of spec freebsd-amd64.md §5.1 — as data, so the VM
// layer and the pmap never branch on a variant name. Every variant difference is a difference in *when
// rangeset nodes disappear* (spec §12.1); PERSIST nodes survive every implicit removal in all of them (§5.2).

export interface KeyLifetime {
  /** pmap_remove() itself runs pmap_pkru_on_remove (pre-rG1e0e335b0f0d pmap.c). */
  readonly removeClearsKeys: boolean;
  /** pmap_map_delete() runs pmap_pkru_on_remove (rG1e0e335b0f0d: pmap_remove1(..., map_delete = true)). */
  readonly mapDeleteClearsKeys: boolean;
  /** vm_swapout_map_deactivate_pages calls pmap_remove_swapout (D39556 revision 1) instead of pmap_remove. */
  readonly swapoutCallsRemoveSwapout: boolean;
  /** vm_map_delete calls pmap_map_delete (landed) instead of pmap_remove. */
  readonly deleteCallsMapDelete: boolean;
}

export const KEY_LIFETIMES = {
  original: {
    removeClearsKeys: true,
    mapDeleteClearsKeys: true,
    swapoutCallsRemoveSwapout: false,
    deleteCallsMapDelete: false,
  },
  'swapout-fix': {
    removeClearsKeys: true,
    mapDeleteClearsKeys: true,
    swapoutCallsRemoveSwapout: true,
    deleteCallsMapDelete: false,
  },
  'map-delete': {
    removeClearsKeys: false,
    mapDeleteClearsKeys: true,
    swapoutCallsRemoveSwapout: false,
    deleteCallsMapDelete: true,
  },
  'explicit-clear-only': {
    removeClearsKeys: false,
    mapDeleteClearsKeys: false,
    swapoutCallsRemoveSwapout: false,
    deleteCallsMapDelete: true,
  },
} as const satisfies Record<string, KeyLifetime>;

export type KeyLifetimeName = keyof typeof KEY_LIFETIMES;

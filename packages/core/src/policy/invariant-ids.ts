/** The invariant ids of DESIGN §3, in the table's order (then those added since). */
export const INVARIANT_IDS = [
  'stale-exec-alias',
  'wx-alias',
  'stale-after-free',
  'direct-map-default',
  'freed-pagetable-walk',
  'pagetable-reuse',
  'unmapped-stays-unmapped',
  'pfn-release',
  'mermap-free',
  'cross-mm-alias',
  'pkey-tag',
  'pkey-kept',
  'pagetable-write-protected',
  'break-before-make',
  'stale-direct-map',
  'double-use',
  'duplicate-id',
] as const;

export type InvariantId = (typeof INVARIANT_IDS)[number];

export function isInvariantId(text: string): text is InvariantId {
  return (INVARIANT_IDS as readonly string[]).includes(text);
}

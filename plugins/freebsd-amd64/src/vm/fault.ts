// vm_fault (sys/vm/vm_fault.c) for anonymous memory: find the entry, check its protection, create the backing
// object on first touch, zero-fill or swap in the page, break copy-on-write on a write, and pmap_enter it —
// where pmap_enter takes the key from the rangeset as it is *now* (spec freebsd-amd64.md §4.1).
// trap_pfault never calls vm_fault for a PGEX_PK fault (sys/amd64/amd64/trap.c); the caller sees to that.
import type { Outcome } from '@shootdown/core';
import { VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../constants.js';
import type { Vmspace } from './vmspace.js';

export type FaultKind = 'read' | 'write' | 'exec';

const KIND_PROT: Record<FaultKind, number> = {
  read: VM_PROT_READ,
  write: VM_PROT_WRITE,
  exec: VM_PROT_EXECUTE,
};

/**
 * Resolve a fault at `page`. Returns null when resolved (the access is retried), else the outcome the
 * process gets: KERN_INVALID_ADDRESS (no entry) → `fault:not-present`, KERN_PROTECTION_FAILURE →
 * `fault:<kind>`, no memory → `error:ENOMEM`.
 */
export function vmFault(vs: Vmspace, cpu: number, page: number, kind: FaultKind): Outcome | null {
  vs.deps.counters.add('fault'); // shared work (spec linux.md §7.4): trap entry and exit, resolved or not
  // vm_fault_lookup → vm_map_lookup takes the map's read lock (sys/vm/vm_fault.c, sys/vm/vm_map.c): inside a
  // vm_map_remove of this page it sleeps until vm_map_unlock, and by then the page has no entry —
  // KERN_INVALID_ADDRESS. Serving it from the entry being deleted would map a page the delete then frees.
  if (page >= vs.removeStart && page < vs.removeEnd) return 'fault:not-present';
  const entries = vs.entries;
  const i = entries.lookup(page);
  if (i < 0) return 'fault:not-present';
  const prot = entries.prot[i];
  if ((prot & KIND_PROT[kind]) === 0) return `fault:${kind}`;
  const objects = vs.deps.objects;
  const obj = entries.back(i);
  const index = entries.offset[i] + (page - entries.start[i]);
  let pfn = objects.fill(cpu, obj, index);
  if (pfn < 0) return 'error:ENOMEM';
  if (kind === 'write' && objects.shared(pfn)) {
    pfn = objects.copyOnWrite(cpu, obj, index);
    if (pfn < 0) return 'error:ENOMEM';
  }
  // A frame still shared with another object (COW after fork) is mapped read-only until it is copied.
  const enterProt = objects.shared(pfn) ? prot & ~VM_PROT_WRITE : prot;
  vs.pmap.enter(cpu, page, pfn, enterProt, kind === 'write');
  return null;
}

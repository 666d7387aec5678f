// vmspace_fork (sys/vm/vm_map.c) with pmap_vmspace_copy first (sys/amd64/amd64/pmap.c → pmap_pkru_copy →
// rangeset_copy): the child gets every key range, PERSIST bits included, before any entry is copied; the two
// rangesets are independent afterwards (spec freebsd-amd64.md §4.3). Entries are inherited copy-on-write
// (vm_map_copy_entry): the parent's writable range is write-protected with pmap_protect, the child shares the
// frames, and pmap_copy pre-populates the child's entries with the parent's key bits verbatim. Entries without
// an object stay without one in the child.
import { VM_PROT_WRITE } from '../constants.js';
import type { Vmspace } from './vmspace.js';

/** Copy `parent` into the empty `child`. Returns an errno name on rangeset_copy failure, else null. */
export function vmspaceFork(parent: Vmspace, child: Vmspace, cpu: number): string | null {
  if (child.pmap.pkru.copyFrom(parent.pmap.pkru) !== 0) return 'ENOMEM';
  const pe = parent.entries;
  const ce = child.entries;
  const objects = parent.deps.objects;
  for (let i = 0; i < pe.count; i++) {
    const s = pe.start[i];
    const e = pe.end[i];
    const prot = pe.prot[i];
    const at = ce.insert(s, e, prot, pe.maxProt[i]);
    const obj = pe.obj[i];
    if (obj < 0) continue;
    if ((prot & VM_PROT_WRITE) !== 0) parent.pmap.protect(cpu, s, e, prot & ~VM_PROT_WRITE);
    ce.obj[at] = objects.duplicate(obj, pe.offset[i], e - s);
    ce.offset[at] = 0;
    child.pmap.copyFrom(cpu, parent.pmap, s, e);
  }
  return null;
}

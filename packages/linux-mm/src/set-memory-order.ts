// The set_memory_* family changes one attribute per call (set_memory_ro/rw/x/nx each pass one mask to
// the arch's attribute changer), and callers order them so that nothing is ever writable and executable
// at once: module_enable_ro() before module_enable_x(), set_memory_nx() before set_memory_rw()
// (868b104d7379's fallback), and the generic set_memory_rox() is set_memory_ro() then set_memory_x()
// (include/linux/set_memory.h). A kprotect naming several attributes is issued the same way on every arch.
import { PTE_EXEC, PTE_WRITE } from './pte.js';

/**
 * The [set, clear] masks of one protection change as the kernel issues them: restrictive changes first
 * (clear write, clear exec), permissive ones after (set exec, set write), anything else last. Each pair is
 * its own call — with its own flush — to the arch's set_memory implementation.
 */
export function setMemorySteps(set: number, clear: number): [number, number][] {
  const steps: [number, number][] = [];
  if (clear & PTE_WRITE) steps.push([0, PTE_WRITE]);
  if (clear & PTE_EXEC) steps.push([0, PTE_EXEC]);
  if (set & PTE_EXEC) steps.push([PTE_EXEC, 0]);
  if (set & PTE_WRITE) steps.push([PTE_WRITE, 0]);
  const other = set & ~(PTE_WRITE | PTE_EXEC);
  const rest = clear & ~(PTE_WRITE | PTE_EXEC);
  if (other !== 0 || rest !== 0) steps.push([other, rest]);
  return steps;
}

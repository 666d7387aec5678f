import { hex } from './bits.js';
import type { Invariant } from './invariant.js';

/**
 * `duplicate-id` (Casemate's "duplicate (VM/AS)ID", rems-project/casemate src/lib/src/model.c
 * `activate_ttbr`; examples/tests/bad_overlap_VMID.c, bad_overlap_ASID.c): a translation base register
 * of the stage-2 or EL2 regime is loaded with a root under an ID (VTTBR_EL2's VMID; TTBR0_EL2, which
 * has none) while some CPU may still hold entries that ID cached from another root — no TLBI by the ID,
 * or of everything, completed on it since. The TLB is tagged by the ID, not by the root, so those
 * entries may translate for the new root. Casemate refuses any second root for an ID; this judges the
 * hardware hazard only, so a root switch after the ID was invalidated everywhere holds. Judged at the
 * register load (the MMU's tagOverlap).
 */
export const duplicateId: Invariant = {
  id: 'duplicate-id',
  description:
    'A VMID (VTTBR_EL2) or the EL2 regime (TTBR0_EL2) is loaded with a root while a CPU may still hold entries of that ID cached from another root (no TLBI of the ID since).',
  tagOverlap(ctx, o) {
    const what = o.register === 'vttbr_el2' ? `VMID ${o.id}` : 'the EL2 regime';
    ctx.raise('duplicate-id', o.root, {
      cpu: o.cpu,
      address: null,
      frame: o.root,
      explanation: `${o.register.toUpperCase()} loaded root frame ${o.root} (${hex(o.root * 4096)}) under ${what} while CPU${o.holders.length > 1 ? 's' : ''} ${o.holders.join(', ')} may still hold its entries from root frame ${o.otherRoot}`,
    });
    ctx.settle('duplicate-id', o.root);
  },
};

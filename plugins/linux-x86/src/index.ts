// @shootdown/policy-linux-x86: the Linux x86-64 policy plug-in. `register(ctx)` adds the policy, its
// mermap ops and its own counter; the arch pieces are exported for tests and for other Linux plug-ins.
import { addPrecompiledFragments, type PolicyMap, type RegisterContext } from '@shootdown/core';
import { vmapLazyProbe } from '@shootdown/linux-mm';
import { mermapGet, mermapPut } from './ops/mermap.js';
import { linuxX86 } from './policy/linux-x86.js';

export const policies = { 'linux-x86': linuxX86 } satisfies PolicyMap;

export function register(ctx: RegisterContext): void {
  ctx.registry.addPolicy(linuxX86);
  ctx.registry.addOp(mermapGet);
  ctx.registry.addOp(mermapPut);
  // their schemas, compiled by this package's build (scripts/precompile-fragments.js): no ajv for a valid step
  addPrecompiledFragments(new URL('./fragments.cjs', import.meta.url));
  // linux-mm's vmalloc is shared by both Linux policies; arm64-pkey registers its LinuxMm the same way.
  ctx.registry.addProbe(vmapLazyProbe(['linux-x86', 'arm64-pkey']));
}

export { linuxX86 } from './policy/linux-x86.js';
export { x86ConfigOf, linuxMmConfigOf, gatherConfigOf } from './policy/variants.js';
export { X86LinuxArch, MERMAP_BASE, MERMAP_WINDOW_PAGES, reservedFramesFor } from './arch/x86-arch.js';
export { X86Tlb } from './arch/tlb.js';
export { X86Cpa } from './arch/cpa.js';
export { X86Kernel } from './kernel/x86-kernel.js';
export { X86PmapTable } from './kernel/pmap.js';
export { X86_RUN, type X86Run } from './run-state.js';
export type { X86Config, ShootdownMode } from './arch/x86-config.js';
export type { X86Port } from './arch/port.js';

// @shootdown/policy-freebsd-amd64 — FreeBSD vm_map + amd64 pmap with PKRU rangesets (see README.md).
import { addPrecompiledFragments, type RegisterContext } from '@shootdown/core';
import { FREEBSD_COUNTERS, rangesProbe, superpageProbe, sysarchOp } from './policy/contributions.js';
import { policies } from './policy/policy.js';

export { policies, freebsdAmd64, SYSTEM_TOKEN } from './policy/policy.js';
export { FreeBsdSystem, type SystemInputs } from './policy/system.js';
export { KEY_LIFETIMES, type KeyLifetime, type KeyLifetimeName } from './policy/key-lifetime.js';
export { Rangeset, RemovePredicate, NODE_PERSIST } from './pkru/rangeset.js';
export { checkUargs, checkClearArgs, pageRange } from './pkru/pkru-args.js';
export * from './constants.js';

export function register(ctx: RegisterContext): void {
  for (const p of Object.values(policies)) ctx.registry.addPolicy(p);
  for (const c of FREEBSD_COUNTERS) ctx.registry.addCounter(c);
  ctx.registry.addOp(sysarchOp);
  // their schemas, compiled by this package's build (scripts/precompile-fragments.js): no ajv for a valid step
  addPrecompiledFragments(new URL('./fragments.cjs', import.meta.url));
  ctx.registry.addProbe(rangesProbe);
  ctx.registry.addProbe(superpageProbe);
}

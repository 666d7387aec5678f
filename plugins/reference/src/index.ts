// @shootdown/policy-reference — registers exactly as a third-party plug-in does: the `shootdown`
// manifest in package.json names this entry, and `register(ctx)` adds the policies below.
import type { PolicyMap, RegisterContext } from '@shootdown/core';
import { referencePolicy } from './policy.js';

export const policies = { reference: referencePolicy } satisfies PolicyMap;

export function register(ctx: RegisterContext): void {
  for (const p of Object.values(policies)) ctx.registry.addPolicy(p);
}

// The declaration a policy makes (DESIGN §3 "Policy, mechanism, variant"): one default per mechanism,
// every variant with a one-paragraph description and a source, claims drawn from core's invariant ids
// only. The registry already refuses some of this at load time; the kit checks the stored declaration
// again because a claim of an unknown id is silently dropped by `resolveSelection`, which would hide a
// typo in a claim from every report.
import { isInvariantId, type PolicyDefinition } from '@shootdown/core';

/** One paragraph: some text, no blank line inside. */
function paragraphProblem(what: string, text: unknown): string | null {
  if (typeof text !== 'string' || text.trim() === '') return `${what} has no description`;
  if (/\n\s*\n/.test(text.trim())) return `${what}: the description is more than one paragraph`;
  return null;
}

function claimProblems(what: string, list: unknown, field: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [`${what}: ${field} is not a list of invariant ids`];
  return (list as unknown[])
    .filter((id) => typeof id !== 'string' || !isInvariantId(id))
    .map((id) => `${what} ${field} '${String(id)}', which is not an invariant core knows`);
}

export function declarationProblems(def: PolicyDefinition): string[] {
  const problems: string[] = [];
  const policyDesc = paragraphProblem(`policy ${def.name}`, def.description);
  if (policyDesc !== null) problems.push(policyDesc);
  problems.push(...claimProblems(`policy ${def.name}`, def.claims, 'claims'));
  for (const [mechName, mech] of Object.entries(def.mechanisms)) {
    const m = `${def.name}:${mechName}`;
    const names = Object.keys(mech.variants);
    if (names.length === 0) problems.push(`${m} has no variants`);
    if (typeof mech.default !== 'string' || !Object.hasOwn(mech.variants, mech.default)) {
      problems.push(`${m} has no default among its variants (default: ${String(mech.default)})`);
    }
    const mechDesc = paragraphProblem(m, mech.description);
    if (mechDesc !== null) problems.push(mechDesc);
    for (const [vName, v] of Object.entries(mech.variants)) {
      const where = `${m}=${vName}`;
      const desc = paragraphProblem(where, v.description);
      if (desc !== null) problems.push(desc);
      if (typeof v.source !== 'string' || v.source.trim() === '') {
        problems.push(`${where} names no source (the patch or commit it models)`);
      }
      problems.push(...claimProblems(where, v.claims, 'claims'));
      problems.push(...claimProblems(where, v.disclaims, 'disclaims'));
    }
  }
  return problems;
}

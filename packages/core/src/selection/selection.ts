import { ARCHES, type Arch, type ResolvedSelection } from '../policy/definition.js';
import { INVARIANT_IDS, isInvariantId, type InvariantId } from '../policy/invariant-ids.js';
import { RAW_MMU, type PolicyRegistry } from '../policy/registry.js';
import { closest } from './suggest.js';

/** A selection string that is malformed or names something the registry does not have. */
export class SelectionError extends Error {
  override readonly name = 'SelectionError';
}

/** The text of a selection split into its parts, before checking against the registry. */
export interface ParsedSelection {
  readonly policy: string;
  /** `raw-mmu:<arch>` only. */
  readonly arch?: string;
  /** `mechanism=variant` pairs in the order written. */
  readonly choices: readonly { readonly mechanism: string; readonly variant: string }[];
}

const NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * Parse `policy`, `policy:mech=variant,mech2=variant2` or `raw-mmu:<arch>`. Whitespace around names
 * is tolerated; everything else that does not fit is a `SelectionError` saying what was expected.
 */
export function parseSelection(text: string): ParsedSelection {
  const trimmed = text.trim();
  if (trimmed === '') throw new SelectionError('empty policy selection (expected e.g. "linux-x86")');
  const colon = trimmed.indexOf(':');
  const policy = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
  if (!NAME.test(policy)) {
    throw new SelectionError(`"${text}": policy name "${policy}" is not a valid name (letters, digits, '-')`);
  }
  // Stryker disable next-line EqualityOperator: equivalent — a colon first leaves an empty policy name, refused above
  if (colon < 0) return { policy, choices: [] };
  const rest = trimmed.slice(colon + 1).trim();
  if (policy === RAW_MMU) {
    if (!NAME.test(rest))
      throw new SelectionError(`"${text}": expected raw-mmu:<arch> (${ARCHES.join(', ')})`);
    return { policy, arch: rest, choices: [] };
  }
  if (rest === '') throw new SelectionError(`"${text}": expected mechanism=variant after ':'`);
  const choices: { mechanism: string; variant: string }[] = [];
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — a part without "=" is refused just below, whatever these compute
    const mechanism = (eq < 0 ? part : part.slice(0, eq)).trim();
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: equivalent — a part without "=" is refused just below, whatever these compute
    const variant = eq < 0 ? '' : part.slice(eq + 1).trim();
    // Stryker disable next-line EqualityOperator: equivalent — "=" first leaves an empty mechanism name, which NAME refuses
    if (eq < 0 || !NAME.test(mechanism) || !NAME.test(variant)) {
      throw new SelectionError(`"${text}": "${part.trim()}" is not of the form mechanism=variant`);
    }
    if (choices.some((c) => c.mechanism === mechanism)) {
      throw new SelectionError(`"${text}": mechanism "${mechanism}" is chosen twice`);
    }
    choices.push({ mechanism, variant });
  }
  return { policy, choices };
}

/**
 * Check a selection against the registry and fill in the defaults. Unknown names fail with the
 * closest known name (edit distance).
 */
export function resolveSelection(
  registry: PolicyRegistry,
  selection: string | ParsedSelection,
): ResolvedSelection {
  const parsed = typeof selection === 'string' ? parseSelection(selection) : selection;
  if (parsed.policy === RAW_MMU) {
    const arch = parsed.arch;
    if (arch === undefined || !(ARCHES as readonly string[]).includes(arch)) {
      const guess = arch === undefined ? undefined : closest(arch, ARCHES);
      throw new SelectionError(
        `raw-mmu needs an architecture: raw-mmu:${ARCHES.join(' or raw-mmu:')}` +
          (guess === undefined ? '' : ` (did you mean 'raw-mmu:${guess}'?)`),
      );
    }
    // At the hardware level there is no policy to claim or give up an invariant: every one is judged,
    // so every (non-soft) violation is a finding and `check: no-violations` fails on it.
    const claims = [...INVARIANT_IDS].sort();
    return { policy: RAW_MMU, arch: arch as Arch, variants: {}, text: `${RAW_MMU}:${arch}`, claims };
  }
  const def = registry.policy(parsed.policy);
  if (def === undefined) {
    const names = [...registry.policies().map((p) => p.name), RAW_MMU];
    const guess = closest(parsed.policy, names);
    throw new SelectionError(
      `unknown policy '${parsed.policy}'` +
        (guess === undefined ? '' : ` (did you mean '${guess}'?)`) +
        `; known: ${names.join(', ')}`,
    );
  }
  const variants: Record<string, string> = {};
  for (const [mech, m] of Object.entries(def.mechanisms)) variants[mech] = m.default;
  for (const { mechanism, variant } of parsed.choices) {
    // own names only: `constructor` or `__proto__` must not find Object.prototype's members
    const mech = Object.hasOwn(def.mechanisms, mechanism) ? def.mechanisms[mechanism] : undefined;
    if (mech === undefined) {
      const names = Object.keys(def.mechanisms);
      const guess = closest(mechanism, names);
      throw new SelectionError(
        `policy '${def.name}' has no mechanism '${mechanism}'` +
          (guess === undefined ? '' : ` (did you mean '${guess}'?)`) +
          `; mechanisms: ${names.length === 0 ? '(none)' : names.join(', ')}`,
      );
    }
    if (!Object.hasOwn(mech.variants, variant)) {
      const names = Object.keys(mech.variants);
      const guess = closest(variant, names);
      throw new SelectionError(
        `${def.name}:${mechanism} has no variant '${variant}'` +
          (guess === undefined ? '' : ` (did you mean '${guess}'?)`) +
          `; variants: ${names.join(', ')}`,
      );
    }
    variants[mechanism] = variant;
  }
  const claims = new Set<InvariantId>(def.claims);
  for (const [mech, variant] of Object.entries(variants)) {
    const v = def.mechanisms[mech].variants[variant];
    // Stryker disable next-line ArrayDeclaration: equivalent — the fallback list is only searched for invariant ids
    for (const id of v.claims ?? []) if (isInvariantId(id)) claims.add(id);
  }
  for (const [mech, variant] of Object.entries(variants)) {
    const v = def.mechanisms[mech].variants[variant];
    // Stryker disable next-line ArrayDeclaration: equivalent — deleting a non-member from the claims changes nothing
    for (const id of v.disclaims ?? []) claims.delete(id);
  }
  return {
    policy: def.name,
    arch: def.arch,
    variants,
    text: formatSelection(def.name, variants, (m) => def.mechanisms[m].default),
    claims: [...claims].sort(),
  };
}

/** Canonical text: only non-default choices, sorted by mechanism; the bare policy name if none. */
export function formatSelection(
  policy: string,
  variants: Readonly<Record<string, string>>,
  defaultOf: (mechanism: string) => string,
): string {
  const parts = Object.keys(variants)
    .sort()
    .filter((m) => variants[m] !== defaultOf(m))
    .map((m) => `${m}=${variants[m]}`);
  return parts.length === 0 ? policy : `${policy}:${parts.join(',')}`;
}

/**
 * `--vary <policy>:<mechanism>`: one selection per variant of the mechanism, every other mechanism at
 * its default, in the mechanism's declared variant order (default first).
 */
export function expandVary(registry: PolicyRegistry, spec: string): ResolvedSelection[] {
  const colon = spec.indexOf(':');
  if (colon < 0) throw new SelectionError(`--vary "${spec}": expected <policy>:<mechanism>`);
  const policy = spec.slice(0, colon).trim();
  const mechanism = spec.slice(colon + 1).trim();
  const base = resolveSelection(registry, { policy, choices: [] });
  const def = registry.policy(base.policy)!;
  const mech = Object.hasOwn(def.mechanisms, mechanism) ? def.mechanisms[mechanism] : undefined;
  if (mech === undefined) {
    // resolveSelection produces the message with the suggestion.
    // Stryker disable next-line StringLiteral: equivalent — the unknown mechanism is refused before the variant is read
    resolveSelection(registry, { policy, choices: [{ mechanism, variant: '?' }] });
    // Stryker disable next-line all: unreachable — resolveSelection above has thrown for the same unknown mechanism
    throw new SelectionError(`policy '${policy}' has no mechanism '${mechanism}'`);
  }
  const names = Object.keys(mech.variants);
  const ordered = [mech.default, ...names.filter((n) => n !== mech.default)];
  return ordered.map((variant) => resolveSelection(registry, { policy, choices: [{ mechanism, variant }] }));
}

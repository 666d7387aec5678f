import { Args } from '../oclif.js';
import type { InvariantId, PolicyDefinition, PolicyRegistry } from '@shootdown/core';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { closest } from '../suggest.js';

export interface VariantListing {
  readonly name: string;
  readonly default: boolean;
  readonly description: string;
  readonly source: string;
  readonly claims: readonly InvariantId[];
  readonly disclaims: readonly InvariantId[];
}

export interface MechanismListing {
  readonly name: string;
  readonly description: string;
  readonly default: string;
  readonly variants: readonly VariantListing[];
}

export interface PolicyListing {
  readonly name: string;
  readonly os: string;
  readonly arch: string;
  readonly description: string;
  /** Invariants claimed with every mechanism at its default. */
  readonly claims: readonly InvariantId[];
  readonly mechanisms: readonly MechanismListing[];
}

export function describePolicy(def: PolicyDefinition): PolicyListing {
  const mechanisms = Object.entries(def.mechanisms).map(([name, m]) => ({
    name,
    description: m.description,
    default: m.default,
    variants: Object.entries(m.variants).map(([vName, v]) => ({
      name: vName,
      default: vName === m.default,
      description: v.description,
      source: v.source,
      claims: [...(v.claims ?? [])],
      disclaims: [...(v.disclaims ?? [])],
    })),
  }));
  // The default selection's claims: the policy's own, plus what default variants add, minus what they drop.
  const claims = new Set<InvariantId>(def.claims);
  for (const m of mechanisms)
    for (const v of m.variants) if (v.default) v.claims.forEach((c) => claims.add(c));
  for (const m of mechanisms)
    for (const v of m.variants) if (v.default) v.disclaims.forEach((c) => claims.delete(c));
  return {
    name: def.name,
    os: def.os,
    arch: def.arch,
    description: def.description,
    claims: [...claims].sort(),
    mechanisms,
  };
}

export function findPolicy(registry: PolicyRegistry, name: string): PolicyDefinition {
  const def = registry.policy(name);
  if (def !== undefined) return def;
  const names = registry.policies().map((p) => p.name);
  const near = closest(name, names);
  throw new InputError(
    `unknown policy '${name}'`,
    near ? [`did you mean '${near}'?`] : [`known policies: ${names.join(', ') || '(none loaded)'}`],
  );
}

function claimText(v: VariantListing): string {
  const parts = [...v.claims.map((c) => `+${c}`), ...v.disclaims.map((c) => `-${c}`)];
  return parts.length === 0 ? '' : `  [claims ${parts.join(' ')}]`;
}

export default class Policies extends ShootdownCommand {
  static override summary = 'List every policy, its mechanisms and variants, defaults, sources and claims.';
  static override description =
    'Policies come from plug-ins: the built-in ones and any installed or linked with `plugins`. ' +
    'A selection is written policy or policy:mechanism=variant,mechanism=variant.';
  static override examples = ['<%= config.bin %> policies', '<%= config.bin %> policies linux-x86 --json'];
  static override args = {
    policy: Args.string({ description: 'Only this policy.', required: false }),
  };

  async run(): Promise<PolicyListing[]> {
    const { args } = await this.parse(Policies);
    const registry = await this.loadRegistry();
    const defs = args.policy === undefined ? registry.policies() : [findPolicy(registry, args.policy)];
    const listings = defs.map(describePolicy);
    if (!this.jsonEnabled()) this.stdoutText(formatPolicies(listings));
    return listings;
  }
}

export function formatPolicies(listings: readonly PolicyListing[]): string {
  if (listings.length === 0) return 'No policy plug-in is loaded.';
  const out: string[] = [];
  for (const p of listings) {
    out.push(`${p.name}  (${p.os}, ${p.arch})`);
    out.push(`  ${p.description}`);
    out.push(`  claims: ${p.claims.length === 0 ? '(none)' : p.claims.join(', ')}`);
    for (const m of p.mechanisms) {
      out.push(`  ${m.name}: ${m.description}`);
      for (const v of m.variants) {
        out.push(`    ${v.default ? '*' : '-'} ${v.name}${v.default ? ' (default)' : ''}${claimText(v)}`);
        out.push(`        ${v.description}`);
        out.push(`        source: ${v.source}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

import { Args } from '../oclif.js';
import {
  ARCHES,
  INVARIANT_IDS,
  RAW_MMU,
  invariant,
  resolveSelection,
  SelectionError,
  type PolicyRegistry,
  type ResolvedSelection,
} from '@shootdown/core';
import { defaultCostModel, loadCostModelSchema } from '@shootdown/mmu';
import { ShootdownCommand } from '../base-command.js';
import { InputError } from '../errors.js';
import { closest } from '../suggest.js';
import { describePolicy, findPolicy, type PolicyListing, type VariantListing } from './policies.js';

export interface InvariantExplanation {
  readonly kind: 'invariant';
  readonly id: string;
  readonly description: string;
  /** Soft invariants are always notes, never findings (DESIGN §3, `stale-direct-map`). */
  readonly soft: boolean;
  /** Policies that claim it with every mechanism at its default. */
  readonly claimedBy: readonly string[];
  /** `policy:mechanism=variant` choices that add it to, or drop it from, a policy's claims. */
  readonly addedBy: readonly string[];
  readonly droppedBy: readonly string[];
}

export interface VariantExplanation {
  readonly kind: 'variant';
  readonly policy: string;
  readonly mechanism: string;
  readonly mechanismDescription: string;
  readonly variant: VariantListing;
  /** The canonical selection and what it claims as a whole. */
  readonly selection: string;
  readonly selectionClaims: readonly string[];
}

export interface PolicyExplanation {
  readonly kind: 'policy';
  readonly policy: PolicyListing;
}

/** `raw-mmu:<arch>`: the hardware alone, for the `hw:` block's litmus-style steps (DESIGN §4). */
export interface RawMmuExplanation {
  readonly kind: 'raw-mmu';
  readonly selection: string;
  readonly arches: readonly string[];
  readonly description: string;
}

/** `costs`: every default weight of the cost model with its source or `[assumption]` and sensitivity. */
export interface CostsExplanation {
  readonly kind: 'costs';
  readonly description: string;
  readonly weights: readonly { readonly name: string; readonly weight: number; readonly source: string }[];
}

export type Explanation =
  InvariantExplanation | VariantExplanation | PolicyExplanation | RawMmuExplanation | CostsExplanation;

/** The default cost model as schemas/cost-model.schema.json documents it (spec linux.md §7.2, §7.4). */
function explainCosts(): CostsExplanation {
  const schema = loadCostModelSchema() as {
    description?: string;
    properties?: Record<string, { description?: string }>;
  };
  const props = schema.properties ?? {};
  return {
    kind: 'costs',
    description: schema.description ?? '',
    weights: Object.keys(props).map((name) => ({
      name,
      weight: defaultCostModel[name] ?? 0,
      source: props[name]?.description ?? '',
    })),
  };
}

function explainRawMmu(subject: string): RawMmuExplanation {
  const arch = subject.slice(RAW_MMU.length + 1);
  if (subject !== RAW_MMU && !(ARCHES as readonly string[]).includes(arch)) {
    const near = closest(arch, ARCHES);
    throw new InputError(`raw-mmu has no architecture '${arch}'`, [
      near ? `did you mean '${RAW_MMU}:${near}'?` : `architectures: ${ARCHES.join(', ')}`,
    ]);
  }
  return {
    kind: 'raw-mmu',
    selection: subject,
    arches: ARCHES,
    description:
      "No OS policy: the simulated MMU alone runs the hardware-level ops of a scenario's hw: block " +
      '(page-table stores, TLB invalidations, barriers, root switches, accesses; on arm64 also stage-2 ' +
      'and EL2 spaces and the regime a CPU runs in: context el: 2 for the hypervisor, el: 1 with vttbr: ' +
      'for a guest). Every OS-level op is ' +
      'unsupported. With no policy to claim or give up an invariant, every invariant is judged: each ' +
      'non-soft violation is a finding and fails check expect: no-violations.',
  };
}

function explainInvariant(registry: PolicyRegistry, id: string): InvariantExplanation {
  const inv = invariant(id);
  const policies = registry.policies().map(describePolicy);
  const addedBy: string[] = [];
  const droppedBy: string[] = [];
  for (const p of policies) {
    for (const m of p.mechanisms) {
      for (const v of m.variants) {
        const name = `${p.name}:${m.name}=${v.name}`;
        if ((v.claims as readonly string[]).includes(id)) addedBy.push(name);
        if ((v.disclaims as readonly string[]).includes(id)) droppedBy.push(name);
      }
    }
  }
  return {
    kind: 'invariant',
    id,
    description: inv?.description ?? '',
    soft: inv?.soft === true,
    claimedBy: policies.filter((p) => (p.claims as readonly string[]).includes(id)).map((p) => p.name),
    addedBy,
    droppedBy,
  };
}

function explainVariant(registry: PolicyRegistry, text: string): Explanation {
  const colon = text.indexOf(':');
  const def = findPolicy(registry, colon < 0 ? text : text.slice(0, colon));
  const listing = describePolicy(def);
  if (colon < 0) return { kind: 'policy', policy: listing };
  const rest = text.slice(colon + 1);
  const eq = rest.indexOf('=');
  const mechName = eq < 0 ? rest : rest.slice(0, eq);
  const mech = listing.mechanisms.find((m) => m.name === mechName);
  if (mech === undefined) {
    const names = listing.mechanisms.map((m) => m.name);
    const near = closest(mechName, names);
    throw new InputError(
      `policy '${def.name}' has no mechanism '${mechName}'`,
      near ? [`did you mean '${def.name}:${near}'?`] : [`mechanisms: ${names.join(', ') || '(none)'}`],
    );
  }
  // `policy:mechanism` alone explains the mechanism's default variant (today's upstream behaviour).
  const variantName = eq < 0 ? mech.default : rest.slice(eq + 1);
  const variant = mech.variants.find((v) => v.name === variantName);
  if (variant === undefined) {
    const names = mech.variants.map((v) => v.name);
    const near = closest(variantName, names);
    throw new InputError(
      `${def.name}:${mech.name} has no variant '${variantName}'`,
      near ? [`did you mean '${def.name}:${mech.name}=${near}'?`] : [`variants: ${names.join(', ')}`],
    );
  }
  let resolved: ResolvedSelection;
  try {
    resolved = resolveSelection(registry, `${def.name}:${mech.name}=${variant.name}`);
  } catch (e) {
    if (e instanceof SelectionError) throw new InputError(e.message);
    throw e;
  }
  return {
    kind: 'variant',
    policy: def.name,
    mechanism: mech.name,
    mechanismDescription: mech.description,
    variant,
    selection: resolved.text,
    selectionClaims: resolved.claims,
  };
}

function formatExplanation(e: Explanation): string {
  const out: string[] = [];
  if (e.kind === 'invariant') {
    out.push(`${e.id}${e.soft ? ' (soft: always a note, never a finding)' : ''}`);
    if (e.description) out.push(`  ${e.description}`);
    out.push(`  claimed by default by: ${e.claimedBy.join(', ') || '(no loaded policy)'}`);
    if (e.addedBy.length > 0) out.push(`  claimed when selecting: ${e.addedBy.join(', ')}`);
    if (e.droppedBy.length > 0) out.push(`  given up when selecting: ${e.droppedBy.join(', ')}`);
  } else if (e.kind === 'variant') {
    const v = e.variant;
    out.push(`${e.policy}:${e.mechanism}=${v.name}${v.default ? ' (default)' : ''}`);
    out.push(`  mechanism ${e.mechanism}: ${e.mechanismDescription}`);
    out.push(`  ${v.description}`);
    out.push(`  source: ${v.source}`);
    if (v.claims.length > 0) out.push(`  adds claims: ${v.claims.join(', ')}`);
    if (v.disclaims.length > 0) out.push(`  gives up: ${v.disclaims.join(', ')}`);
    out.push(`  selection ${e.selection} claims: ${e.selectionClaims.join(', ') || '(none)'}`);
  } else if (e.kind === 'costs') {
    out.push('cost model (unit: one x86 INVLPG, about 100 ns)');
    out.push(`  ${e.description}`);
    for (const w of e.weights) out.push(`  ${w.name} = ${w.weight}: ${w.source}`);
  } else if (e.kind === 'raw-mmu') {
    out.push(`${e.selection}  (architectures: ${e.arches.join(', ')})`);
    out.push(`  ${e.description}`);
  } else {
    const p = e.policy;
    out.push(`${p.name}  (${p.os}, ${p.arch})`);
    out.push(`  ${p.description}`);
    out.push(`  claims: ${p.claims.join(', ') || '(none)'}`);
    for (const m of p.mechanisms) {
      out.push(`  ${m.name} (default ${m.default}): ${m.variants.map((v) => v.name).join(', ')}`);
    }
  }
  return out.join('\n');
}

export default class Explain extends ShootdownCommand {
  static override summary =
    'Explain an invariant, what a policy, mechanism or variant models and its source, or the cost model.';
  static override examples = [
    '<%= config.bin %> explain wx-alias',
    '<%= config.bin %> explain linux-x86:vfree=module-free-pre52',
    '<%= config.bin %> explain linux-x86:vfree',
    '<%= config.bin %> explain freebsd-amd64',
    '<%= config.bin %> explain costs',
  ];
  static override args = {
    subject: Args.string({
      description: "An invariant id, policy[:mechanism[=variant]], or 'costs' (the cost model's sources).",
      required: true,
    }),
  };

  async run(): Promise<Explanation> {
    const { args } = await this.parse(Explain);
    const subject = args.subject.trim();
    const registry = await this.loadRegistry();
    let e: Explanation;
    if (subject === 'costs') {
      e = explainCosts();
    } else if (subject === RAW_MMU || subject.startsWith(`${RAW_MMU}:`)) {
      e = explainRawMmu(subject);
    } else if ((INVARIANT_IDS as readonly string[]).includes(subject)) {
      e = explainInvariant(registry, subject);
    } else if (subject.includes(':') || registry.policy(subject) !== undefined) {
      e = explainVariant(registry, subject);
    } else {
      const near = closest(subject, [...INVARIANT_IDS, ...registry.policies().map((p) => p.name)]);
      throw new InputError(
        `'${subject}' is neither an invariant nor a policy`,
        near ? [`did you mean '${near}'?`] : [`invariants: ${INVARIANT_IDS.join(', ')}`],
      );
    }
    if (!this.jsonEnabled()) this.stdoutText(formatExplanation(e));
    return e;
  }
}

import type { MechanismDefinition, PolicyDefinition, VariantDefinition } from './definition.js';
import type {
  CounterContribution,
  OpContribution,
  ProbeContribution,
  RendererContribution,
} from './contributions.js';
import { closest } from '../selection/suggest.js';
import { configureSelection, preflightSelection } from './configure-selection.js';

/** A registration that cannot be accepted (duplicate name, missing prefix, unknown invariant). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

/** The names `raw-mmu` selections use; no plug-in may register them. */
export const RAW_MMU = 'raw-mmu';

/**
 * Every policy, variant, op, probe, counter and renderer the loaded plug-ins contributed. One registry
 * per host (CLI process, test); read-only once loading is done.
 */
export class PolicyRegistry {
  readonly #policies = new Map<string, PolicyDefinition>();
  /** Variants contributed to a policy not registered yet: applied when it arrives. */
  readonly #pendingVariants: {
    policy: string;
    mechanism: string;
    name: string;
    variant: VariantDefinition;
  }[] = [];
  readonly #ops = new Map<string, OpContribution>();
  readonly #probes = new Map<string, ProbeContribution>();
  readonly #counters = new Map<string, CounterContribution>();
  readonly #renderers = new Map<string, RendererContribution>();
  #generation = 0;

  /**
   * Bumped whenever a policy or a variant arrives, i.e. whenever resolving a selection string could give
   * a different answer: a cache of resolved selections is valid while this is unchanged.
   */
  get generation(): number {
    return this.#generation;
  }

  addPolicy(def: PolicyDefinition): void {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(def.name)) {
      throw new RegistryError(`policy name '${def.name}' must be kebab-case (letters, digits, '-')`);
    }
    if (def.name === RAW_MMU) throw new RegistryError(`'${RAW_MMU}' is built in and cannot be registered`);
    if (this.#policies.has(def.name)) throw new RegistryError(`policy '${def.name}' is already registered`);
    for (const [mechName, mech] of Object.entries(def.mechanisms)) checkMechanism(def.name, mechName, mech);
    // Copy mechanisms so that contributed variants never mutate the plug-in's own object.
    const mechanisms: Record<string, MechanismDefinition> = {};
    for (const [name, mech] of Object.entries(def.mechanisms)) {
      mechanisms[name] = { ...mech, variants: { ...mech.variants } };
    }
    const host = def.configure.bind(def);
    const preflight = def.preflight?.bind(def);
    const stored: PolicyDefinition = {
      name: def.name,
      os: def.os,
      arch: def.arch,
      description: def.description,
      claims: def.claims,
      mechanisms,
      configure: (container, selection) => configureSelection(def, mechanisms, host, container, selection),
      preflight:
        preflight === undefined
          ? undefined
          : (machine, selection) => preflightSelection(preflight, mechanisms, machine, selection),
    };
    this.#policies.set(def.name, stored);
    this.#generation++;
    const pending = this.#pendingVariants.filter((p) => p.policy === def.name);
    for (const p of pending) this.addVariant(p.policy, p.mechanism, p.name, p.variant);
  }

  /** A new variant for an existing policy's mechanism (a plug-in extending another's policy). If the
   *  policy is not registered yet, the variant waits for it. */
  addVariant(policy: string, mechanism: string, name: string, variant: VariantDefinition): void {
    // The host's code knows only the names it declared: a contributed name it met in a switch would do
    // nothing at all (issue 10 defect 7). So a contributed variant brings its implementation, and the
    // host is configured with its own default for that mechanism (configure-selection.ts).
    if (typeof variant.configure !== 'function') {
      throw new RegistryError(
        `${policy}:${mechanism}=${name}: a variant added to another plug-in's policy must come with its ` +
          `implementation (a configure function); '${policy}' does not know the name '${name}'`,
      );
    }
    const def = this.#policies.get(policy);
    if (def === undefined) {
      this.#pendingVariants.push({ policy, mechanism, name, variant });
      return;
    }
    const mech = Object.hasOwn(def.mechanisms, mechanism) ? def.mechanisms[mechanism] : undefined;
    if (mech === undefined) {
      throw new RegistryError(
        `policy '${policy}' has no mechanism '${mechanism}'${hint(mechanism, Object.keys(def.mechanisms))}`,
      );
    }
    if (Object.hasOwn(mech.variants, name)) {
      throw new RegistryError(`${policy}:${mechanism} already has a variant '${name}'`);
    }
    checkVariant(`${policy}:${mechanism}=${name}`, variant);
    (mech.variants as Record<string, VariantDefinition>)[name] = variant;
    this.#generation++;
  }

  addOp(op: OpContribution): void {
    this.#checkPrefixed('op', op.name);
    if (this.#ops.has(op.name)) throw new RegistryError(`op '${op.name}' is already registered`);
    this.#ops.set(op.name, op);
  }

  addProbe(probe: ProbeContribution): void {
    this.#checkPrefixed('probe', probe.name);
    if (this.#probes.has(probe.name)) throw new RegistryError(`probe '${probe.name}' is already registered`);
    this.#probes.set(probe.name, probe);
  }

  addCounter(counter: CounterContribution): void {
    this.#checkPrefixed('counter', counter.name);
    if (this.#counters.has(counter.name)) {
      throw new RegistryError(`counter '${counter.name}' is already registered`);
    }
    this.#counters.set(counter.name, counter);
  }

  addRenderer(renderer: RendererContribution): void {
    if (this.#renderers.has(renderer.format)) {
      throw new RegistryError(`renderer '${renderer.format}' is already registered`);
    }
    this.#renderers.set(renderer.format, renderer);
  }

  policy(name: string): PolicyDefinition | undefined {
    return this.#policies.get(name);
  }

  /** All policies, sorted by name (stable output for `shootdown policies`). */
  policies(): readonly PolicyDefinition[] {
    return [...this.#policies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  op(name: string): OpContribution | undefined {
    return this.#ops.get(name);
  }
  ops(): readonly OpContribution[] {
    return sortedValues(this.#ops);
  }
  probe(name: string): ProbeContribution | undefined {
    return this.#probes.get(name);
  }
  probes(): readonly ProbeContribution[] {
    return sortedValues(this.#probes);
  }
  counters(): readonly CounterContribution[] {
    return sortedValues(this.#counters);
  }
  renderer(format: string): RendererContribution | undefined {
    return this.#renderers.get(format);
  }
  renderers(): readonly RendererContribution[] {
    return sortedValues(this.#renderers);
  }

  /** Variants contributed to policies that never arrived (reported by the loader). */
  orphanVariants(): readonly string[] {
    return this.#pendingVariants
      .filter((p) => !this.#policies.has(p.policy))
      .map((p) => `${p.policy}:${p.mechanism}=${p.name}`);
  }

  #checkPrefixed(kind: string, name: string): void {
    const dot = name.indexOf('.');
    if (dot <= 0 || dot === name.length - 1) {
      throw new RegistryError(`${kind} '${name}' must be named '<policy>.<name>' (e.g. 'linux.mermap-get')`);
    }
  }
}

function sortedValues<T>(map: Map<string, T>): readonly T[] {
  return [...map.keys()].sort().map((k) => map.get(k) as T);
}

function checkMechanism(policy: string, name: string, mech: MechanismDefinition): void {
  if (!Object.hasOwn(mech.variants, mech.default)) {
    throw new RegistryError(
      `${policy}:${name}: default variant '${mech.default}' is not one of its variants`,
    );
  }
  for (const [vName, v] of Object.entries(mech.variants)) checkVariant(`${policy}:${name}=${vName}`, v);
}

function checkVariant(where: string, v: VariantDefinition): void {
  if (v.description.trim() === '' || v.source.trim() === '') {
    throw new RegistryError(`${where}: every variant needs a description and a source`);
  }
}

function hint(name: string, candidates: readonly string[]): string {
  const best = closest(name, candidates);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

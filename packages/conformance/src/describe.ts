// describeConformance: load a plug-in the way the CLI does and register, with vitest, the checks every
// policy it provides must pass — its declaration, its selections, its configure, the kit's scenarios under
// every selection, and the claims rule (claims.ts) under every selection.
import { resolve } from 'node:path';
import type { PolicyDefinition, PolicyRegistry } from '@shootdown/core';
import { loadPlugins } from '@shootdown/engine';
import { describe as vitestDescribe, it as vitestIt } from 'vitest';
import { claimProblems, loadClaimScenarios } from './claims.js';
import { configureProblems } from './configure-check.js';
import { declarationProblems } from './declaration.js';
import type { ConformanceOptions, TestApi } from './options.js';
import { assertNone } from './problems.js';
import { runProblems } from './run-checks.js';
import { loadKitScenarios, type KitScenario } from './scenarios.js';
import { roundTripProblems, runSelections } from './selections.js';

const VITEST: TestApi = { describe: vitestDescribe, it: vitestIt };

/** Separator between the policy and a test's name in `knownFailures`. */
export const KNOWN_FAILURE_SEPARATOR = ' › ';

class Registrar {
  readonly #known: Set<string>;
  readonly #skip: ReadonlyMap<string, string>;
  readonly #used = new Set<string>();
  constructor(
    readonly api: TestApi,
    known: readonly string[],
    skip: Readonly<Record<string, string>>,
  ) {
    this.#known = new Set(known);
    this.#skip = new Map(Object.entries(skip));
  }

  test(policy: string, name: string, body: () => void): void {
    const id = `${policy}${KNOWN_FAILURE_SEPARATOR}${name}`;
    const why = this.#skip.get(id);
    if (why !== undefined) {
      this.#used.add(id);
      // Without it.skip the check is simply not registered: it must never run and pass silently.
      this.api.it.skip?.(`${name} (skipped: ${why})`, body);
      return;
    }
    if (!this.#known.has(id)) {
      this.api.it(name, body);
      return;
    }
    this.#used.add(id);
    const fails = this.api.it.fails;
    if (fails === undefined) this.api.it(`${name} (known failure)`, () => undefined);
    else fails(`${name} (known failure)`, body);
  }

  unused(): string[] {
    return [...this.#known, ...this.#skip.keys()].filter((k) => !this.#used.has(k));
  }
}

function policyChecks(
  reg: Registrar,
  registry: PolicyRegistry,
  def: PolicyDefinition,
  scenarios: readonly KitScenario[],
  claimScenarios: readonly KitScenario[],
): void {
  const policy = def.name;
  reg.api.describe(policy, () => {
    reg.test(policy, 'declaration', () => assertNone({ policy }, declarationProblems(def)));
    reg.test(policy, 'selections round-trip', () => assertNone({ policy }, roundTripProblems(registry, def)));
    const selections = runSelections(registry, def);
    reg.test(policy, 'configure registers every contract token', () => {
      const problems: string[] = [];
      for (const s of selections)
        for (const p of configureProblems(registry, s)) problems.push(`${s.text}: ${p}`);
      assertNone({ policy }, problems);
    });
    for (const kit of scenarios) {
      for (const s of selections) {
        reg.test(policy, `${kit.file} under ${s.text}`, () =>
          assertNone(
            { policy, selection: s.text, scenario: kit.file },
            runProblems(kit, { registry, selection: s, isDefault: s.text === policy }),
          ),
        );
      }
    }
    for (const kit of claimScenarios) {
      for (const s of selections) {
        reg.test(policy, `${kit.file} under ${s.text} gives what it claims`, () =>
          assertNone(
            { policy, selection: s.text, scenario: kit.file },
            claimProblems(kit, { registry, selection: s }),
          ),
        );
      }
    }
  });
}

/**
 * Register the conformance suite for the plug-in in `options.pluginDir`. Await it at the top level of a
 * vitest file: loading a plug-in is asynchronous, the tests are registered once it is loaded.
 */
export async function describeConformance(options: ConformanceOptions, api: TestApi = VITEST): Promise<void> {
  const loaded = await loadPlugins([...(options.extraPluginDirs ?? []), options.pluginDir]);
  const dir = resolve(options.pluginDir);
  const mine = loaded.loaded.find((l) => l.dir === dir);
  const pluginName = mine?.plugin ?? options.pluginDir;
  const reg = new Registrar(api, options.knownFailures ?? [], options.skip ?? {});
  api.describe(`conformance of ${pluginName}`, () => {
    api.it('loads as the CLI loads it', () =>
      assertNone(
        { policy: '(loading)' },
        loaded.failures.map((f) => `plug-in ${f.plugin} failed to load: ${f.message}`),
      ),
    );
    const names = options.policies ?? (loaded.failures.length === 0 ? (mine?.policies ?? []) : []);
    let scenarios: KitScenario[] = [];
    let claimScenarios: KitScenario[] = [];
    let scenarioError: Error | null = null;
    try {
      scenarios = loadKitScenarios(loaded.registry);
      claimScenarios = loadClaimScenarios(loaded.registry);
    } catch (e) {
      scenarioError = e instanceof Error ? e : new Error(String(e));
    }
    if (scenarioError !== null) {
      const error = scenarioError;
      api.it('built-in scenarios load', () => {
        throw error;
      });
    }
    for (const name of names) {
      const def = loaded.registry.policy(name);
      if (def === undefined) {
        api.it(name, () => assertNone({ policy: name }, [`the plug-in registers no policy '${name}'`]));
        continue;
      }
      policyChecks(reg, loaded.registry, def, scenarios, claimScenarios);
    }
    // Judged when the tests run, after every describe body registered its checks.
    api.it('known failures name existing checks', () =>
      assertNone(
        { policy: '(options)' },
        reg.unused().map((k) => `knownFailures or skip lists '${k}', which is no check`),
      ),
    );
  });
}

// `run` on the CLI's own thread (run-here.ts): only for the CLI's own plug-ins with no heap cap asked for,
// the time limit still ends a run that never returns, a throw is the worker's `error` result word for word,
// and a run that completes is exactly the engine's.
import { fileURLToPath } from 'node:url';
import { findScenario } from '@shootdown/catalog';
import {
  loadPluginFolders,
  PolicyRegistry,
  resolveSelection,
  Tokens,
  type ResolvedSelection,
} from '@shootdown/core';
import { loadScenarioFile, runScenario, serializeResult, type Scenario } from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ShootdownPluginRef } from '../src/discovery.js';
import { loadOptionsFor } from '../src/scenario-input.js';
import { loadRegistryLikeCli } from '../src/load-plugins.js';
import { callWithTimeLimit, mayRunHere, runHere } from '../src/run-here.js';
import type { RunLimits } from '../src/run-limits.js';

const DEFAULTS: RunLimits = { timeoutMs: 120_000, maxMemoryMib: 2048 };
const builtIn = (name: string): ShootdownPluginRef => ({ name, root: `/x/${name}`, type: 'core' });

describe('mayRunHere', () => {
  const core = [builtIn('@shootdown/policy-linux-x86'), builtIn('@shootdown/policy-reference')];

  it('keeps a run of the built-in plug-ins under the default limits on this thread', () => {
    expect(mayRunHere(core, DEFAULTS, false, 4144)).toBe(true);
  });

  it('sends the run to a worker when any plug-in is linked or installed, whatever it provides', () => {
    for (const type of ['link', 'user']) {
      expect(mayRunHere([...core, { name: 'third', root: '/y', type }], DEFAULTS, false, 4144)).toBe(false);
    }
  });

  it('sends the run to a worker when --max-memory was given: only a worker has a heap cap', () => {
    expect(mayRunHere(core, DEFAULTS, true, 4144)).toBe(false);
  });

  it('sends the run to a worker when this thread could hold less heap than the cap', () => {
    expect(mayRunHere(core, DEFAULTS, false, 2047)).toBe(false);
    expect(mayRunHere(core, DEFAULTS, false, 2048)).toBe(true);
  });
});

describe('callWithTimeLimit', () => {
  it('returns what the function returns', () => {
    expect(callWithTimeLimit(() => 6 * 7, 60_000)).toEqual({ value: 42 });
  });

  it('ends a function that never returns: no value', () => {
    let spins = 0;
    const done = callWithTimeLimit(() => {
      for (;;) spins++;
    }, 50);
    expect(done).toBeUndefined();
    expect(spins).toBeGreaterThan(0);
  });

  it('throws what the function throws', () => {
    expect(() =>
      callWithTimeLimit(() => {
        throw new Error('from the run');
      }, 60_000),
    ).toThrow('from the run');
  });
});

describe('runHere', () => {
  let registry: PolicyRegistry;
  let scenario: Scenario;
  const runaway = fileURLToPath(new URL('../../../test/fixtures/plugin-runaway', import.meta.url));

  beforeAll(async () => {
    const cli = await loadRegistryLikeCli({ userPlugins: false });
    registry = new PolicyRegistry();
    await loadPluginFolders([...cli.plugins.map((p) => p.root), runaway], registry, { skipNonPlugins: true });
    // a policy whose boot throws out of the runner (the runner keeps a throw inside a step in the result)
    registry.addPolicy({
      ...registry.policy('linux-x86')!,
      name: 'boot-throws',
      configure(container, selection) {
        registry.policy('linux-x86')!.configure(container, { ...selection, policy: 'linux-x86' });
        container.register(Tokens.Boot, {
          useValue: {
            lateInit() {
              throw new Error('late init failed');
            },
          },
        });
      },
    });
    const path = findScenario('vfree-exec-reuse')!.path;
    const loaded = await loadScenarioFile(path, loadOptionsFor(registry));
    if (!loaded.ok) throw new Error('vfree-exec-reuse does not load');
    scenario = loaded.scenario;
  });

  const selection = (text: string): ResolvedSelection => resolveSelection(registry, text);

  it('gives the engine’s own result for a run that completes, and its recording', () => {
    const here = runHere(registry, scenario, selection('linux-x86'), DEFAULTS, { trace: true });
    const engine = runScenario(scenario, { registry, selection: 'linux-x86' });
    expect(serializeResult(here.results[0]![0]!)).toBe(serializeResult(engine));
    expect(here.comparisons).toHaveLength(1);
    expect(here.traces?.[0]?.[0]?.events.length).toBeGreaterThan(0);
  });

  it('ends a run that never returns at its time limit, as the worker pool reports it', () => {
    const r = runHere(
      registry,
      scenario,
      selection('runaway-loops'),
      { ...DEFAULTS, timeoutMs: 100 },
      {
        trace: true,
      },
    );
    expect(r.results[0]![0]!.error).toBe('runaway-loops: the run exceeded its time limit (--timeout 0.1 s)');
    expect(r.comparisons[0]!.summaries[0]!.verdict).toBe('error');
    expect(r.traces).toEqual([[undefined]]);
  });

  it('reports a throw out of the runner as the worker pool does', () => {
    const r = runHere(registry, scenario, selection('boot-throws'), DEFAULTS, { trace: false });
    expect(r.results[0]![0]!.error).toBe('boot-throws: the run threw: late init failed');
    expect(r.traces).toBeUndefined();
  });
});

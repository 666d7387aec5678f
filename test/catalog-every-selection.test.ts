// The whole catalogue under every built-in selection (DESIGN §8's "whole catalogue" sweep), checked for the
// one thing no verdict file can state: no run ends in `error`. A verdict file lists the selections its topic
// is about, so a policy that throws on a scenario nobody listed it for (arm64-pkey on pkey-lifetime's
// exec-remap did: its mms were keyed by pid, so exec's teardown walked the new mm's tables) goes unseen
// there. A scenario a policy cannot express is `unsupported`, not an error.
import { listScenarios } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import type { PolicyRegistry } from '@shootdown/core';
import { formatScenarioError, loadScenarioFile, runScenario } from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';

let registry: PolicyRegistry;
beforeAll(async () => {
  registry = (await loadRegistryLikeCli({ userPlugins: false })).registry;
});

/** Every variant of every mechanism of every built-in policy; a policy without mechanisms as itself. */
function everySelection(r: PolicyRegistry): string[] {
  const out: string[] = [];
  for (const policy of r.policies()) {
    const mechanisms = Object.entries(policy.mechanisms);
    if (mechanisms.length === 0) out.push(policy.name);
    for (const [m, mechanism] of mechanisms)
      for (const v of Object.keys(mechanism.variants)) out.push(`${policy.name}:${m}=${v}`);
  }
  return out;
}

describe('the whole catalogue under every built-in selection', () => {
  it('has no run whose policy threw', async () => {
    const selections = everySelection(registry);
    expect(selections.length).toBeGreaterThan(3);
    const errors: string[] = [];
    for (const s of listScenarios()) {
      const loaded = await loadScenarioFile(s.path, loadOptionsFor(registry));
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatScenarioError(e)).join('\n'));
      for (const selection of selections) {
        const r = runScenario(loaded.scenario, { registry, selection });
        if (r.error !== undefined) errors.push(`${s.path.replace(/.*topics\//, '')}: ${r.error}`);
      }
    }
    expect(errors).toEqual([]);
  }, 1_200_000);
});

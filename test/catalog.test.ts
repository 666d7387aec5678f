// The catalogue's regression suite (DESIGN §4 "The catalogue"): for every topic folder that has an
// `expected` verdict file, run each listed scenario × selection through the engine and require the verdicts
// to match. Plug-ins are loaded exactly as the CLI loads them (oclif's plug-in list → manifest → entry →
// register(ctx)); plug-ins the developer installed for themselves are left out so they cannot change a
// verdict. Topics land over time; this file picks up whatever is there.
import { listTopics, type CatalogTopic } from '@shootdown/catalog';
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import type { PolicyRegistry } from '@shootdown/core';
import {
  checkVerdicts,
  INVARIANTS,
  loadScenarioFile,
  loadVerdictFile,
  runScenario,
  formatScenarioError,
  type RunResult,
  type VerdictFile,
} from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';

const topics: CatalogTopic[] = listTopics().filter((t) => t.expected !== undefined);

let registry: PolicyRegistry;
let failures: readonly { plugin: string; message: string }[] = [];
beforeAll(async () => {
  const loaded = await loadRegistryLikeCli({ userPlugins: false });
  registry = loaded.registry;
  failures = loaded.report.failures;
});

async function verdictsOf(topic: CatalogTopic): Promise<VerdictFile> {
  const res = await loadVerdictFile(topic.expected!, { invariants: INVARIANTS });
  if (!res.ok) throw new Error(res.errors.map((e) => formatScenarioError(e)).join('\n'));
  return res.verdicts;
}

describe('catalogue', () => {
  it('loads every built-in plug-in', () => {
    // A plug-in that fails to load would turn its verdicts into mismatches far from the cause.
    expect(failures).toEqual([]);
  });

  it('has topics with scenarios', () => {
    expect(listTopics().flatMap((t) => t.scenarios).length).toBeGreaterThan(0);
  });

  for (const topic of topics) {
    it(`${topic.name}: its verdict file names only the topic's scenarios`, async () => {
      const file = await verdictsOf(topic);
      const names = new Set(topic.scenarios.map((s) => s.name));
      const unknown = file.verdicts
        .filter((v) => !names.has(v.scenario))
        .map((v) => `${v.line}: ${v.scenario}`);
      expect(unknown, `${topic.expected}: lines naming no scenario of ${topic.name}`).toEqual([]);
    });

    it(`${topic.name}: every run matches its verdict`, async () => {
      const file = await verdictsOf(topic);
      const results: RunResult[] = [];
      for (const s of topic.scenarios) {
        const lines = file.verdicts.filter((v) => v.scenario === s.name && v.kind !== 'out-of-scope');
        if (lines.length === 0) continue;
        const loaded = await loadScenarioFile(s.path, loadOptionsFor(registry));
        if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatScenarioError(e)).join('\n'));
        for (const v of lines)
          results.push(runScenario(loaded.scenario, { registry, selection: v.selection }));
      }
      const mismatches = checkVerdicts(results, file).map((m) => m.message);
      expect(mismatches).toEqual([]);
    });
  }
});

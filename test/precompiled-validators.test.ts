// The validators the build precompiles (ajv standalone code, see core's schema/precompiled.ts) must give
// the same yes/no as ajv compiling the same schema at run time — over every catalogue scenario and every
// scenario fixture, valid or malformed — and must be the ones the built packages actually use.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import { listScenarios } from '@shootdown/catalog';
import { loadPrecompiled, schemasDigest } from '@shootdown/core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHome, repoRoot, runCli, type CliHome } from './helpers/cli.js';

const engineDist = new URL('../packages/engine/dist/scenario/', import.meta.url);
const coreDist = new URL('../packages/core/dist/plugins/', import.meta.url);
const coreBundle = new URL('../packages/core/dist/bundle/', import.meta.url);
const SCENARIO = 'https://shootdown.dev/schemas/scenario.schema.json';

/** ajv as the engine uses it at run time (core's createSchemaAjv, from the built package). */
async function runtimeScenarioValidator(): Promise<(d: unknown) => boolean> {
  const { createSchemaAjv } = (await import(new URL('index.js', coreBundle).href)) as {
    createSchemaAjv: () => { getSchema(id: string): ((d: unknown) => boolean) | undefined };
  };
  return createSchemaAjv().getSchema(SCENARIO)!;
}

function documents(): { name: string; value: unknown }[] {
  const out = listScenarios().map((s) => ({
    name: s.name,
    value: parse(readFileSync(s.path, 'utf8')) as unknown,
  }));
  for (const kind of ['valid', 'malformed']) {
    const dir = new URL(`../packages/engine/test/fixtures/lang/${kind}/`, import.meta.url);
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.yaml') && !f.endsWith('.json')) continue;
      const text = readFileSync(new URL(f, dir), 'utf8');
      try {
        out.push({ name: `${kind}/${f}`, value: f.endsWith('.json') ? JSON.parse(text) : parse(text) });
      } catch {
        // not parseable at all: the parser rejects it before any schema is asked
      }
    }
  }
  return out;
}

describe('precompiled validators', () => {
  it('are built for the schema files in the tree (same digest), so the packages use them', () => {
    const engine = loadPrecompiled(new URL('precompiled-validators.cjs', engineDist));
    const core = loadPrecompiled(new URL('manifest-validator.cjs', coreDist));
    expect(Object.keys(engine ?? {}).sort()).toEqual(['comparison', 'digest', 'result', 'scenario', 'step']);
    expect(typeof core?.['manifest']).toBe('function');
    const mod = createRequire(import.meta.url)(
      fileURLToPath(new URL('precompiled-validators.cjs', engineDist)),
    ) as { digest: string };
    expect(mod.digest).toBe(schemasDigest());
  });

  it('agree with ajv at run time on every catalogue scenario and scenario fixture', async () => {
    const fast = loadPrecompiled(new URL('precompiled-validators.cjs', engineDist))!['scenario']!;
    const slow = await runtimeScenarioValidator();
    const docs = documents();
    let rejected = 0;
    for (const d of docs) {
      const verdict = slow(d.value);
      if (!verdict) rejected++;
      expect(fast(d.value), d.name).toBe(verdict);
    }
    // both kinds were asked: documents the schema accepts and documents it rejects
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(docs.length);
  });
});

describe('shootdown --version', () => {
  let home: CliHome;
  beforeAll(() => {
    home = makeHome();
  });
  afterAll(() => home.cleanup());

  it("prints oclif's user agent line without loading oclif", async () => {
    const config = await Config.load(`${repoRoot}packages/cli`);
    const r = await runCli(['--version'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${config.userAgent}\n`);
  });
});

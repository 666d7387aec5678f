// Loading well-formed scenarios: the resolved form the runner executes (DESIGN §4), the same from YAML and
// JSON, policy-contributed ops validated by the registry's fragments, hardware-level scenarios, and every
// error of a file reported at once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { addPrecompiledFragments, fragmentDigest, writePrecompiledFragments } from '@shootdown/core';
import { describe, expect, it } from 'vitest';
import {
  formatScenarioError,
  loadScenarioFile,
  loadScenarioText,
  type AccessStep,
  type CheckStep,
  type PolicyOpStep,
  type PteStoreStep,
  type Scenario,
} from '../src/scenario/index.js';

const fixture = (name: string): string => new URL(`./fixtures/lang/valid/${name}`, import.meta.url).pathname;

async function ok(name: string): Promise<Scenario> {
  const r = await loadScenarioFile(fixture(name));
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  return r.scenario;
}

/** Drops source positions, which differ between the YAML and JSON texts of one scenario. */
function withoutSource(s: Scenario): unknown {
  return JSON.parse(JSON.stringify({ ...s, file: '' }, (k, v: unknown) => (k === 'source' ? undefined : v)));
}

/**
 * A `linux.mermap-get` fragment as a plug-in registers it: a new object each time, as the engine keeps the
 * validator of each fragment object it has seen.
 */
const mermapFragment = () => ({
  type: 'object',
  properties: {
    id: { type: 'string' },
    region: { type: 'string' },
    pages: { type: 'integer', minimum: 1 },
  },
  required: ['id', 'region'],
  additionalProperties: false,
});

/** A scenario using the op, well-formed and with two bad arguments: the step resolved, the errors as ajv words them. */
function checkMermapOp(fragment: Record<string, unknown>): void {
  const opSchemas = { 'linux.mermap-get': fragment };
  const text = `name: mermap
steps:
  - { op: page-alloc, id: pg, pages: 1, flags: [unmapped] }
  - { op: linux.mermap-get, cpu: 1, id: w, region: pg, expect: ok }
  - { op: access, cpu: 1, region: w, kind: write }
`;
  const r = loadScenarioText(text, 'mermap.yaml', { opSchemas });
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  const get = r.scenario.steps[1] as PolicyOpStep;
  expect(get).toMatchObject({ op: 'linux.mermap-get', cpu: 1, id: 'w', args: { id: 'w', region: 'pg' } });
  expect(get.expect?.anyOf).toEqual(['ok']);
  expect(r.scenario.regions['w']).toEqual({ kind: 'policy', definedBy: '1', pages: null });

  const bad = loadScenarioText(text.replace('region: pg', 'region: pg, pages: 0, colour: red'), 'm.yaml', {
    opSchemas,
  });
  expect(bad.ok).toBe(false);
  if (bad.ok) return;
  expect(bad.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
    '4:63 must be >= 1, got 0',
    '4:66 unknown property "colour"; expected one of: id, region, pages',
  ]);
}

describe('loading', () => {
  it("resolves DESIGN §4's example into steps the runner can execute", async () => {
    const s = await ok('vfree-exec-reuse.yaml');
    expect(s.name).toBe('vfree-exec-reuse');
    expect(s.source).toBeNull();
    expect(s.machine).toMatchObject({ cpus: 4, tlb: 'adversarial', memory: '64MiB', arch: 'x86_64' });
    expect(s.steps.map((x) => x.op)).toEqual([
      'kalloc',
      'kprotect',
      'access',
      'kfree',
      'page-alloc',
      'access',
    ]);
    expect(s.steps[0]).toMatchObject({
      op: 'kalloc',
      id: 'mod',
      pages: 4,
      flags: ['reset-perms'],
      cpu: 0,
      path: '0',
    });
    const last = s.steps[5] as AccessStep;
    expect(last.cpu).toBe(2);
    expect(last.target).toEqual({ kind: 'region', region: 'mod', page: 0, pages: 1, offset: 0 });
    expect(last.expect).toEqual({ anyOf: ['fault:not-present'], text: 'fault:not-present' });
    expect(last.source).toEqual({
      file: fixture('vfree-exec-reuse.yaml'),
      line: 12,
      column: 5,
      pointer: '/steps/5',
    });
    expect(s.regions).toEqual({
      mod: { kind: 'kernel', definedBy: '0', pages: 4 },
      reuse: { kind: 'pages', definedBy: '4', pages: 4 },
    });
    expect(s.hw).toBeNull();
    expect(s.hardwareLevel).toBe(false);
  });

  it('gives the same scenario from JSON as from YAML', async () => {
    const y = await ok('vfree-exec-reuse.yaml');
    const j = await ok('vfree-exec-reuse.json');
    expect(withoutSource(j)).toEqual(withoutSource(y));
    expect(j.steps[5]!.source.line).toBe(12);
  });

  it('fills machine defaults from machine.schema.json', () => {
    const r = loadScenarioText('name: m\nsteps:\n  - { op: exec }\n', 'm.yaml');
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    // machine.schema.json: cpus default 4, tlb default adversarial (DESIGN §2: the default for safety)
    expect(r.scenario.machine).toMatchObject({ cpus: 4, tlb: 'adversarial' });
  });

  it('resolves a hardware-level scenario against its hw block', async () => {
    const s = await ok('arm64-bbm.yaml');
    expect(s.hardwareLevel).toBe(true);
    expect(s.hw).toEqual({
      arch: 'arm64',
      frames: { f1: { use: 'data', size: '4K', pa: null }, f2: { use: 'secret', size: '4K', pa: null } },
      tables: { pt1: { level: 'pte', pa: null, regime: null } },
      spaces: {
        user: {
          asid: 1,
          vmid: null,
          el2: false,
          root: null,
          kernel: false,
          mappings: [
            { va: 0x400000, frame: 'f1', prot: 'rw', user: true, global: false, key: 0, size: '4K' },
          ],
        },
      },
    });
    const store = s.steps[2] as PteStoreStep;
    expect(store.entry).toMatchObject({ valid: true, frame: 'f2', table: null, prot: 'rw', user: true });
    expect(store.violation).toEqual(['break-before-make']);
    expect((s.steps[5] as PteStoreStep).entry.valid).toBe(false);
    expect(s.steps[3]).toMatchObject({ op: 'tlbi', kind: 'vale1is', va: 0x400000, asid: 1, pages: null });
    expect(s.steps[4]).toMatchObject({ op: 'barrier', kind: 'dsb', domain: 'ish' });
    expect((s.steps[6] as CheckStep).noViolations).toBe(true);
    expect((s.steps[1] as AccessStep).target).toEqual({ kind: 'space', space: 'user', va: 0x400000 });
  });

  it('validates policy-contributed ops with the fragment the registry supplies', () => {
    checkMermapOp(mermapFragment());
  });

  it("uses the plug-in build's precompiled validator of a fragment, and ajv's words when it says no", () => {
    // a module as a plug-in's build writes it, its validator counting its calls (core's schema/fragments.ts)
    const dir = mkdtempSync(join(tmpdir(), 'shootdown-op-fragments-'));
    try {
      const file = join(dir, 'fragments.cjs');
      const fragment = mermapFragment();
      const digest = fragmentDigest(fragment);
      expect(writePrecompiledFragments([fragment], pathToFileURL(file))).toBe(1);
      writeFileSync(
        file,
        `${readFileSync(file, 'utf8')}\nconst counted = exports.fragment_${digest};\n` +
          `exports.fragment_${digest} = (d) => { globalThis.fragmentCalls = (globalThis.fragmentCalls ?? 0) + 1; return counted(d); };\n`,
      );
      addPrecompiledFragments(pathToFileURL(file));
      const calls = globalThis as { fragmentCalls?: number };
      calls.fragmentCalls = 0;
      checkMermapOp(fragment);
      expect(calls.fragmentCalls).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a plug-in's fragment that does not compile as an error on the op, not a throw", () => {
    const r = loadScenarioText('name: b\nsteps:\n  - { op: linux.broken }\n', 'b.yaml', {
      opSchemas: { 'linux.broken': { type: 'object', notAKeyword: true } },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3, column: 11, pointer: '/steps/0/op' });
    expect(r.errors[0]!.message).toMatch(
      /^the schema the plug-in registers for op "linux.broken" does not compile: /,
    );
  });

  it('accepts any-of lists and the object form of expect', () => {
    const r = loadScenarioText(
      `name: e
steps:
  - { op: key-alloc, id: k, expect: { outcome: ok, value: 1 } }
  - { op: page-alloc, id: pg, pages: 1 }
  - { op: access, region: { frame-of: pg }, via: direct-map, kind: write, expect: [ok, spurious] }
  - { op: key-free, key: k, expect: { outcome: [error:EINVAL, fault], errno: EINVAL, key: k } }
`,
      'e.yaml',
    );
    if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
    const [alloc, , access, free] = r.scenario.steps;
    expect(alloc!.expect).toEqual({ anyOf: ['ok'], value: 1, text: '{ outcome: ok, value: 1 }' });
    expect(access!.expect).toEqual({ anyOf: ['ok', 'spurious'], text: '[ok, spurious]' });
    expect((access as AccessStep).target).toEqual({ kind: 'frame-of', region: 'pg', page: 0 });
    expect(free!.expect).toMatchObject({
      anyOf: ['error:EINVAL', 'fault'],
      errno: 'EINVAL',
      key: { kind: 'id', id: 'k' },
    });
  });

  it('reports every error of a file at once, schema and semantic alike, in reading order', () => {
    const r = loadScenarioText(
      `name: many
machine: { cpus: 2 }
steps:
  - { op: kalloc, id: mod, pages: 1, flag: [exec] }
  - { op: access, cpu: 3, region: mdo, expect: okay }
  - { op: kfree, region: mod }
  - { op: kfree, region: mod }
`,
      'many.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(formatScenarioError)).toEqual([
      'many.yaml:4:38: unknown property "flag" for op kalloc; did you mean "flags"? (at /steps/0/flag)',
      'many.yaml:5:24: cpu 3 is out of range: the machine has 2 CPUs (0-1) (at /steps/1/cpu)',
      'many.yaml:5:35: unknown region "mdo"; did you mean "mod"? (at /steps/1/region)',
      'many.yaml:5:48: expected an outcome (ok, ok-stale, fault, fault:not-present|read|write|exec|key|privilege, error:<ERRNO>, spurious, unsupported), got "okay" (at /steps/1/expect)',
      'many.yaml:7:26: region "mod" is already freed at line 6 (at /steps/3/region)',
    ]);
  });

  it('reports an unreadable file as a located error, not a throw', async () => {
    const r = await loadScenarioFile(fixture('does-not-exist.yaml'));
    expect(r).toEqual({
      ok: false,
      errors: [
        { file: fixture('does-not-exist.yaml'), line: 0, column: 0, pointer: '', message: 'no such file' },
      ],
    });
    if (r.ok) return;
    expect(formatScenarioError(r.errors[0]!)).toBe(`${fixture('does-not-exist.yaml')}: no such file`);
  });

  it('checks probe names against the registry when it supplies them', () => {
    const text = 'name: p\nsteps:\n  - { op: check, query: linux.vmap-lazy-pages, drain: true, expect: 0 }\n';
    expect(loadScenarioText(text, 'p.yaml').ok).toBe(true);
    const r = loadScenarioText(text, 'p.yaml', { probes: ['linux.vmap-lazy'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]!.message).toBe(
      'unknown probe "linux.vmap-lazy-pages"; did you mean "linux.vmap-lazy"?',
    );
  });

  it('takes via: direct-map on pagetable-of for the linear-map tables of a region, never of kernel-image', () => {
    const good = loadScenarioText(
      'name: v\nsteps:\n  - { op: page-alloc, id: d, pages: 1 }\n' +
        '  - { op: stray-write, target: { pagetable-of: d, level: pmd, via: direct-map } }\n',
      'v.yaml',
    );
    if (!good.ok) throw new Error(good.errors.map(formatScenarioError).join('\n'));
    expect(good.scenario.steps[1]).toMatchObject({
      target: { kind: 'pagetable-of', region: 'd', level: 'pmd', page: 0, via: 'direct-map' },
    });
    const bad = loadScenarioText(
      'name: v\nsteps:\n  - { op: stray-write, target: { pagetable-of: kernel-image, level: pte, via: direct-map } }\n',
      'v.yaml',
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors[0]).toMatchObject({ line: 3, pointer: '/steps/0/target/via' });
    expect(bad.errors[0]!.message).toMatch(/not of kernel-image/);
  });

  it('takes late-init once, at the top level only (boot has one late init)', () => {
    const one = loadScenarioText('name: b\nsteps:\n  - { op: late-init }\n', 'b.yaml');
    expect(one.ok).toBe(true);
    const twice = loadScenarioText(
      'name: b\nsteps:\n  - { op: late-init }\n  - { op: late-init }\n',
      'b.yaml',
    );
    expect(twice.ok).toBe(false);
    if (twice.ok) return;
    expect(twice.errors[0]).toMatchObject({ line: 4, pointer: '/steps/1/op' });
    expect(twice.errors[0]!.message).toBe(
      'the kernel reaches late init once; the first late-init is /steps/0',
    );
    const nested = loadScenarioText(
      'name: b\nsteps:\n  - { op: repeat, times: 2, steps: [{ op: late-init }] }\n',
      'b.yaml',
    );
    expect(nested.ok).toBe(false);
    if (nested.ok) return;
    expect(nested.errors[0]!.message).toBe('late-init runs only at the top level of steps');
  });

  it('is deterministic: the same text gives the same scenario', () => {
    const t = 'name: d\nsteps:\n  - { op: repeat, times: 3, steps: [{ op: kalloc, id: m, pages: 1 }] }\n';
    expect(JSON.stringify(loadScenarioText(t, 'd.yaml'))).toBe(JSON.stringify(loadScenarioText(t, 'd.yaml')));
  });
});

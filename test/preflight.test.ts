// A run that gives the OS nothing to do (every step hardware-level) asks the policy's `preflight` what its boot
// would decide instead of booting it (engine run.ts, core PolicyDefinition.preflight). The result must be the
// one a boot gives, byte for byte: the same `unsupported on this machine` note, the same configure failure,
// the same steps and violations. Each built-in policy is run both ways, under every selection, over machines
// around the limits of its boot and over the machine features its boot reads.
import { loadOptionsFor, loadRegistryLikeCli } from '@shootdown/cli';
import { PolicyRegistry, type PolicyDefinition } from '@shootdown/core';
import { formatScenarioError, loadScenarioText, runScenario, type Scenario } from '@shootdown/engine';
import { beforeAll, describe, expect, it } from 'vitest';

let loaded: PolicyRegistry;
beforeAll(async () => {
  loaded = (await loadRegistryLikeCli({ userPlugins: false })).registry;
});

/** Every policy of `from` again, with its preflight (`keep`) or without; `booted` counts configure calls. */
function registryOf(from: PolicyRegistry, keep: boolean): { registry: PolicyRegistry; booted: () => number } {
  const registry = new PolicyRegistry();
  let calls = 0;
  for (const def of from.policies()) {
    const copy: Record<string, unknown> = { ...def };
    if (!keep) delete copy['preflight'];
    copy['configure'] = (...args: Parameters<PolicyDefinition['configure']>): void => {
      calls++;
      def.configure(...args);
    };
    registry.addPolicy(copy as unknown as PolicyDefinition);
  }
  return { registry, booted: () => calls };
}

function scenario(machine: string, steps: string): Scenario {
  const text = `name: preflight
description: hardware-level steps under an OS policy
machine: ${machine}
hw:
  frames: { a: { use: data } }
  spaces:
    u: { asid: 1, mappings: [{ va: 0x400000, frame: a, prot: rw, user: true }] }
steps:
${steps}`;
  const r = loadScenarioText(text, 'preflight.yaml', loadOptionsFor(loaded));
  if (!r.ok) throw new Error(r.errors.map((e) => formatScenarioError(e)).join('\n'));
  return r.scenario;
}

const ARM64_STEPS = `  - { op: set-root, cpu: 1, space: u }
  - { op: access, cpu: 1, space: u, va: 0x400000, kind: read, expect: { outcome: ok, frame-of: a } }
  - { op: pte-store, space: u, va: 0x400000, level: pte, entry: invalid }
  - { op: tlbi, cpu: 0, kind: vae1is, va: 0x400000, asid: 1, counters: { tlbi_leaf: 1 } }
  - op: repeat
    times: 2
    steps: [{ op: barrier, cpu: 0, kind: dsb, domain: ish }]
  - { op: check, expect: no-violations }
`;

const X86_STEPS = `  - { op: cr3-write, cpu: 1, space: u }
  - { op: access, cpu: 1, space: u, va: 0x400000, kind: write, expect: { outcome: ok, frame-of: a } }
  - { op: pte-store, space: u, va: 0x400000, entry: invalid }
  - op: repeat
    times: 2
    steps: [{ op: invlpg, cpu: 1, va: 0x400000 }]
  - { op: check, expect: no-violations }
`;

// Around each boot's limits: arm64's image and early page-table chunks (1,024 frames for small memory), the
// x86 boots' reserved or boot-table frames (a few to a few dozen frames), every leaf the linear map can have
// (with a partial last block), the features the boots read, and many CPUs.
const ARM64_MACHINES = [
  '{ arch: arm64, cpus: 2, memory: 4KiB }',
  '{ arch: arm64, cpus: 2, memory: 4MiB }',
  '{ arch: arm64, cpus: 2, memory: 4100KiB }',
  '{ arch: arm64, cpus: 2, memory: 4104KiB }',
  '{ arch: arm64, cpus: 4, memory: 6MiB, tlbSides: split, tlb: precise }',
  '{ arch: arm64, cpus: 2, memory: 8MiB }',
  '{ arch: arm64, cpus: 2, memory: 8MiB, features: { bbml2-noabort: true }, directMap: { leaf: 2M } }',
  '{ arch: arm64, cpus: 2, memory: 8MiB, features: { bbml2-noabort: true }, directMap: { leaf: 4K } }',
  '{ arch: arm64, cpus: 64, memory: 12MiB, asidBits: 8 }',
  '{ arch: arm64, cpus: 2, memory: 1028MiB, features: { bbml2-noabort: true }, directMap: { leaf: 1G } }',
];

const X86_MACHINES = [
  '{ arch: x86_64, cpus: 2, memory: 4KiB }',
  '{ arch: x86_64, cpus: 2, memory: 16KiB }',
  '{ arch: x86_64, cpus: 2, memory: 40KiB, directMap: { leaf: 4K } }',
  '{ arch: x86_64, cpus: 2, memory: 44KiB, directMap: { leaf: 1G } }',
  '{ arch: x86_64, cpus: 2, memory: 72KiB }',
  '{ arch: x86_64, cpus: 2, memory: 76KiB }',
  '{ arch: x86_64, cpus: 2, memory: 80KiB, directMap: { leaf: 4K } }',
  '{ arch: x86_64, cpus: 2, memory: 84KiB, directMap: { leaf: 4K } }',
  '{ arch: x86_64, cpus: 2, memory: 96KiB, directMap: { leaf: 1G } }',
  '{ arch: x86_64, cpus: 3, memory: 12MiB, features: { pcid: false, pti: true }, tlb: precise }',
  '{ arch: x86_64, cpus: 4, memory: 6MiB, features: { invlpgb: true }, tlbSides: split }',
  '{ arch: x86_64, cpus: 64, memory: 3000KiB, directMap: { leaf: 4K } }',
  '{ arch: x86_64, cpus: 2, memory: 1028MiB, directMap: { leaf: 1G } }',
];

/** Every selection of `policy`: each variant of each mechanism, or the policy alone when it has none. */
function selectionsOf(policy: PolicyDefinition): string[] {
  const each = Object.entries(policy.mechanisms).flatMap(([m, mech]) =>
    Object.keys(mech.variants).map((v) => `${policy.name}:${m}=${v}`),
  );
  return each.length === 0 ? [policy.name] : each;
}

describe('preflight: a hardware-level scenario under a policy gets the result a boot gives', () => {
  for (const policy of ['arm64-pkey', 'linux-x86', 'freebsd-amd64', 'reference']) {
    it(`${policy}, every selection, machines around its limits`, { timeout: 600_000 }, () => {
      const fast = registryOf(loaded, true);
      const full = registryOf(loaded, false);
      const def = loaded.policy(policy)!;
      expect(def.preflight).toBeDefined();
      const arm = def.arch === 'arm64';
      const notes = new Set<string>();
      let answered = 0;
      for (const machine of arm ? ARM64_MACHINES : X86_MACHINES) {
        const s = scenario(machine, arm ? ARM64_STEPS : X86_STEPS);
        for (const selection of selectionsOf(def)) {
          const booted = full.booted();
          const want = runScenario(s, { registry: full.registry, selection });
          expect(full.booted()).toBe(booted + 1);
          const skipped = fast.booted();
          const got = runScenario(s, { registry: fast.registry, selection });
          if (fast.booted() === skipped) answered++;
          expect(JSON.stringify(got), `${selection} on ${machine}`).toBe(JSON.stringify(want));
          for (const n of want.notes) notes.add(n.replace(/: .*/, ''));
        }
      }
      // The preflight answered for most runs, and the machines reach the boot's failure as well.
      expect(answered).toBeGreaterThan(selectionsOf(def).length * 4);
      expect(notes).toContain(`policy ${policy} failed to configure`);
      if (policy === 'arm64-pkey') {
        expect(notes).toContain('arm64-pkey:pt-protection=pt-pkey-per-page is unsupported on this machine');
      }
    });
  }

  it('boots when a check asks the OS something, or an expectation names a key', () => {
    const fast = registryOf(loaded, true);
    const machine = '{ arch: arm64, cpus: 2, memory: 8MiB }';
    const cases = [
      `${ARM64_STEPS}  - { op: check, query: keys, expect: ok }\n`,
      `${ARM64_STEPS}  - { op: check, drain: true }\n`,
      `  - { op: set-root, cpu: 1, space: u }\n  - { op: access, cpu: 1, space: u, va: 0x400000, kind: read, expect: { outcome: ok, key: 0 } }\n`,
    ];
    for (const steps of cases) {
      const before = fast.booted();
      runScenario(scenario(machine, steps), { registry: fast.registry, selection: 'arm64-pkey' });
      expect(fast.booted(), steps).toBe(before + 1);
    }
    const before = fast.booted();
    runScenario(scenario(machine, ARM64_STEPS), { registry: fast.registry, selection: 'arm64-pkey' });
    expect(fast.booted()).toBe(before);
  });

  it('boots when a selected variant brings its own configure', () => {
    const fast = registryOf(loaded, true);
    let contributed = 0;
    fast.registry.addVariant('linux-x86', 'vfree', 'with-configure', {
      description: 'a variant another plug-in contributes, with its own implementation',
      source: 'test',
      configure: () => void contributed++,
    });
    const s = scenario('{ arch: x86_64, cpus: 2, memory: 8MiB }', X86_STEPS);
    const before = fast.booted();
    runScenario(s, { registry: fast.registry, selection: 'linux-x86' });
    expect(fast.booted()).toBe(before);
    runScenario(s, { registry: fast.registry, selection: 'linux-x86:vfree=with-configure' });
    expect(fast.booted()).toBe(before + 1);
    expect(contributed).toBe(1);
  });
});

// `configure(container, selection)` registers every contract token (core README "What configure must
// register"). The container is prepared the way the engine's runner prepares it (engine
// runner/run.ts `configure`): Machine, FrameBook, Phases, Counters and Selection first, then the
// policy's `configure`, then each selected contributed variant's `configure`.
import {
  FrameTable,
  Tokens,
  type Counters,
  type PolicyRegistry,
  type ResolvedSelection,
} from '@shootdown/core';
import { createMachine } from '@shootdown/mmu';
import { container as rootContainer } from 'tsyringe';
import { DIRECT_MAP_METHODS, KERNEL_PMAP_METHODS, POLICY_TOKENS } from './contract-shapes.js';

/** The machine the check boots the policy on: the kit's small machine (2 CPUs, 16 MiB). */
const MACHINE = { cpus: 2, memory: '16MiB' } as const;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function missingMethods(value: unknown, methods: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null) return [...methods];
  const o = value as Record<string, unknown>;
  return methods.filter((m) => typeof o[m] !== 'function');
}

export function configureProblems(registry: PolicyRegistry, selection: ResolvedSelection): string[] {
  const def = registry.policy(selection.policy);
  if (def === undefined) return [`policy ${selection.policy} is not registered`];
  const machine = createMachine({ arch: selection.arch, ...MACHINE });
  const counters: Counters = {
    add: (name, delta = 1) => machine.count(name, delta),
    get: (name) => machine.counter(name),
  };
  const child = rootContainer.createChildContainer();
  child.register(Tokens.Machine, { useValue: machine });
  child.register(Tokens.FrameBook, { useValue: new FrameTable(machine.frames.count) });
  child.register(Tokens.Phases, { useValue: { reach: () => undefined } });
  child.register(Tokens.Counters, { useValue: counters });
  child.register(Tokens.Selection, { useValue: selection });
  const problems: string[] = [];
  try {
    def.configure(child, selection); // the policy's own, then each selected variant's (core registry)
  } catch (e) {
    return [`configure threw: ${message(e)}`];
  }
  for (const shape of POLICY_TOKENS) {
    if (!child.isRegistered(shape.token, true)) {
      problems.push(`configure did not register Tokens.${shape.name}`);
      continue;
    }
    let value: unknown;
    try {
      value = child.resolve(shape.token);
    } catch (e) {
      problems.push(`Tokens.${shape.name} does not resolve: ${message(e)}`);
      continue;
    }
    const missing = missingMethods(value, shape.methods);
    if (missing.length > 0) problems.push(`Tokens.${shape.name} lacks ${missing.join(', ')}`);
    if (shape.name === 'Pmap' && missing.length === 0) {
      const table = value as { kernel?: unknown; directMap?: unknown };
      const k = missingMethods(table.kernel, KERNEL_PMAP_METHODS);
      if (k.length > 0) problems.push(`Tokens.Pmap: kernel pmap lacks ${k.join(', ')}`);
      const d = missingMethods(table.directMap, DIRECT_MAP_METHODS);
      if (d.length > 0) problems.push(`Tokens.Pmap: directMap lacks ${d.join(', ')}`);
    }
  }
  void child.dispose();
  return problems;
}

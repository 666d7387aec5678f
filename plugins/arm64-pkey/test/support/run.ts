// One arm64-pkey run without the engine: a machine, core's frame table and invariant monitor, a child container
// with the tokens the runner registers, and the policy's configure — so tests drive the policy through core's
// contracts and linux-mm and read counters and violations step by step.
import 'reflect-metadata';
import { container as root, type DependencyContainer } from 'tsyringe';
import {
  FrameTable,
  InvariantMonitor,
  PolicyRegistry,
  Tokens,
  createRegisterContext,
  resolveSelection,
  type Kernel,
  type PageAllocator,
  type Phase,
  type PhaseHook,
  type PmapTable,
  type OpReport,
} from '@shootdown/core';
import { createMachine, type Machine, type MachineParamsInput } from '@shootdown/mmu';
import { doMmap, PROT_READ, PROT_WRITE } from '@shootdown/linux-mm';
import { mmapRequest } from '@shootdown/linux-mm/testing';
import { register } from '../../src/index.js';
import { ARM64_RUN, type Arm64Run } from '../../src/run-state.js';

export interface StepResult<T> {
  readonly counters: Record<string, number>;
  readonly violations: string[];
  readonly value: T;
}

/** A 2-CPU machine whose linear map starts with 2 MiB blocks and may split them in place (BBML2_NOABORT). */
export const BLOCK_MAP_BBML2 = {
  cpus: 2,
  memory: '64MiB',
  directMap: { leaf: '2M' },
  features: { 'bbml2-noabort': true },
} as const;

export class Run {
  readonly machine: Machine;
  readonly monitor: InvariantMonitor;
  readonly kernel: Kernel;
  readonly pages: PageAllocator;
  readonly pmap: PmapTable;
  readonly arm: Arm64Run;
  readonly container: DependencyContainer;
  /** Work to run when an operation reaches a phase (the engine's `interleave`). */
  readonly armed = new Map<Phase, () => void>();
  private stepNo = 0;

  /** `boot`: stop before late init (the test calls `lateInit()` itself). */
  constructor(selection: string, params: MachineParamsInput, boot = false) {
    const reach = (phase: Phase): void => {
      const f = this.armed.get(phase);
      if (f !== undefined) {
        this.armed.delete(phase);
        f();
      }
    };
    const { machine, book, container: c, sel } = configured(selection, params, reach, !boot);
    this.machine = machine;
    this.container = c;
    this.kernel = c.resolve(Tokens.Kernel);
    this.pages = c.resolve(Tokens.PageAllocator);
    this.pmap = c.resolve(Tokens.Pmap);
    this.arm = c.resolve(ARM64_RUN);
    this.monitor = new InvariantMonitor(this.machine, book, sel.claims, {
      window: (n) => this.kernel.window(n),
      spaceOf: (pid) => this.pmap.of(pid)?.space,
    });
    this.monitor.attach();
  }

  /** The scenario's late-init step. */
  lateInit(): StepResult<OpReport> {
    return this.step(() => this.container.resolve(Tokens.Boot).lateInit(0));
  }

  /** One operation as a step: counter deltas and the invariants it broke. */
  step<T>(op: () => T): StepResult<T> {
    this.monitor.step = String(this.stepNo++);
    const before = this.machine.snapshot();
    const value = op();
    this.monitor.operationReturned();
    const d = this.machine.delta(before);
    const counters: Record<string, number> = {};
    for (const [k, v] of Object.entries(d.counters)) if (v !== 0) counters[k] = v;
    const violations = [...new Set(this.monitor.take().map((v) => v.invariant))].sort();
    return { counters, violations, value };
  }

  /** `stray-write` as the runner does it: the kernel's outcome, then the monitor is told whether it landed. */
  strayWrite(cpu: number, pfn: number, context: string | null): StepResult<OpReport> {
    return this.step(() => {
      const rep = this.kernel.strayWrite(cpu, pfn, context);
      this.monitor.strayWrite(cpu, pfn, context, rep.outcome === 'ok' || rep.outcome === 'ok-stale');
      return rep;
    });
  }

  /** The page-table frame at `level` (1 = PTE table … 4 = PGD) on the walk to `va` in `space`. */
  tableOf(space: number, va: number, level: number): number {
    const l = this.machine.lookup(space, va);
    return l.tables[4 - level] ?? -1;
  }
}

/**
 * A machine and a child container with the tokens the runner registers, after the policy's configure: what a
 * run starts from, before any contract is resolved.
 */
export function configured(
  selection: string,
  params: MachineParamsInput,
  reach: (phase: Phase) => void = () => {},
  lateInit = true,
) {
  const registry = new PolicyRegistry();
  register(createRegisterContext(registry));
  const sel = resolveSelection(registry, selection);
  const machine = createMachine({ arch: 'arm64', ...params });
  const book = new FrameTable(machine.params.frames);
  const c = root.createChildContainer();
  const phases: PhaseHook = { reach };
  c.register(Tokens.Machine, { useValue: machine });
  c.register(Tokens.FrameBook, { useValue: book });
  c.register(Tokens.Phases, { useValue: phases });
  c.register(Tokens.Counters, {
    useValue: {
      add: (n: string, d = 1) => machine.count(n, d),
      get: (n: string) => machine.counter(n),
    },
  });
  c.register(Tokens.Selection, { useValue: sel });
  registry.policy(sel.policy)!.configure(c, sel);
  // As the runner does for a scenario without a late-init step.
  if (lateInit && c.isRegistered(Tokens.Boot, true)) c.resolve(Tokens.Boot).lateInit(0);
  return { machine, book, container: c, sel };
}

/** mmap(MAP_POPULATE) of `pages` read-write anonymous pages at `addr` by the task on CPU 0. */
export function mmap(r: Run, addr: number, pages: number, cpu = 0): number {
  const lm = r.arm.lm;
  return doMmap(lm, cpu, lm.task(cpu)!, mmapRequest(addr, pages, PROT_READ | PROT_WRITE));
}

// One linux-x86 run without the engine: a machine, core's frame table and invariant monitor, a child
// container with the runner's tokens, and the policy's configure — what the runner does, in miniature,
// so tests drive the policy through core's contracts and read counters and violations step by step.
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
  type KernelMemory,
  type PageAllocator,
  type FaultSignal,
  type PhaseHook,
  type PmapTable,
  type VmMapTable,
  type Phase,
} from '@shootdown/core';
import { createMachine, type Machine, type MachineParamsInput } from '@shootdown/mmu';
import { register } from '../src/index.js';
import { X86_RUN, type X86Run } from '../src/run-state.js';

export interface StepResult {
  readonly counters: Record<string, number>;
  readonly cycles: number;
  readonly violations: string[];
}

export class Run {
  readonly machine: Machine;
  readonly monitor: InvariantMonitor;
  readonly kernel: Kernel;
  readonly kmem: KernelMemory | undefined;
  readonly pages: PageAllocator | undefined;
  readonly vm: VmMapTable | undefined;
  readonly pmap: PmapTable;
  readonly x86: X86Run;
  /** Fault signals the kernel delivered, and whether the process handles them (the engine's `handlers`). */
  readonly signals: FaultSignal[] = [];
  handlesSignals = false;
  /** Steps to run when an operation reaches a phase (the engine's `interleave`). */
  readonly armed = new Map<Phase, () => void>();
  private stepNo = 0;
  /** The run's child container (for policy ops). */
  readonly container: DependencyContainer;

  constructor(selection: string, params: MachineParamsInput, registry?: PolicyRegistry) {
    if (registry === undefined) {
      registry = new PolicyRegistry();
      register(createRegisterContext(registry));
    }
    const sel = resolveSelection(registry, selection);
    this.machine = createMachine({ arch: 'x86_64', ...params });
    const book = new FrameTable(this.machine.params.frames);
    const c = root.createChildContainer();
    this.container = c;
    const phases: PhaseHook = {
      reach: (phase) => {
        const f = this.armed.get(phase);
        if (f !== undefined) {
          this.armed.delete(phase);
          f();
        }
      },
    };
    c.register(Tokens.Machine, { useValue: this.machine });
    c.register(Tokens.FrameBook, { useValue: book });
    c.register(Tokens.Phases, { useValue: phases });
    c.register(Tokens.Signals, {
      useValue: {
        deliver: (_cpu: number, _pid: number, signal: FaultSignal) => {
          this.signals.push(signal);
          return this.handlesSignals;
        },
      },
    });
    c.register(Tokens.Counters, {
      useValue: {
        add: (n: string, d = 1) => this.machine.count(n, d),
        get: (n: string) => this.machine.counter(n),
      },
    });
    c.register(Tokens.Selection, { useValue: sel });
    registry.policy(sel.policy)!.configure(c, sel);
    this.kernel = c.resolve(Tokens.Kernel);
    this.kmem = c.isRegistered(Tokens.KernelMemory, true) ? c.resolve(Tokens.KernelMemory) : undefined;
    this.pages = c.isRegistered(Tokens.PageAllocator, true) ? c.resolve(Tokens.PageAllocator) : undefined;
    this.vm = c.isRegistered(Tokens.VmMap, true) ? c.resolve(Tokens.VmMap) : undefined;
    this.pmap = c.resolve(Tokens.Pmap);
    this.x86 = c.resolve(X86_RUN);
    this.monitor = new InvariantMonitor(this.machine, book, sel.claims, {
      window: (n) => this.kernel.window(n),
      spaceOf: (pid) => this.pmap.of(pid)?.space,
    });
    this.monitor.attach();
  }

  /** Run one operation as a step: counter deltas, cycles and the invariants it broke. */
  step<T>(op: () => T): StepResult & { value: T } {
    this.monitor.step = String(this.stepNo++);
    const before = this.machine.snapshot();
    const value = op();
    this.monitor.operationReturned();
    const d = this.machine.delta(before);
    const counters: Record<string, number> = {};
    for (const [k, v] of Object.entries(d.counters)) if (v !== 0) counters[k] = v;
    const violations = [...new Set(this.monitor.take().map((v) => v.invariant))].sort();
    return { counters, cycles: d.cycles, violations, value };
  }
}

// The Hardware view over an @shootdown/mmu Machine.
import type { Arch, Pfn, Va } from '@shootdown/core';
import { Machine, validateMachine, type CostProfileReport, type ValidMachine } from '@shootdown/mmu';
import type { MachineBlock, Step, TableLevel } from '../scenario/types.js';
import type { Hardware } from './hardware.js';
import { LEVEL_OF, emptyHwNames, setupHw, type HwNames } from './hw-space.js';
import { runHwStep } from './hw-ops.js';
import type { StepOutcome } from './report.js';
import type { RunState } from './state.js';

/** The machine block's cost model travels as `validateMachine`'s second argument, not as a parameter. */
const COSTS_FIELD = 'costs';

/** A scenario's machine block checked once per architecture: a catalogue run builds its machine from the
 *  same (loaded, never changed) block under every selection. */
const checked = new WeakMap<MachineBlock, Map<Arch, ValidMachine>>();

function check(arch: Arch, block: MachineBlock): ValidMachine {
  let byArch = checked.get(block);
  if (byArch === undefined) checked.set(block, (byArch = new Map<Arch, ValidMachine>()));
  let v = byArch.get(arch);
  if (v === undefined) {
    const params: Record<string, unknown> = { arch };
    for (const [k, x] of Object.entries(block)) if (k !== COSTS_FIELD && k !== 'arch') params[k] = x;
    const costs = (block[COSTS_FIELD] ?? {}) as Record<string, number>;
    byArch.set(arch, (v = validateMachine(params, costs)));
  }
  return v;
}

export class MmuHardware implements Hardware {
  readonly machine: Machine;
  #hw: HwNames | null = null;

  constructor(
    readonly arch: Arch,
    block: MachineBlock,
  ) {
    const v = check(arch, block);
    this.machine = new Machine(v.params, v.costs);
  }

  /** Build the scenario's `hw:` block (raw-mmu only). */
  setupHw(state: RunState): void {
    if (state.scenario.hw !== null) this.#hw = setupHw(this.machine, state.scenario.hw);
    else this.#hw = emptyHwNames();
  }

  markCounters(into?: Float64Array): Float64Array {
    return this.machine.counters.mark(into);
  }

  countersSince(mark: Float64Array): Record<string, number> {
    return this.machine.counters.changedSince(mark);
  }

  get cycles(): number {
    return this.machine.cycles;
  }

  get latency(): number {
    return this.machine.latency;
  }

  beginStep(cpu: number): void {
    if (cpu >= 0 && cpu < this.machine.cpus) this.machine.beginStep(cpu);
  }

  workByCpu(): readonly number[] {
    return this.machine.workByCpu();
  }

  startProfile(): void {
    this.machine.startCostProfile();
  }

  stopProfile(): CostProfileReport {
    return this.machine.stopCostProfile();
  }

  count(name: string, delta: number): void {
    this.machine.count(name, delta);
  }

  cachedCpus(space: number, va: Va): number {
    return this.machine.cachedCpus(space, va).length;
  }

  speculate(cpu: number, va: Va, side: 'data' | 'instr'): void {
    this.machine.speculate(cpu, va, side);
  }

  tableFrame(space: number, va: Va, level: TableLevel): Pfn | undefined {
    const tables = this.machine.lookup(space, va).tables;
    return tables[4 - LEVEL_OF[level]];
  }

  hwFrame(name: string): Pfn | undefined {
    return this.#hw?.frames.get(name);
  }

  runHw(step: Step, _state: RunState): StepOutcome {
    if (this.#hw === null) this.#hw = emptyHwNames();
    return runHwStep(this.machine, this.#hw, step);
  }
}

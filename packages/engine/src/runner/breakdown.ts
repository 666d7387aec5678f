// One step's cost by event kind and by CPU (`run --breakdown <step>`): the MMU's cost profile is recorded
// around that step only, so every other step — and every run that asks for no breakdown — costs what it
// did. The figures are the step's own latency and work taken apart: the events' latency contributions
// are the counts on the initiating CPU's latency path times their weights, the work contributions the
// counts charged on every CPU times their weights (cost-profile.ts in @shootdown/mmu).
import type { CostProfileReport, ProfiledEvent } from '@shootdown/mmu';
import type { BreakdownCpu, BreakdownEvent, StepBreakdown, StepResult } from '../result/types.js';
import { describeStep } from '../scenario/describe.js';
import type { Step } from '../scenario/types.js';
import type { Hardware } from './hardware.js';

/** The IPI's terms that are not counters: listed right after the `ipi` counter they belong to. */
const IPI_TERMS = ['ipi_send', 'ipi_wire'];

/** Watches the run for the one step whose breakdown was asked for. */
export class BreakdownProbe {
  #workBefore: readonly number[] = [];
  #recording = false;
  #report: CostProfileReport | undefined;
  #work: readonly number[] = [];
  result: StepBreakdown | undefined;

  constructor(
    private readonly hw: Hardware,
    /** The step's path (`StepBase.path`). */
    readonly path: string,
  ) {}

  /** Right after `beginStep` of every step: starts recording at the wanted one. */
  begin(step: Step): void {
    if (step.path !== this.path) return;
    this.#workBefore = this.hw.workByCpu();
    this.hw.startProfile();
    this.#recording = true;
  }

  /** When the step's figures are taken: stops recording at the wanted one. */
  end(step: Step): void {
    if (step.path !== this.path || !this.#recording) return;
    this.#recording = false;
    const after = this.hw.workByCpu();
    this.#report = this.hw.stopProfile();
    this.#work = after.map((w, k) => w - (this.#workBefore[k] ?? 0));
  }

  /** With the step's record: the breakdown of its latency and work. */
  record(step: Step, r: Pick<StepResult, 'latency' | 'cycles'>): void {
    if (step.path !== this.path || this.#report === undefined) return;
    this.result = breakdownOf(step, r, this.#report, this.#work);
    this.#report = undefined;
  }

  /** A step that never ran (its interleave phase never came): it cost nothing. */
  skipped(step: Step): void {
    if (step.path !== this.path) return;
    this.result = breakdownOf(step, { latency: 0, cycles: 0 }, { events: [], byCpu: [] }, []);
  }
}

function breakdownOf(
  step: Step,
  r: Pick<StepResult, 'latency' | 'cycles'>,
  report: CostProfileReport,
  workByCpu: readonly number[],
): StepBreakdown {
  const events = ordered(report.events);
  return {
    step: step.path,
    op: step.op,
    label: describeStep(step),
    cpu: step.cpu,
    unit: 'invlpg',
    latency: r.latency,
    work: r.cycles,
    events: events.map(eventRow),
    cpus: cpuRows(step.cpu, events, report.byCpu, workByCpu),
  };
}

/** The counters' order, with the IPI's sender and acknowledgement terms right after the IPI itself. */
function ordered(events: readonly ProfiledEvent[]): ProfiledEvent[] {
  const terms = events.filter((e) => IPI_TERMS.includes(e.name));
  const rest = events.filter((e) => !IPI_TERMS.includes(e.name));
  const at = rest.findIndex((e) => e.name === 'ipi');
  return at < 0 ? [...terms, ...rest] : [...rest.slice(0, at + 1), ...terms, ...rest.slice(at + 1)];
}

function eventRow(e: ProfiledEvent): BreakdownEvent {
  return {
    event: e.name,
    weight: e.weight,
    count: e.count,
    onPath: e.onPath,
    latency: round(e.onPath * e.weight),
    work: round(e.count * e.weight),
  };
}

function cpuRows(
  initiator: number,
  order: readonly ProfiledEvent[],
  byCpu: CostProfileReport['byCpu'],
  work: readonly number[],
): BreakdownCpu[] {
  const rows: BreakdownCpu[] = [];
  for (let cpu = 0; cpu < Math.max(byCpu.length, work.length, initiator + 1); cpu++) {
    const charged = byCpu[cpu] ?? {};
    const events: Record<string, number> = {};
    for (const { name } of order) if (charged[name] !== undefined) events[name] = charged[name];
    const w = round(work[cpu] ?? 0);
    if (cpu !== initiator && w === 0 && Object.keys(events).length === 0) continue;
    const role = cpu === initiator ? 'initiator' : (events['ipi'] ?? 0) > 0 ? 'target' : 'other';
    rows.push({ cpu, role, work: w, events });
  }
  return rows;
}

/** As the runner rounds the step's figures, so that summation order never shows. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

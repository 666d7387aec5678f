// Records one run for `--trace`: the MMU's per-CPU events (mmu events.ts), the steps on the latency
// timeline, and each CPU's count of stale entries whenever it changes — the window between a change to
// the page tables and the flush that ends it is where that count is above zero. Attached after the policy
// booted, so a trace shows the scenario, not the boot. Reads the machine, never changes it.
import type { Machine, MmuEvent } from '@shootdown/mmu';
import type { RecordedTrace, StaleSample, TraceStep } from './types.js';

/** Events kept per run; past it the trace says how many it dropped (a 1 GiB populate has millions). */
export const TRACE_EVENT_LIMIT = 200_000;

export class TraceRecorder {
  private machine: Machine | null = null;
  private readonly events: MmuEvent[] = [];
  private readonly steps: TraceStep[] = [];
  private readonly open: { path: string; label: string; cpu: number; start: number }[] = [];
  private readonly stale: StaleSample[] = [];
  private lastTlb = new Int32Array(0);
  private lastWalk = new Int32Array(0);
  private dropped = 0;

  constructor(
    private readonly scenario: string,
    private readonly selection: string,
    private readonly limit = TRACE_EVENT_LIMIT,
  ) {}

  attach(machine: Machine): void {
    this.machine = machine;
    this.lastTlb = new Int32Array(machine.cpus);
    this.lastWalk = new Int32Array(machine.cpus);
    this.sampleStale(-1);
    machine.setEventSink((e) => this.event(e));
  }

  detach(): void {
    this.machine?.setEventSink(null);
  }

  /** A step begins (after the machine's beginStep: its clocks start at the step's start). */
  stepBegan(path: string, label: string, cpu: number): void {
    const m = this.machine!;
    this.open.push({ path, label, cpu, start: m.counters.timeOn(cpu) });
  }

  /** The step that began last ends: at its initiating CPU's clock, acknowledgements included. */
  stepEnded(): void {
    const s = this.open.pop()!;
    this.steps.push({ ...s, end: Math.max(s.start, this.machine!.latency) });
    this.sampleStale(s.cpu);
  }

  take(): RecordedTrace {
    // Steps finish inside-out; the trace lists them in the order they began.
    const steps = [...this.steps].sort((a, b) => a.start - b.start || a.end - b.end);
    return {
      scenario: this.scenario,
      selection: this.selection,
      cpus: this.machine?.cpus ?? 0,
      events: this.events,
      steps,
      stale: this.stale,
      dropped: this.dropped,
    };
  }

  private event(e: MmuEvent): void {
    if (this.events.length < this.limit) this.events.push(e);
    else this.dropped++;
    this.sampleStale(e.cpu);
  }

  /** A sample for every CPU whose stale count changed, at the time of `cpu` (the one that just acted). */
  private sampleStale(cpu: number): void {
    const m = this.machine!;
    const tlb = m.staleLeaf.cpuRefs;
    const walk = m.staleWalk.cpuRefs;
    let t = -1;
    for (let c = 0; c < m.cpus; c++) {
      if (tlb[c] === this.lastTlb[c] && walk[c] === this.lastWalk[c]) continue;
      if (t < 0) t = m.counters.timeOn(cpu);
      this.lastTlb[c] = tlb[c]!;
      this.lastWalk[c] = walk[c]!;
      this.stale.push({ t, cpu: c, tlb: tlb[c]!, walk: walk[c]! });
    }
  }
}

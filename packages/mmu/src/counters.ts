// Named event counters and the cycle total (spec linux.md §1.1, §7.1). Instruction-level counters are
// bumped by the MMU through pre-resolved indices; operation-level ones by the OS through `count`.
import { ArrayLease } from './array-pool.js';
import type { CostModel } from './costs.js';
import { CostProfile, FIRST_COUNTER_SLOT, SLOT_IPI_SEND, SLOT_IPI_WIRE } from './cost-profile.js';
import { grown } from './grown.js';

/** The shared vocabulary, in the order results print them (DESIGN §2). */
export const STANDARD_COUNTERS = [
  'kflush',
  'ipi',
  'invlpg',
  'full',
  'lflush',
  'split',
  'ptalloc',
  'ptfree',
  'spurious',
  'wrpkru',
  'tlbi_leaf',
  'tlbi_all_levels',
  'tlbi_asid',
  'tlbi_vmall',
  // Every arm64 TLBI also counts as exactly one of these two: the inner-shareable (…IS) form reaches
  // every CPU of the domain in hardware, the local form only the issuing CPU (Arm ARM D8.13.3).
  'tlbi_local',
  'tlbi_broadcast',
  'dsb',
  'invlpgb',
  'tlbsync',
  // Split I/D (Harvard) TLB only: one per page per side of a one-side "invalidate MVA" (flushPageSide /
  // flushRangeSide; ARMv6 tlb-v6.S v6wbi_flush_user_tlb_range issues the D-side op for every page and the
  // I-side op only for a VM_EXEC VMA). A both-sides flush is both ops, one of each; unified instructions
  // (invlpg, invpcid, full flushes, TLBI) name no side and count neither. Weightless: the same
  // invalidations are priced once, as `invlpg`.
  'inv_dside',
  'inv_iside',
  'walk',
  'fill',
] as const;
export type StandardCounter = (typeof STANDARD_COUNTERS)[number];

const NAME_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_-]*)?$/u;

/**
 * The standard counters' indices (their place in STANDARD_COUNTERS), which every Counters starts from: one
 * copy per machine instead of registering each name (a name check and a map insertion apiece) in every run.
 */
const STANDARD_INDEX: ReadonlyMap<string, number> = new Map(STANDARD_COUNTERS.map((n, i) => [n, i]));

/** Frozen counter values plus both clocks; keys in stable order (standard first, then sorted). */
export interface CounterSnapshot {
  readonly counters: Readonly<Record<string, number>>;
  /** Work: accumulated cost summed over all CPUs, in units of one INVLPG (spec linux.md §7.4). */
  readonly cycles: number;
  /** Latency: the initiating CPU's clock, in units of one INVLPG (spec linux.md §7.4). */
  readonly latency: number;
}

/**
 * Cost-model keys that price an IPI without being counters of their own (the `ipi` counter counts the
 * interrupts): the sender's per-target cost and the delivery-plus-acknowledgement time on the initiator's
 * critical path.
 */
export const IPI_SEND = 'ipi_send';
export const IPI_WIRE = 'ipi_wire';

/** One priced event kind of a cost profile: how many there were and how many lay on the latency path. */
export interface ProfiledEvent {
  /** A counter's name, or `ipi_send` / `ipi_wire` (the IPI's sender and acknowledgement terms). */
  readonly name: string;
  /** Its weight in the cost model (INVLPG units). */
  readonly weight: number;
  /** Events charged as work, on any CPU (0 for `ipi_wire`: the wait is latency, not work). */
  readonly count: number;
  /** Events on the initiating CPU's latency path. */
  readonly onPath: number;
}

/** What the counters recorded between `startProfile` and `stopProfile`, by event kind and by CPU. */
export interface CostProfileReport {
  /** Event kinds that moved, `ipi_send` and `ipi_wire` first, then the counters in snapshot order. */
  readonly events: readonly ProfiledEvent[];
  /** Per CPU (index = CPU): events charged there, by kind name (kinds that did not move omitted). */
  readonly byCpu: readonly Readonly<Record<string, number>>[];
}

/**
 * Counters and the two clocks of spec linux.md §7.4. **Work** (`cycles`) sums every charge on every CPU.
 * **Latency** follows per-CPU clocks: a charge advances the clock of the CPU it runs on; an IPI advances
 * the sender by `ipi_send` and starts the target's handler no earlier than the send (targets run their
 * handlers in parallel, smp_call_function_many_cond in kernel/smp.c); the sender waits for its targets —
 * `ipi_wire` after the slowest one finished — before it charges anything again, or at the end of the
 * step (every x86 TLB-flush IPI is sent with wait=1). A step's latency is its initiating CPU's clock.
 */
export class Counters {
  private readonly index = new Map<string, number>(STANDARD_INDEX);
  private names: string[] = STANDARD_COUNTERS.slice();
  /** Indices in snapshot order (`orderedNames`), built on first use after a counter was registered. */
  private order: Int32Array | null = null;
  /** Per counter index (from the lease; a 65th counter grows them outside it). */
  private values: Float64Array;
  private weights: Float64Array;
  /** Work: total cost in INVLPG units, summed over CPUs. */
  cycles = 0;
  /** Per-CPU clocks since the current step began. */
  private readonly clock: Float64Array;
  /** Per-CPU work since the machine was built (the breakdown by CPU). */
  readonly cpuWork: Float64Array;
  /**
   * Per sender: targets whose acknowledgement it still waits for — the first `waitingN[sender]` entries.
   * Emptied by resetting the count, never the list: a 48-CPU kernel-range flush per page would otherwise
   * give each round's list a new backing store and grow it again, target by target.
   */
  private readonly waiting: number[][];
  private readonly waitingN: Int32Array;
  /** Per sender: time of its own share of an IPI round, run in parallel with the targets. */
  private readonly deferred: Float64Array;
  /**
   * False while no CPU can owe a wait: nothing sent an IPI or set a local share aside since the step began
   * (every `waitingN` and `deferred` is zero). A charge then skips reading them: most charges (walks, fills,
   * INVLPGs) happen with no IPI round open. Set by `ipiSent` and `local`, cleared by `beginStep`.
   */
  private owing = false;
  /** Per target: 1 + the sender whose acknowledgement it still owes, or 0. */
  private readonly owedBy: Int32Array;
  /** The CPU a charge without an explicit CPU runs on: the last CPU that executed or was interrupted. */
  private ctx = 0;
  /** The step's initiating CPU, whose clock is the latency. */
  private initiator = 0;
  /** Latency of the steps before the current one. */
  private latencyBase = 0;
  /** While > 0, the sender's own share of an IPI round runs without waiting for the targets. */
  private hold = 0;
  private readonly ipiId: number;
  private readonly wSend: number;
  private readonly wWire: number;
  /** The cost breakdown being recorded, or null (the default: one branch on the hot path). */
  private prof: CostProfile | null = null;

  constructor(
    private readonly costs: CostModel,
    cpus = 1,
    /** Where the per-CPU arrays come from (the machine's, recycled across machines). */
    lease: ArrayLease = new ArrayLease(),
  ) {
    this.values = lease.take(Float64Array, 64);
    this.weights = lease.take(Float64Array, 64);
    for (let i = 0; i < STANDARD_COUNTERS.length; i++) this.weights[i] = costs[STANDARD_COUNTERS[i]] ?? 0;
    this.clock = lease.take(Float64Array, cpus);
    this.cpuWork = lease.take(Float64Array, cpus);
    this.waiting = Array.from({ length: cpus }, () => []);
    this.waitingN = lease.take(Int32Array, cpus);
    this.owedBy = lease.take(Int32Array, cpus);
    this.deferred = lease.take(Float64Array, cpus);
    this.ipiId = this.index.get('ipi')!;
    this.wSend = costs[IPI_SEND] ?? 0;
    this.wWire = costs[IPI_WIRE] ?? 0;
  }

  /** Index of a counter, registering it on first use. */
  id(name: string): number {
    let i = this.index.get(name);
    if (i !== undefined) return i;
    if (!NAME_RE.test(name)) {
      throw new Error(`counter name '${name}' must be lower-case words, optionally prefixed 'policy.'`);
    }
    i = this.names.length;
    if (i === this.values.length) {
      this.values = grown(this.values, i * 2);
      this.weights = grown(this.weights, i * 2);
    }
    this.names.push(name);
    this.index.set(name, i);
    this.order = null;
    this.weights[i] = this.costs[name] ?? 0;
    this.prof?.ensure(i + 1 + FIRST_COUNTER_SLOT);
    return i;
  }

  /** Hot path: bump by index and charge its weight to the current CPU. */
  bump(i: number, n = 1): void {
    this.bumpOn(this.ctx, i, n);
  }

  /**
   * Hot path: bump by index without charging anything, whatever the cost model says — for counters that
   * split up events another counter already prices (`inv_dside` / `inv_iside` beside `invlpg`).
   */
  tally(i: number, n = 1): void {
    this.values[i] += n;
  }

  /**
   * Hot path: bump by index, charged to `cpu` (which becomes the current CPU). The charge itself is here,
   * not in `bump`: the MMU's walks and fills charge through this one, and one level less lets the JIT
   * inline it where two levels exceeded its budget.
   */
  bumpOn(cpu: number, i: number, n = 1): void {
    this.ctx = cpu;
    this.values[i] += n;
    const c = this.weights[i] * n;
    this.cycles += c;
    if (this.owing && this.hold === 0 && (this.waitingN[cpu] !== 0 || this.deferred[cpu] !== 0))
      this.sync(cpu);
    this.clock[cpu] += c;
    this.cpuWork[cpu] += c;
    if (this.prof !== null) this.prof.charge(cpu, i + FIRST_COUNTER_SLOT, n);
  }

  /**
   * One IPI from `from` to `to` (counted `ipi`): the sender pays `ipi_send`; the target's handler starts
   * when the interrupt arrives (not before the send, not before the target's own clock) and pays `ipi`
   * (entry, dispatch, exit). The target becomes the current CPU, so what its handler charges runs there.
   */
  ipiSent(from: number, to: number): void {
    // A target still handling this sender's previous interrupt: its call_single_data is locked, and
    // csd_lock() (kernel/smp.c) makes the sender wait for it first.
    if (this.owedBy[to] === from + 1) this.sync(from);
    this.clock[from] += this.wSend;
    this.cpuWork[from] += this.wSend;
    this.cycles += this.wSend;
    const w = this.weights[this.ipiId];
    this.values[this.ipiId] += 1;
    this.cycles += w;
    this.cpuWork[to] += w;
    const fromSender = this.clock[from] > this.clock[to];
    this.clock[to] = (fromSender ? this.clock[from] : this.clock[to]) + w;
    if (this.prof !== null) this.prof.ipi(from, to, this.ipiId + FIRST_COUNTER_SLOT, fromSender);
    this.waiting[from][this.waitingN[from]++] = to;
    this.owing = true;
    this.owedBy[to] = from + 1;
    this.ctx = to;
  }

  /**
   * Run the sender's own share of an IPI round. `on_each_cpu` sends to the targets first and runs the local
   * share while they run theirs (smp_call_function_many_cond, kernel/smp.c), so the share's time does not
   * delay the sends: it is set aside and joins the clock when the sender waits for the round.
   */
  local(cpu: number, run: () => void): void {
    const t0 = this.localBegin(cpu);
    try {
      run();
    } finally {
      this.localEnd(cpu, t0);
    }
  }

  /**
   * `local` in two halves, for a sender's share run inline (Machine.ipiInvlpg): the share's charges go between
   * them. Returns the sender's clock before the share, which `localEnd` takes back.
   */
  localBegin(cpu: number): number {
    this.ctx = cpu;
    const t0 = this.clock[cpu];
    this.hold++;
    this.prof?.beginLocal(cpu);
    return t0;
  }

  /** The end of a share begun by `localBegin` (`t0`: what it returned). */
  localEnd(cpu: number, t0: number): void {
    this.hold--;
    this.deferred[cpu] += this.clock[cpu] - t0;
    this.owing = true;
    this.clock[cpu] = t0;
    this.prof?.endLocal(cpu);
  }

  /** The sender waits for every acknowledgement it is owed: `ipi_wire` after its slowest target. */
  sync(cpu: number): void {
    const w = this.waiting[cpu];
    let done = this.clock[cpu] + this.deferred[cpu];
    let via = -1;
    this.deferred[cpu] = 0;
    for (let i = 0, n = this.waitingN[cpu]; i < n; i++) {
      const t = w[i];
      const acked = this.clock[t] + this.wWire;
      if (acked > done) {
        done = acked;
        via = t;
      }
      this.owedBy[t] = 0;
    }
    this.waitingN[cpu] = 0;
    this.clock[cpu] = done;
    this.prof?.sync(cpu, via);
  }

  /** Make `cpu` the CPU that charges without an explicit CPU run on. */
  on(cpu: number): void {
    this.ctx = cpu;
  }

  /** A new step initiated by `cpu`: the previous step's initiator waits for its acks and its clock is banked. */
  beginStep(cpu: number): void {
    this.sync(this.initiator);
    this.latencyBase += this.clock[this.initiator];
    this.prof?.bank(this.initiator);
    this.clock.fill(0);
    this.owedBy.fill(0);
    this.deferred.fill(0);
    this.waitingN.fill(0);
    this.owing = false;
    this.initiator = cpu;
    this.ctx = cpu;
  }

  /**
   * Trace time of `cpu` (-1: the CPU that charges without a CPU run on) on the scenario's latency
   * timeline: the current step's start plus the CPU's own clock, after the acknowledgements it waits for
   * (as its next charge would see it). Reads only: a trace must never change a result.
   */
  timeOn(cpu: number): number {
    const k = cpu < 0 ? this.ctx : cpu;
    let done = this.clock[k];
    if (this.hold === 0) {
      done += this.deferred[k];
      const w = this.waiting[k];
      for (let i = 0, n = this.waitingN[k]; i < n; i++) done = Math.max(done, this.clock[w[i]] + this.wWire);
    }
    return this.latencyBase + done;
  }

  /** Latency so far: earlier steps plus the current initiator's clock once its acks are in. */
  get latency(): number {
    return this.latencyBase + this.pending().done;
  }

  /** The current initiator's clock once its acks are in, and the target that decides it (or -1). */
  private pending(): { done: number; via: number } {
    const k = this.initiator;
    let done = this.clock[k] + this.deferred[k];
    let via = -1;
    const w = this.waiting[k];
    for (let i = 0, n = this.waitingN[k]; i < n; i++) {
      const t = w[i];
      const acked = this.clock[t] + this.wWire;
      if (acked > done) {
        done = acked;
        via = t;
      }
    }
    return { done, via };
  }

  /**
   * Start recording the cost breakdown by event kind and by CPU. Only at a step boundary (right after
   * `beginStep`, before anything is charged), where every clock is at zero and the chains are empty.
   */
  startProfile(): void {
    const k = this.initiator;
    if (this.clock.some((t) => t !== 0) || this.deferred[k] !== 0 || this.waitingN[k] !== 0) {
      throw new Error('a cost profile starts at a step boundary (right after beginStep)');
    }
    this.prof = new CostProfile(this.clock.length, this.names.length + FIRST_COUNTER_SLOT);
  }

  /** Stop recording; what was charged since `startProfile`, with the latency path resolved as `latency` is. */
  stopProfile(): CostProfileReport {
    const prof = this.prof;
    if (prof === null) throw new Error('no cost profile is being recorded (startProfile first)');
    this.prof = null;
    const { latency, work } = prof.counts(this.initiator, this.pending().via);
    const kinds: { name: string; slot: number; weight: number }[] = [
      { name: IPI_SEND, slot: SLOT_IPI_SEND, weight: this.wSend },
      { name: IPI_WIRE, slot: SLOT_IPI_WIRE, weight: this.wWire },
    ];
    for (const name of this.orderedNames()) {
      const i = this.index.get(name)!;
      kinds.push({ name, slot: i + FIRST_COUNTER_SLOT, weight: this.weights[i] });
    }
    const events: ProfiledEvent[] = [];
    for (const { name, slot, weight } of kinds) {
      let count = 0;
      for (const row of work) count += row[slot] ?? 0;
      const onPath = latency[slot] ?? 0;
      if (count !== 0 || onPath !== 0) events.push({ name, weight, count, onPath });
    }
    const byCpu = work.map((row) => {
      const out: Record<string, number> = {};
      for (const { name, slot } of kinds) if ((row[slot] ?? 0) !== 0) out[name] = row[slot];
      return out;
    });
    return { events, byCpu };
  }

  /** Counter names in snapshot order: the standard ones first, then the others sorted. */
  private orderedNames(): string[] {
    const std = this.names.slice(0, STANDARD_COUNTERS.length);
    return [...std, ...this.names.slice(STANDARD_COUNTERS.length).sort()];
  }

  /** Counter indices in snapshot order (as `orderedNames`), cached until the next counter is registered. */
  private snapshotOrder(): Int32Array {
    if (this.order !== null) return this.order;
    const order = new Int32Array(this.names.length);
    let k = 0;
    for (const n of this.orderedNames()) order[k++] = this.index.get(n)!;
    return (this.order = order);
  }

  /**
   * Every counter's value now, copied into `into` (a new array when `into` is missing or of another length): a
   * mark for `changedSince`. The engine takes one before and one after every step; unlike `snapshot` it
   * builds no per-name record, and the caller reuses its arrays.
   */
  mark(into?: Float64Array): Float64Array {
    const out =
      into !== undefined && into.length === this.values.length ? into : new Float64Array(this.values.length);
    out.set(this.values);
    return out;
  }

  /**
   * The counters that moved since `mark` (from `mark`; a counter registered after it counts from zero):
   * name → current value minus marked value, only where that is not zero, keys in snapshot order — what
   * `delta(since).counters` holds, without its zero entries.
   */
  changedSince(mark: Float64Array): Record<string, number> {
    const out: Record<string, number> = {};
    const order = this.snapshotOrder();
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const d = this.values[i] - (i < mark.length ? mark[i] : 0);
      if (d !== 0) out[this.names[i]] = d;
    }
    return out;
  }

  count(name: string, n = 1): void {
    this.bump(this.id(name), n);
  }

  get(name: string): number {
    const i = this.index.get(name);
    return i === undefined ? 0 : this.values[i];
  }

  weight(name: string): number {
    return this.weights[this.id(name)];
  }

  snapshot(): CounterSnapshot {
    const counters: Record<string, number> = {};
    for (const n of this.orderedNames()) counters[n] = this.values[this.index.get(n)!]!;
    return Object.freeze({ counters: Object.freeze(counters), cycles: this.cycles, latency: this.latency });
  }

  /** Current values minus `since` (counters registered later count from zero). */
  delta(since: CounterSnapshot): CounterSnapshot {
    const now = this.snapshot();
    const counters: Record<string, number> = {};
    for (const [n, v] of Object.entries(now.counters)) counters[n] = v - (since.counters[n] ?? 0);
    return Object.freeze({
      counters: Object.freeze(counters),
      cycles: now.cycles - since.cycles,
      latency: now.latency - since.latency,
    });
  }
}

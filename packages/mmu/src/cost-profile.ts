// The cost breakdown of the two clocks (spec linux.md §7.4) by event kind and by CPU, recorded on demand.
// Latency is a critical path: a CPU's clock is the sum of the charges along the chain of events that
// decided it (its own charges, the sender's clock an IPI handler started from, the slowest target an
// initiator waited for). So each CPU carries, beside its clock, how many events of each kind lie on that
// chain; the counts move exactly where Counters moves the clocks, and an event count times its weight
// summed over kinds is the clock. Work needs no path: each charge is counted on the CPU that paid it.
// Off by default: the counters' hot path then pays one null check.

/** Event kind slots before the counters' own (a counter with index i is slot i + FIRST_COUNTER_SLOT). */
export const SLOT_IPI_SEND = 0;
export const SLOT_IPI_WIRE = 1;
export const FIRST_COUNTER_SLOT = 2;

/** What a profile recorded, in event counts per kind; the kinds are named by the caller (Counters). */
export interface CostProfileCounts {
  /** Events on the latency path of the steps since the profile started, per slot. */
  readonly latency: Float64Array;
  /** Events charged on each CPU, per slot (`work[cpu][slot]`); `ipi_wire` is never work. */
  readonly work: readonly Float64Array[];
}

export class CostProfile {
  private width: number;
  /** Per CPU: events on the chain that decided its clock in the current step. */
  private path: Float64Array[];
  /** Per CPU: events of its own share of an IPI round, set aside until it waits for the round. */
  private deferred: Float64Array[];
  /** Per CPU: events charged there since the profile started. */
  private work: Float64Array[];
  /** Latency events of the steps banked since the profile started. */
  private banked: Float64Array;
  /** Paths saved when a CPU's own share of a round began (Counters.local), innermost last. */
  private readonly saved: { cpu: number; path: Float64Array }[] = [];

  constructor(
    private readonly cpus: number,
    slots: number,
  ) {
    this.width = slots;
    this.path = this.rows();
    this.deferred = this.rows();
    this.work = this.rows();
    this.banked = new Float64Array(slots);
  }

  /** Make room for `slots` kinds (a counter registered after the profile started). */
  ensure(slots: number): void {
    if (slots <= this.width) return;
    const w = Math.max(slots, this.width * 2);
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(w);
      b.set(a);
      return b;
    };
    this.path = this.path.map(grow);
    this.deferred = this.deferred.map(grow);
    this.work = this.work.map(grow);
    this.banked = grow(this.banked);
    for (const s of this.saved) s.path = grow(s.path);
    this.width = w;
  }

  /** `n` events of `slot` charged on `cpu`: on its work and on its clock's chain. */
  charge(cpu: number, slot: number, n: number): void {
    this.work[cpu][slot] += n;
    this.path[cpu][slot] += n;
  }

  /**
   * One IPI: the sender's send is on its chain; the target's handler starts from the sender's chain when
   * the send came later than the target's own clock (`fromSender`), else from its own, and adds `ipi`.
   */
  ipi(from: number, to: number, ipiSlot: number, fromSender: boolean): void {
    this.work[from][SLOT_IPI_SEND] += 1;
    this.path[from][SLOT_IPI_SEND] += 1;
    if (fromSender) this.path[to].set(this.path[from]);
    this.work[to][ipiSlot] += 1;
    this.path[to][ipiSlot] += 1;
  }

  /** The sender's own share of a round begins on `cpu` (Counters.local). */
  beginLocal(cpu: number): void {
    this.saved.push({ cpu, path: this.path[cpu].slice() });
  }

  /** …and ends: its events are set aside, the chain goes back to where the share began. */
  endLocal(cpu: number): void {
    const s = this.saved.pop()!;
    const p = this.path[cpu];
    const d = this.deferred[cpu];
    for (let k = 0; k < this.width; k++) d[k] += p[k] - s.path[k];
    this.path[cpu] = s.path;
  }

  /**
   * `cpu` waited for its targets: its chain becomes that of the target `via` plus one acknowledgement, or,
   * when its own time (with the set-aside share) was the longer (`via` < 0), its own plus the share.
   */
  sync(cpu: number, via: number): void {
    const p = this.path[cpu];
    const d = this.deferred[cpu];
    if (via < 0) for (let k = 0; k < this.width; k++) p[k] += d[k];
    else {
      p.set(this.path[via]);
      p[SLOT_IPI_WIRE] += 1;
    }
    d.fill(0);
  }

  /** A new step: the finished step's initiator chain is banked, every clock starts again from nothing. */
  bank(initiator: number): void {
    const p = this.path[initiator];
    for (let k = 0; k < this.width; k++) this.banked[k] += p[k];
    for (const row of this.path) row.fill(0);
    for (const row of this.deferred) row.fill(0);
  }

  /**
   * The counts now: the banked steps plus the current initiator's chain as the latency getter resolves it
   * (`via` as in `sync`, without waiting).
   */
  counts(initiator: number, via: number): CostProfileCounts {
    const latency = this.banked.slice();
    const chain = via < 0 ? this.path[initiator] : this.path[via];
    for (let k = 0; k < this.width; k++) latency[k] += chain[k];
    if (via < 0) for (let k = 0; k < this.width; k++) latency[k] += this.deferred[initiator][k];
    else latency[SLOT_IPI_WIRE] += 1;
    return { latency, work: this.work.map((w) => w.slice()) };
  }

  private rows(): Float64Array[] {
    return Array.from({ length: this.cpus }, () => new Float64Array(this.width));
  }
}

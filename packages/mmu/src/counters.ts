// Named event counters and the cycle total (spec linux.md §1.1, §7.1). Instruction-level counters are
// bumped by the MMU through pre-resolved indices; operation-level ones by the OS through `count`.
import type { CostModel } from './costs.js';

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
  'walk',
  'fill',
] as const;
export type StandardCounter = (typeof STANDARD_COUNTERS)[number];

const NAME_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_-]*)?$/u;

/** Frozen counter values plus the cycle total; keys in stable order (standard first, then sorted). */
export interface CounterSnapshot {
  readonly counters: Readonly<Record<string, number>>;
  /** Accumulated cost, in units of one INVLPG. */
  readonly cycles: number;
}

export class Counters {
  private readonly index = new Map<string, number>();
  private names: string[] = [];
  private values = new Float64Array(64);
  private weights = new Float64Array(64);
  /** Total cost in INVLPG units. */
  cycles = 0;

  constructor(private readonly costs: CostModel) {
    for (const n of STANDARD_COUNTERS) this.id(n);
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
      const v = new Float64Array(i * 2);
      v.set(this.values);
      this.values = v;
      const w = new Float64Array(i * 2);
      w.set(this.weights);
      this.weights = w;
    }
    this.names.push(name);
    this.index.set(name, i);
    this.weights[i] = this.costs[name] ?? 0;
    return i;
  }

  /** Hot path: bump by index and charge its weight. */
  bump(i: number, n = 1): void {
    this.values[i] += n;
    this.cycles += this.weights[i] * n;
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
    const std = this.names.slice(0, STANDARD_COUNTERS.length);
    const extra = this.names.slice(STANDARD_COUNTERS.length).sort();
    const counters: Record<string, number> = {};
    for (const n of [...std, ...extra]) counters[n] = this.values[this.index.get(n)!]!;
    return Object.freeze({ counters: Object.freeze(counters), cycles: this.cycles });
  }

  /** Current values minus `since` (counters registered later count from zero). */
  delta(since: CounterSnapshot): CounterSnapshot {
    const now = this.snapshot();
    const counters: Record<string, number> = {};
    for (const [n, v] of Object.entries(now.counters)) counters[n] = v - (since.counters[n] ?? 0);
    return Object.freeze({ counters: Object.freeze(counters), cycles: now.cycles - since.cycles });
  }
}

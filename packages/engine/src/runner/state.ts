// Everything one run carries: the child container and the contracts resolved from it, the name tables,
// the results so far. One RunState per scenario × selection; nothing is shared between runs.
import {
  Tokens,
  type Kernel,
  type KernelMemory,
  type PageAllocator,
  type PmapTable,
  type ResolvedSelection,
  type VmMapTable,
  type PolicyRegistry,
} from '@shootdown/core';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { StepResult, Violation } from '../result/types.js';
import type { Scenario } from '../scenario/types.js';
import type { Hardware } from './hardware.js';
import { NameTables } from './regions.js';

export class RunState {
  readonly names = new NameTables();
  readonly steps: StepResult[] = [];
  readonly violations: Violation[] = [];
  readonly notes: string[] = [];
  /** The first time the policy threw (see RunResult.error). */
  error: string | undefined = undefined;
  /** Path of the step being executed (violations are attributed to it). */
  currentPath = '';
  /** Paths of the steps currently executing (a repeat or interleave and its nested step). */
  readonly pathStack: string[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly selection: ResolvedSelection,
    readonly registry: PolicyRegistry,
    readonly hw: Hardware,
    /** The run's child container; null under `raw-mmu` (no policy). */
    readonly container: DependencyContainer | null,
  ) {}

  get raw(): boolean {
    return this.container === null;
  }

  #cache = new Map<symbol, unknown>();

  /** A contract of the policy, or undefined when it registered none for the token. Resolution errors
   *  are the policy's bug: they become a note once, and the contract counts as missing. */
  contract<T>(token: InjectionToken<T>): T | undefined {
    const c = this.container;
    if (c === null) return undefined;
    const sym = token as symbol;
    // One lookup for a contract the policy provides (asked at every step, and by the invariants' env at
    // frame events); a second only to tell a missing one, cached as undefined, from one not asked yet.
    const known = this.#cache.get(sym);
    if (known !== undefined || this.#cache.has(sym)) return known as T | undefined;
    let value: T | undefined;
    if (c.isRegistered(token, true)) {
      try {
        value = c.resolve(token);
      } catch (e) {
        this.notes.push(
          `policy failed to provide ${String(sym.description)}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    this.#cache.set(sym, value);
    return value;
  }

  get kernel(): Kernel | undefined {
    return this.contract(Tokens.Kernel);
  }
  get vmMaps(): VmMapTable | undefined {
    return this.contract(Tokens.VmMap);
  }
  get pmaps(): PmapTable | undefined {
    return this.contract(Tokens.Pmap);
  }
  get allocator(): PageAllocator | undefined {
    return this.contract(Tokens.PageAllocator);
  }
  get kmem(): KernelMemory | undefined {
    return this.contract(Tokens.KernelMemory);
  }
}

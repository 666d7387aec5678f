import type { DependencyContainer } from 'tsyringe';
import type { CpuId, Pfn, Va } from '../contracts/addresses.js';
import type { OpReport } from '../contracts/outcome.js';

/** A JSON value as a scenario writes it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a policy op or probe receives: the run's container, the CPU of the step, its arguments. */
export interface ContributionCall {
  readonly container: DependencyContainer;
  readonly cpu: CpuId;
  /** The step's arguments as written (after `$param` substitution), validated by `schema`. */
  readonly args: Readonly<Record<string, Json>>;
  /** The region id the step defines (`id:`), if any. */
  readonly id: string | null;
  /** The frame behind page `page` of a region the scenario named (-1 when it names none now), for ops
   *  whose arguments name regions (e.g. the frame a `linux.mermap-get` maps). Absent in probes. */
  readonly frameOf?: (region: string, page: number) => Pfn;
}

/** A region a policy op defines (so later steps can address it by id). */
export interface ContributedRegion {
  readonly start: Va;
  readonly pages: number;
  /** Which address space: `kernel`, or the pid of a process. */
  readonly space: 'kernel' | number;
  readonly frames?: readonly Pfn[];
}

export interface OpContributionReport extends OpReport {
  readonly region?: ContributedRegion;
}

/**
 * An op only one policy has (DESIGN §4 "Policy-contributed ops"), e.g. `linux.mermap-get`. Its name
 * carries the policy's prefix and a dot; every other policy reports it `unsupported`.
 */
export interface OpContribution {
  /** `<prefix>.<op>` where `<prefix>` is a policy name or its OS (`linux.mermap-get`). */
  readonly name: string;
  /** Policies that implement it (every other selection reports `unsupported`). */
  readonly policies: readonly string[];
  readonly description: string;
  /** JSON Schema (draft 2020-12) fragment for the step's properties besides `op`, `cpu`, `expect`,
   *  `violation`, `counters`; the scenario loader validates steps against it. */
  readonly schema: Readonly<Record<string, Json>>;
  run(call: ContributionCall): OpContributionReport;
}

/** A `check` query a policy answers (`check: linux.vmap-lazy`). */
export interface ProbeContribution {
  readonly name: string;
  readonly policies: readonly string[];
  readonly description: string;
  readonly schema?: Readonly<Record<string, Json>>;
  answer(call: ContributionCall): Json;
}

/** A counter of a policy's own (`linux.vmap_purge`): listed in results only when it moved. */
export interface CounterContribution {
  readonly name: string;
  readonly description: string;
}

/** An output format (`--format <name>`); `render` receives the engine's comparison or result. */
export interface RendererContribution {
  readonly format: string;
  readonly description: string;
  render(input: unknown): string;
}

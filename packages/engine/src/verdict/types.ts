// Verdict files (`expected`, DESIGN §4): one verdict per scenario × selection, and the TLB model they were
// written for. The catalogue is its own regression suite through them.
import type { TlbModel } from '../scenario/types.js';

/**
 * `holds`: no claimed invariant broke and every expectation held; `violates`: exactly these claimed
 * invariants broke; `expect-fails`: an expectation failed, no claimed invariant broke; `unsupported`: the
 * policy cannot express the scenario; `out-of-scope`: not run (e.g. a herd test whose verdict depends on
 * reordering, which the MMU does not model).
 */
export type VerdictKind = 'holds' | 'violates' | 'expect-fails' | 'unsupported' | 'out-of-scope';

export interface Verdict {
  readonly scenario: string;
  readonly selection: string;
  readonly kind: VerdictKind;
  /** For `violates`: the invariant ids, sorted. */
  readonly invariants: readonly string[];
  /** Where the line is, for mismatch reports. */
  readonly line: number;
}

/**
 * A pinned cost ratio (`ratio <scenario> <selection> / <baseline> latency|work <value> ± <tolerance>`):
 * the selection's total on that clock divided by the baseline's must lie within the tolerance, so a change
 * that breaks a calibration (spec linux.md §7.4) fails the catalogue regression.
 */
export interface RatioPin {
  readonly scenario: string;
  readonly selection: string;
  readonly baseline: string;
  readonly clock: 'latency' | 'work';
  readonly value: number;
  readonly tolerance: number;
  readonly line: number;
}

export interface VerdictFile {
  readonly file: string;
  /** The TLB model the verdicts were written for (`tlb <model>` line; adversarial when absent). */
  readonly tlb: TlbModel;
  readonly verdicts: readonly Verdict[];
  /** Pinned cost ratios (`ratio …` lines). */
  readonly ratios: readonly RatioPin[];
}

export interface VerdictMismatch {
  /** `differs`: another verdict; `unlisted`: the file has no line for this run; `tlb`: run under another
   *  model; `ratio`: a pinned cost ratio is outside its tolerance. */
  readonly kind: 'differs' | 'unlisted' | 'tlb' | 'ratio';
  readonly scenario: string;
  readonly selection: string;
  /** The verdict as the file says it (empty for `unlisted`). */
  readonly expected: string;
  /** The verdict of the run. */
  readonly actual: string;
  /** Line of the verdict in the file, 0 for `unlisted`. */
  readonly line: number;
  readonly message: string;
}

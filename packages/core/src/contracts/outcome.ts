/**
 * What one operation did, as the result file records it (DESIGN §5). Every contract method returns
 * an `OpReport` (or a subtype), never throws for a kernel-level failure: a failing system call is an
 * `error:<ERRNO>` outcome, a fault is a `fault:*` outcome, an operation the policy cannot express is
 * `unsupported`.
 */
export type FaultOutcome =
  'fault:not-present' | 'fault:read' | 'fault:write' | 'fault:exec' | 'fault:key' | 'fault:privilege';

export type Outcome = 'ok' | 'ok-stale' | 'spurious' | 'unsupported' | FaultOutcome | `error:${string}`;

export interface OpReport {
  readonly outcome: Outcome;
  /** Flags of the step the policy cannot express; the op ran without them (DESIGN §4). */
  readonly ignored?: readonly string[];
  /** Per-page outcomes of an access over `pages: N`. */
  readonly pages?: readonly Outcome[];
  /** The frame an access reached (if it completed), for `{ frame-of }` expectations. */
  readonly frame?: number;
  /** The key of the entry that served (or refused) an access. */
  readonly key?: number;
  /** A returned value (an allocated key, a read value). */
  readonly value?: number | string | boolean;
}

/** The op exists in the scenario language but this policy has no way to express it. */
export function unsupported(): OpReport {
  return UNSUPPORTED_REPORT;
}
const UNSUPPORTED_REPORT: OpReport = Object.freeze({ outcome: 'unsupported' });

/** Structural test (a plug-in may carry its own copy of core: never compare by identity). */
export function isUnsupported(report: { readonly outcome: string } | undefined): boolean {
  return report !== undefined && report.outcome === 'unsupported';
}

export function ok(extra?: Omit<OpReport, 'outcome'>): OpReport {
  return extra === undefined ? OK_REPORT : { outcome: 'ok', ...extra };
}
const OK_REPORT: OpReport = Object.freeze({ outcome: 'ok' });

/** A failing call, e.g. `errno('EINVAL')`. */
export function errno(name: string, extra?: Omit<OpReport, 'outcome'>): OpReport {
  return { outcome: `error:${name}`, ...extra };
}

/** Merge `ignored` flags into a report (keeps the report's own). */
export function withIgnored<R extends OpReport>(report: R, ignored: readonly string[]): R {
  if (ignored.length === 0) return report;
  const all = [...(report.ignored ?? []), ...ignored];
  return { ...report, ignored: all };
}

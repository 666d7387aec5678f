// What `minimize` (and `explore`) hold fixed while they shrink a scenario: with one selection, the claimed
// invariants that broke under it (a finding); with several, the divergence between them — the op and
// every selection's outcome at the first step where outcomes differ, and the claimed invariants that
// broke under each. Two runs "show the same thing" exactly when their signatures are equal strings.
import { compareResults, type RunResult } from '@shootdown/engine';

export interface Signature {
  /** Canonical JSON: compared for equality. */
  readonly key: string;
  /** Whether there is anything to hold fixed (a finding, or a divergence between selections). */
  readonly interesting: boolean;
  /** One line for people. */
  readonly text: string;
  readonly findings: readonly (readonly string[])[];
  readonly firstDivergence?: { readonly op: string; readonly outcomes: readonly string[] };
}

export type SignatureMode = 'all' | 'findings' | 'outcomes';

function claimedOf(r: RunResult): string[] {
  return [...new Set(r.violations.filter((v) => v.claimed).map((v) => v.invariant))].sort();
}

/** The signature of one scenario's results (one per selection); undefined when a run did not complete. */
export function signatureOf(
  results: readonly RunResult[],
  mode: SignatureMode = 'all',
  costRatio?: number,
): Signature | undefined {
  if (results.some((r) => r.error !== undefined)) return undefined;
  const findings = mode === 'outcomes' ? [] : results.map(claimedOf);
  let firstDivergence: Signature['firstDivergence'];
  if (results.length > 1 && mode !== 'findings') {
    const c = compareResults(results);
    const row = c.steps.find((r) => r.path === c.firstDivergence);
    if (row !== undefined) {
      firstDivergence = {
        op: row.op,
        // the step's outcome, not its per-page list: a smaller range showing the same is still the same
        outcomes: row.cells.map((c) => String(c.outcome)),
      };
    }
  }
  const findingsDiffer =
    results.length === 1
      ? (findings[0]?.length ?? 0) > 0
      : findings.some((f) => f.join(',') !== findings[0]!.join(','));
  // `explore --cost-ratio r`: one selection's work (all CPUs, INVLPG units) beyond r times another's
  const works = results.map((r) => r.totals.cycles);
  const lo = Math.min(...works);
  const hi = Math.max(...works);
  const costly = costRatio !== undefined && results.length > 1 && hi > costRatio * Math.max(lo, 1e-9);
  const interesting = findingsDiffer || firstDivergence !== undefined || costly;
  const parts: string[] = [];
  if (costly) parts.push(`work ${works.join(' vs ')} (beyond ×${costRatio})`);
  if (firstDivergence !== undefined) {
    parts.push(`first divergence at ${firstDivergence.op}: ${firstDivergence.outcomes.join(' vs ')}`);
  }
  if (findings.some((f) => f.length > 0)) {
    parts.push(
      `claimed invariants broken: ${findings.map((f) => (f.length === 0 ? '-' : f.join('+'))).join(' vs ')}`,
    );
  }
  return {
    key: JSON.stringify({ findings, firstDivergence: firstDivergence ?? null, costly }),
    interesting,
    text: parts.length === 0 ? 'no finding, no divergence' : parts.join('; '),
    findings,
    ...(firstDivergence === undefined ? {} : { firstDivergence }),
  };
}

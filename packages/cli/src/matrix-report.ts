// What `compare` prints once its runs are done — run errors, findings or verdicts, the report — shared
// with `shootdown merge`, which reaches the same point with results read from shard files: one code path,
// so a merged report is byte-identical to the unsharded run's.
import {
  checkVerdicts,
  compareResults,
  renderSweep,
  sweepResult,
  type Comparison,
  type RecordedTrace,
  type RunResult,
  type SweepResult,
  type SweepSpec,
  type VerdictFile,
  type VerdictMismatch,
} from '@shootdown/engine';
import type { LoadReport } from '@shootdown/core';
import { writeFileAtomic } from './atomic-write.js';
import { ShootdownCommand } from './base-command.js';
import { renderComparisons } from './formats.js';
import { renderOptionsFor } from './report-options.js';
import { findingsOf, runErrorsOf } from './run-matrix.js';

/** The `--json` document as text: `compare --format json` prints exactly this. */
function jsonText(output: CompareOutput): string {
  return JSON.stringify(output, null, 2) + '\n';
}

/**
 * What `compare --json` and `compare --format json` print, whether one scenario or several:
 * `{ comparisons: [comparison…] }` (schemas/comparison.schema.json each, one per scenario in the order
 * given), plus `verdicts` with --expect, `wroteExpect` with --write-expect, `sweep` with --sweep (then
 * `comparisons` is empty).
 */
export interface CompareOutput {
  readonly comparisons: readonly Comparison[];
  /** Present with --sweep (then `comparisons` is empty). */
  readonly sweep?: SweepResult;
  /** Present with --write-expect: the verdict file written. */
  readonly wroteExpect?: string;
  /** Present with --expect. */
  readonly verdicts?: {
    readonly file: string;
    readonly checked: number;
    readonly mismatches: readonly VerdictMismatch[];
  };
  /** Present with --shard: the results file written and how many pairs it holds. */
  readonly shard?: {
    readonly index: number;
    readonly count: number;
    readonly file: string;
    readonly pairs: number;
  };
}

export interface ReportFlags {
  readonly format: string;
  readonly out?: string;
  readonly only?: string;
}

/** Rows of `n` per scenario, from results in the serial order. */
export function rowsOf<T>(flat: readonly T[], n: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < flat.length; i += n) rows.push(flat.slice(i, i + n));
  return rows;
}

export abstract class MatrixReportCommand extends ShootdownCommand {
  /** Run errors, then findings (or verdicts against `verdictFile`), then the report where it goes. */
  protected reportMatrix(
    rows: readonly (readonly RunResult[])[],
    traces: readonly (readonly (RecordedTrace | undefined)[])[] | undefined,
    loadReport: LoadReport,
    verdictFile: VerdictFile | undefined,
    flags: ReportFlags,
    extra: Pick<CompareOutput, 'wroteExpect'> = {},
  ): CompareOutput & { readonly all: readonly RunResult[] } {
    const comparisons = rows.map((r) => compareResults(r));
    const all = rows.flat();
    for (const e of runErrorsOf(all, loadReport)) this.reportRunError(e);
    let output: CompareOutput = { comparisons, ...extra };
    let mismatches: VerdictMismatch[] = [];
    if (verdictFile !== undefined) {
      mismatches = checkVerdicts(all, verdictFile);
      output = { ...output, verdicts: { file: verdictFile.file, checked: all.length, mismatches } };
      for (const m of mismatches) this.reportFinding(m.message);
      if (!this.jsonEnabled()) {
        this.stderrLine(
          `verdicts: ${all.length - mismatches.length} of ${all.length} runs match ${verdictFile.file}`,
        );
      }
    } else {
      for (const f of findingsOf(all)) this.reportFinding(f);
    }
    if (!this.jsonEnabled() || flags.out !== undefined) {
      // `--format json` prints what `--json` prints: one shape however many scenarios (README)
      const text =
        flags.format === 'json'
          ? jsonText(output)
          : renderComparisons(comparisons, flags.format, {
              ...renderOptionsFor(flags),
              // KTAP passes a selection exactly when its run matches the verdict file (the exit code's rule)
              ...(verdictFile === undefined ? {} : { verdicts: { file: verdictFile, mismatches } }),
              traces,
            });
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      else this.stdoutText(text);
    }
    return { ...output, all };
  }

  /** `--sweep`: latency and work totals per value. */
  protected reportSweep(
    spec: SweepSpec,
    rows: readonly (readonly RunResult[])[],
    loadReport: LoadReport,
    flags: ReportFlags,
  ): CompareOutput {
    const all = rows.flat();
    for (const e of runErrorsOf(all, loadReport)) this.reportRunError(e);
    for (const f of findingsOf(all)) this.reportFinding(f);
    const result = sweepResult(spec, rows);
    if (!this.jsonEnabled() || flags.out !== undefined) {
      const text =
        flags.format === 'json'
          ? jsonText({ comparisons: [], sweep: result })
          : (renderSweep(result, flags.format) ?? '');
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      else this.stdoutText(text);
    }
    return { comparisons: [], sweep: result };
  }
}

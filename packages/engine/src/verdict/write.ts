// Writing a verdict file from runs (`compare --write-expect`), as herd7 writes the kinds file of what it
// just ran: one `<scenario> <selection> <verdict>` line per run, under the one `tlb` line the runs share,
// so that `compare --expect` over the same runs matches every line (a round trip the tests check).
import type { RunResult } from '../result/types.js';
import { verdictLine } from './check.js';

export class VerdictWriteError extends Error {
  override readonly name = 'VerdictWriteError';
}

/**
 * The verdict file of `results` (per scenario, one result per selection, in the order run), one block per
 * scenario. Refused when a run did not complete (`error` is no verdict a file can pin) or when the runs
 * used different TLB models (a verdict file is written for one).
 */
export function writeVerdicts(results: readonly (readonly RunResult[])[]): string {
  const all = results.flat();
  const failed = all.filter((r) => r.error !== undefined);
  if (failed.length > 0) {
    throw new VerdictWriteError(
      `${failed.length} run${failed.length > 1 ? 's' : ''} did not complete (${failed
        .map((r) => `${r.scenario} ${r.selection}`)
        .join(', ')}): there is no verdict to pin`,
    );
  }
  const models = [...new Set(all.map((r) => r.tlb))];
  if (models.length > 1) {
    throw new VerdictWriteError(
      `the runs used the ${models.join(' and ')} TLB models; a verdict file is written for one`,
    );
  }
  const out = [
    '# Verdicts of the runs below, as `shootdown compare --write-expect` found them: check later runs',
    '# against them with `compare --expect <this file>`. One line per run: scenario, selection, verdict.',
    '',
    `tlb ${models[0] ?? 'adversarial'}`,
  ];
  for (const row of results) {
    if (row.length === 0) continue;
    out.push('', ...row.map(verdictLine));
  }
  return out.join('\n') + '\n';
}

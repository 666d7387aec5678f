// Every check returns the problems it found as sentences; the vitest glue turns a non-empty list into
// one failure whose message names policy, selection, scenario and step.

/** Where a problem was found: the parts a reader needs to reproduce it with `shootdown run`. */
export interface Where {
  readonly policy: string;
  readonly selection?: string;
  readonly scenario?: string;
}

export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
}

export function header(where: Where): string {
  const parts = [`policy ${where.policy}`];
  if (where.selection !== undefined) parts.push(`selection ${where.selection}`);
  if (where.scenario !== undefined) parts.push(`scenario ${where.scenario}`);
  return parts.join(', ');
}

/** Throw one error listing every problem, or return when there is none. */
export function assertNone(where: Where, problems: readonly string[]): void {
  if (problems.length === 0) return;
  throw new ConformanceError(`${header(where)}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * fast-check runs for a property: `full` normally. Under mutation testing the suite runs once per
 * covering mutant, so mutate/vitest.core.config.mjs sets SHOOTDOWN_PROPERTY_RUNS_SCALE (a fraction) and
 * the property runs that share of its cases, at least `least`. With the same seed the shorter run is a
 * prefix of the full one, so it checks the same first cases.
 */
export function propertyRuns(full: number, least: number): number {
  const scale = runsScale();
  if (scale === 1) return full;
  return Math.min(full, Math.max(least, Math.ceil(full * scale)));
}

/** Whether the suite runs under mutation testing (a runs scale below 1 is set). */
export function underMutationTesting(): boolean {
  return runsScale() !== 1;
}

function runsScale(): number {
  const scale = Number(process.env['SHOOTDOWN_PROPERTY_RUNS_SCALE'] ?? '1');
  return scale > 0 && scale < 1 ? scale : 1;
}

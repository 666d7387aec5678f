/**
 * fast-check runs for a property: `full` normally. Under mutation testing the suite runs once per
 * covering mutant, so mutate/vitest.core.config.mjs sets SHOOTDOWN_PROPERTY_RUNS_SCALE (a fraction) and
 * the property runs that share of its cases, at least `least`. With the same seed the shorter run is a
 * prefix of the full one, so it checks the same first cases.
 */
export function propertyRuns(full: number, least: number): number {
  const scale = Number(process.env['SHOOTDOWN_PROPERTY_RUNS_SCALE'] ?? '1');
  if (!(scale > 0 && scale < 1)) return full;
  return Math.min(full, Math.max(least, Math.ceil(full * scale)));
}

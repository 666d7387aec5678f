// The documented maxima of a scenario (schemas/scenario.schema.json names them where a value is written),
// checked before anything is expanded or built: a scenario is an experiment, not a workload generator,
// and a hostile or mistyped file must cost a message, not the machine.

/** Largest scenario file read: far above any real scenario (the largest in the catalogue is a few KiB). */
export const MAX_SCENARIO_BYTES = 16 * 1024 * 1024;

/** Steps after every `repeat` is expanded (the schema's `steps` description says so too). */
export const MAX_EXPANDED_STEPS = 1_000_000;

/** Nodes YAML aliases may copy in, in total: anchors are for sharing a block, not for multiplying it. */
export const MAX_ALIAS_EXPANSION = 10_000;

/** Nesting of maps and lists: a scenario needs about a dozen (repeat in interleave in repeat …). */
export const MAX_NESTING = 64;

/** Errors collected per file: enough to fix it; more would only cost time and memory. */
export const MAX_ERRORS = 1_000;

export function sizeLimitMessage(bytes: number): string {
  const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `the file is ${mib(bytes)}; a scenario may be at most ${mib(MAX_SCENARIO_BYTES)}`;
}

// Validation of results, comparisons and `--trace` files against their schemas, for tests and for tools that read JSON
// written by another version.
import { schemaProblems } from '../scenario/ajv-messages.js';
import {
  COMPARISON_SCHEMA_ID,
  EXPLORE_SHARD_SCHEMA_ID,
  RESULT_SCHEMA_ID,
  SHARD_RESULTS_SCHEMA_ID,
  TRACE_SCHEMA_ID,
  validatorFor,
} from '../scenario/schema-registry.js';

/** Problems as `pointer: message` lines; empty when the value is valid. */
function check(id: string, value: unknown): string[] {
  const v = validatorFor(id);
  if (v(value)) return [];
  return schemaProblems(v.errors ?? []).map((p) => `${p.pointer === '' ? '/' : p.pointer}: ${p.message}`);
}

export function validateResult(value: unknown): string[] {
  return check(RESULT_SCHEMA_ID, value);
}

export function validateComparison(value: unknown): string[] {
  return check(COMPARISON_SCHEMA_ID, value);
}

/** A `--trace` file's document (schemas/trace.schema.json). */
export function validateTrace(value: unknown): string[] {
  return check(TRACE_SCHEMA_ID, value);
}

/** A `compare --shard` results file (schemas/shard-results.schema.json). */
export function validateShardResults(value: unknown): string[] {
  return check(SHARD_RESULTS_SCHEMA_ID, value);
}

/** An `explore --shard` results file (schemas/explore-shard-results.schema.json). */
export function validateExploreShardResults(value: unknown): string[] {
  return check(EXPLORE_SHARD_SCHEMA_ID, value);
}

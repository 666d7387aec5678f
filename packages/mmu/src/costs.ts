// The cost model: weights per counted event, in units of one x86 INVLPG (spec linux.md §7.2).
import { readFileSync } from 'node:fs';
import { assertSupportedSchema, checkSchema, type JsonSchema } from './schema-check.js';
import type { Validation } from './params.js';

export type CostModelInput = Record<string, number>;
export type CostModel = Readonly<Record<string, number>>;

let costSchema: JsonSchema | undefined;
export function loadCostModelSchema(): JsonSchema {
  if (costSchema === undefined) {
    const url = new URL('../../../schemas/cost-model.schema.json', import.meta.url);
    costSchema = JSON.parse(readFileSync(url, 'utf8')) as JsonSchema;
    assertSupportedSchema(costSchema);
  }
  return costSchema;
}

export function validateCostModel(input: unknown): Validation<CostModel> {
  const { value, errors } = checkSchema(loadCostModelSchema(), input ?? {});
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: Object.freeze(value as Record<string, number>) };
}

/** The defaults of schemas/cost-model.schema.json (spec linux.md §7.2 plus marked assumptions). */
export const defaultCostModel: CostModel = (() => {
  const r = validateCostModel({});
  if (!r.ok) throw new Error('cost-model schema defaults are invalid');
  return r.value;
})();

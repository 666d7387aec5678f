// The schema pass over a whole scenario, in work linear in its steps. Ajv validating one document with
// 50,000 bad steps gathers every error of every step into one list and took minutes; validating the frame
// (everything but steps 1…n) and then each step on its own gives the same errors, each step's under its
// own pointer, and stops once MAX_ERRORS are found.
import { schemaProblems, type SchemaProblem } from './ajv-messages.js';
import { MAX_ERRORS } from './limits.js';
import { SCENARIO_SCHEMA_ID, validatorFor } from './schema-registry.js';

export function documentSchemaProblems(instance: Readonly<Record<string, unknown>>): SchemaProblem[] {
  const whole = validatorFor(SCENARIO_SCHEMA_ID);
  const steps = instance['steps'];
  if (!Array.isArray(steps) || steps.length <= 1) {
    return whole(instance) ? [] : schemaProblems((whole.errors ?? []).slice(0, MAX_ERRORS));
  }
  const out: SchemaProblem[] = [];
  // the frame with its first step: `steps` keeps its own constraints (minItems) and step 0 its context
  if (!whole({ ...instance, steps: [steps[0]] })) {
    for (const p of schemaProblems((whole.errors ?? []).slice(0, MAX_ERRORS))) out.push(p);
  }
  const step = validatorFor(`${SCENARIO_SCHEMA_ID}#/$defs/step`);
  for (let i = 1; i < steps.length && out.length < MAX_ERRORS; i++) {
    if (!step(steps[i])) for (const p of schemaProblems(step.errors ?? [], `/steps/${i}`)) out.push(p);
  }
  return out;
}

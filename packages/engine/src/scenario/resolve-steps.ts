// Walks the step lists in program order: substitutes `$name`s, expands `repeat`s iteration by iteration
// (ids suffixed `#<i>`, see ids.ts), validates each iteration's body (and policy ops against their
// plug-in's fragment), and hands each step to the op family that resolves it.
import { schemaProblems } from './ajv-messages.js';
import { COMMON_KEYS, resolveBase, type Vocabulary } from './common.js';
import { MAX_EXPANDED_STEPS } from './limits.js';
import type { Ctx } from './context.js';
import { substitute, type Scope } from './params.js';
import { resolveCheck } from './resolve-check.js';
import { resolveHwStep } from './resolve-hw.js';
import { resolveOsStep } from './resolve-os.js';
import { fragmentValidator, validatorFor, SCENARIO_SCHEMA_ID, type JsonSchema } from './schema-registry.js';
import { didYouMean } from './suggest.js';
import type { InterleavePhase, JsonValue, ParamValue, PolicyOpStep, RepeatStep, Step } from './types.js';
import { HW_ONLY_OPS, INTERLEAVABLE, neutralOps, SHARED_OPS } from './vocabulary.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export interface WalkOptions {
  readonly opSchemas: Readonly<Record<string, JsonSchema>>;
  readonly probes: readonly string[] | undefined;
  readonly vocab: Vocabulary;
  /** A hw: block is present: the scenario is hardware-level. */
  readonly hw: boolean;
}

const isRepeatBody = (key: string, parent: Obj): boolean => key === 'steps' && parent['op'] === 'repeat';

/** Ids a step defines, registered even when the step is otherwise invalid, so later steps do not cascade. */
function defineOnly(ctx: Ctx, o: Obj, pointer: string, suffix: string): void {
  if (typeof o['id'] !== 'string') return;
  const space =
    o['op'] === 'process' || o['op'] === 'fork'
      ? 'process'
      : o['op'] === 'key-alloc'
        ? 'key'
        : o['op'] === 'table-alloc'
          ? 'table'
          : 'region';
  const id = ctx.define(space, o['id'], suffix, `${pointer}/id`);
  if (space === 'region') ctx.ids.defineRegion(id, 'policy', pointer, null);
}

export class StepWalker {
  /** Where the scenario's `late-init` is, once one was read. */
  private lateInit: string | null = null;

  constructor(
    private readonly ctx: Ctx,
    private readonly opts: WalkOptions,
  ) {}

  /** Resolves a list of raw (unsubstituted) steps. `pathPrefix` is `''` at top level, else `<path>.`. */
  list(raw: unknown, pointer: string, pathPrefix: string, scope: Scope, suffix: string): Step[] {
    const out: Step[] = [];
    if (!Array.isArray(raw)) return out;
    raw.forEach((item, i) => {
      const s = this.step(item, `${pointer}/${i}`, `${pathPrefix}${i}`, scope, suffix);
      if (s !== null) out.push(s);
    });
    return out;
  }

  step(raw: unknown, pointer: string, path: string, scope: Scope, suffix: string): Step | null {
    const ctx = this.ctx;
    if (++ctx.expanded > MAX_EXPANDED_STEPS) {
      if (ctx.expanded === MAX_EXPANDED_STEPS + 1) {
        ctx.error(pointer, `the scenario expands to more than ${MAX_EXPANDED_STEPS} steps`);
      }
      return null;
    }
    // undefined params were reported when the whole document was instantiated for the schema
    const o = obj(substitute(raw, scope, pointer, [], isRepeatBody));
    const op = o['op'];
    if (typeof op !== 'string' || ctx.schemaFailed(`${pointer}/op`)) {
      defineOnly(ctx, o, pointer, suffix);
      return null;
    }
    const neutral = neutralOps();
    if (!neutral.includes(op) && !op.includes('.')) {
      ctx.error(
        `${pointer}/op`,
        `unknown op "${op}"${didYouMean(op, [...neutral, ...Object.keys(this.opts.opSchemas)])}`,
      );
      defineOnly(ctx, o, pointer, suffix);
      return null;
    }
    if (op.includes('.')) return this.policyOp(o, pointer, path, suffix);
    if (this.opts.hw && !HW_ONLY_OPS.includes(op) && !SHARED_OPS.includes(op)) {
      ctx.error(
        `${pointer}/op`,
        `op ${op} is OS-level; a scenario with a hw: block uses hardware-level ops only`,
      );
      return null;
    }
    if (!this.opts.hw && HW_ONLY_OPS.includes(op)) {
      ctx.error(`${pointer}/op`, `op ${op} is hardware-level and needs a hw: block`);
      return null;
    }
    const base = resolveBase(ctx, o, pointer, path, this.opts.vocab);
    switch (op) {
      case 'repeat':
        return this.repeat(raw, o, pointer, path, scope, suffix, base);
      case 'interleave': {
        const operation = this.step(o['operation'], `${pointer}/operation`, `${path}.op`, scope, suffix);
        const opName = obj(o['operation'])['op'];
        if (operation !== null && !INTERLEAVABLE.includes(String(opName)) && !String(opName).includes('.')) {
          ctx.error(
            `${pointer}/operation/op`,
            `op ${String(opName)} has no phases to interleave at; use one of ${INTERLEAVABLE.join(', ')}`,
          );
        }
        const steps = this.list(o['steps'], `${pointer}/steps`, `${path}.`, scope, suffix);
        if (operation === null) return null;
        return { ...base, op, operation, phase: o['phase'] as InterleavePhase, steps };
      }
      case 'check':
        return resolveCheck(ctx, o, pointer, base, this.opts.probes);
      case 'late-init':
        // Boot has one late init, and it is not something a loop or an interleaved operation can reach.
        if (path.includes('.')) ctx.error(`${pointer}/op`, 'late-init runs only at the top level of steps');
        else if (this.lateInit !== null)
          ctx.error(
            `${pointer}/op`,
            `the kernel reaches late init once; the first late-init is ${this.lateInit}`,
          );
        else this.lateInit = pointer;
        return resolveOsStep(ctx, o, pointer, base, suffix, this.opts.hw);
      default:
        return (
          resolveHwStep(ctx, o, pointer, base, suffix) ??
          resolveOsStep(ctx, o, pointer, base, suffix, this.opts.hw)
        );
    }
  }

  private repeat(
    raw: unknown,
    o: Obj,
    pointer: string,
    path: string,
    scope: Scope,
    suffix: string,
    base: ReturnType<typeof resolveBase>,
  ): RepeatStep {
    const ctx = this.ctx;
    const body = obj(raw)['steps'];
    const bodyLen = Array.isArray(body) ? body.length : 0;
    // refuse before expanding: a typo in `times:` (or 10^9 on purpose) costs a message, not the memory of a
    // billion iterations, so the count is checked before a single binding exists
    const times = o['times'];
    const loop = Object.entries(obj(o['for']))[0];
    const count =
      typeof times === 'number' && Number.isFinite(times)
        ? Math.max(0, Math.floor(times))
        : Array.isArray(loop?.[1])
          ? loop[1].length
          : 0;
    if (ctx.expanded + count * bodyLen > MAX_EXPANDED_STEPS) {
      ctx.error(pointer, `the scenario expands to more than ${MAX_EXPANDED_STEPS} steps`);
      ctx.expanded = MAX_EXPANDED_STEPS + 1;
      return { ...base, op: 'repeat', bindings: [], iterations: [] };
    }
    const bindings: Record<string, JsonValue>[] = [];
    if ((times === undefined) === (o['for'] === undefined)) {
      ctx.error(pointer, 'repeat needs exactly one of times or for');
    } else if (typeof times === 'number') {
      for (let i = 0; i < count; i++) bindings.push({});
    } else {
      const [name, values] = loop ?? ['', []];
      if (!Array.isArray(values))
        ctx.error(`${pointer}/for/${name}`, `the values of loop variable "${name}" must be a list`);
      else for (const v of values as JsonValue[]) bindings.push({ [name]: v });
    }
    const stepSchema = validatorFor(`${SCENARIO_SCHEMA_ID}#/$defs/step`);
    const iterations = bindings.map((b, i) => {
      const inner = new Map<string, ParamValue>(scope);
      for (const [k, v] of Object.entries(b)) inner.set(k, v);
      // iteration 0 was validated with the whole document; later ones may bind other values
      if (i > 0 && Object.keys(b).length > 0 && Array.isArray(body)) {
        body.forEach((s, j) => {
          const p = `${pointer}/steps/${j}`;
          const inst = substitute(s, inner, p, [], isRepeatBody);
          if (!stepSchema(inst)) {
            for (const e of schemaProblems(stepSchema.errors ?? [], p)) {
              const loop = `${Object.keys(b)[0]} = ${JSON.stringify(Object.values(b)[0])}`;
              ctx.error(e.pointer, `${e.message} (with ${loop})`, e.atKey);
              ctx.invalid.push(e.pointer);
            }
          }
        });
      }
      return this.list(body, `${pointer}/steps`, `${path}#${i}.`, inner, `${suffix}#${i}`);
    });
    return { ...base, op: 'repeat', bindings, iterations };
  }

  private policyOp(o: Obj, pointer: string, path: string, suffix: string): PolicyOpStep | null {
    const ctx = this.ctx;
    const op = o['op'] as `${string}.${string}`;
    const schema = this.opts.opSchemas[op];
    if (schema === undefined) {
      const known = Object.keys(this.opts.opSchemas);
      const hint = didYouMean(op, known);
      ctx.error(
        `${pointer}/op`,
        `unknown op "${op}"${hint === '' ? ': no loaded plug-in registers it' : hint}`,
      );
      defineOnly(ctx, o, pointer, suffix);
      return null;
    }
    const args: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(o)) if (!COMMON_KEYS.includes(k)) args[k] = v as JsonValue;
    let validate: ReturnType<typeof fragmentValidator>;
    try {
      validate = fragmentValidator(schema);
    } catch (e) {
      // a plug-in's broken fragment is the plug-in's bug, but it surfaces here: say whose, not a stack
      ctx.error(
        `${pointer}/op`,
        `the schema the plug-in registers for op "${op}" does not compile: ${(e as Error).message}`,
      );
      return null;
    }
    if (!validate(args)) {
      for (const e of schemaProblems(validate.errors ?? [], pointer))
        ctx.error(e.pointer, e.message, e.atKey);
      defineOnly(ctx, o, pointer, suffix);
      return null;
    }
    const base = resolveBase(ctx, o, pointer, path, this.opts.vocab);
    let id: string | null = null;
    if (typeof args['id'] === 'string') {
      id = ctx.define('region', args['id'], suffix, `${pointer}/id`);
      ctx.ids.defineRegion(id, 'policy', path, null);
    }
    if (typeof args['region'] === 'string') args['region'] = ctx.region(args['region'], `${pointer}/region`);
    return { ...base, op, id, args };
  }
}

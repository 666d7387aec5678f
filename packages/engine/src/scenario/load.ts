// Loading a scenario: YAML or JSON text → a fully resolved `Scenario`, or every error at once with file,
// line, column and JSON pointer (DESIGN §4: "nothing is run"). Three passes, each reporting all it finds:
// syntax (yaml), shape (the JSON Schema, on the document with params substituted), meaning (ids, CPUs,
// keys, ranges, hw names — resolve-*.ts).
import { readFile, stat } from 'node:fs/promises';
import { Ctx } from './context.js';
import { documentProblems } from './document-guards.js';
import { sortScenarioErrors, type ScenarioError } from './errors.js';
import {
  MAX_ALIAS_EXPANSION,
  MAX_ERRORS,
  MAX_EXPANDED_STEPS,
  MAX_SCENARIO_BYTES,
  sizeLimitMessage,
} from './limits.js';
import { machineProblems } from './machine-check.js';
import { applyOverrides, type Overrides } from './overrides.js';
import { paramRef, substitute, type Scope, type SubstitutionProblem } from './params.js';
import { PointerSet } from './pointer-set.js';
import { SourceMap } from './positions.js';
import { documentSchemaProblems } from './schema-pass.js';
import { expandedStepCount } from './step-count.js';
import { resolveHwBlock } from './resolve-hw.js';
import { StepWalker } from './resolve-steps.js';
import { isLitmusPath, loadLitmusText } from '../import/herd/load-litmus.js';
import { yaml } from './yaml-lib.js';
import { MACHINE_SCHEMA_ID, schemaJson, type JsonSchema } from './schema-registry.js';
import type { JsonValue, MachineBlock, ParamValue, Scenario, TlbModel } from './types.js';
import { COUNTERS, INVARIANTS, keyCount } from './vocabulary.js';

export interface LoadOptions {
  /** `--set` overrides: already parsed values (as the CLI passes them) or raw `name=value` strings. */
  readonly set?: Overrides;
  /** Schema fragments of policy-contributed ops, keyed by op name (`linux.mermap-get`), from the registry. */
  readonly opSchemas?: Readonly<Record<string, JsonSchema>>;
  /** Names of the policy probes `check` may ask (`linux.vmap-lazy`); unchecked when absent. */
  readonly probes?: readonly string[];
  /** Counter names beyond DESIGN §2's (a registry's full list); policy-prefixed names are always accepted. */
  readonly counters?: readonly string[];
  /** Invariant ids (the registry's list); DESIGN §3's when absent. */
  readonly invariants?: readonly string[];
  /**
   * Checks a selection an `expect: { per-selection }` names against the loaded plug-ins (an error message
   * such as "unknown policy 'linx-x86'", or null). Only the syntax is checked when absent.
   */
  readonly selection?: (text: string) => string | null;
}

export type LoadResult =
  | { readonly ok: true; readonly scenario: Scenario }
  | { readonly ok: false; readonly errors: readonly ScenarioError[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** First line of a yaml error, without the position it repeats (we give line:column ourselves). */
function yamlMessage(m: string): string {
  // yaml's parser recurses per nesting level and reports its own stack overflow as a syntax error
  if (m.startsWith('Maximum call stack size exceeded')) return 'nesting too deep for the YAML parser';
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The document as the schema sees it: `$name`s replaced; a `repeat` body with its first iteration's loop
 * values (later iterations are validated by the step walker).
 */
function instantiate(v: unknown, scope: Scope, pointer: string, problems: SubstitutionProblem[]): unknown {
  if (Array.isArray(v)) return v.map((x, i) => instantiate(x, scope, `${pointer}/${i}`, problems));
  if (!isObj(v)) return substitute(v, scope, pointer, problems);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (k === 'steps' && v['op'] === 'repeat' && Array.isArray(x)) {
      const inner = new Map(scope);
      const loop = substitute(v['for'], scope, `${pointer}/for`, []);
      if (isObj(loop)) {
        for (const [name, values] of Object.entries(loop)) {
          if (Array.isArray(values) && values.length > 0) inner.set(name, values[0] as ParamValue);
          else inner.set(name, `$${name}`); // zero iterations: leave the body's references alone
        }
      }
      out[k] = instantiate(x, inner, p, problems);
    } else {
      out[k] = instantiate(x, scope, p, problems);
    }
  }
  return out;
}

function machineBlock(raw: unknown): MachineBlock {
  const m = isObj(raw) ? raw : {};
  const props = (schemaJson(MACHINE_SCHEMA_ID)?.['properties'] ?? {}) as Record<
    string,
    { default?: unknown }
  >;
  const def = (k: string, fallback: JsonValue): JsonValue =>
    (props[k]?.default as JsonValue | undefined) ?? fallback;
  return {
    ...(m as Record<string, JsonValue>),
    arch: (m['arch'] as JsonValue | undefined) ?? def('arch', 'x86_64'),
    cpus: typeof m['cpus'] === 'number' ? m['cpus'] : (def('cpus', 4) as number),
    tlb: (typeof m['tlb'] === 'string' ? m['tlb'] : def('tlb', 'adversarial')) as TlbModel,
  };
}

export function loadScenarioText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const fail = (line: number, column: number, message: string): LoadResult => ({
    ok: false,
    errors: [{ file, line, column, pointer: '', message }],
  });
  if (text.length > MAX_SCENARIO_BYTES) return fail(1, 1, sizeLimitMessage(text.length));
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const map = new SourceMap(doc, lineCounter);
  const located = (offset: number, message: string): ScenarioError => {
    const p = map.positionOfOffset(offset);
    return { file, line: p.line, column: p.column, pointer: '', message };
  };
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => located(e.pos[0], yamlMessage(e.message)));
    return { ok: false, errors: sortScenarioErrors(errors) };
  }
  const guards = documentProblems(doc);
  if (guards.length > 0) {
    return { ok: false, errors: sortScenarioErrors(guards.map((g) => located(g.offset, g.message))) };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (e) {
    // documentProblems bounds what toJS does; should yaml still refuse, say so at the document, not as a bug
    return fail(1, 1, `cannot read the document: ${(e as Error).message}`);
  }
  if (!isObj(raw)) return fail(1, 1, 'a scenario is a mapping with name, steps, …');
  const errors: ScenarioError[] = [];
  const at = (pointer: string, message: string, atKey = false): void => {
    if (errors.length >= MAX_ERRORS) return; // see Ctx.error
    const p = map.position(pointer, atKey);
    errors.push({ file, line: p.line, column: p.column, pointer, message });
  };

  // params and overrides first: every later pass sees the values the run will use
  const defaults = isObj(raw['params']) ? raw['params'] : {};
  const params = applyOverrides(defaults, opts.set ?? {}, errors);
  const scope: Scope = new Map(Object.entries(params));

  const substProblems: SubstitutionProblem[] = [];
  const instance: Obj = {};
  for (const [k, v] of Object.entries(raw)) {
    instance[k] = k === 'params' ? v : instantiate(v, scope, `/${k}`, substProblems);
  }
  for (const p of substProblems) {
    const names = [...scope.keys()];
    const hint = names.length === 0 ? ' (the scenario declares no params)' : `; params: ${names.join(', ')}`;
    at(p.pointer, `undefined param "$${p.name}"${hint}`);
  }
  // a `$name` left in the params block itself would be a param referring to a param: not supported
  for (const [k, v] of Object.entries(defaults)) {
    if (paramRef(v) !== null) at(`/params/${k}`, `param "${k}" cannot refer to another param`);
  }

  const invalid = new PointerSet(substProblems.map((p) => p.pointer));
  const substituted = new Set(substProblems.map((p) => p.pointer));
  for (const p of documentSchemaProblems(instance)) {
    // an undefined `$name` already explains why the value has the wrong type
    if (substituted.has(p.pointer)) continue;
    at(p.pointer, p.message, p.atKey);
    invalid.push(p.pointer);
  }
  if (invalid.has('') || invalid.has('/steps') || invalid.atOrBelow('/machine') || invalid.has('/hw')) {
    // the frame of the scenario is wrong: checking steps against it would only add noise
    return { ok: false, errors: sortScenarioErrors(errors) };
  }

  const expanded = expandedStepCount(raw['steps'], scope);
  if (expanded > MAX_EXPANDED_STEPS) {
    // refused before the walker builds a single iteration (expandedStepCount saturates just above the limit)
    at('/steps', `the scenario expands to more than ${MAX_EXPANDED_STEPS} steps`);
    return { ok: false, errors: sortScenarioErrors(errors) };
  }

  const machine = machineBlock(instance['machine']);
  // what `run` will build must be buildable: the MMU's own checks, with the schema's, before anything runs
  const unbuildable = machineProblems(machine);
  for (const p of unbuildable) at(p.pointer, p.message);
  if (unbuildable.length > 0) return { ok: false, errors: sortScenarioErrors(errors) };
  const ctx = new Ctx(file, map, { cpus: machine.cpus, keys: keyCount(machine) }, invalid);
  const hwBlock = isObj(instance['hw'])
    ? resolveHwBlock(ctx, instance['hw'], machine['arch'] === 'arm64' ? 'arm64' : 'x86_64')
    : null;
  const walker = new StepWalker(ctx, {
    opSchemas: opts.opSchemas ?? {},
    probes: opts.probes,
    vocab: {
      counters: [...COUNTERS, ...(opts.counters ?? [])],
      invariants: opts.invariants ?? INVARIANTS,
      selection: opts.selection ?? (() => null),
    },
    hw: hwBlock !== null,
  });
  const steps = walker.list(raw['steps'], '/steps', '', scope, '');
  for (const e of ctx.errors) errors.push(e); // a spread of 300,000 errors would overflow the stack
  if (errors.length > 0) return { ok: false, errors: sortScenarioErrors(errors) };

  const regions: Scenario['regions'] = Object.fromEntries(
    [...ctx.ids.regions].map(([id, r]) => [id, { kind: r.kind, definedBy: r.definedBy, pages: r.pages }]),
  );
  const scenario: Scenario = {
    name: String(instance['name']),
    description: typeof instance['description'] === 'string' ? instance['description'] : '',
    source: typeof instance['source'] === 'string' ? instance['source'] : null,
    file,
    params,
    machine,
    hw: hwBlock,
    hardwareLevel: hwBlock !== null,
    steps,
    regions,
    processes: ctx.ids.processes,
    keys: ctx.ids.keys,
  };
  return { ok: true, scenario };
}

export async function loadScenarioFile(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  try {
    // refuse an oversized file before reading it: the size alone is the message
    const size = (await stat(path)).size;
    if (size > MAX_SCENARIO_BYTES) {
      return {
        ok: false,
        errors: [{ file: path, line: 0, column: 0, pointer: '', message: sizeLimitMessage(size) }],
      };
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'error';
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    return { ok: false, errors: [{ file: path, line: 0, column: 0, pointer: '', message: why }] };
  }
  // a herd7 litmus test is accepted wherever a scenario is (issue 17): its judged execution is the scenario
  if (isLitmusPath(path)) return loadLitmusText(text, path, opts);
  return loadScenarioText(text, path, opts);
}

// Evaluating a step's expectations (DESIGN §4 "Expectations"): recorded in the result, never thrown.
import type { ExpectationResult, Outcome } from '../result/types.js';
import type { Expectation, JsonValue } from '../scenario/types.js';

/** What a step produced, as far as expectations look at it. */
export interface Observed {
  readonly outcome: Outcome;
  readonly pages?: readonly Outcome[];
  readonly frame?: number;
  readonly key?: number;
  readonly value?: JsonValue;
  /** The si_code of the first fault signal the step raised. */
  readonly signal?: string;
}

/** Resolves the references an expectation may carry (key ids, frame selectors) at check time. */
export interface ExpectationRefs {
  key(ref: NonNullable<Expectation['key']>): number | undefined;
  frame(ref: NonNullable<Expectation['frameOf']>): number | undefined;
}

/** `fault` matches every `fault:*`; everything else matches itself. */
export function outcomeMatches(pattern: string, outcome: Outcome): boolean {
  return pattern === 'fault' ? outcome.startsWith('fault:') : pattern === outcome;
}

/** Why one outcome (with its frame/key/value) does not satisfy `e`, or null when it does. */
export function mismatch(
  e: Expectation,
  o: Observed,
  outcome: Outcome,
  refs: ExpectationRefs,
): string | null {
  if (e.anyOf.length > 0 && !e.anyOf.some((p) => outcomeMatches(p, outcome))) {
    return `got ${outcome}`;
  }
  if (e.errno !== undefined && outcome !== `error:${e.errno}`)
    return `got ${outcome}, expected errno ${e.errno}`;
  if (e.key !== undefined) {
    const want = refs.key(e.key);
    if (want === undefined) return `key ${keyText(e.key)} is not defined`;
    if (o.key !== want) return `key ${o.key ?? 'none'}, expected ${want}`;
  }
  if (e.frameOf !== undefined) {
    const want = refs.frame(e.frameOf);
    if (want === undefined || want < 0)
      return `frame-of ${e.frameOf.region} page ${e.frameOf.page} has no frame`;
    if (o.frame !== want) return `reached frame ${o.frame ?? 'none'}, expected ${want}`;
  }
  if (e.signal !== undefined && o.signal !== e.signal) {
    return `signal ${o.signal ?? 'none'}, expected ${e.signal}`;
  }
  if (e.value !== undefined && !jsonMatches(e.value, o.value ?? null)) {
    return `value ${stableJson(o.value ?? null)}, expected ${stableJson(e.value)}`;
  }
  return null;
}

/** What `evaluate` reads of a step: its expectations of every kind. */
export interface StepExpectations {
  readonly expect?: Expectation;
  readonly expectPages?: readonly Expectation[];
  readonly violation?: readonly string[];
  readonly counters?: Readonly<Record<string, number>>;
}

/**
 * A step with no expectation of any kind: `evaluate` would answer undefined (most steps; the runner then
 * builds none of its inputs). Asked of the step as written, before its `expect` is resolved.
 */
export function expectsNothing(e: { readonly [K in keyof StepExpectations]?: unknown }): boolean {
  return (
    e.expect === undefined &&
    e.expectPages === undefined &&
    e.violation === undefined &&
    e.counters === undefined
  );
}

/**
 * Check `expect` (every page of a multi-page access must satisfy it), `expect-pages`, `violation` and
 * `counters`. Returns undefined when the step carried no expectation.
 */
export function evaluate(
  step: StepExpectations,
  observed: Observed,
  violations: readonly string[],
  counters: Readonly<Record<string, number>>,
  refs: ExpectationRefs,
): ExpectationResult | undefined {
  const texts: string[] = [];
  const problems: string[] = [];
  if (step.expect !== undefined) {
    texts.push(step.expect.text);
    const pages = observed.pages ?? [observed.outcome];
    for (let i = 0; i < pages.length; i++) {
      const why = mismatch(step.expect, observed, pages[i], refs);
      if (why !== null) {
        problems.push(pages.length > 1 ? `page ${i}: ${why}` : why);
        break;
      }
    }
  }
  if (step.expectPages !== undefined) {
    texts.push(`pages: [${step.expectPages.map((e) => e.text).join(', ')}]`);
    const pages = observed.pages ?? [observed.outcome];
    if (pages.length !== step.expectPages.length) {
      problems.push(`${pages.length} page outcomes, expected ${step.expectPages.length}`);
    } else {
      for (let i = 0; i < pages.length; i++) {
        const why = mismatch(step.expectPages[i], observed, pages[i], refs);
        if (why !== null) problems.push(`page ${i}: ${why}`);
      }
    }
  }
  if (step.violation !== undefined) {
    texts.push(`violation: ${step.violation.join(', ')}`);
    const missing = step.violation.filter((id) => !violations.includes(id));
    if (missing.length > 0) problems.push(`no ${missing.join(', ')} violation reported`);
  }
  if (step.counters !== undefined) {
    const names = Object.keys(step.counters).sort();
    texts.push(`counters: {${names.map((n) => `${n}: ${step.counters![n]}`).join(', ')}}`);
    for (const n of names) {
      const got = counters[n] ?? 0;
      if (got !== step.counters[n]) problems.push(`${n} moved by ${got}, expected ${step.counters[n]}`);
    }
  }
  if (texts.length === 0) return undefined;
  const expected = texts.join('; ');
  return problems.length === 0
    ? { expected, held: true }
    : { expected, held: false, detail: problems.join('; ') };
}

function keyText(k: NonNullable<Expectation['key']>): string {
  return k.kind === 'id' ? k.id : String(k.index);
}

/** JSON with object keys sorted: the comparison and the printed form never depend on key order. */
export function stableJson(v: JsonValue | undefined): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
    .join(',')}}`;
}

/**
 * Does `actual` satisfy `expected`? Objects match when every property the expectation names matches
 * (a check written `{ present: false }` does not have to spell out the rest of the entry); arrays and
 * scalars match exactly.
 */
export function jsonMatches(expected: JsonValue, actual: JsonValue): boolean {
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => stableJson(e) === stableJson(actual[i]))
    );
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  return Object.keys(expected).every((k) => Object.hasOwn(actual, k) && jsonMatches(expected[k], actual[k]));
}

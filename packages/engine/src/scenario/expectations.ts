// The forms `expect` takes on a step (DESIGN §4 "Expectations"): an outcome, a list meaning "any of", or
// an object { outcome, key, frame-of, errno, value }. All become one `Expectation`.
import type { ExpectedOutcome, Expectation, FrameOf, JsonValue, KeyRef } from './types.js';

/** The expectation as a reader wrote it, in YAML flow style (for reports). */
export function expectationText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(expectationText).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const parts = Object.entries(v).map(([k, x]) => `${k}: ${expectationText(x)}`);
    return `{ ${parts.join(', ')} }`;
  }
  return JSON.stringify(v);
}

export function outcomeList(v: unknown): ExpectedOutcome[] {
  if (typeof v === 'string') return [v as ExpectedOutcome];
  if (Array.isArray(v)) return v.filter((x): x is ExpectedOutcome => typeof x === 'string');
  return [];
}

export interface ExpectationRefs {
  key(v: unknown, pointer: string): KeyRef | undefined;
  frameOf(region: unknown, page: unknown, pointer: string): FrameOf | undefined;
}

/** Normalises a step's `expect` (already schema-valid). */
export function normaliseExpectation(v: unknown, pointer: string, refs: ExpectationRefs): Expectation {
  const text = expectationText(v);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { anyOf: outcomeList(v), text };
  const o = v as Record<string, unknown>;
  const key = o['key'] === undefined ? undefined : refs.key(o['key'], `${pointer}/key`);
  const frameOf =
    o['frame-of'] === undefined ? undefined : refs.frameOf(o['frame-of'], o['page'], `${pointer}/frame-of`);
  return {
    anyOf: outcomeList(o['outcome']),
    text,
    ...(key === undefined ? {} : { key }),
    ...(frameOf === undefined ? {} : { frameOf }),
    ...(typeof o['errno'] === 'string' ? { errno: o['errno'] } : {}),
    ...('value' in o ? { value: o['value'] as JsonValue } : {}),
  };
}

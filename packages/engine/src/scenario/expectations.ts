// The forms `expect` takes on a step (DESIGN §4 "Expectations"): an outcome, a list meaning "any of", an
// object { outcome, key, frame-of, errno, value, signal }, or { per-selection: { <selection>: <expect>, …,
// default: <expect> } }. All become one `Expectation`.
import { parseSelection } from '@shootdown/core';
import type {
  ExpectedOutcome,
  Expectation,
  FrameOf,
  JsonValue,
  KeyRef,
  SelectionExpectation,
  SignalCode,
} from './types.js';

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
  /** Is `text` a selection the loaded plug-ins know? An error message when not (records nothing). */
  selection(text: string): string | null;
  /** Records a load error at `pointer` (at the key rather than its value with `atKey`). */
  error(pointer: string, message: string, atKey?: boolean): void;
}

/** The key of a `per-selection` map that applies to every selection no other key names. */
export const DEFAULT_SELECTION = 'default';

/** Normalises a step's `expect` (already schema-valid). */
export function normaliseExpectation(v: unknown, pointer: string, refs: ExpectationRefs): Expectation {
  const text = expectationText(v);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { anyOf: outcomeList(v), text };
  const o = v as Record<string, unknown>;
  if (o['per-selection'] !== undefined) return perSelection(o['per-selection'], pointer, refs, text);
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
    ...(typeof o['signal'] === 'string' ? { signal: o['signal'] as SignalCode } : {}),
  };
}

/**
 * `{ per-selection: { "linux-x86:vfree=arch-vunmap-v2": ok-stale, linux-x86: fault, default: … } }`: each
 * key is a selection pattern — a policy, or a policy with the variants it pins — checked against the
 * loaded plug-ins; a run takes the most specific pattern its selection matches (more pinned variants
 * first), else `default`, else no expectation.
 */
function perSelection(v: unknown, pointer: string, refs: ExpectationRefs, text: string): Expectation {
  const base = `${pointer}/per-selection`;
  const entries: SelectionExpectation[] = [];
  let fallback: Expectation | null = null;
  const map = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  for (const [pattern, e] of Object.entries(map)) {
    const at = `${base}/${pattern.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (typeof e === 'object' && e !== null && !Array.isArray(e) && 'per-selection' in e) {
      refs.error(at, 'per-selection entries cannot nest another per-selection');
      continue;
    }
    const expect = normaliseExpectation(e, at, refs);
    if (pattern === DEFAULT_SELECTION) {
      fallback = expect;
      continue;
    }
    let parsed;
    try {
      parsed = parseSelection(pattern);
    } catch (err) {
      refs.error(at, `per-selection: ${err instanceof Error ? err.message : String(err)}`, true);
      continue;
    }
    const why = refs.selection(pattern);
    if (why !== null) {
      refs.error(at, `per-selection: ${why}`, true);
      continue;
    }
    const policy = parsed.arch === undefined ? parsed.policy : `${parsed.policy}:${parsed.arch}`;
    const variants = Object.fromEntries(parsed.choices.map((c) => [c.mechanism, c.variant]));
    entries.push({ selection: pattern, policy, variants, expect });
  }
  // Stable sort: more pinned variants first, written order among equals.
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Object.keys(b.e.variants).length - Object.keys(a.e.variants).length || a.i - b.i)
    .map((x) => x.e);
  return { anyOf: [], text, perSelection: { entries: sorted, fallback } };
}

/** The expectation that applies to a run under `selection` (policy and every variant in effect). */
export function expectationFor(
  e: Expectation,
  selection: { readonly policy: string; readonly variants: Readonly<Record<string, string>> },
): Expectation | undefined {
  const per = e.perSelection;
  if (per === undefined) return e;
  const hit = per.entries.find(
    (x) =>
      x.policy === selection.policy &&
      Object.entries(x.variants).every(([m, v]) => selection.variants[m] === v),
  );
  const chosen = hit?.expect ?? per.fallback ?? undefined;
  if (chosen === undefined) return undefined;
  return { ...chosen, text: `${chosen.text} (${hit?.selection ?? DEFAULT_SELECTION})` };
}

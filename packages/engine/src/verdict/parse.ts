// The verdict-file parser: `<scenario> <selection> <verdict>` per line, `#` comments, one `tlb <model>`
// line; errors at line:column in the same shape as scenario errors, all at once.
import type { ScenarioError } from '../scenario/errors.js';
import { didYouMean } from '../scenario/suggest.js';
import { INVARIANTS } from '../scenario/vocabulary.js';
import type { TlbModel } from '../scenario/types.js';
import type { RatioPin, Verdict, VerdictFile, VerdictKind } from './types.js';

const KINDS: readonly VerdictKind[] = ['holds', 'violates', 'expect-fails', 'unsupported', 'out-of-scope'];
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const SELECTION =
  /^[a-z0-9][a-z0-9-]*(:[a-z0-9][a-z0-9_-]*)?(:[a-z0-9_.-]+=[a-z0-9_.-]+(,[a-z0-9_.-]+=[a-z0-9_.-]+)*)?$/;

export type VerdictParseResult =
  | { readonly ok: true; readonly verdicts: VerdictFile }
  | { readonly ok: false; readonly errors: readonly ScenarioError[] };

interface Token {
  readonly text: string;
  readonly column: number;
}

function tokens(line: string): Token[] {
  const out: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push({ text: m[0], column: m.index + 1 });
  return out;
}

export interface VerdictParseOptions {
  /** Invariant ids `violates` may name (DESIGN §3's when absent). */
  readonly invariants?: readonly string[];
}

export function parseVerdicts(
  text: string,
  file: string,
  opts: VerdictParseOptions = {},
): VerdictParseResult {
  const known = opts.invariants ?? INVARIANTS;
  const errors: ScenarioError[] = [];
  const err = (line: number, column: number, message: string): void => {
    errors.push({ file, line, column, pointer: '', message });
  };
  const verdicts: Verdict[] = [];
  const ratios: RatioPin[] = [];
  const seen = new Map<string, number>();
  let tlb: TlbModel | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf('#');
    const toks = tokens(hash < 0 ? raw : raw.slice(0, hash));
    if (toks.length === 0) return;
    const t0 = toks[0];
    if (t0.text === 'tlb') {
      const model = toks[1];
      if (model === undefined || (model.text !== 'adversarial' && model.text !== 'precise')) {
        err(
          line,
          model?.column ?? t0.column,
          `expected tlb adversarial or tlb precise${model ? `, got "${model.text}"` : ''}`,
        );
      } else if (tlb !== null) {
        err(line, t0.column, 'the TLB model is given twice');
      } else if (verdicts.length > 0) {
        err(line, t0.column, 'the tlb line must come before the first verdict');
      } else {
        tlb = model.text;
      }
      if (toks.length > 2) err(line, toks[2].column, `unexpected "${toks[2].text}" after the TLB model`);
      return;
    }
    if (t0.text === 'ratio') {
      const pin = parseRatio(toks, line, err);
      if (pin !== null) ratios.push(pin);
      return;
    }
    if (toks.length < 3) {
      err(
        line,
        (toks[toks.length - 1]?.column ?? 1) + (toks[toks.length - 1]?.text.length ?? 0),
        'expected <scenario> <selection> <verdict>',
      );
      return;
    }
    const [sc, sel, v] = toks as [Token, Token, Token];
    let bad = false;
    if (!NAME.test(sc.text)) {
      err(line, sc.column, `"${sc.text}" is not a scenario name (kebab-case)`);
      bad = true;
    }
    if (!SELECTION.test(sel.text)) {
      err(line, sel.column, `"${sel.text}" is not a selection (policy[:mechanism=variant,…])`);
      bad = true;
    }
    if (!(KINDS as readonly string[]).includes(v.text)) {
      err(
        line,
        v.column,
        `unknown verdict "${v.text}"${didYouMean(v.text, KINDS) || `; expected one of ${KINDS.join(', ')}`}`,
      );
      return;
    }
    const kind = v.text as VerdictKind;
    let invariants: string[] = [];
    if (kind === 'violates') {
      const rest = toks.slice(3);
      if (rest.length === 0) {
        err(line, v.column + v.text.length, 'violates needs invariant ids (violates wx-alias[,…])');
        return;
      }
      // ids may be written `a,b` or `a, b`; columns are kept per id for messages
      let col = rest[0].column;
      const joined = raw.slice(col - 1, hash < 0 ? raw.length : hash).trimEnd();
      for (const part of joined.split(',')) {
        const id = part.trim();
        const at = col + (part.length - part.trimStart().length);
        if (id === '') err(line, at, 'empty invariant id');
        else if (!known.includes(id)) err(line, at, `unknown invariant "${id}"${didYouMean(id, known)}`);
        col += part.length + 1;
        if (id !== '') invariants.push(id);
      }
      if (invariants.some((x) => /\s/.test(x)))
        err(line, rest[0].column, 'invariant ids are separated by commas');
      invariants = [...new Set(invariants)].sort();
    } else if (toks.length > 3) {
      err(line, toks[3].column, `unexpected "${toks[3].text}" after verdict ${kind}`);
      return;
    }
    const key = `${sc.text} ${sel.text}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      err(line, sc.column, `${sc.text} ${sel.text} already has a verdict at line ${prev}`);
      return;
    }
    seen.set(key, line);
    if (!bad) verdicts.push({ scenario: sc.text, selection: sel.text, kind, invariants, line });
  });
  if (errors.length === 0 && verdicts.length === 0) {
    // an empty (or comment-only) file would make every run a mismatch: it is a mistake in the file
    err(1, 1, 'no verdicts: expected lines of <scenario> <selection> <verdict>');
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, verdicts: { file, tlb: tlb ?? 'adversarial', verdicts, ratios } };
}

const RATIO_FORM = 'ratio <scenario> <selection> / <baseline> latency|work <value> ± <tolerance>';

/** `ratio populate-unmapped linux-x86:unmapped-alloc=gfp-unmapped / linux-x86 latency 0.30 ± 0.05`. */
function parseRatio(
  toks: readonly Token[],
  line: number,
  err: (line: number, column: number, message: string) => void,
): RatioPin | null {
  const at = (i: number): number =>
    toks[i]?.column ?? toks[toks.length - 1].column + toks[toks.length - 1].text.length;
  if (toks.length !== 9) {
    err(line, at(Math.min(toks.length, 9)), `expected ${RATIO_FORM}`);
    return null;
  }
  const [, sc, sel, slash, base, clock, value, pm, tol] = toks as Token[] as [
    Token,
    Token,
    Token,
    Token,
    Token,
    Token,
    Token,
    Token,
    Token,
  ];
  let ok = true;
  const fail = (t: Token, message: string): void => {
    err(line, t.column, message);
    ok = false;
  };
  if (!NAME.test(sc.text)) fail(sc, `"${sc.text}" is not a scenario name (kebab-case)`);
  if (!SELECTION.test(sel.text)) fail(sel, `"${sel.text}" is not a selection (policy[:mechanism=variant,…])`);
  if (slash.text !== '/')
    fail(slash, `expected "/" between the selection and its baseline, got "${slash.text}"`);
  if (!SELECTION.test(base.text))
    fail(base, `"${base.text}" is not a selection (policy[:mechanism=variant,…])`);
  if (clock.text !== 'latency' && clock.text !== 'work')
    fail(clock, `expected the clock latency or work, got "${clock.text}"`);
  const num = /^\d+(\.\d+)?$/;
  if (!num.test(value.text)) fail(value, `expected a non-negative decimal ratio, got "${value.text}"`);
  if (pm.text !== '±' && pm.text !== '+-')
    fail(pm, `expected ± (or +-) before the tolerance, got "${pm.text}"`);
  if (!num.test(tol.text)) fail(tol, `expected a non-negative decimal tolerance, got "${tol.text}"`);
  if (!ok) return null;
  return {
    scenario: sc.text,
    selection: sel.text,
    baseline: base.text,
    clock: clock.text as 'latency' | 'work',
    value: Number(value.text),
    tolerance: Number(tol.text),
    line,
  };
}

export function verdictText(v: Pick<Verdict, 'kind' | 'invariants'>): string {
  return v.kind === 'violates' ? `violates ${v.invariants.join(',')}` : v.kind;
}

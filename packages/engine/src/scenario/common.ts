// What every step carries (cpu, expect, expect-pages, violation, counters), resolved once for all ops.
import type { Ctx } from './context.js';
import { expectationText, normaliseExpectation, outcomeList } from './expectations.js';
import { didYouMean } from './suggest.js';
import type { Expectation, StepBase } from './types.js';

/** Keys every step may carry besides its op's own arguments. */
export const COMMON_KEYS: readonly string[] = [
  'op',
  'cpu',
  'expect',
  'expect-pages',
  'violation',
  'counters',
  'comment',
];

export interface Vocabulary {
  readonly counters: readonly string[];
  readonly invariants: readonly string[];
  /** Checks a `per-selection` pattern against the loaded plug-ins (an error message, or null). */
  readonly selection: (text: string) => string | null;
}

export function resolveBase(
  ctx: Ctx,
  o: Record<string, unknown>,
  pointer: string,
  path: string,
  vocab: Vocabulary,
): StepBase {
  const base: {
    -readonly [K in keyof StepBase]: StepBase[K];
  } = {
    path,
    source: ctx.source(pointer),
    cpu: ctx.cpu(o['cpu'], `${pointer}/cpu`),
    // Every field present (undefined where the step has none): the steps of one op then share one hidden
    // class. Added only when given, each combination of them made a class of its own, and an op handler
    // or the runner optimised for some of them was deoptimised at the first step with another.
    expect: undefined,
    expectPages: undefined,
    violation: undefined,
    counters: undefined,
  };
  if (o['expect'] !== undefined && o['op'] !== 'check') {
    base.expect = normaliseExpectation(o['expect'], `${pointer}/expect`, {
      key: (v, p) => ctx.key(v, p),
      frameOf: (r, pg, p) => ctx.frameOf(r, pg, p),
      selection: vocab.selection,
      error: (p, m, atKey) => ctx.error(p, m, atKey),
    });
  }
  if (Array.isArray(o['expect-pages'])) {
    base.expectPages = o['expect-pages'].map((e): Expectation => ({
      anyOf: outcomeList(e),
      text: expectationText(e),
    }));
  }
  const v = o['violation'];
  if (v !== undefined) {
    const list = (Array.isArray(v) ? v : [v]).map(String);
    list.forEach((id, i) => {
      if (!vocab.invariants.includes(id)) {
        const p = Array.isArray(v) ? `${pointer}/violation/${i}` : `${pointer}/violation`;
        ctx.error(p, `unknown invariant "${id}"${didYouMean(id, vocab.invariants)}`);
      }
    });
    base.violation = list;
  }
  const c = o['counters'];
  if (typeof c === 'object' && c !== null) {
    const counters: Record<string, number> = {};
    for (const [name, n] of Object.entries(c as Record<string, unknown>)) {
      // a policy's own counters carry its prefix (`linux.vmap_purge`) and are not ours to judge
      if (!name.includes('.') && !vocab.counters.includes(name)) {
        ctx.error(
          `${pointer}/counters/${name}`,
          `unknown counter "${name}"${didYouMean(name, vocab.counters)}`,
          true,
        );
      }
      counters[name] = Number(n);
    }
    base.counters = counters;
  }
  return base;
}

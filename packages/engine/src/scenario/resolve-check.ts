// `check` steps (DESIGN §4): one read-only question with one expected value, and/or `expect:
// no-violations` for the run so far. Each query names what it needs; the loader checks it is there.
import type { Ctx } from './context.js';
import { expectationText } from './expectations.js';
import { didYouMean } from './suggest.js';
import type { CheckQuery, CheckStep, JsonValue, StepBase } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** What each built-in query asks about. */
const NEEDS: Record<string, 'address' | 'frame' | 'process' | 'optional-process'> = {
  entry: 'address',
  cached: 'address',
  within: 'address',
  'direct-map': 'frame',
  'pageblock-freetype': 'frame',
  process: 'process',
  keys: 'optional-process',
};

export function resolveCheck(
  ctx: Ctx,
  o: Obj,
  pointer: string,
  base: StepBase,
  probes: readonly string[] | undefined,
): CheckStep {
  const at = (k: string): string => `${pointer}/${k}`;
  const query = typeof o['query'] === 'string' ? o['query'] : null;
  const noViolations = query === null && o['expect'] === 'no-violations';
  const drain = o['drain'] === true;
  if (query === null && !noViolations && !drain) {
    ctx.error(pointer, 'check needs a query, expect: no-violations, or drain: true');
  }
  if (query !== null && o['expect'] === undefined)
    ctx.error(pointer, `check ${query} needs an expect (the value it must return)`);
  if (query !== null && query.includes('.') && probes !== undefined && !probes.includes(query)) {
    ctx.error(at('query'), `unknown probe "${query}"${didYouMean(query, probes)}`);
  }
  const step: { -readonly [K in keyof CheckStep]: CheckStep[K] } = {
    ...base,
    op: 'check',
    query: query as CheckQuery | null,
    args: {},
    drain,
    noViolations,
  };
  if (!noViolations && o['expect'] !== undefined) {
    step.expect = { anyOf: [], value: o['expect'] as JsonValue, text: expectationText(o['expect']) };
  }
  const need = query === null ? undefined : query.includes('.') ? 'probe' : NEEDS[query];
  const hasAddress = o['region'] !== undefined || o['target'] !== undefined || o['range'] !== undefined;
  if (o['region'] !== undefined && typeof o['region'] === 'string') {
    step.target =
      need === 'frame'
        ? ctx.frameOf(o['region'], o['page'], at('region'))
        : ctx.regionRange(o, pointer, 'check');
  } else if (o['region'] !== undefined) {
    step.target = ctx.frameSelector(obj(o['region']), at('region'));
  } else if (o['target'] !== undefined) {
    step.target = ctx.frameSelector(obj(o['target']), at('target'));
  } else if (o['range'] !== undefined) {
    step.target = ctx.addressRange(obj(o['range']), at('range'));
  }
  if (o['process'] !== undefined) step.process = ctx.ref('process', o['process'], at('process'));
  if (typeof o['window'] === 'string') step.window = o['window'];
  if (o['args'] !== undefined) step.args = obj(o['args']) as Record<string, JsonValue>;
  if ((need === 'address' || need === 'frame') && !hasAddress) {
    ctx.error(pointer, `check ${query} needs region, target or range`);
  }
  if (need === 'process' && o['process'] === undefined) ctx.error(pointer, 'check process needs a process');
  if (query === 'within' && step.window === undefined) ctx.error(pointer, 'check within needs a window');
  if (query === null && hasAddress)
    ctx.error(pointer, 'check without a query takes no region, target or range');
  return step;
}

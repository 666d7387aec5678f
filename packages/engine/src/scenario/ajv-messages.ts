// Turns Ajv's errors into one readable line each: "unknown property \"pags\" for op mmap; did you mean
// \"pages\"?" rather than "must NOT have additional properties". Ajv reports every branch of an `anyOf`; we
// keep the branch the value actually took (errors deeper inside it), or else say what was expected, using
// the `title` every alternative carries in our schemas.
import type { ErrorObject } from 'ajv';
import { joinPointer } from './pointer.js';
import { didYouMean } from './suggest.js';

export interface SchemaProblem {
  readonly pointer: string;
  /** Point at the key rather than the value (unknown or badly named properties). */
  readonly atKey: boolean;
  readonly message: string;
}

type Err = ErrorObject<string, Record<string, unknown>, unknown>;

function schemaNode(e: Err): Record<string, unknown> {
  const s = e.parentSchema;
  return typeof s === 'object' && s !== null ? s : {};
}

function titleOf(e: Err): string | undefined {
  const t = schemaNode(e)['title'];
  return typeof t === 'string' ? t : undefined;
}

/** The op names of the step's `op` choice (schema title "an op"), when this error is about it. */
function opChoice(e: Err): string[] | undefined {
  const node = schemaNode(e);
  if (node['title'] !== 'an op' || !Array.isArray(node['anyOf'])) return undefined;
  const ours = (node['anyOf'] as { enum?: unknown[] }[])[0]?.enum;
  return Array.isArray(ours) ? ours.map(String) : undefined;
}

/** A short rendering of a value for messages. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** "for op mmap" when the failing object is a step of a known op. */
function opSuffix(e: Err): string {
  const t = titleOf(e);
  const m = t === undefined ? null : /^the (\S+) op$/.exec(t);
  return m === null ? '' : ` for op ${m[1]}`;
}

function expected(e: Err, fallback: string): string {
  const t = titleOf(e);
  return `expected ${t ?? fallback}, got ${show(e.data)}`;
}

function one(e: Err): SchemaProblem | null {
  const p = e.params;
  switch (e.keyword) {
    case 'if':
      return null; // the `then` branch's own errors say what is wrong
    case 'additionalProperties': {
      const name = String(p['additionalProperty']);
      const props = schemaNode(e)['properties'];
      const allowed = typeof props === 'object' && props !== null ? Object.keys(props) : [];
      const hint = didYouMean(name, allowed);
      const list =
        hint === '' && allowed.length > 0
          ? `; expected one of: ${allowed.filter((k) => k !== 'op').join(', ')}`
          : hint;
      return {
        pointer: joinPointer(e.instancePath, name),
        atKey: true,
        message: `unknown property "${name}"${opSuffix(e)}${list}`,
      };
    }
    case 'required':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `missing required property "${String(p['missingProperty'])}"${opSuffix(e)}`,
      };
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map((v) => String(v));
      const got = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `expected one of ${allowed.join(', ')}; got ${show(e.data)}${got}`,
      };
    }
    case 'const':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `expected ${show(p['allowedValue'])}, got ${show(e.data)}`,
      };
    case 'type':
      return { pointer: e.instancePath, atKey: false, message: expected(e, String(p['type'])) };
    case 'pattern':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: expected(e, `a string matching ${String(p['pattern'])}`),
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `must be ${String(p['comparison'])} ${String(p['limit'])}, got ${show(e.data)}`,
      };
    case 'minItems':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `must have at least ${String(p['limit'])} item(s)`,
      };
    case 'maxItems':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `must have at most ${String(p['limit'])} item(s)`,
      };
    case 'minProperties':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `must have at least ${String(p['limit'])} entr(ies)`,
      };
    case 'maxProperties':
      return {
        pointer: e.instancePath,
        atKey: false,
        message: `must have at most ${String(p['limit'])} entr(ies)`,
      };
    case 'uniqueItems':
      return {
        pointer: joinPointer(e.instancePath, Number(p['i'])),
        atKey: false,
        message: `repeats item ${String(p['j'])} (${show((e.data as unknown[])[Number(p['i'])])})`,
      };
    case 'propertyNames':
      return {
        pointer: joinPointer(e.instancePath, String(p['propertyName'])),
        atKey: true,
        message: `invalid name "${String(p['propertyName'])}"`,
      };
    case 'anyOf':
    case 'oneOf': {
      // the step's `op` choice: neither one of ours nor a plug-in's `<policy>.<op>`
      const ops = opChoice(e);
      if (ops !== undefined && typeof e.data === 'string') {
        return {
          pointer: e.instancePath,
          atKey: false,
          message: `unknown op "${e.data}"${didYouMean(e.data, ops)}`,
        };
      }
      return { pointer: e.instancePath, atKey: false, message: expected(e, 'another form') };
    }
    default:
      return { pointer: e.instancePath, atKey: false, message: e.message ?? e.keyword };
  }
}

const VALUE_KEYWORDS = new Set([
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
]);

/** The value had the branch's type and failed on its content. */
function matchedType(e: Err): boolean {
  if (VALUE_KEYWORDS.has(e.keyword)) return true;
  if (e.keyword === 'const') return typeof e.params['allowedValue'] === typeof e.data;
  if (e.keyword === 'enum')
    return (e.params['allowedValues'] as unknown[]).some((v) => typeof v === typeof e.data);
  return false;
}

function within(path: string, base: string): boolean {
  return path === base || path.startsWith(base + '/');
}

/**
 * Readable problems from Ajv's error list (in Ajv's order: an `anyOf`'s branch errors come right before it).
 * `base` is prefixed to every pointer (errors of a fragment validated on its own).
 */
export function schemaProblems(errors: readonly Err[], base = ''): SchemaProblem[] {
  const drop = new Set<number>();
  for (let i = errors.length - 1; i >= 0; i--) {
    const e = errors[i];
    if (drop.has(i)) continue;
    if (e.keyword === 'propertyNames') {
      // the name's own pattern error precedes it and carries `propertyName`; the summary is enough
      for (let j = i - 1; j >= 0 && errors[j].instancePath === e.instancePath; j--) drop.add(j);
      continue;
    }
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    const branch: number[] = [];
    for (let j = i - 1; j >= 0 && within(errors[j].instancePath, e.instancePath); j--) branch.push(j);
    const deeper = branch.filter((j) => errors[j].instancePath !== e.instancePath);
    if (deeper.length > 0) {
      // the value took a branch and failed inside it: its inner errors are the useful ones
      drop.add(i);
      for (const j of branch) if (errors[j].instancePath === e.instancePath) drop.add(j);
    } else {
      // every branch failed at the value itself; if exactly one failed for a reason other than the value's
      // type (a string with a wrong pattern), that branch is what the writer meant
      const meant = branch.filter((j) => matchedType(errors[j]));
      if (meant.length === 1) {
        drop.add(i);
        for (const j of branch) if (j !== meant[0]) drop.add(j);
      } else {
        for (const j of branch) drop.add(j);
      }
    }
  }
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  errors.forEach((e, i) => {
    if (drop.has(i)) return;
    const p = one(e);
    if (p === null) return;
    const q = { ...p, pointer: base + p.pointer };
    const k = `${q.pointer}\0${q.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(q);
  });
  return out;
}

// The initial state and the final condition of a litmus test, after herdtools7's lib/stateParser.mly:
// locations (`0:X1`, `P0:X1`, `x`, `[x]`, `pte_x`, `[PTE(x)]`, `TTD(x)`, `phy_x`, `PA(x)`), values
// (numbers, addresses, descriptors `(oa:PA(x), valid:0)`, `label:"P1:L1"`), propositions with `/\`,
// `\/`, `~`, `=>` (precedence as herd's: `=>` weakest, then `\/`, then `/\`, `~` strongest) and
// `fault(P0:L0,x,MMU:Translation)` atoms (lib/fault.ml).
import type {
  Condition,
  Descriptor,
  FaultAtom,
  InitItem,
  Location,
  Pos,
  Prop,
  Quantifier,
  Value,
} from './ast.js';
import { Cursor, LitmusSyntaxError, show, type Token } from './lex.js';

const DESCRIPTOR_INTS = ['valid', 'af', 'db', 'dbm', 'el0', 'x'] as const;

function fail(t: Token, message: string): never {
  throw new LitmusSyntaxError(t.pos, message);
}

function num(t: Token): bigint {
  try {
    return BigInt(t.text);
  } catch {
    return fail(t, `'${t.text}' is not a number`);
  }
}

/** A plain name as a location: `pte_x` → the entry of x, `phy_x` → x's page, else the virtual x. */
function nameLocation(name: string): Location {
  if (name.startsWith('pte_') && name.length > 4) return { k: 'pte', loc: name.slice(4) };
  if (name.startsWith('phy_') && name.length > 4) return { k: 'pa', loc: name.slice(4) };
  return { k: 'mem', loc: name };
}

function threadOf(t: Token): number | null {
  if (t.kind === 'num' && /^\d+$/.test(t.text)) return Number(t.text);
  if (t.kind === 'name' && /^P\d+$/.test(t.text)) return Number(t.text.slice(1));
  return null;
}

/** `PTE(x)`, `TTD(x)`, `PA(x)` after the keyword: the location name inside. */
function wrapped(c: Cursor): string {
  c.expect('(');
  const t = c.next();
  if (t.kind !== 'name') fail(t, `expected a location name, found ${show(t)}`);
  c.expect(')');
  return t.text;
}

export function parseLocation(c: Cursor): Location {
  const t = c.peek();
  const thread = threadOf(t);
  if (thread !== null && c.is(':', 1)) {
    c.next();
    c.next();
    const r = c.next();
    if (r.kind !== 'name' || !/^[XWxw]\d+$/.test(r.text))
      fail(r, `expected a register (X0…X30), found ${show(r)}`);
    return { k: 'reg', thread, reg: r.text.slice(1) };
  }
  if (c.accept('[')) {
    const inner = parseLocation(c);
    c.expect(']');
    if (inner.k === 'reg') fail(t, 'a register cannot be written in [ ]');
    return inner;
  }
  if (c.accept('*')) return parseLocation(c);
  if (t.kind !== 'name') fail(t, `expected a location, found ${show(t)}`);
  c.next();
  if (t.text === 'PTE' || t.text === 'TTD') {
    const inner = wrapped(c);
    if (inner === 'PTE' || inner === 'TTD') fail(t, 'nested PTE(…) is not a location herd defines');
    return { k: 'pte', loc: inner };
  }
  if (t.text === 'PA') return { k: 'pa', loc: wrapped(c) };
  return nameLocation(t.text);
}

function parseDescriptor(c: Cursor): Descriptor {
  const open = c.expect('(');
  let oa: string | null = null;
  const ints: Record<string, number> = { valid: 1, af: 1, db: 1, dbm: 0, el0: 1, x: 1 };
  const attrs: string[] = [];
  if (!c.is(')')) {
    do {
      const f = c.next();
      if (f.kind !== 'name')
        fail(f, `expected a descriptor field (oa, valid, af, db, dbm, el0), found ${show(f)}`);
      if (f.text === 'oa') {
        c.expect(':');
        const v = c.next();
        if (v.kind !== 'name') fail(v, `expected PA(name) after oa:, found ${show(v)}`);
        if (v.text === 'PA') oa = wrapped(c);
        else if (v.text === 'PTE' || v.text === 'TTD') {
          attrs.push(`oa:PTE(${wrapped(c)})`);
        } else if (v.text.startsWith('phy_')) oa = v.text.slice(4);
        else if (v.text.startsWith('pte_')) attrs.push(`oa:${v.text}`);
        else fail(v, `expected PA(name) or phy_name after oa:, found ${show(v)}`);
      } else if ((DESCRIPTOR_INTS as readonly string[]).includes(f.text)) {
        c.expect(':');
        const v = c.next();
        if (v.kind !== 'num') fail(v, `expected a number after ${f.text}:, found ${show(v)}`);
        ints[f.text] = Number(num(v));
      } else if (f.text === 'attrs' || f.text === 'Attrs') {
        c.expect(':');
        c.expect('(');
        while (!c.is(')')) {
          const a = c.next();
          if (a.kind === 'eof') fail(a, "expected ')' closing attrs:(");
          if (a.text !== ',') attrs.push(a.text);
        }
        c.expect(')');
      } else {
        // a bare memory attribute (`Normal`, `Device-nGnRE`, `TaggedNormal`, …), kept verbatim
        attrs.push(f.text);
      }
    } while (c.accept(','));
  }
  if (!c.is(')'))
    fail(
      c.peek(),
      `expected ',' or ')' in the descriptor opened at ${open.pos.line}:${open.pos.column}, found ${show(c.peek())}`,
    );
  c.next();
  const normal = attrs.filter(
    (a) =>
      !['Normal', 'ISH', 'Inner-shareable', 'iWB', 'oWB', 'Inner-write-back', 'Outer-write-back'].includes(a),
  );
  return {
    oa,
    valid: ints['valid']!,
    af: ints['af']!,
    db: ints['db']!,
    dbm: ints['dbm']!,
    el0: ints['el0']!,
    x: ints['x']!,
    attrs: normal,
  };
}

export function parseValue(c: Cursor): Value {
  const t = c.peek();
  if (t.kind === 'num') {
    c.next();
    return { k: 'int', v: num(t) };
  }
  if (t.kind === 'label') {
    c.next();
    const m = /^label:"P?(\d+):([^"]+)"$/.exec(t.text);
    if (m === null) fail(t, `expected label:"P<n>:<label>", found ${show(t)}`);
    return { k: 'label', thread: Number(m[1]), label: m[2]! };
  }
  if (c.is('(')) return { k: 'desc', d: parseDescriptor(c) };
  if (c.accept('&')) {
    const l = parseLocation(c);
    if (l.k !== 'mem') fail(t, 'expected &name');
    return { k: 'va', loc: l.loc };
  }
  if (t.kind !== 'name') fail(t, `expected a value, found ${show(t)}`);
  const l = parseLocation(c);
  switch (l.k) {
    case 'mem':
      return { k: 'va', loc: l.loc };
    case 'pte':
      return { k: 'pte', loc: l.loc };
    case 'pa':
      return { k: 'pa', loc: l.loc };
    default:
      return fail(t, `expected a value, found ${show(t)}`);
  }
}

const TYPE_FOLLOWERS = new Set(['*', '[']);

/** `{ … }`'s items, separated by `;`. */
export function parseInit(c: Cursor): InitItem[] {
  const items: InitItem[] = [];
  while (!c.atEnd()) {
    if (c.accept(';')) continue;
    const first = c.peek();
    let type: string | null = null;
    const after = c.peek(1);
    if (
      first.kind === 'name' &&
      (after.kind === 'name' || after.kind === 'num' || TYPE_FOLLOWERS.has(after.text))
    ) {
      type = c.next().text;
      while (c.accept('*')) type += ' *';
    }
    const loc = parseLocation(c);
    let value: Value | null = null;
    if (c.is('[') && loc.k === 'mem') {
      // `int x[3]={0,0,0}`: an array, kept as a declaration the translator reports unsupported
      c.next();
      c.next();
      c.expect(']');
      if (c.accept('=')) {
        c.expect('{');
        while (!c.accept('}')) if (c.next().kind === 'eof') fail(c.peek(), "expected '}' closing the array");
      }
      items.push({ pos: first.pos, loc, value: null, type: `${type ?? 'int'}[]` });
      continue;
    }
    if (c.accept('=')) value = parseValue(c);
    if (!c.atEnd() && !c.is(';')) fail(c.peek(), `expected ';' after the item, found ${show(c.peek())}`);
    items.push({ pos: first.pos, loc, value, type });
  }
  return items;
}

function parseFault(c: Cursor, at: Token): Prop {
  c.expect('(');
  const p = c.next();
  const thread = threadOf(p);
  if (thread === null) fail(p, `expected a thread (P0, P1, …) in fault(…), found ${show(p)}`);
  let label: string | null = null;
  if (c.accept(':')) {
    const l = c.next();
    if (l.kind !== 'name') fail(l, `expected a label, found ${show(l)}`);
    label = l.text;
  }
  let loc: string | null = null;
  let type: string | null = null;
  if (c.accept(',')) {
    const l = c.peek();
    if (l.kind === 'name' && c.is(':', 1)) {
      type = `${c.next().text}:${(c.next(), c.next()).text}`;
    } else {
      const where = parseLocation(c);
      if (where.k === 'reg') fail(l, 'a fault names a memory location, not a register');
      loc = where.k === 'pte' ? `pte_${where.loc}` : where.loc;
      if (c.accept(',')) {
        const a = c.next();
        if (a.kind !== 'name') fail(a, `expected a fault type (MMU:Translation, …), found ${show(a)}`);
        type = a.text;
        if (c.accept(':')) type += `:${c.next().text}`;
      }
    }
  }
  c.expect(')');
  const atom: FaultAtom = { thread, label, loc, type };
  return { k: 'fault', atom, pos: at.pos };
}

function parseAtom(c: Cursor): Prop {
  const t = c.peek();
  if (c.accept('(')) {
    const p = parseProp(c);
    c.expect(')');
    return p;
  }
  if (c.accept('~') || c.accept('not')) return { k: 'not', p: parseAtom(c) };
  if (t.kind === 'name' && (t.text === 'true' || t.text === 'false')) {
    c.next();
    return { k: t.text };
  }
  if (t.kind === 'name' && (t.text === 'fault' || t.text === 'Fault') && c.is('(', 1)) {
    c.next();
    return parseFault(c, t);
  }
  const loc = parseLocation(c);
  if (c.accept('!=') || c.accept('<>'))
    return { k: 'not', p: { k: 'eq', loc, value: parseValue(c), pos: t.pos } };
  if (!c.accept('=') && !c.accept('=='))
    fail(c.peek(), `expected '=' after the location, found ${show(c.peek())}`);
  return { k: 'eq', loc, value: parseValue(c), pos: t.pos };
}

function parseAnd(c: Cursor): Prop {
  const ps = [parseAtom(c)];
  while (c.accept('/\\')) ps.push(parseAtom(c));
  return ps.length === 1 ? ps[0]! : { k: 'and', ps };
}

function parseOr(c: Cursor): Prop {
  const ps = [parseAnd(c)];
  while (c.accept('\\/')) ps.push(parseAnd(c));
  return ps.length === 1 ? ps[0]! : { k: 'or', ps };
}

export function parseProp(c: Cursor): Prop {
  const p = parseOr(c);
  if (c.accept('=>')) return { k: 'implies', p, q: parseProp(c) };
  return p;
}

export interface ConditionPart {
  readonly locations: Location[];
  readonly filter: Prop | null;
  readonly condition: Condition;
}

/** `locations […]`, `filter …` and the quantified condition that ends a test. */
export function parseConditionPart(c: Cursor): ConditionPart {
  const locations: Location[] = [];
  let filter: Prop | null = null;
  for (;;) {
    if (c.accept('locations')) {
      c.expect('[');
      while (!c.accept(']')) {
        if (c.accept(';')) continue;
        const t = c.peek();
        // a fault atom listed among the locations (herd prints whether it occurred): shown, not judged
        if (t.kind === 'name' && (t.text === 'fault' || t.text === 'Fault') && c.is('(', 1)) {
          c.next();
          parseFault(c, t);
        } else locations.push(parseLocation(c));
      }
    } else if (c.accept('filter')) filter = parseProp(c);
    else break;
  }
  const q = c.peek();
  let quantifier: Quantifier;
  if (c.accept('exists')) quantifier = 'exists';
  else if (c.accept('forall')) quantifier = 'forall';
  else if (c.is('~') && c.is('exists', 1)) {
    c.next();
    c.next();
    quantifier = 'not-exists';
  } else if (c.atEnd()) {
    // no condition: herd's default is `forall true` (the catalogue's kinds list such a test Required)
    return { locations, filter, condition: { quantifier: 'forall', prop: { k: 'true' }, pos: q.pos } };
  } else fail(q, `expected the condition (exists, ~exists or forall), found ${show(q)}`);
  const prop = parseProp(c);
  c.accept(';');
  if (!c.atEnd()) fail(c.peek(), `unexpected ${show(c.peek())} after the condition`);
  return { locations, filter, condition: { quantifier, prop, pos: q.pos as Pos } };
}

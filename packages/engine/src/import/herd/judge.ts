// Final states → herd's answer: each state's observed locations (the `locations` clause, then those of the
// condition, in order), how many executions reached it and whether it satisfies the condition's
// proposition — herd7's histogram ("States n", "Positive: p Negative: n") — and the verdict: the
// proposition is observed in some execution (Allowed), in none (Forbidden), or in all (Required, for a
// `forall`). Kinds compare as herd -kinds does (lib/constrGen.ml `set_kind`): Allowed ↔ `exists p` holds,
// Forbidden ↔ `~exists p` holds, Required ↔ `forall p` holds.
import type { FaultAtom, Location, Prop, Value } from './ast.js';
import type { Execution, FinalState } from './execute.js';
import { sameValue, showValue } from './values.js';

export type Verdict = 'Allowed' | 'Forbidden' | 'Required';

function valueAt(loc: Location, s: FinalState): Value {
  const zero: Value = { k: 'int', v: 0n };
  switch (loc.k) {
    case 'reg':
      return s.regs[loc.thread]?.get(loc.reg) ?? zero;
    case 'mem':
    case 'pa':
      // herd's final memory is physical: `x` is the page x starts on, whatever maps it now
      return s.mem.get(loc.loc) ?? zero;
    case 'pte': {
      const d = s.pte.get(loc.loc);
      return d === undefined ? zero : { k: 'desc', d };
    }
  }
}

function faultMatches(atom: FaultAtom, s: FinalState): boolean {
  return s.faults.some(
    (f) =>
      f.thread === atom.thread &&
      (atom.label === null || f.labels.includes(atom.label)) &&
      (atom.loc === null || f.loc === atom.loc) &&
      (atom.type === null || f.type === atom.type),
  );
}

export function holds(p: Prop, s: FinalState): boolean {
  switch (p.k) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'eq': {
      let want = p.value;
      // an entry compared with a descriptor that names no output address: the entry's own page
      if (p.loc.k === 'pte' && want.k === 'desc' && want.d.oa === null)
        want = { k: 'desc', d: { ...want.d, oa: p.loc.loc } };
      return sameValue(valueAt(p.loc, s), want);
    }
    case 'fault':
      return faultMatches(p.atom, s);
    case 'not':
      return !holds(p.p, s);
    case 'and':
      return p.ps.every((q) => holds(q, s));
    case 'or':
      return p.ps.some((q) => holds(q, s));
    case 'implies':
      return !holds(p.p, s) || holds(p.q, s);
  }
}

type Observed = { k: 'loc'; loc: Location } | { k: 'fault'; atom: FaultAtom };

function showLocation(l: Location): string {
  switch (l.k) {
    case 'reg':
      return `${l.thread}:X${l.reg}`;
    case 'mem':
      return `[${l.loc}]`;
    case 'pte':
      return `[PTE(${l.loc})]`;
    case 'pa':
      return `[PA(${l.loc})]`;
  }
}

function showFault(a: FaultAtom): string {
  const where = a.label === null ? `P${a.thread}` : `P${a.thread}:${a.label}`;
  return `fault(${[where, a.loc, a.type].filter((x) => x !== null).join(',')})`;
}

function collect(p: Prop, out: Observed[]): void {
  switch (p.k) {
    case 'eq':
      out.push({ k: 'loc', loc: p.loc });
      return;
    case 'fault':
      out.push({ k: 'fault', atom: p.atom });
      return;
    case 'not':
      collect(p.p, out);
      return;
    case 'and':
    case 'or':
      for (const q of p.ps) collect(q, out);
      return;
    case 'implies':
      collect(p.p, out);
      collect(p.q, out);
      return;
    default:
      return;
  }
}

export interface HistogramState {
  /** `0:X1=1; [x]=2; fault(P0:L0,x)` — herd's state line. */
  readonly state: string;
  readonly executions: number;
  readonly satisfies: boolean;
}

export interface Judgement {
  readonly executions: number;
  readonly states: readonly HistogramState[];
  readonly positive: number;
  readonly negative: number;
  readonly verdict: Verdict;
  /** Some execution satisfies the proposition / every execution does. */
  readonly observed: boolean;
  readonly always: boolean;
  /** The first execution satisfying the proposition, if any. */
  readonly witness: Execution | null;
}

/** Accumulates executions one by one (enumeration keeps no more than this). */
export class Judge {
  private readonly observedLocs: Observed[] = [];
  private readonly byState = new Map<string, { executions: number; satisfies: boolean }>();
  private positive = 0;
  private negative = 0;
  private witness: Execution | null = null;

  constructor(
    private readonly prop: Prop,
    private readonly quantifier: 'exists' | 'not-exists' | 'forall',
    locations: readonly Location[],
    private readonly filter: Prop | null,
  ) {
    const seen = new Set<string>();
    const add = (o: Observed): void => {
      const key = o.k === 'loc' ? showLocation(o.loc) : showFault(o.atom);
      if (seen.has(key)) return;
      seen.add(key);
      this.observedLocs.push(o);
    };
    for (const l of locations) add({ k: 'loc', loc: l });
    const fromProp: Observed[] = [];
    collect(prop, fromProp);
    fromProp.forEach(add);
  }

  add(e: Execution): void {
    const s = e.final;
    if (this.filter !== null && !holds(this.filter, s)) return;
    const ok = holds(this.prop, s);
    if (ok) {
      this.positive++;
      this.witness ??= e;
    } else this.negative++;
    const state = this.observedLocs
      .map((o) =>
        o.k === 'loc'
          ? `${showLocation(o.loc)}=${showValue(valueAt(o.loc, s))}`
          : `${faultMatches(o.atom, s) ? '' : '~'}${showFault(o.atom)}`,
      )
      .join('; ');
    const entry = this.byState.get(state);
    if (entry === undefined) this.byState.set(state, { executions: 1, satisfies: ok });
    else entry.executions++;
  }

  result(): Judgement {
    const states = [...this.byState]
      .map(([state, v]) => ({ state, ...v }))
      .sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0));
    const observed = this.positive > 0;
    const always = this.negative === 0 && this.positive > 0;
    const verdict: Verdict =
      this.quantifier === 'forall' && always ? 'Required' : observed ? 'Allowed' : 'Forbidden';
    return {
      executions: this.positive + this.negative,
      states,
      positive: this.positive,
      negative: this.negative,
      verdict,
      observed,
      always,
      witness: this.witness,
    };
  }
}

/** Does our judgement agree with a kind herd's kinds file gives (`Allowed`, `Forbidden`, `Required`)? */
export function agrees(kind: Verdict, j: Judgement): boolean {
  return kind === 'Allowed' ? j.observed : kind === 'Forbidden' ? !j.observed : j.always;
}

/** The proposition as herd writes it. */
export function showProp(p: Prop): string {
  switch (p.k) {
    case 'true':
    case 'false':
      return p.k;
    case 'eq':
      return `${showLocation(p.loc)}=${showValue(p.value)}`;
    case 'fault':
      return showFault(p.atom);
    case 'not':
      return `~${showProp(p.p)}`;
    case 'and':
      return `(${p.ps.map(showProp).join(' /\\ ')})`;
    case 'or':
      return `(${p.ps.map(showProp).join(' \\/ ')})`;
    case 'implies':
      return `(${showProp(p.p)} => ${showProp(p.q)})`;
  }
}

// Runs every invariant against one machine for one run: subscribes to the MMU observer and the frame
// book, knows the step being executed, and collects violations (claimed = finding, else note).
import type { Pfn } from '../contracts/addresses.js';
import type { FrameState } from '../contracts/frame-book.js';
import type { InvariantId } from '../policy/invariant-ids.js';
import { NONE } from './bits.js';
import { INVARIANTS } from './catalogue.js';
import { frameFacts, rangeFacts } from './frame-facts.js';
import type { FrameTable } from './frame-table.js';
import type { Invariant, InvariantContext, InvariantEnv, ViolationSite } from './invariant.js';
import type { MachineView } from './machine-view.js';

export interface InvariantViolation extends ViolationSite {
  readonly invariant: InvariantId;
  readonly claimed: boolean;
  /** Path of the step during which it was seen. */
  readonly step: string;
}

/** A hook of one invariant: when to call it (the monitor's #frameStateHooks, #framesChangedHooks). */
interface Hook<F> {
  readonly judge: F;
  readonly unless: number;
  readonly raised: ReadonlySet<number>;
}

/** The invariants with hook `name`, each bound once, with its quiet mask and its raised keys. */
function hooksOf<K extends 'frameState' | 'framesChanged'>(
  invariants: readonly Invariant[],
  name: K,
  raisedOf: (id: InvariantId) => ReadonlySet<number>,
): Hook<NonNullable<Invariant[K]>>[] {
  const hooks: Hook<NonNullable<Invariant[K]>>[] = [];
  for (const i of invariants) {
    const judge = i[name];
    if (judge === undefined) continue;
    hooks.push({
      judge: judge.bind(i) as NonNullable<Invariant[K]>,
      unless: i.quietUnless?.[name] ?? -1,
      raised: raisedOf(i.id),
    });
  }
  return hooks;
}

/**
 * The facts for which at least one of `hooks` judges a frame with nothing raised (the union of their quiet
 * masks), or -1 when one of them judges every frame.
 */
function factsJudged(hooks: readonly Hook<unknown>[]): number {
  let facts = 0;
  for (const h of hooks) {
    if (h.unless < 0) return -1;
    facts |= h.unless;
  }
  return facts;
}

/**
 * A violation: field by field, not a spread of the site (the invariants once wrote their sites' fields in
 * orders of their own, and every order was a hidden class of its own reaching the runner's collect). These are
 * the objects the runner records in a result (engine run.ts collect), in its field order.
 */
function violationOf(
  invariant: InvariantId,
  claimed: boolean,
  step: string,
  site: ViolationSite,
): InvariantViolation {
  return {
    invariant,
    claimed,
    step,
    cpu: site.cpu,
    address: site.address,
    frame: site.frame,
    explanation: site.explanation,
  };
}

// Object literals with the same keys in the same order share one hidden class: every invariant's site
// (`{ cpu, address, frame, explanation }`), and every violation (recorded as made by the runner: engine
// run.ts collect). V8 types a field by the values stored in it so far: `cpu`, `address` and `frame` came as
// small integers in the first runs, then as null or as a kernel VA (a heap number), and the change
// generalised the field in the middle of the catalogue, deoptimising every function optimised with these
// objects — the judgements that raise (unmapped-stays-unmapped, strayWrite, operationReturned, …), raise
// itself, collect. One of each made here with nulls and one with small integers, before any run, leave the
// three fields general (any value) from the start; nothing keeps them. (A null then a heap number would not
// do it: a heap number fits a field typed by a null.)
for (const x of [null, 0]) {
  const site: ViolationSite = { cpu: x, address: x, frame: x, explanation: '' };
  violationOf('pfn-release', false, '', site);
}

/** Only ever in a context's `found` list for the time of its constructor (MonitorContext.found). */
const PLACEHOLDER = violationOf('pfn-release', false, '', {
  cpu: null,
  address: null,
  frame: null,
  explanation: '',
});

/**
 * What every judgement is handed: one class, its methods on the prototype. They were closures made afresh
 * by each monitor — each run — and every run's new ones reached the optimised judgements (`ctx.raise(…)`,
 * `ctx.active(…)`) as call targets never seen, which deoptimised them ("wrong call target").
 */
class MonitorContext implements InvariantContext {
  /**
   * Keys raised and not settled, over every invariant. Nearly every judgement settles a key that is not
   * raised (a frame event on a quiet frame): with nothing raised, settle and active answer without a
   * lookup of the invariant's set.
   */
  raised = 0;
  /**
   * Violations seen since the monitor's last `take`, in the order they were seen: one list per monitor,
   * emptied in place by `take`, and a list of objects to V8 from the start. A fresh `[]` is a list of small
   * integers until its first object, and raise, optimised for the one kind, was deoptimised at the first
   * violation pushed onto a list of the other ("not a Smi").
   */
  readonly found: InvariantViolation[] = [PLACEHOLDER];
  readonly marked: InvariantContext['marked'];
  readonly anyMarked: InvariantContext['anyMarked'];

  constructor(
    private readonly monitor: InvariantMonitor,
    readonly m: MachineView,
    readonly book: FrameTable,
    readonly env: InvariantEnv,
    /** Raised keys per invariant (the sets the monitor's hooks hold too). */
    private readonly keys: Map<InvariantId, Set<number>>,
    private readonly claims: ReadonlySet<string>,
    private readonly invariants: readonly Invariant[],
  ) {
    this.marked = markedOf(book);
    this.anyMarked = anyMarkedOf(book);
    this.found.pop();
  }

  raise(id: InvariantId, key: number, site: ViolationSite): void {
    let set = this.keys.get(id);
    if (set === undefined) {
      set = new Set();
      this.keys.set(id, set);
    }
    if (set.has(key)) return;
    set.add(key);
    this.raised++;
    const inv = this.invariants.find((i) => i.id === id);
    const claimed = inv?.soft === true ? false : this.claims.has(id);
    this.found.push(violationOf(id, claimed, this.monitor.step, site));
  }

  settle(id: InvariantId, key: number): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — a fast path: with nothing raised there is nothing to delete
    if (this.raised === 0) return;
    // Stryker disable next-line UpdateOperator: equivalent — a count kept too high only skips the fast paths
    if (this.keys.get(id)?.delete(key) === true) this.raised--;
  }

  active(id: InvariantId, key: number): boolean {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent — a fast path: with nothing raised no key is active
    return this.raised !== 0 && (this.keys.get(id)?.has(key) ?? false);
  }

  /** A copy (callers settle while they walk it); with nothing raised, one shared empty list. */
  activeKeys(id: InvariantId): readonly number[] {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — a fast path: with nothing raised no key is active
    return this.raised === 0 ? NONE : [...(this.keys.get(id) ?? [])];
  }
}

// Every closure of a run is made inside an object literal, a call's argument or a return, never as the value of
// a property assignment (`o.f = () => …`): V8's parser allocates such a closure directly in the old
// generation (src/parsing/parser.h, Parser::CheckAssigningFunctionLiteralToProperty: "pretenure the literal
// so it can be added as a constant function property"). Dead after the run, it is still a root of every
// scavenge until the next full GC, and through its context it kept the whole run — machine, book, monitor —
// alive: half of what a litmus-sized run allocated survived the next scavenge, and V8 then moved the
// allocation sites of those objects to the old generation too.

/** A book without chunk marks (tests' per-frame reference) leaves the range invariants reading every frame. */
function markedOf(book: FrameTable): InvariantContext['marked'] {
  return typeof book.framesMarked === 'function'
    ? (mark, first, end, visit) => book.framesMarked(mark, first, end, visit)
    : undefined;
}

function anyMarkedOf(book: FrameTable): InvariantContext['anyMarked'] {
  return typeof book.anyMarked === 'function'
    ? (mark, first, end) => book.anyMarked(mark, first, end)
    : undefined;
}

export class InvariantMonitor {
  /** Path of the step being executed; violations are attributed to it. */
  step = '';
  readonly #ctx: MonitorContext;
  readonly #active = new Map<InvariantId, Set<number>>();
  /**
   * Ranges (first, count pairs) to judge once more at the next event: the first #pendingN entries. Two
   * lists take turns, emptied by their count: a list per flush, grown pair by pair, was most of what a
   * run of frame events allocated. The one not in use waits in #spare (null while a flush holds it).
   */
  #pending: number[] = [];
  #pendingN = 0;
  #spare: number[] | null = [];
  /** Ends the machine observation `attach` began (null: not attached). */
  #detachMmu: (() => void) | null = null;
  readonly #invariants: readonly Invariant[];
  /**
   * The frame-state and frames-changed hooks of the invariants that have one, bound once: the frame events
   * (tens of thousands in a `pressure` step) go to these only — not through a test of every invariant for
   * the hook, nor a lookup of the hook by name on invariants of as many shapes, at each event. Each with
   * the facts its one-frame judgement needs (Invariant.quietUnless; -1: always judged) and the set of its
   * raised keys (while one is raised, it is always judged).
   */
  readonly #frameStateHooks: readonly Hook<NonNullable<Invariant['frameState']>>[];
  readonly #framesChangedHooks: readonly Hook<NonNullable<Invariant['framesChanged']>>[];
  /**
   * factsJudged of each list: while nothing is raised (the context's `raised` 0: no hook's raised set holds a key), a frame
   * with none of these facts is judged by no hook, and the loop over the hooks — each asked for its mask
   * and its set's size — is skipped whole. At a `pressure` step, tens of thousands of frame events per run,
   * that is every allocation of a frame no translation reached since its last free.
   */
  readonly #frameStateFacts: number;
  readonly #framesChangedFacts: number;

  constructor(
    readonly machine: MachineView,
    readonly book: FrameTable,
    claims: readonly string[],
    env: InvariantEnv,
    invariants: readonly Invariant[] = INVARIANTS,
  ) {
    this.#invariants = invariants;
    const raisedOf = (id: InvariantId): Set<number> => {
      let set = this.#active.get(id);
      if (set === undefined) this.#active.set(id, (set = new Set()));
      return set;
    };
    this.#frameStateHooks = hooksOf(invariants, 'frameState', raisedOf);
    this.#framesChangedHooks = hooksOf(invariants, 'framesChanged', raisedOf);
    this.#frameStateFacts = factsJudged(this.#frameStateHooks);
    this.#framesChangedFacts = factsJudged(this.#framesChangedHooks);
    // The context keeps the count of raised keys (their sets are #active's, shared with the hooks) and the
    // violations found.
    this.#ctx = new MonitorContext(this, machine, book, env, this.#active, new Set(claims), invariants);
  }

  /** Start watching the machine and the frame book. */
  attach(): void {
    if (this.#detachMmu !== null) return;
    this.#detachMmu = this.machine.observe({
      // `| 0` here and in stateChanged: a frame number reckoned from an address in floating point reaches
      // us as a heap number (47.0), and stored as one it turned the pending array into doubles and took the
      // judgements' small-integer code to a deoptimisation. Frame numbers are below 2^26: exact.
      framesChanged: (first, count, cause) => this.#framesChanged(first | 0, count | 0, cause),
      bbmViolation: (v) => {
        for (const i of this.#invariants) i.bbm?.(this.#ctx, v);
      },
      tableLinked: (l) => {
        for (const i of this.#invariants) i.tableLinked?.(this.#ctx, l);
      },
      tagOverlap: (o) => {
        for (const i of this.#invariants) i.tagOverlap?.(this.#ctx, o);
      },
    });
    this.book.listener = {
      stateChanged: (pfn, from, to) => this.#stateChanged(pfn | 0, from, to),
      revoked: (pfns) => {
        for (const i of this.#invariants) i.revoked?.(this.#ctx, pfns);
      },
    };
  }

  detach(): void {
    if (this.#detachMmu === null) return;
    this.#detachMmu();
    this.#detachMmu = null;
    this.book.listener = null;
  }

  /** A kernel write aimed at a frame (`stray-write`) landed or faulted. */
  strayWrite(cpu: number, pfn: Pfn, context: string | null, landed: boolean): void {
    for (const i of this.#invariants) i.strayWrite?.(this.#ctx, cpu, pfn, context, landed);
  }

  /** An operation (step) returned: judge the end-of-operation invariants. */
  operationReturned(): void {
    this.#flushPending();
    for (const i of this.#invariants) i.operationReturned?.(this.#ctx);
  }

  /** Violations seen since the last call, in the order they were seen. */
  take(): InvariantViolation[] {
    const found = this.#ctx.found;
    return found.length === 0 ? [] : found.splice(0);
  }

  #framesChanged(first: number, count: number, cause: string): void {
    // Judge now (the window inside the operation) and once more at the next event, when the MMU has
    // finished the bookkeeping of the whole store (a replaced leaf is told as retired, then as made). A free is announced before the MMU has tagged the frame free and moved its free
    // clock (Frames.free calls beforeFree first): earlier changes re-judged now would see a frame half
    // freed (its reach counted as older than a free that has not happened yet), so they wait too.
    if (cause !== 'free') this.#flushPending();
    this.#judgeChanged(first, count, cause);
    this.#settleLater(first, count);
  }

  /**
   * Judge [first, first+count) once more at the next event. A range already last in line is not queued
   * twice (a free is told by the frame book, then by the MMU, with nothing between): judged twice in a
   * row with nothing changed, each invariant would raise what it had just raised or settle what it had
   * just settled — its judgement reads the machine, the book and its own raised keys only.
   */
  #settleLater(first: number, count: number): void {
    const p = this.#pending;
    const n = this.#pendingN;
    if (n >= 2 && p[n - 2] === first && p[n - 1] === count) return;
    p[n] = first;
    p[n + 1] = count;
    this.#pendingN = n + 2;
  }

  #flushPending(): void {
    const n = this.#pendingN;
    if (n === 0) return;
    const p = this.#pending;
    this.#pending = this.#spare ?? [];
    this.#spare = null;
    this.#pendingN = 0;
    for (let k = 0; k < n; k += 2) this.#judgeChanged(p[k], p[k + 1], 'settled');
    this.#spare = p;
  }

  #stateChanged(pfn: Pfn, from: FrameState, to: FrameState): void {
    this.#flushPending();
    const hooks = this.#frameStateHooks;
    const facts = frameFacts(this.machine, this.book, pfn, to);
    const judged = this.#frameStateFacts;
    if (judged < 0 || this.#ctx.raised !== 0 || (facts & judged) !== 0) {
      for (let k = 0; k < hooks.length; k++) {
        const h = hooks[k];
        if (h.unless < 0 || h.raised.size !== 0 || (facts & h.unless) !== 0)
          h.judge(this.#ctx, pfn, from, to);
      }
    }
    // A policy keeps two books of one frame — core's frame book and the MMU's frame tag and generation
    // — and updates them one after the other, in an order of its choosing (linux-mm's frame sink writes
    // the book first). So the frame is judged once more at the next event, when both agree: judged only
    // here, a frame handed out again while a stale entry still reached it looked free to the machine, and
    // `stale-after-free` was lost beside the `stale-exec-alias` raised when it was freed.
    this.#settleLater(pfn, 1);
  }

  /** The frames-changed judgements of [first, first+count) that the facts of its frames call for. */
  #judgeChanged(first: number, count: number, cause: string): void {
    const hooks = this.#framesChangedHooks;
    const facts =
      count === 1
        ? frameFacts(this.machine, this.book, first, -1)
        : rangeFacts(this.machine, this.book, first, count, this.#ctx.anyMarked);
    const judged = this.#framesChangedFacts;
    if (judged >= 0 && this.#ctx.raised === 0 && (facts & judged) === 0) return;
    for (let k = 0; k < hooks.length; k++) {
      const h = hooks[k];
      if (h.unless < 0 || h.raised.size !== 0 || (facts & h.unless) !== 0)
        h.judge(this.#ctx, first, count, cause);
    }
  }
}

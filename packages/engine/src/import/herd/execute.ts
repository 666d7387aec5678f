// One execution of a litmus test on the simulated MMU: the threads' instructions in one interleaving
// that keeps each thread's program order, every memory access, page-table store, TLBI and DSB run as the
// hardware-level step it is (runner/hw-ops.ts), under the adversarial TLB model with `onConflict: either`.
// Register-only instructions (MOV, ALU, CMP, branches) and DMB/ISB, which no other CPU can observe here,
// run eagerly right after the visible instruction before them; so only visible instructions interleave.
//
// Choices are read from `decisions` (one per choice point, in order; a missing one is 0) and every point
// met is returned with its number of options, so interleave.ts can enumerate all executions by replay:
// which thread runs next, and, at an access some CPU may serve from a stale entry, whether the old (0) or
// the new (1) entry serves it (Arm ARM D8.16.1: after a change without break-before-make either may).
//
// A fault stops its thread (herd's default fault handling `fatal`, lib/fault.ml); under herd's handled
// variants the execution is reported unsupported when a fault occurs.
import { Machine, validateCostModel, validateMachineParams } from '@shootdown/mmu';
import type { AccessStep, HwEntry, Scenario, Step } from '../../scenario/types.js';
import { INVALID_HW_ENTRY } from '../../scenario/resolve-hw.js';
import { setupHw, type HwNames } from '../../runner/hw-space.js';
import { noteWalkSeen, runHwStep, walkMayMissStore } from '../../runner/hw-ops.js';
import { StepSkipped } from '../../runner/report.js';
import type { CodeLine, Descriptor, Instruction, Operand, Reg, Value } from './ast.js';
import { LITMUS_SPACE, TLBI_KINDS, descriptorProblems, descriptorProt, type Plan } from './translate.js';
import { intValue, sameValue, showValue } from './values.js';

/** A thread runs at most this many instructions (a loop that does not end is reported, not run forever). */
export const MAX_THREAD_INSTRUCTIONS = 10_000;

/**
 * herd's loop bound (herd/opts.ml `unroll_default`: 2 outside ASL): a backward jump to one target is taken
 * at most this many times; the next one stops the thread there (herd/mem.ml `fetch_addr`, "loop unrolling
 * limit reached").
 */
export const UNROLL = 2;

export interface Fault {
  readonly thread: number;
  readonly labels: readonly string[];
  /** The location accessed (`x`, or `pte_x` for an entry). */
  readonly loc: string;
  /** herd's fault type (lib/faultType.ml): `MMU:Translation` or `MMU:Permission`. */
  readonly type: string;
}

export interface FinalState {
  readonly regs: readonly ReadonlyMap<string, Value>[];
  /** Memory by physical page. */
  readonly mem: ReadonlyMap<string, Value>;
  /** Page-table entries by virtual location. */
  readonly pte: ReadonlyMap<string, Descriptor>;
  readonly faults: readonly Fault[];
}

/** One hardware step of the execution, with the instruction it came from, for a written scenario. */
export interface TraceEntry {
  readonly thread: number;
  readonly line: CodeLine;
  /** The step as the scenario language writes it (YAML-ready). */
  readonly step: Readonly<Record<string, unknown>>;
  /** What the instruction did (`X4 = 1`, `fault MMU:Translation`). */
  readonly note: string;
}

export interface Execution {
  readonly final: FinalState;
  readonly trace: readonly TraceEntry[];
  /** Options at each choice point met, the option taken, and what was chosen there. */
  readonly points: readonly number[];
  readonly chosen: readonly number[];
  readonly kinds: readonly PointKind[];
  /** Set when the execution met something not modelled; the rest is then incomplete. */
  readonly unsupported: string | null;
}

class Unsupported extends Error {}

const configs = new WeakMap<Scenario, ConstructorParameters<typeof Machine>>();

/**
 * The machine's validated parameters and cost model, once per test: an enumeration builds one machine per
 * execution, and validating the same block each time cost as much as the execution itself.
 */
function machineConfig(scenario: Scenario): ConstructorParameters<typeof Machine> {
  let c = configs.get(scenario);
  if (c === undefined) {
    const params: Record<string, unknown> = { ...scenario.machine };
    delete params['costs'];
    const p = validateMachineParams(params);
    const k = validateCostModel((scenario.machine['costs'] ?? {}) as Record<string, number>);
    if (!p.ok || !k.ok) throw new Error('the importer wrote a machine block the MMU refuses');
    c = [p.value, k.value];
    configs.set(scenario, c);
  }
  return c;
}

/**
 * A choice point: which thread runs next, which entry serves an access, or whether an access's walk reads
 * an entry as the invalid one it was before a store nothing has ordered before the walk yet (herd's model
 * without ETS2, runner/unsynced-stores.ts).
 */
export type PointKind = 'thread' | 'serve' | 'walk';

/** The choices to replay: the option to take at each point, and the kind of each point. */
export interface Decisions {
  readonly chosen: readonly number[];
  readonly kinds: readonly PointKind[];
}

interface ThreadState {
  readonly id: number;
  pc: number;
  readonly regs: Map<string, Value>;
  /** The last CMP found its operands equal. */
  zero: boolean;
  done: boolean;
  steps: number;
  readonly labels: Map<string, number>;
  readonly code: readonly CodeLine[];
  /** Backward jumps taken, by target. */
  readonly backJumps: Map<number, number>;
  /** When each register was last written (UnsyncedStores' clock). */
  readonly written: Map<string, number>;
}

const VISIBLE = new Set<Instruction['op']>(['ldr', 'str', 'swp', 'tlbi', 'dsb']);

/** Acquire and release accesses (herd's bob orders around them): ordering points for unsynced-stores.ts. */
const ACQUIRE_RELEASE = new Set(['LDAR', 'LDAPR', 'STLR', 'SWPA', 'SWPL', 'SWPAL']);

export class LitmusMachine {
  private readonly m: Machine;
  private readonly names: HwNames;
  private readonly pageOfPfn = new Map<number, string>();
  private readonly mem: Map<string, Value>;
  private readonly pte: Map<string, Descriptor>;
  private readonly threads: ThreadState[];
  private readonly faults: Fault[] = [];
  private readonly trace: TraceEntry[] = [];
  private readonly points: number[] = [];
  private readonly chosen: number[] = [];
  private readonly kinds: PointKind[] = [];
  private readonly locOfVa = new Map<number, string>();
  /** The MMU space of the test's one address space. */
  private readonly space: number;

  constructor(
    private readonly plan: Plan,
    scenario: Scenario,
    private readonly decisions: Decisions,
  ) {
    this.m = new Machine(...machineConfig(scenario));
    this.names = setupHw(this.m, scenario.hw!);
    this.space = this.names.spaces.get(LITMUS_SPACE)!;
    for (const [page, frame] of plan.frameName) this.pageOfPfn.set(this.names.frames.get(frame)!, page);
    for (const [loc, va] of plan.va) this.locOfVa.set(va, loc);
    this.mem = new Map(plan.initMem);
    this.pte = new Map(plan.initPte);
    this.threads = plan.test.threads.map((t) => {
      const labels = new Map<string, number>();
      t.code.forEach((l, i) => l.labels.forEach((name) => labels.set(name, i)));
      t.endLabels.forEach((name) => labels.set(name, t.code.length));
      return {
        id: t.id,
        pc: 0,
        regs: new Map(plan.initRegs[t.id]),
        zero: false,
        done: false,
        steps: 0,
        labels,
        code: t.code,
        backJumps: new Map(),
        written: new Map(),
      };
    });
  }

  run(): Execution {
    let unsupported: string | null = null;
    try {
      // every thread runs on its own CPU with the test's address space loaded from the start
      for (const t of this.threads)
        this.hw(t.id, { op: 'set-root', space: LITMUS_SPACE, root: null, asid: null });
      for (const t of this.threads) this.runLocal(t);
      for (;;) {
        const ready = this.threads.filter((t) => !t.done);
        if (ready.length === 0) break;
        const t = ready[this.choose(ready.length)]!;
        this.visible(t);
        this.runLocal(t);
      }
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      unsupported = e.message;
    }
    return {
      final: { regs: this.threads.map((t) => t.regs), mem: this.mem, pte: this.pte, faults: this.faults },
      trace: this.trace,
      points: this.points,
      chosen: this.chosen,
      kinds: this.kinds,
      unsupported,
    };
  }

  private choose(options: number): number {
    if (options <= 1) return 0;
    const k = this.points.length;
    const c = this.decisions.chosen[k] ?? 0;
    this.points.push(options);
    this.chosen.push(c);
    this.kinds.push('thread');
    return c;
  }

  private hw(cpu: number, fields: Record<string, unknown>): void {
    const step = {
      path: String(this.trace.length),
      source: { file: '', line: 0, column: 0, pointer: '' },
      cpu,
      ...fields,
    } as unknown as Step;
    try {
      runHwStep(this.m, this.names, step);
    } catch (e) {
      if (e instanceof StepSkipped) throw new Unsupported(`the MMU refused a step: ${e.message}`);
      throw e;
    }
  }

  private get(t: ThreadState, r: Reg): Value {
    if (r.zero) return { k: 'int', v: 0n };
    return t.regs.get(r.name) ?? { k: 'int', v: 0n };
  }

  private set(t: ThreadState, r: Reg, v: Value): void {
    if (r.zero) return;
    t.regs.set(r.name, !r.wide && v.k === 'int' ? { k: 'int', v: BigInt.asUintN(32, v.v) } : v);
    // when it was written: an access whose address register was written after a TLBI may depend on a read
    // that saw it (runner/unsynced-stores.ts)
    t.written.set(r.name, this.names.unsynced.clock);
  }

  /** The latest time a register of `addr` was written (-1: never, an initial value). */
  private addressSince(t: ThreadState, addr: { base: Reg; offset: Operand | null }): number {
    const at = (r: Reg): number => (r.zero ? -1 : (t.written.get(r.name) ?? -1));
    return Math.max(at(addr.base), addr.offset?.k === 'reg' ? at(addr.offset.reg) : -1);
  }

  private operand(t: ThreadState, o: Operand): Value {
    return o.k === 'imm' ? { k: 'int', v: o.v } : this.get(t, o.reg);
  }

  private runLocal(t: ThreadState): void {
    while (!t.done) {
      if (t.pc >= t.code.length) {
        t.done = true;
        return;
      }
      if (++t.steps > MAX_THREAD_INSTRUCTIONS) {
        throw new Unsupported(`P${t.id} runs more than ${MAX_THREAD_INSTRUCTIONS} instructions (a loop)`);
      }
      const line = t.code[t.pc]!;
      if (VISIBLE.has(line.ins.op)) return;
      this.local(t, line);
    }
  }

  private jump(t: ThreadState, label: string): void {
    const target = t.labels.get(label)!;
    // t.pc is already past the branch: a target at or before the branch is a backward jump
    if (target < t.pc) {
      const seen = (t.backJumps.get(target) ?? 0) + 1;
      t.backJumps.set(target, seen);
      if (seen > UNROLL) {
        t.done = true;
        return;
      }
    }
    t.pc = target;
  }

  private local(t: ThreadState, line: CodeLine): void {
    const ins = line.ins;
    t.pc++;
    switch (ins.op) {
      case 'mov':
        this.set(t, ins.rd, this.operand(t, ins.src));
        return;
      case 'alu':
        this.set(t, ins.rd, this.alu(t, ins, line));
        return;
      case 'cmp':
        t.zero = sameValue(this.get(t, ins.rn), this.operand(t, ins.src));
        return;
      case 'cbz': {
        const v = this.get(t, ins.rn);
        const zero = v.k === 'int' && v.v === 0n;
        if (zero !== ins.nonzero) this.jump(t, ins.target);
        return;
      }
      case 'csel': {
        const pick = (ins.cond === 'eq') === t.zero;
        const one: Value = { k: 'int', v: 1n };
        const zero: Value = { k: 'int', v: 0n };
        const v = pick
          ? ins.rn === null
            ? one
            : this.get(t, ins.rn)
          : ins.rm === null
            ? zero
            : this.get(t, ins.rm);
        this.set(t, ins.rd, v);
        return;
      }
      case 'bcond':
        if (ins.cond === 'al' || (ins.cond === 'eq') === t.zero) this.jump(t, ins.target);
        return;
      case 'isb':
        // context synchronisation: a later walk is ordered after what came before (runner/unsynced-stores.ts)
        this.hw(t.id, { op: 'barrier', kind: 'isb', domain: null });
        this.trace.push({ thread: t.id, line, step: { op: 'barrier', cpu: t.id, kind: 'isb' }, note: '' });
        return;
      case 'dmb':
        // no hardware step, but an ordering point a walk's fault may be ordered after (unsynced-stores.ts)
        this.names.unsynced.order(t.id);
        return;
      case 'nop':
        return;
      case 'unmodelled':
        throw new Unsupported(`instruction ${ins.mnemonic}`);
      default:
        throw new Error(`not a local instruction: ${ins.op}`);
    }
  }

  private alu(t: ThreadState, ins: Extract<Instruction, { op: 'alu' }>, line: CodeLine): Value {
    const a = this.get(t, ins.rn);
    const b = this.operand(t, ins.src);
    // herd's dependency idioms: x EOR x and x AND 0 are 0 whatever x holds (an address, a descriptor)
    if (ins.fn === 'eor' && ins.src.k === 'reg' && ins.src.reg.name === ins.rn.name)
      return { k: 'int', v: 0n };
    if (ins.fn === 'and' && b.k === 'int' && b.v === 0n) return { k: 'int', v: 0n };
    if (a.k === 'int' && b.k === 'int') {
      const x = a.v;
      const y = b.v;
      const r = { add: x + y, sub: x - y, eor: x ^ y, and: x & y, orr: x | y, lsr: x >> y, lsl: x << y }[
        ins.fn
      ];
      return { k: 'int', v: BigInt.asUintN(64, r) };
    }
    // an address shifted right by 12 is the page number a TLBI by VA takes
    if (ins.fn === 'lsr' && a.k === 'va' && b.k === 'int' && b.v === 12n) return { k: 'vpn', loc: a.loc };
    if (
      (ins.fn === 'add' || ins.fn === 'sub' || ins.fn === 'orr' || ins.fn === 'eor') &&
      b.k === 'int' &&
      b.v === 0n
    )
      return a;
    throw new Unsupported(`arithmetic on ${showValue(a)} (${line.text})`);
  }

  /** The location an address register points at: a virtual location, or a page-table entry. */
  private target(t: ThreadState, line: CodeLine, addr: { base: Reg; offset: Operand | null }): Value {
    const base = this.get(t, addr.base);
    if (addr.offset !== null) {
      const off = this.operand(t, addr.offset);
      if (off.k !== 'int' || off.v !== 0n) throw new Unsupported(`address arithmetic (${line.text})`);
    }
    if (base.k === 'va' || base.k === 'pte') return base;
    if (base.k === 'pa') throw new Unsupported(`an access to a physical address (${line.text})`);
    throw new Unsupported(`an access to ${showValue(base)} (${line.text})`);
  }

  private visible(t: ThreadState): void {
    const line = t.code[t.pc]!;
    const ins = line.ins;
    t.pc++;
    switch (ins.op) {
      case 'ldr':
      case 'str':
      case 'swp': {
        const where = this.target(t, line, ins.addr);
        if (where.k === 'pte') this.entryAccess(t, line, ins, where.loc);
        else if (where.k === 'va') this.dataAccess(t, line, ins, where.loc);
        if (ACQUIRE_RELEASE.has(ins.mnemonic)) this.names.unsynced.order(t.id);
        return;
      }
      case 'tlbi':
        this.tlbi(t, line, ins);
        return;
      case 'dsb': {
        // herd's dsb.full (ISH, OSH, SY; one shareability domain, aarch64fences.cat) completes TLB
        // maintenance (aarch64hwreqs.cat DSB-ob); DSB LD/ST only order loads/stores, which are already in
        // order here, but they are ordering points a walk's fault may be ordered after (unsynced-stores.ts)
        if (ins.option.endsWith('LD') || ins.option.endsWith('ST')) {
          this.names.unsynced.order(t.id);
          return;
        }
        const domain = ins.option === 'SY' ? 'sy' : ins.option === 'OSH' ? 'osh' : 'ish';
        this.hw(t.id, { op: 'barrier', kind: 'dsb', domain });
        this.trace.push({
          thread: t.id,
          line,
          step: { op: 'barrier', cpu: t.id, kind: 'dsb', domain },
          note: '',
        });
        return;
      }
      default:
        throw new Error(`not a visible instruction: ${ins.op}`);
    }
  }

  private entry(d: Descriptor, line: CodeLine): HwEntry {
    if (d.valid === 0) return INVALID_HW_ENTRY;
    if (d.oa === null) throw new Unsupported(`a descriptor without an output address (${line.text})`);
    return {
      valid: true,
      frame: this.plan.frameName.get(d.oa)!,
      table: null,
      prot: descriptorProt(d) as HwEntry['prot'],
      user: true,
      global: false,
      key: 0,
      leaf: false,
      attrs: {},
    };
  }

  /** A load, store or swap of a page-table entry: memory the walker reads, stored without translation. */
  private entryAccess(
    t: ThreadState,
    line: CodeLine,
    ins: Extract<Instruction, { op: 'ldr' | 'str' | 'swp' }>,
    loc: string,
  ): void {
    const old = this.pte.get(loc)!;
    const notes: string[] = [];
    if (ins.op === 'ldr' || ins.op === 'swp') {
      this.set(t, ins.rt, { k: 'desc', d: old });
      notes.push(`X${ins.rt.name} = ${showValue({ k: 'desc', d: old })}`);
      // a walk of this thread is not offered the entry as it was before (runner/unsynced-stores.ts)
      noteWalkSeen(this.m, this.names, t.id, this.space, this.plan.va.get(loc)!);
    }
    if (ins.op === 'ldr') {
      this.trace.push({ thread: t.id, line, step: {}, note: notes.join(', ') });
      return;
    }
    const v = this.get(t, ins.op === 'str' ? ins.rt : ins.rs);
    if (v.k !== 'desc')
      throw new Unsupported(`storing ${showValue(v)} into a page-table entry (${line.text})`);
    const d = v.d.oa === null ? { ...v.d, oa: loc } : v.d;
    for (const p of descriptorProblems(d)) throw new Unsupported(`${p} (${line.text})`);
    const entry = this.entry(d, line);
    const va = this.plan.va.get(loc)!;
    this.hw(t.id, { op: 'pte-store', space: LITMUS_SPACE, va, level: 'pte', entry });
    this.pte.set(loc, d);
    const yamlEntry = entry.valid ? { frame: entry.frame, prot: entry.prot, user: true } : 'invalid';
    this.trace.push({
      thread: t.id,
      line,
      step: { op: 'pte-store', cpu: t.id, space: LITMUS_SPACE, va: `0x${va.toString(16)}`, entry: yamlEntry },
      note: notes.join(', '),
    });
  }

  private dataAccess(
    t: ThreadState,
    line: CodeLine,
    ins: Extract<Instruction, { op: 'ldr' | 'str' | 'swp' }>,
    loc: string,
  ): void {
    const va = this.plan.va.get(loc)!;
    const kind = ins.op === 'ldr' ? 'read' : 'write';
    // Without ETS2 the walk may read an entry a thread has just made valid as the invalid one it was, until
    // an ISB of this thread, or another thread's TLBI and then an ordering point of this one, orders the
    // store before it (runner/unsynced-stores.ts): a choice point, the walk that sees the store first.
    let missed = false;
    const since = this.addressSince(t, ins.addr);
    if (!this.plan.ets2 && walkMayMissStore(this.m, this.names, t.id, this.space, va, since)) {
      missed = (this.decisions.chosen[this.points.length] ?? 0) === 1;
      this.points.push(2);
      this.chosen.push(missed ? 1 : 0);
      this.kinds.push('walk');
    }
    // a fresh access is tried with the old entry first; it is a choice point when a stale entry served it,
    // and a replay knows it is one from the kind recorded there (replays meet the same points in order)
    const k = this.points.length;
    const replayedServe = k < this.decisions.kinds.length && this.decisions.kinds[k] === 'serve';
    const serveNew = replayedServe && this.decisions.chosen[k] === 1;
    const step: AccessStep = {
      op: 'access',
      path: String(this.trace.length),
      source: { file: '', line: 0, column: 0, pointer: '' },
      cpu: t.id,
      kind,
      target: { kind: 'space', space: LITMUS_SPACE, va },
      pages: 1,
      via: 'own',
      serve: serveNew ? 'new' : 'old',
      ...(missed ? { walk: 'before-store' as const } : {}),
    };
    let out;
    try {
      out = runHwStep(this.m, this.names, step);
    } catch (e) {
      if (e instanceof StepSkipped) throw new Unsupported(`the MMU refused a step: ${e.message}`);
      throw e;
    }
    const stale = this.m.lastStale;
    if (replayedServe || (k >= this.decisions.kinds.length && stale)) {
      this.points.push(2);
      this.chosen.push(serveNew ? 1 : 0);
      this.kinds.push('serve');
    }
    const written: Record<string, unknown> = {
      op: 'access',
      cpu: t.id,
      space: LITMUS_SPACE,
      va: `0x${va.toString(16)}`,
      kind,
    };
    if (this.kinds[k] === 'serve') written['serve'] = serveNew ? 'new' : 'old';
    if (missed) written['walk'] = 'before-store';
    if (out.outcome.startsWith('fault')) {
      const type = out.outcome === 'fault:not-present' ? 'MMU:Translation' : 'MMU:Permission';
      this.faults.push({ thread: t.id, labels: line.labels, loc, type });
      written['expect'] = out.outcome;
      this.trace.push({ thread: t.id, line, step: written, note: `fault ${type}` });
      if (!this.plan.fatal)
        throw new Unsupported('a fault under a handled fault variant (imprecise / handled / faultToNext)');
      t.done = true;
      return;
    }
    const page = this.pageOfPfn.get(out.frame ?? -1);
    if (page === undefined)
      throw new Unsupported(`an access of ${loc} reached a frame that is no physical location of the test`);
    written['expect'] = { outcome: out.outcome, 'frame-of': this.plan.frameName.get(page) };
    const notes: string[] = [];
    if (ins.op === 'ldr' || ins.op === 'swp') {
      const v = this.mem.get(page) ?? { k: 'int', v: 0n };
      this.set(t, ins.rt, v);
      notes.push(`${ins.rt.wide ? 'X' : 'W'}${ins.rt.name} = ${showValue(this.get(t, ins.rt))}`);
    }
    if (ins.op === 'str' || ins.op === 'swp') {
      const v = this.get(t, ins.op === 'str' ? ins.rt : ins.rs);
      const width = ins.op === 'str' ? ins.rt.wide : ins.rs.wide;
      this.mem.set(page, !width && v.k === 'int' ? { k: 'int', v: BigInt.asUintN(32, v.v) } : v);
      notes.push(`[${page}] = ${showValue(v)}`);
    }
    this.trace.push({ thread: t.id, line, step: written, note: notes.join(', ') });
  }

  private tlbi(t: ThreadState, line: CodeLine, ins: Extract<Instruction, { op: 'tlbi' }>): void {
    const spec = TLBI_KINDS.get(ins.kind);
    if (spec === undefined) throw new Unsupported(`TLBI ${ins.kind}`);
    const fields: Record<string, unknown> = {
      op: 'tlbi',
      kind: spec.kind,
      va: null,
      asid: null,
      pages: null,
      level: null,
    };
    const written: Record<string, unknown> = { op: 'tlbi', cpu: t.id, kind: spec.kind };
    if (spec.operand !== 'none') {
      if (ins.rt === null) throw new Unsupported(`TLBI ${ins.kind} without its register operand`);
      const v = this.get(t, ins.rt);
      if (spec.operand === 'asid') {
        const asid = intValue(v);
        if (asid === null || asid !== 0n)
          throw new Unsupported(`TLBI ${ins.kind} of ASID ${showValue(v)} (the test's space has ASID 0)`);
        fields['asid'] = 0;
        written['asid'] = 0;
      } else {
        // the operand is VA[55:12] in bits [43:0], ASID in [63:48] (0 here): a page number
        let loc: string | undefined;
        if (v.k === 'vpn') loc = v.loc;
        else if (v.k === 'int') loc = this.locOfVa.get(Number(BigInt.asUintN(44, v.v)) * 4096);
        if (loc === undefined)
          throw new Unsupported(
            `TLBI ${ins.kind} operand ${showValue(v)} is not the page number of a location`,
          );
        const va = this.plan.va.get(loc)!;
        fields['va'] = va;
        written['va'] = `0x${va.toString(16)}`;
        if (spec.kind.startsWith('vae') || spec.kind.startsWith('vale')) {
          fields['asid'] = 0;
          written['asid'] = 0;
        }
      }
    }
    this.hw(t.id, fields);
    this.trace.push({ thread: t.id, line, step: written, note: '' });
  }
}

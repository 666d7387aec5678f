// Casemate trace records, typed, with the grammar its C checker accepts (rems-project/casemate
// src/casemate-check-c/src/parser.c `parse_trans`): `(kind (id N) (tid N) field… (src "file:line")?)`.
// Each field is `(key value)` or, as PARSE_KV_WITH allows, the bare value in its place. Numbers in fields
// are hexadecimal with or without `0x` (next_hex: the traces print `23f000` and `0x23f000` alike); id and
// tid are decimal. Names follow the checker's enums; the Rocq checker (src/casemate-check-rocq/src/
// parser.ml) adds `vae2` / `sy`, the format document (doc/asciidoc/sections/trace-format.adoc) spells the
// thread key `thread` and the record `msr`, and the brief of this importer adds ttbr0_el1: all accepted.
import { TraceSyntaxError, type Node, type Pos, type TraceText } from './sexp.js';

export const TLBI_KINDS = [
  'vmalls12e1',
  'vmalls12e1is',
  'vmalle1',
  'vmalle1is',
  'alle1',
  'alle1is',
  'alle2',
  'alle2is',
  'vae2',
  'vae2is',
  'vale2',
  'vale2is',
  'ipas2e1is',
] as const;
/** TLBIs whose operand register is given: `(value Xt)`. */
const TLBI_BY_ADDRESS = new Set(['vae2', 'vae2is', 'vale2', 'vale2is', 'ipas2e1is']);
export const SYSREGS = [
  'vttbr_el2',
  'ttbr0_el2',
  'ttbr0_el1',
  'vtcr_el2',
  'tcr_el2',
  'mair_el2',
  'hcr_el2',
  'sctlr_el2',
] as const;
export const HINT_KINDS = [
  'set_root_lock',
  'set_owner_root',
  'release_table',
  'set_pte_thread_owner',
] as const;
export const DXB_KINDS = ['ish', 'ishst', 'nsh', 'sy'] as const;

interface Common extends Pos {
  readonly id: number;
  readonly tid: number;
  /** `src` as given (a source location string or tracepoint number), or null. */
  readonly src: string | null;
}
export type TraceRecord = Common &
  (
    | { readonly kind: 'mem-write'; readonly order: 'plain' | 'release'; readonly address: bigint; readonly value: bigint }
    | { readonly kind: 'mem-read'; readonly address: bigint; readonly value: bigint }
    | { readonly kind: 'mem-init' | 'mem-free'; readonly address: bigint; readonly size: bigint }
    | { readonly kind: 'mem-set'; readonly address: bigint; readonly size: bigint; readonly value: bigint }
    | { readonly kind: 'barrier'; readonly barrier: 'isb' | 'dsb'; readonly domain: (typeof DXB_KINDS)[number] | null }
    | { readonly kind: 'tlbi'; readonly tlbi: (typeof TLBI_KINDS)[number]; readonly value: bigint | null }
    | { readonly kind: 'sysreg-write'; readonly sysreg: (typeof SYSREGS)[number]; readonly value: bigint }
    | { readonly kind: 'hint'; readonly hint: (typeof HINT_KINDS)[number]; readonly location: bigint; readonly value: bigint }
    | { readonly kind: 'lock' | 'trylock' | 'unlock'; readonly address: bigint }
  ); // prettier-ignore

const U64_MAX = (1n << 64n) - 1n;

/** Fields of one record, consumed left to right. */
class Fields {
  private k = 1;
  constructor(
    private readonly rec: Pos & { items: readonly Node[] },
    readonly name: string,
  ) {}

  private fail(at: Pos, msg: string): never {
    throw new TraceSyntaxError(at.line, at.column, `${this.name}: ${msg}`);
  }

  private next(key: string): Node {
    const n = this.rec.items[this.k];
    if (n === undefined) this.fail(this.rec, `missing ${key}`);
    this.k++;
    return n;
  }

  /** `(key v)` or a bare `v`: the value node. */
  value(key: string, keys: readonly string[] = [key]): Node {
    const n = this.next(key);
    if (n.kind !== 'list') return n;
    const head = n.items[0];
    if (head?.kind !== 'word' || !keys.includes(head.text) || n.items.length !== 2)
      this.fail(n, `expected (${key} …) or a bare value`);
    return n.items[1];
  }

  hex(key: string): bigint {
    const n = this.value(key);
    const t = n.kind === 'word' ? n.text.replace(/^0x/u, '') : '';
    if (n.kind !== 'word' || !/^[0-9a-fA-F]{1,16}$/u.test(t))
      this.fail(n, `expected a hex ${key}, got ${show(n)}`);
    const v = BigInt(`0x${t}`);
    if (v > U64_MAX) this.fail(n, `${key} does not fit in 64 bits`);
    return v;
  }

  decimal(key: string, keys?: readonly string[]): number {
    const n = this.value(key, keys);
    if (n.kind !== 'word' || !/^[0-9]{1,9}$/u.test(n.text))
      this.fail(n, `expected a decimal ${key}, got ${show(n)}`);
    return Number(n.text);
  }

  word<T extends string>(key: string, allowed: readonly T[], bare = false): T {
    const n = bare ? this.next(key) : this.value(key);
    if (n.kind !== 'word' || !(allowed as readonly string[]).includes(n.text))
      this.fail(n, `unknown ${key} ${show(n)}, expected one of ${allowed.join(', ')}`);
    return n.text as T;
  }

  /** The optional trailing `(src …)`, then the end of the record. */
  end(): string | null {
    let src: string | null = null;
    const n = this.rec.items[this.k];
    if (n !== undefined) {
      const v = this.value('src');
      if (v.kind === 'list') this.fail(v, 'expected (src "file:line") or (src N)');
      src = v.text;
    }
    const extra = this.rec.items[this.k];
    if (extra !== undefined) this.fail(extra, `unexpected ${show(extra)} after the record's fields`);
    return src;
  }
}

function show(n: Node): string {
  return n.kind === 'list' ? "'(…)'" : `'${n.text}'`;
}

const KINDS = new Set([
  'mem-write',
  'mem-read',
  'mem-init',
  'mem-free',
  'mem-set',
  'barrier',
  'tlbi',
  'sysreg-write',
  'msr',
  'hint',
  'lock',
  'trylock',
  'unlock',
]);

/** Every record of the trace, typed; throws TraceSyntaxError (with its position) at the first bad one. */
export function traceRecords(t: TraceText): TraceRecord[] {
  return t.records.map((rec) => {
    const head = rec.items[0];
    if (head?.kind !== 'word' || !KINDS.has(head.text))
      throw new TraceSyntaxError(
        (head ?? rec).line,
        (head ?? rec).column,
        `unknown event ${head === undefined ? '()' : show(head)}, expected one of ${[...KINDS].join(', ')}`,
      );
    const name = head.text === 'msr' ? 'sysreg-write' : head.text;
    const f = new Fields(rec, name);
    const id = f.decimal('id');
    const tid = f.decimal('tid', ['tid', 'thread']);
    const at = { line: rec.line, column: rec.column, id, tid };
    switch (name) {
      case 'mem-write': {
        const order = f.word('mem-order', ['plain', 'release'] as const);
        const address = f.hex('address');
        const value = f.hex('value');
        return { ...at, kind: name, order, address, value, src: f.end() };
      }
      case 'mem-read': {
        const address = f.hex('address');
        const value = f.hex('value');
        return { ...at, kind: name, address, value, src: f.end() };
      }
      case 'mem-init':
      case 'mem-free': {
        const address = f.hex('address');
        const size = f.hex('size');
        return { ...at, kind: name, address, size, src: f.end() };
      }
      case 'mem-set': {
        const address = f.hex('address');
        const size = f.hex('size');
        const value = f.hex('value');
        return { ...at, kind: name, address, size, value, src: f.end() };
      }
      case 'barrier': {
        const barrier = f.word('barrier kind', ['dsb', 'isb'] as const, true);
        const domain = barrier === 'dsb' ? f.word('kind', DXB_KINDS) : null;
        return { ...at, kind: name, barrier, domain, src: f.end() };
      }
      case 'tlbi': {
        const tlbi = f.word('tlbi kind', TLBI_KINDS, true);
        const value = TLBI_BY_ADDRESS.has(tlbi) ? f.hex('value') : null;
        return { ...at, kind: name, tlbi, value, src: f.end() };
      }
      case 'sysreg-write': {
        const sysreg = f.word('sysreg', SYSREGS);
        const value = f.hex('value');
        return { ...at, kind: 'sysreg-write', sysreg, value, src: f.end() };
      }
      case 'hint': {
        const hint = f.word('kind', HINT_KINDS);
        const location = f.hex('location');
        const value = f.hex('value');
        return { ...at, kind: name, hint, location, value, src: f.end() };
      }
      default: {
        const address = f.hex('address');
        return { ...at, kind: name as 'lock' | 'trylock' | 'unlock', address, src: f.end() };
      }
    }
  });
}

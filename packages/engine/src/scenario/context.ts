// What the semantic pass carries while it walks the steps: where errors go, where a pointer is in the
// file, the ids defined so far, and the machine facts that bound CPU and key numbers.
import { parseSize, SIZE_PATTERN } from '@shootdown/mmu';
import type { ScenarioError } from './errors.js';
import { MAX_ERRORS } from './limits.js';
import type { PointerSet } from './pointer-set.js';
import type { SourceMap } from './positions.js';
import type { IdSpace } from './ids.js';
import { Ids } from './ids.js';
import { didYouMean } from './suggest.js';
import type {
  AddressRange,
  FrameOf,
  FrameSelector,
  KeyRef,
  RegionKind,
  RegionRange,
  SourcePosition,
  TableLevel,
} from './types.js';

const KIND_OP: Record<RegionKind, string> = {
  user: 'mmap',
  kernel: 'kalloc',
  pages: 'page-alloc',
  policy: 'a policy op',
  frame: 'frame',
};
const SPACE_NOUN: Record<IdSpace, string> = {
  region: 'region',
  process: 'process',
  key: 'key',
  table: 'page table',
  space: 'address space',
  frame: 'frame',
};

const SIZE = new RegExp(SIZE_PATTERN, 'u');
/** What a physical address of the hw block names: a frame (with its size) or a table (with its level). */
export type HwPaName =
  | { readonly kind: 'frame'; readonly name: string; readonly size: '4K' | '2M' | '1G' }
  | {
      readonly kind: 'table';
      readonly name: string;
      readonly level: TableLevel;
      regime: 'el1' | 'el2' | 'stage2' | null;
    };

export interface MachineFacts {
  readonly cpus: number;
  readonly keys: number;
}

export class Ctx {
  readonly errors: ScenarioError[] = [];
  readonly ids = new Ids();
  /** Expanded step count, bounded so a typo in `times:` cannot exhaust memory. */
  expanded = 0;
  /** The process each CPU runs so far in program order (`run` steps), for address-space checks. */
  readonly cpuProcess = new Map<number, string | null>();
  /** The process whose address space each user region was mapped in (null: no `run` named one yet). */
  readonly regionSpace = new Map<string, string | null>();
  /** Translation regime of each hw space (`el1`, `stage2`, `el2`), for the steps that load one. */
  readonly hwSpaceRegime = new Map<string, 'el1' | 'stage2' | 'el2'>();
  /** The level of each hw table, for the steps that name one as a root. */
  readonly hwTableLevel = new Map<string, TableLevel>();
  /** The hw frames and tables given a `pa:`, by that physical address (for `raw-write`). */
  readonly hwPa = new Map<number, HwPaName>();

  constructor(
    readonly file: string,
    private readonly map: SourceMap,
    readonly machine: MachineFacts,
    /** Pointers whose subtree already failed the schema: their values are not trusted. */
    readonly invalid: PointerSet,
  ) {}

  /** Records a semantic error, unless the schema already reported a problem at or above this pointer. */
  error(pointer: string, message: string, atKey = false): void {
    // past MAX_ERRORS the file is clearly not close to right: stop paying for positions and messages
    if (this.errors.length >= MAX_ERRORS) return;
    if (this.invalid.coversOrAbove(pointer)) return;
    const p = this.map.position(pointer, atKey);
    this.errors.push({ file: this.file, line: p.line, column: p.column, pointer, message });
  }

  source(pointer: string): SourcePosition {
    const p = this.map.position(pointer);
    return { file: this.file, line: p.line, column: p.column, pointer };
  }

  line(pointer: string): number {
    return this.map.position(pointer).line;
  }

  /** True when the schema already reported something inside this pointer's subtree. */
  schemaFailed(pointer: string): boolean {
    return this.invalid.atOrBelow(pointer);
  }

  // ----- scalars -----

  cpu(v: unknown, pointer: string): number {
    if (v === undefined) return 0;
    const n = typeof v === 'number' ? v : 0;
    if (n >= this.machine.cpus) {
      this.error(
        pointer,
        `cpu ${n} is out of range: the machine has ${this.machine.cpus} CPUs (0-${this.machine.cpus - 1})`,
      );
    }
    return n;
  }

  /** An address written as an integer or a `0x…` string. */
  /** A byte count written as an address (integer, `0x…`) or a size (`2MiB`, `2M`: mmu's one grammar). */
  bytes(v: unknown, pointer: string): number | null {
    if (typeof v === 'string' && !v.startsWith('0x')) {
      // the schema has already reported a string that is not a size
      return SIZE.test(v) ? parseSize(v) : null;
    }
    return this.address(v, pointer);
  }

  address(v: unknown, pointer: string): number | null {
    if (v === undefined) return null;
    const n = typeof v === 'string' ? Number.parseInt(v.slice(2), 16) : typeof v === 'number' ? v : NaN;
    if (!Number.isSafeInteger(n)) {
      this.error(pointer, `address ${JSON.stringify(v)} is too large (at most 2^53 - 1)`);
      return 0;
    }
    return n;
  }

  // ----- ids -----

  define(space: IdSpace, name: unknown, suffix: string, pointer: string): string {
    const n = String(name);
    const r = this.ids.define(space, n, suffix, pointer, this.line(pointer));
    if ('duplicateOf' in r) {
      this.error(pointer, `${SPACE_NOUN[space]} "${n}" is already defined at line ${r.duplicateOf}`);
      return n + suffix;
    }
    return r.resolved;
  }

  ref(space: IdSpace, name: unknown, pointer: string): string {
    // a missing or mistyped name is reported by the schema or the op's own check, not as "unknown \"undefined\""
    if (typeof name !== 'string') return '';
    const n = name;
    const r = this.ids.resolve(space, n);
    if (r === null) {
      this.error(pointer, `unknown ${SPACE_NOUN[space]} "${n}"${didYouMean(n, this.ids.names(space))}`);
      return n;
    }
    return r;
  }

  /** A region reference; with `kinds`, the region must have been defined by one of those ops. */
  region(name: unknown, pointer: string, op?: string, kinds?: readonly RegionKind[]): string {
    const id = this.ref('region', name, pointer);
    const info = this.ids.regions.get(id);
    if (info !== undefined && kinds !== undefined && !kinds.includes(info.kind) && info.kind !== 'policy') {
      const want = kinds.map((k) => KIND_OP[k]).join(' or ');
      this.error(
        pointer,
        `${op ?? 'this op'} needs a region from ${want}; "${String(name)}" comes from ${KIND_OP[info.kind]}`,
      );
    }
    return id;
  }

  /** Marks a region freed; freeing it again is an error (DESIGN §4 semantics rules). */
  free(id: string, name: unknown, pointer: string): void {
    const info = this.ids.regions.get(id);
    if (info === undefined) return;
    if (info.freedAt !== null) {
      this.error(pointer, `region "${String(name)}" is already freed at line ${info.freedAt}`);
      return;
    }
    info.freedAt = this.line(pointer);
  }

  private checkPages(id: string, name: unknown, page: number, pages: number | null, pointer: string): void {
    const size = this.ids.regions.get(id)?.pages ?? null;
    if (size === null) return;
    if (page >= size) {
      this.error(pointer, `page ${page} is outside region "${String(name)}" (${size} pages)`);
    } else if (pages !== null && page + pages > size) {
      this.error(
        pointer,
        `pages ${page}..${page + pages - 1} run past the end of region "${String(name)}" (${size} pages)`,
      );
    }
  }

  /** `region`, `page`, `pages`, `offset` of a step object. */
  regionRange(
    o: Record<string, unknown>,
    pointer: string,
    op: string,
    kinds?: readonly RegionKind[],
  ): RegionRange {
    const id = this.region(o['region'], `${pointer}/region`, op, kinds);
    const page = typeof o['page'] === 'number' ? o['page'] : 0;
    const pages = typeof o['pages'] === 'number' ? o['pages'] : null;
    this.checkPages(
      id,
      o['region'],
      page,
      pages,
      `${pointer}/${o['page'] === undefined ? 'region' : 'page'}`,
    );
    const offset = typeof o['offset'] === 'number' ? o['offset'] : 0;
    if (offset >= 4096)
      this.error(`${pointer}/offset`, `offset ${offset} is not inside a 4 KiB page (0-4095)`);
    return { kind: 'region', region: id, page, pages, offset };
  }

  addressRange(v: Record<string, unknown>, pointer: string): AddressRange {
    const from = this.address(v['from'], `${pointer}/from`) ?? 0;
    const to = this.address(v['to'], `${pointer}/to`) ?? 0;
    if (to <= from)
      this.error(
        `${pointer}/to`,
        `range end 0x${to.toString(16)} is not above its start 0x${from.toString(16)}`,
      );
    return { kind: 'range', from, to };
  }

  frameOf(region: unknown, page: unknown, pointer: string): FrameOf {
    // In a hardware-level scenario `frame-of` may name a frame of the hw block.
    if (typeof region === 'string' && this.ids.resolve('region', region) === null) {
      const frame = this.ids.resolve('frame', region);
      if (frame !== null) return { kind: 'frame-of', region: frame, page: 0, hw: true };
    }
    const id = this.region(region, pointer);
    const p = typeof page === 'number' ? page : 0;
    this.checkPages(id, region, p, null, pointer);
    return { kind: 'frame-of', region: id, page: p };
  }

  frameSelector(v: Record<string, unknown>, pointer: string): FrameSelector {
    if ('frame-of' in v) return this.frameOf(v['frame-of'], v['page'], `${pointer}/frame-of`);
    const of = v['pagetable-of'];
    const region = of === 'kernel-image' ? 'kernel-image' : this.region(of, `${pointer}/pagetable-of`);
    const page = typeof v['page'] === 'number' ? v['page'] : 0;
    if (v['via'] === 'direct-map') {
      if (region === 'kernel-image')
        this.error(
          `${pointer}/via`,
          'via: direct-map names the linear-map tables of a region, not of kernel-image',
        );
      return { kind: 'pagetable-of', region, level: v['level'] as TableLevel, page, via: 'direct-map' };
    }
    return { kind: 'pagetable-of', region, level: v['level'] as TableLevel, page };
  }

  /**
   * A key: an id or a literal index. `raw`: the index goes to the system call as written (pkey_free,
   * pkey_mprotect, pkey_set), so an out-of-range one is the kernel's EINVAL at run time, not a load error.
   */
  key(v: unknown, pointer: string, raw = false): KeyRef {
    if (typeof v === 'number') {
      if (!raw && v >= this.machine.keys) {
        this.error(
          pointer,
          `key ${v} is out of range: the machine has ${this.machine.keys} keys (0-${this.machine.keys - 1})`,
        );
      }
      return { kind: 'index', index: v };
    }
    return { kind: 'id', id: this.ref('key', v, pointer) };
  }
}

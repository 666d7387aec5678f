// Hand-built machine states for the invariant tests: a kernel half with a few linear-map pages, one
// user space, and a monitor watching both. Only MMU primitives are used — no policy.
import { Access, Mode, Pte, createMachine, type Machine } from '@shootdown/mmu';
import { FrameState, FrameTable, InvariantMonitor, type InvariantId } from '../src/index.js';

export const KDATA = Pte.PRESENT | Pte.WRITABLE | Pte.GLOBAL; // default linear-map entry: RW, NX
export const KEXEC = Pte.PRESENT | Pte.XKERNEL | Pte.GLOBAL; // RX kernel alias (module text)
export const UDATA = Pte.PRESENT | Pte.WRITABLE | Pte.USER;
export const UREAD = Pte.PRESENT | Pte.USER;

export interface Fixture {
  readonly m: Machine;
  readonly book: FrameTable;
  readonly mon: InvariantMonitor;
  readonly user: number;
  readonly table: () => number;
  /** Map `pfn` at `va` in `space` with `flags` (4 KiB leaf), allocating tables on the way. */
  readonly map: (space: number, va: number, pfn: number, flags: number) => void;
  /** Data frame for tests, marked allocated in the book. */
  readonly frame: () => number;
  readonly ids: () => InvariantId[];
}

export function fixture(
  arch: 'x86_64' | 'arm64' = 'x86_64',
  claims: readonly InvariantId[] = [],
  env: {
    window?: (n: string) => { start: number; end: number } | undefined;
    tlbSides?: 'unified' | 'split';
  } = {},
): Fixture {
  const m = createMachine({ arch, cpus: 2, memory: '8MiB', tlbSides: env.tlbSides ?? 'unified' });
  const book = new FrameTable(m.frames.count);
  const table = () => {
    const p = m.frames.allocAny('page-table');
    book.setState(p, FrameState.PageTable);
    return p;
  };
  m.createKernelSpace(table);
  const user = m.createSpace(1, table);
  const spaces = new Map<number, number>([[1, user]]);
  const mon = new InvariantMonitor(m, book, claims, {
    window: env.window ?? (() => undefined),
    spaceOf: (pid) => spaces.get(pid),
  });
  mon.attach();
  const map = (space: number, va: number, pfn: number, flags: number) => {
    m.ensurePath(space, va, 1, table);
    m.setLeaf(space, va, 1, pfn, flags);
  };
  const frame = () => {
    const p = m.frames.allocAny('data');
    book.setState(p, FrameState.Allocated);
    return p;
  };
  const ids = () => mon.take().map((v) => v.invariant);
  for (let c = 0; c < m.cpus; c++) m.setRoot(c, user);
  return { m, book, mon, user, table, map, frame, ids };
}

/** Free a frame the way a kernel does: back to the allocator (book) and a new generation (MMU). */
export function freeFrame(f: Fixture, pfn: number): void {
  f.m.frames.free(pfn);
  f.book.setState(pfn, FrameState.Free);
}

export function read(f: Fixture, cpu: number, va: number, user = false): number {
  return f.m.access(cpu, va, Access.READ, user ? Mode.USER : Mode.KERNEL);
}

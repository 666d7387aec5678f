// The small pieces every policy leans on: PROT_* text, op reports, fault signals, the FreeBSD-only pmap
// calls a Linux-style pmap answers `unsupported`, and the kernel's frame book with its expected keys.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  FRAME_MERMAP,
  FRAME_REVOKED,
  FrameState,
  FrameTable,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  PmapWithoutKeyRanges,
  Tokens,
  deliverFaultSignal,
  errno,
  formatProt,
  isUnsupported,
  ok,
  parseProt,
  segv,
  signalsOf,
  unsupported,
  withIgnored,
  type SignalDelivery,
} from '../src/index.js';

describe('PROT_* (mmap(2): PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4)', () => {
  it('parses r/w/x letters in any order, once each, and none', () => {
    expect([PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC]).toEqual([0, 1, 2, 4]);
    expect(parseProt('none')).toBe(0);
    expect(parseProt('r')).toBe(1);
    expect(parseProt('w')).toBe(2);
    expect(parseProt('x')).toBe(4);
    expect(parseProt('rw')).toBe(3);
    expect(parseProt('xr')).toBe(5);
    expect(parseProt('rwx')).toBe(7);
    for (const bad of ['', 'rr', 'rwxr', 'R', 'rw-', 'nonex', 'q']) expect(parseProt(bad)).toBeUndefined();
  });

  it('prints the canonical order', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(formatProt)).toEqual([
      'none',
      'r',
      'w',
      'rw',
      'x',
      'rx',
      'wx',
      'rwx',
    ]);
    for (const t of ['none', 'r', 'rw', 'rx', 'rwx', 'wx']) expect(formatProt(parseProt(t)!)).toBe(t);
  });
});

describe('op reports', () => {
  it('unsupported, ok and errno, and the structural unsupported test', () => {
    expect(unsupported()).toEqual({ outcome: 'unsupported' });
    expect(Object.isFrozen(unsupported())).toBe(true);
    expect(isUnsupported(unsupported())).toBe(true);
    expect(isUnsupported({ outcome: 'unsupported' })).toBe(true);
    expect(isUnsupported({ outcome: 'ok' })).toBe(false);
    expect(isUnsupported(undefined)).toBe(false);
    expect(ok()).toEqual({ outcome: 'ok' });
    expect(Object.isFrozen(ok())).toBe(true);
    expect(ok({ value: 3 })).toEqual({ outcome: 'ok', value: 3 });
    expect(errno('EINVAL')).toEqual({ outcome: 'error:EINVAL' });
    expect(errno('ENOMEM', { value: 1 })).toEqual({ outcome: 'error:ENOMEM', value: 1 });
  });

  it('withIgnored appends flags after the report’s own, and leaves a report alone when there are none', () => {
    const r = ok({ ignored: ['a'] });
    expect(withIgnored(r, [])).toBe(r);
    expect(withIgnored(r, ['b', 'c'])).toEqual({ outcome: 'ok', ignored: ['a', 'b', 'c'] });
    expect(withIgnored(ok(), ['b'])).toEqual({ outcome: 'ok', ignored: ['b'] });
    expect(r.ignored).toEqual(['a']);
  });
});

describe('fault signals (siginfo si_code names shared by Linux and FreeBSD)', () => {
  it('segv carries si_pkey only when given', () => {
    expect(segv('SEGV_MAPERR', 0x1000)).toEqual({ signo: 'SIGSEGV', code: 'SEGV_MAPERR', addr: 0x1000 });
    expect('pkey' in segv('SEGV_ACCERR', 8)).toBe(false);
    expect(segv('SEGV_PKUERR', 0x2000, 0)).toEqual({
      signo: 'SIGSEGV',
      code: 'SEGV_PKUERR',
      addr: 0x2000,
      pkey: 0,
    });
  });

  it('without a delivery service every fault signal takes the default action (fatal)', () => {
    const seen: unknown[] = [];
    const handler: SignalDelivery = {
      deliver: (cpu, pid, s) => {
        seen.push([cpu, pid, s.code]);
        return pid === 7;
      },
    };
    expect(deliverFaultSignal(undefined, 0, 7, segv('SEGV_MAPERR', 0))).toBe(false);
    expect(deliverFaultSignal(handler, 1, 7, segv('SEGV_MAPERR', 0))).toBe(true);
    expect(deliverFaultSignal(handler, 0, 8, segv('SEGV_ACCERR', 0))).toBe(false);
    expect(seen).toEqual([
      [1, 7, 'SEGV_MAPERR'],
      [0, 8, 'SEGV_ACCERR'],
    ]);
  });

  it('signalsOf finds the run’s service in the container or its parents, else undefined', () => {
    const bare = container.createChildContainer();
    expect(signalsOf(bare)).toBeUndefined();
    const service: SignalDelivery = { deliver: () => true };
    const parent = container.createChildContainer();
    parent.registerInstance(Tokens.Signals, service);
    expect(signalsOf(parent)).toBe(service);
    expect(signalsOf(parent.createChildContainer())).toBe(service);
  });
});

describe('a pmap whose keys live in the VMA (Linux, reference)', () => {
  it('answers unsupported to the FreeBSD-only calls', () => {
    class P extends PmapWithoutKeyRanges {
      readonly pid = 1;
      readonly space = 0;
      lookup = () => undefined;
      enter = () => ok();
      remove = () => ok();
      protect = () => ok();
      keyFor = () => 0;
      activate = () => ok();
    }
    const p = new P();
    for (const r of [p.removeSwapout(), p.mapDelete(), p.setKeyRange(), p.clearKeyRange()]) {
      expect(isUnsupported(r)).toBe(true);
    }
  });
});

describe('the frame book', () => {
  it('keeps a state and flags per frame and tells its listener of state changes and of every free', () => {
    const book = new FrameTable(4);
    const events: unknown[] = [];
    book.listener = {
      stateChanged: (pfn, from, to) => events.push(['state', pfn, from, to]),
      revoked: (pfns) => events.push(['revoked', [...pfns]]),
    };
    expect([book.frames, book.state(2), book.flags(2)]).toEqual([4, FrameState.Free, 0]);
    book.setState(2, FrameState.Allocated);
    book.setState(2, FrameState.Allocated); // no change: not told
    book.setState(2, FrameState.Free);
    book.setState(2, FrameState.Free); // a free is always told (a double free is visible)
    expect(events).toEqual([
      ['state', 2, FrameState.Free, FrameState.Allocated],
      ['state', 2, FrameState.Allocated, FrameState.Free],
      ['state', 2, FrameState.Free, FrameState.Free],
    ]);
    events.length = 0;
    book.setFlag(1, FRAME_MERMAP, true);
    book.setFlag(1, FRAME_REVOKED, true);
    book.setFlag(1, FRAME_MERMAP, false);
    expect(book.flags(1)).toBe(FRAME_REVOKED);
    book.setFlag(1, FRAME_MERMAP, false);
    expect(book.flags(1)).toBe(FRAME_REVOKED);
    expect(events).toEqual([]);
    book.markRevoked([0, 3]);
    expect([book.flags(0), book.flags(3), book.flags(2)]).toEqual([FRAME_REVOKED, FRAME_REVOKED, 0]);
    expect(events).toEqual([['revoked', [0, 3]]]);
    book.listener = null;
    expect(() => book.setState(1, FrameState.Free)).not.toThrow();
  });

  it('refuses frames outside memory', () => {
    const book = new FrameTable(4);
    for (const bad of [-1, 4, 0.5]) {
      expect(() => book.setState(bad, FrameState.Allocated)).toThrow(`frame ${bad} outside memory (0..3)`);
      expect(() => book.setFlag(bad, FRAME_MERMAP, true)).toThrow(RangeError);
    }
    expect(() => book.setState(3, FrameState.Allocated)).not.toThrow();
  });

  it('expected keys: [start, end) ranges per process; a new range or a clear cuts what it overlaps', () => {
    const book = new FrameTable(1);
    book.setExpectedKey(1, 0x1000, 0x5000, 3);
    expect([book.expectedKey(1, 0x0fff), book.expectedKey(1, 0x1000), book.expectedKey(1, 0x4fff)]).toEqual([
      -1, 3, 3,
    ]);
    expect(book.expectedKey(1, 0x5000)).toBe(-1);
    expect(book.expectedKey(2, 0x1000)).toBe(-1);
    // A key over the middle splits the old range in two.
    book.setExpectedKey(1, 0x2000, 0x3000, 5);
    expect(book.expectedKeyRanges()).toEqual([
      { pid: 1, start: 0x1000, end: 0x2000, key: 3 },
      { pid: 1, start: 0x2000, end: 0x3000, key: 5 },
      { pid: 1, start: 0x3000, end: 0x5000, key: 3 },
    ]);
    // Clearing across the boundary keeps the parts outside it; other processes are untouched.
    book.setExpectedKey(2, 0x1000, 0x2000, 9);
    book.clearExpectedKey(1, 0x1800, 0x3800);
    expect(book.expectedKeyRanges()).toEqual([
      { pid: 1, start: 0x1000, end: 0x1800, key: 3 },
      { pid: 1, start: 0x3800, end: 0x5000, key: 3 },
      { pid: 2, start: 0x1000, end: 0x2000, key: 9 },
    ]);
    // Ranges that only touch the cleared one stay whole.
    book.clearExpectedKey(1, 0x1800, 0x3800);
    expect(book.expectedKeyRanges()).toHaveLength(3);
    // fork copies the parent's ranges to the child, in order; exec/exit drops them all.
    book.copyExpectedKeys(1, 3);
    expect(book.expectedKeyRanges().map((r) => [r.pid, r.start])).toEqual([
      [1, 0x1000],
      [1, 0x3800],
      [2, 0x1000],
      [3, 0x1000],
      [3, 0x3800],
    ]);
    expect(book.expectedKey(3, 0x3800)).toBe(3);
    book.clearExpectedKeys(1);
    expect(book.expectedKeyRanges().map((r) => r.pid)).toEqual([2, 3, 3]);
    expect(book.expectedKey(1, 0x1000)).toBe(-1);
  });

  it('expected keys stay ordered by pid then start, whatever order they were set in', () => {
    const book = new FrameTable(1);
    book.setExpectedKey(2, 0x9000, 0xa000, 1);
    book.setExpectedKey(1, 0x5000, 0x6000, 2);
    book.setExpectedKey(1, 0x1000, 0x2000, 3);
    book.setExpectedKey(2, 0x1000, 0x2000, 4);
    expect(book.expectedKeyRanges().map((r) => [r.pid, r.start])).toEqual([
      [1, 0x1000],
      [1, 0x5000],
      [2, 0x1000],
      [2, 0x9000],
    ]);
    book.clearExpectedKey(2, 0x9800, 0xa000);
    expect(book.expectedKeyRanges().map((r) => [r.pid, r.start, r.end])).toEqual([
      [1, 0x1000, 0x2000],
      [1, 0x5000, 0x6000],
      [2, 0x1000, 0x2000],
      [2, 0x9000, 0x9800],
    ]);
  });
});

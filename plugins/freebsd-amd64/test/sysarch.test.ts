// The error and edge-case table of spec freebsd-amd64.md §10 (all variants share it), through the policy's
// `freebsd.sysarch` op (raw struct amd64_set_pkru arguments) and VmMap.assignKey / clearKey.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { sysarchOp } from '../src/policy/contributions.js';
import { SYSTEM_TOKEN, checkUargs } from '../src/index.js';
import { boot, mapOn, ok, PAGE, type World } from './harness.js';

function sysarch(w: World, args: Record<string, number | string>): string {
  const c = container.createChildContainer();
  c.register(SYSTEM_TOKEN, { useValue: w.sys });
  return sysarchOp.run({ container: c, cpu: 0, args, id: null }).outcome;
}

function world(selection?: string): { w: World; start: number } {
  const w = boot(selection);
  const pid = w.kernel.createProcess(0).pid as number;
  ok(w.kernel.run(0, pid));
  const start = mapOn(w, 0).map({ cpu: 0 }, { pages: 8, prot: 3, flags: ['populate'] }).start as number;
  return { w, start };
}

describe('sysarch argument checks (spec §10, pmap_pkru_check_uargs)', () => {
  const { w, start } = world();
  const set = (a: Record<string, number | string>) =>
    sysarch(w, { call: 'set-pkru', addr: start, len: PAGE, ...a });
  it('key 16 → EINVAL', () => expect(set({ keyidx: 16 })).toBe('error:EINVAL'));
  it('flags 0x4 → EINVAL', () => expect(set({ keyidx: 1, flags: 4 })).toBe('error:EINVAL'));
  it('len 0 → EFAULT (end == start after rounding)', () =>
    expect(set({ keyidx: 1, len: 0 })).toBe('error:EFAULT'));
  it('a range crossing VM_MAXUSER_ADDRESS → EFAULT', () =>
    expect(set({ keyidx: 1, addr: '0x7ffffffff000', len: 2 * PAGE })).toBe('error:EFAULT'));
  it('a kernel address → EFAULT', () =>
    expect(set({ keyidx: 1, addr: '0xfffff80000000' + '000' })).toBe('error:EFAULT'));
  it('CLEAR with a nonzero keyidx or flags → EINVAL', () => {
    expect(sysarch(w, { call: 'clear-pkru', addr: start, len: PAGE, keyidx: 1 })).toBe('error:EINVAL');
    expect(sysarch(w, { call: 'clear-pkru', addr: start, len: PAGE, flags: 2 })).toBe('error:EINVAL');
  });
  it('an unaligned addr/len is widened to page boundaries on both sides', () => {
    expect(set({ keyidx: 3, addr: start + 100, len: PAGE })).toBe('ok');
    const pmap = w.sys.pmap(w.kernel.current(0) as number);
    expect(pmap?.pkru.nodes()).toEqual([{ start: start / PAGE, end: start / PAGE + 2, key: 3, flags: 0 }]);
  });
});

describe('EXCL and PERSIST (spec §10, §2.2)', () => {
  it('EXCL over any existing node — even key 0, even PERSIST — is EBUSY and changes nothing', () => {
    const { w, start } = world();
    const map = mapOn(w, 0);
    ok(map.assignKey({ cpu: 0 }, start, start + PAGE, 0, []));
    ok(map.assignKey({ cpu: 0 }, start + 2 * PAGE, start + 3 * PAGE, 5, ['persist']));
    expect(map.assignKey({ cpu: 0 }, start, start + PAGE, 2, ['excl']).outcome).toBe('error:EBUSY');
    expect(map.assignKey({ cpu: 0 }, start + 2 * PAGE, start + 3 * PAGE, 2, ['excl']).outcome).toBe(
      'error:EBUSY',
    );
    expect(w.pmaps.of(w.kernel.current(0) as number)?.keyFor(start + 2 * PAGE)).toBe(5);
  });

  it('EXCL over [s, e) with an unrelated node starting exactly at e is EBUSY (check_empty quirk)', () => {
    const { w, start } = world();
    const map = mapOn(w, 0);
    ok(map.assignKey({ cpu: 0 }, start + PAGE, start + 2 * PAGE, 1, []));
    expect(map.assignKey({ cpu: 0 }, start, start + PAGE, 2, ['excl']).outcome).toBe('error:EBUSY');
  });

  it('with excl-check=lookup-lt the adjacent node no longer blocks EXCL', () => {
    const { w, start } = world('freebsd-amd64:excl-check=lookup-lt');
    const map = mapOn(w, 0);
    ok(map.assignKey({ cpu: 0 }, start + PAGE, start + 2 * PAGE, 1, []));
    expect(map.assignKey({ cpu: 0 }, start, start + PAGE, 2, ['excl']).outcome).toBe('ok');
  });

  it('a non-EXCL SET overlapping a PERSIST node succeeds and trims it', () => {
    const { w, start } = world();
    const map = mapOn(w, 0);
    ok(map.assignKey({ cpu: 0 }, start, start + 4 * PAGE, 5, ['persist']));
    ok(map.assignKey({ cpu: 0 }, start + 2 * PAGE, start + 6 * PAGE, 6, []));
    const p = start / PAGE;
    expect(w.sys.pmap(w.kernel.current(0) as number)?.pkru.nodes()).toEqual([
      { start: p, end: p + 2, key: 5, flags: 2 },
      { start: p + 2, end: p + 6, key: 6, flags: 0 },
    ]);
  });

  it('CLEAR in the middle of a node splits it in two', () => {
    const { w, start } = world();
    const map = mapOn(w, 0);
    ok(map.assignKey({ cpu: 0 }, start, start + 6 * PAGE, 7, []));
    ok(map.clearKey({ cpu: 0 }, start + 2 * PAGE, start + 4 * PAGE));
    const p = start / PAGE;
    expect(w.sys.pmap(w.kernel.current(0) as number)?.pkru.nodes()).toEqual([
      { start: p, end: p + 2, key: 7, flags: 0 },
      { start: p + 4, end: p + 6, key: 7, flags: 0 },
    ]);
  });
});

describe('a CPU without PKU (spec §10)', () => {
  it('pmap_pkru_check_uargs returns ENOTSUP after the EINVAL and EFAULT checks', () => {
    expect(checkUargs(16, 17, 1, 0, false)).toBe('ENOTSUP');
    expect(checkUargs(16, 17, 16, 0, false)).toBe('EINVAL');
    expect(checkUargs(16, 16, 1, 0, false)).toBe('EFAULT');
  });
});

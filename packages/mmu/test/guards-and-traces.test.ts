// What the hardware model refuses, the identities it answers (VMIDs, linear-map frames), descriptor
// decoding of invalid entries, and the trace events of key writes and flushes (DESIGN §2: an event sink
// receives per-CPU events for the trace and timeline renderers).
import { describe, expect, it } from 'vitest';
import { Invpcid, KERNEL_HALF, Pte, arm64, createMachine, x86_64, type MmuEvent } from '../src/index.js';
import { USER_VA, rig } from './helpers.js';

describe('regime spaces and kernel half: refusals and identities', () => {
  it('stage 2 and EL2 are arm64; a VMID fits 8 bits; vmidOf is -1 outside stage 2', () => {
    const x = rig({ cpus: 1 });
    expect(() => x.m.createStage2Space(0, x.table)).toThrow(
      'stage 2 is arm64 (VTTBR_EL2); x86 EPT is not modelled',
    );
    expect(() => x.m.createEl2Space(x.table)).toThrow('the EL2 regime is arm64');
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    expect(() => m.createStage2Space(256, table)).toThrow('vmid 256 does not fit 8 bits');
    expect(() => m.createStage2Space(-1, table)).toThrow(RangeError);
    const before = m.spaceCount;
    const vm = m.createStage2Space(255, table);
    const mm = m.createSpace(3, table);
    expect([m.vmidOf(vm), m.vmidOf(mm), m.spaceCount]).toEqual([255, -1, before + 2]);
    expect(() => m.vmidOf(before + 2)).toThrow(/unknown address space/);
  });

  it('a kernel-half address needs the kernel space', () => {
    const m = createMachine({ memory: '16MiB', cpus: 1 });
    const table = (): number => m.frames.allocAny('page-table');
    const mm = m.createSpace(1, table);
    expect(() => m.ensurePath(mm, KERNEL_HALF, 1, table)).toThrow(
      'no kernel space: call createKernelSpace first',
    );
  });

  it('setRoot loads a host EL1&0 root only while the CPU runs the host regime', () => {
    const { m, table } = rig({ arch: 'arm64', cpus: 1 });
    const mm = m.createSpace(1, table);
    const vm = m.createStage2Space(0, table);
    m.enterRegime(0, { el: 1, vttbr: vm });
    expect(() => m.setRoot(0, mm)).toThrow('setRoot: CPU 0 is not running the host EL1&0 (exitRegime first)');
  });

  it('directMapPfn is the inverse of directMapVa inside memory, -1 outside', () => {
    const { m } = rig({ cpus: 1 });
    const last = m.frames.count - 1;
    expect(m.directMapPfn(m.directMapVa(last))).toBe(last);
    expect(m.directMapPfn(m.directMapVa(last) + 4095)).toBe(last);
    expect(m.directMapPfn(m.directMapVa(0))).toBe(0);
    expect(m.directMapPfn(m.directMapVa(last) + 4096)).toBe(-1);
    expect(m.directMapPfn(m.directMapVa(0) - 1)).toBe(-1);
  });
});

describe('decoding invalid descriptors', () => {
  it('a descriptor without its valid / present bit decodes to an invalid entry at every level', () => {
    for (const level of [1, 2, 3, 4] as const) {
      expect(arm64.decode(0x1000n, level)).toEqual({ flags: 0, pfn: 0 });
      expect(x86_64.decode(0x1000n, level)).toEqual({ flags: 0, pfn: 0 });
    }
    expect(arm64.encode(Pte.WRITABLE, 5, 1)).toBe(0n);
  });

  it('arm64: bit 1 clear at the last level is reserved (invalid); x86: a PML4E is always a table pointer', () => {
    // Arm ARM D8.3: a level-3 descriptor with bit[1] = 0 is reserved, treated as invalid.
    expect(arm64.decode((5n << 12n) | 1n, 1)).toEqual({ flags: 0, pfn: 0 });
    // SDM Vol. 3A §4.5: PML4 entries reference a PDPT; bit 7 (PS) is reserved there.
    expect(x86_64.decode((7n << 12n) | 1n | (1n << 7n), 4)).toEqual({
      flags: Pte.PRESENT | Pte.TABLE,
      pfn: 7,
    });
  });
});

describe('trace events of key writes and x86 flushes', () => {
  it('arm64 POR_EL0 / POR_EL1 writes name the register and value', () => {
    const { m } = rig({ arch: 'arm64', cpus: 2 });
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.setPor(1, 0, 0x37);
    m.setPor(0, 1, 0xffffffff);
    expect(seen.map((e) => [e.kind, e.cpu, e.detail])).toEqual([
      ['key', 1, 'por_el0 37'],
      ['key', 0, 'por_el1 ffffffff'],
    ]);
  });

  it('INVPCID names its type (with the VA for an individual address), CR4.PGE its toggle, CR3 its PCID', () => {
    const { m, table } = rig({ cpus: 1 });
    const mm = m.createSpace(2, table);
    const seen: MmuEvent[] = [];
    m.setEventSink((e) => seen.push(e));
    m.writeCr3(0, mm, true);
    m.invpcid(0, Invpcid.INDIVIDUAL, 2, USER_VA);
    m.invpcid(0, Invpcid.SINGLE_CONTEXT, 2);
    m.flushGlobal(0);
    expect(seen.map((e) => [e.kind, e.va, e.detail])).toEqual([
      ['root', undefined, 'asid 2'],
      ['flush', USER_VA, 'invpcid individual'],
      ['flush', undefined, 'invpcid single-context'],
      ['flush', undefined, 'cr4.pge'],
    ]);
    expect(m.currentSpace(0)).toBe(mm);
  });
});

// A recorder for the x86 port: counts what the arch code asked the hardware to do, per counter name,
// exactly as the MMU would count it (one `invlpg` per INVLPG per CPU, one `full` per full flush per CPU,
// one `ipi` per interrupt), so tests can hold the arch code against the spec's counts alone.
import type { X86Port } from '../src/arch/port.js';

export class RecordingPort implements X86Port {
  readonly counts = new Map<string, number>();
  /** (cpu, va) pairs INVLPG'd, as `cpu:va`. */
  readonly invlpgs: string[] = [];
  /** CR3 loads as `cpu:pcid:flush`. */
  readonly cr3: string[] = [];

  constructor(readonly nrCpus: number) {}

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  reset(): void {
    this.counts.clear();
    this.invlpgs.length = 0;
    this.cr3.length = 0;
  }

  count(name: string, n = 1): void {
    this.counts.set(name, this.get(name) + n);
  }

  invlpg(cpu: number, va: number): void {
    this.count('invlpg');
    this.invlpgs.push(`${cpu}:${va}`);
  }

  invlpgRangeSide(cpu: number, start: number, end: number, stride: number, sides: number): void {
    for (let va = start; va < end; va += stride) {
      if ((sides & 1) !== 0) this.count('invlpg_data');
      if ((sides & 2) !== 0) this.count('invlpg_instr');
      this.invlpgs.push(`${cpu}:${va}:${sides}`);
    }
  }

  flushAllGlobal(_cpu: number): void {
    this.count('full');
  }

  flushLocal(_cpu: number): void {
    this.count('full');
  }

  reloadCr3(cpu: number): void {
    this.cr3.push(`${cpu}:reload`);
  }

  loadCr3(cpu: number, _root: number, pcid: number, flush: boolean): void {
    this.cr3.push(`${cpu}:${pcid}:${flush}`);
  }

  onEachCpu(from: number, cpus: readonly number[] | 'all', func: (cpu: number) => void): void {
    const list = cpus === 'all' ? Array.from({ length: this.nrCpus }, (_, c) => c) : cpus;
    for (const c of list) {
      if (c !== from) this.count('ipi');
      func(c);
    }
  }

  invlpgOnEachCpu(from: number, va: number, pages: number): void {
    this.onEachCpu(from, 'all', (c) => {
      for (let i = 0; i < pages; i++) this.invlpg(c, va + i * 4096);
    });
  }

  invlpgb(_cpu: number, _va: number, _pages: number, _all: boolean): void {
    this.count('invlpgb');
  }

  tlbsync(_cpu: number): void {
    this.count('tlbsync');
  }
}

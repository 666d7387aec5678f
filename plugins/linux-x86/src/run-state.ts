// Everything one run of linux-x86 builds, registered in the run's container under a token of this
// plug-in, so its own ops and probes find the run they belong to.
import type { InjectionToken } from 'tsyringe';
import type { LinuxMm, MmStruct } from '@shootdown/linux-mm';
import type { Machine } from '@shootdown/mmu';
import type { X86LinuxArch } from './arch/x86-arch.js';

export interface MermapMapping {
  readonly cpu: number;
  readonly mm: MmStruct;
  readonly addr: number;
  readonly pages: number;
}

export interface X86Run {
  readonly machine: Machine;
  readonly arch: X86LinuxArch;
  readonly lm: LinuxMm;
  /** Live mermap mappings by the region id of the `linux.mermap-get` step that made them. */
  readonly mermaps: Map<string, MermapMapping>;
}

export const X86_RUN = Symbol.for('@shootdown/policy-linux-x86:Run') as InjectionToken<X86Run>;

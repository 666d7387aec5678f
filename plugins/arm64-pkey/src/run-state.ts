// What one run of arm64-pkey builds, registered in the run's container under this plug-in's own token so its
// probe finds the run it belongs to.
import type { InjectionToken } from 'tsyringe';
import type { LinuxMm } from '@shootdown/linux-mm';
import type { Machine } from '@shootdown/mmu';
import type { Arm64Arch } from './arch/arm64-arch.js';
import type { BootResult } from './arch/boot.js';

export interface Arm64Run {
  readonly machine: Machine;
  readonly arch: Arm64Arch;
  readonly lm: LinuxMm;
  readonly boot: BootResult;
}

export const ARM64_RUN = Symbol.for('@shootdown/policy-arm64-pkey:Run') as InjectionToken<Arm64Run>;

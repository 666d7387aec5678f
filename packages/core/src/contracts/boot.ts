import type { CpuId } from './addresses.js';
import type { OpReport } from './outcome.js';

/**
 * Boot phases a kernel exposes to scenarios (optional contract, `Tokens.Boot`). A policy that registers it
 * configures the machine as far as mem_init — allocators up, protections switched on — and leaves late init
 * to `lateInit`: the runner calls it once, at the scenario's `late-init` step, or before the first step
 * when the scenario has none. Linux arm64: kpkeys_hardened_pgtables_init_late() keys the page tables built
 * before the feature could key them (spec arm64-pkey.md §2.2, §5.5, §5.7).
 */
export interface KernelBoot {
  lateInit(cpu: CpuId): OpReport;
}

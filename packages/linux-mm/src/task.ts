/**
 * The slice of task_struct the mm cares about: which mm a thread uses and its protection-key
 * register (x86 PKRU lives in the thread's xstate, arm64 POR_EL0 in thread_struct). The same
 * process on two CPUs is two tasks sharing one mm.
 */
import type { MmStruct } from './mm.js';

export class Task {
  constructor(
    readonly pid: number,
    public mm: MmStruct,
    /** PKRU / POR_EL0 of this thread. */
    public pkeyRegister: number,
  ) {}
}

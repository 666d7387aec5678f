// A process of the model: its vmspace behind the VmMap contract, its state, and its threads' PKRU values
// (one thread per CPU the process runs on, DESIGN §4).
import type { ProcessState } from '@shootdown/core';
import type { FreeBsdVmMap } from '../vm/vm-map.js';

export interface Proc {
  readonly pid: number;
  readonly map: FreeBsdVmMap;
  state: ProcessState;
  /** PKRU of the process's thread on each CPU (-1: no thread there yet). */
  readonly pkru: Float64Array;
  /** Key indices named by key-alloc (FreeBSD has no allocator; DESIGN §4: lowest index not yet named). */
  named: number;
}

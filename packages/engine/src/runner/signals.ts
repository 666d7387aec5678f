// Signal disposition, one rule for every policy (DESIGN §4 "Semantics rules"): a process declares the
// fault signals it handles (`process` with `handlers:`); the child of a `fork` inherits them (Linux
// copy_sighand, FreeBSD sigacts_copy); `exec` resets caught signals to the default (Linux
// flush_signal_handlers, FreeBSD execsigs). A policy asks `deliver` where its kernel forces the signal;
// a handled signal is recorded on the step and the thread goes on, an unhandled one kills the process,
// and the runner skips every later step of a killed process (with a note) under every policy alike.
import type { FaultSignal, Pid, SignalDelivery } from '@shootdown/core';
import type { SignalName } from '../scenario/types.js';

/** A signal as the result records it: what was delivered, and whether a handler took it. */
export interface DeliveredSignal extends FaultSignal {
  readonly handled: boolean;
}

export class SignalTable implements SignalDelivery {
  readonly #handlers = new Map<Pid, ReadonlySet<SignalName>>();
  /** How each killed process died: the step and the signal. */
  readonly #deaths = new Map<Pid, { readonly step: string; readonly signal: FaultSignal }>();
  /** Signals delivered during the step being executed, in order. */
  #pending: DeliveredSignal[] = [];
  /** Path of the step being executed (a death is attributed to it). */
  step = '';

  install(pid: Pid, handlers: readonly SignalName[]): void {
    if (handlers.length > 0) this.#handlers.set(pid, new Set(handlers));
  }

  /** fork: the child's handlers are the parent's. */
  inherit(parent: Pid, child: Pid): void {
    const h = this.#handlers.get(parent);
    if (h !== undefined) this.#handlers.set(child, h);
  }

  /** exec: caught signals go back to their default action. */
  reset(pid: Pid): void {
    this.#handlers.delete(pid);
  }

  deliver(_cpu: number, pid: Pid, signal: FaultSignal): boolean {
    const handled = this.#handlers.get(pid)?.has(signal.signo) ?? false;
    this.#pending.push({ ...signal, handled });
    if (!handled && !this.#deaths.has(pid)) this.#deaths.set(pid, { step: this.step, signal });
    return handled;
  }

  /** The signals delivered since the last call (one step's). */
  take(): readonly DeliveredSignal[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /** Why `pid` is dead, if a signal killed it: `killed by SIGSEGV (SEGV_PKUERR) at step 4`. */
  death(pid: Pid): string | undefined {
    const d = this.#deaths.get(pid);
    return d === undefined ? undefined : `killed by ${d.signal.signo} (${d.signal.code}) at step ${d.step}`;
  }
}

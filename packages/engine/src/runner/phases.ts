// `interleave` (DESIGN §4): nested steps armed for a named phase of the operation being run; the
// policy calls `reach(phase)` from inside that operation and the nested steps run right there.
import type { Phase, PhaseHook } from '@shootdown/core';

interface Armed {
  readonly phase: Phase;
  readonly run: () => void;
  done: boolean;
}

export class PhaseDispatcher implements PhaseHook {
  readonly #stack: Armed[] = [];

  /** Run `operation` with `nested` armed for `phase`; returns whether the phase was reached. */
  around(phase: Phase, nested: () => void, operation: () => void): boolean {
    const armed: Armed = { phase, run: nested, done: false };
    this.#stack.push(armed);
    try {
      operation();
    } finally {
      this.#stack.pop();
    }
    return armed.done;
  }

  reach(phase: Phase): void {
    // Only the innermost operation's interleave may fire: a nested operation's phases are its own.
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined || top.done || top.phase !== phase) return;
    top.done = true;
    top.run();
  }
}

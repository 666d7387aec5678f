/**
 * The subset of core's FrameBook the generic mm writes (DESIGN §3 invariants): a structural type so
 * tests can pass a small recorder, and the policy passes the run's FrameBook itself.
 */
import type { FrameBook, SharedWork } from '@shootdown/core';

export type FrameSink = Pick<
  FrameBook,
  'setState' | 'setFlag' | 'setExpectedKey' | 'clearExpectedKey' | 'markRevoked'
> & {
  /** Charge the shared work of a frame event (allocating, zeroing, copying a page; a fault): core's
   *  SHARED_WORK, priced by the machine's cost model (spec linux.md §7.4). */
  charge?(work: SharedWork, n: number): void;
};

/** A sink that records nothing (unit tests of pieces that do not care). */
export const NULL_FRAME_SINK: FrameSink = {
  setState() {},
  setFlag() {},
  setExpectedKey() {},
  clearExpectedKey() {},
  markRevoked() {},
};

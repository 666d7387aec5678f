/**
 * The subset of core's FrameBook the generic mm writes (DESIGN §3 invariants): a structural type so
 * tests can pass a small recorder, and the policy passes the run's FrameBook itself.
 */
import type { FrameBook } from '@shootdown/core';

export type FrameSink = Pick<
  FrameBook,
  'setState' | 'setFlag' | 'setExpectedKey' | 'clearExpectedKey' | 'markRevoked'
>;

/** A sink that records nothing (unit tests of pieces that do not care). */
export const NULL_FRAME_SINK: FrameSink = {
  setState() {},
  setFlag() {},
  setExpectedKey() {},
  clearExpectedKey() {},
  markRevoked() {},
};

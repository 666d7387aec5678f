// "Did you mean …" for names typed by a user: core's one implementation (selection/suggest.ts), plus the
// topic rule below.
import { closest } from '@shootdown/core';

export { closest };

/**
 * The topic a mistyped topic name most likely meant: the closest full name, else the topic whose leading
 * word (`vmalloc` of `vmalloc-perms`) is closest — a user often types only the subject.
 */
export function closestTopic(typed: string, topics: readonly string[]): string | undefined {
  const full = closest(typed, topics);
  if (full !== undefined) return full;
  const lead = (t: string): string => t.split('-')[0] ?? t;
  const word = closest(
    typed,
    topics.map((t) => lead(t)),
  );
  return word === undefined ? undefined : [...topics].sort().find((t) => lead(t) === word);
}

// The order Stryker's test runs take their test files in. Vitest's own sequencer runs the longest file
// first, which suits a suite run on many workers; under mutation testing a killed mutant stops at its
// first failing test (bail), so every kill paid for the slowest property tests before reaching the quick
// test that fails. Here: a file that failed last time first (the mutants of one source line tend to be
// killed by the same test), then the quickest, then the smallest (no timing yet).
import { BaseSequencer } from 'vitest/node';
import { relative } from 'node:path';

export default class QuickFirstSequencer extends BaseSequencer {
  async sort(files) {
    const cache = this.ctx.cache;
    const key = (f) => `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
    const facts = new Map(
      files.map((f) => {
        const k = key(f);
        const r = cache.getFileTestResults(k);
        return [
          f,
          { failed: r?.failed === true, duration: r?.duration, size: cache.getFileStats(k)?.size ?? 0, k },
        ];
      }),
    );
    return [...files].sort((a, b) => {
      const x = facts.get(a);
      const y = facts.get(b);
      if (x.failed !== y.failed) return x.failed ? -1 : 1;
      if (x.duration !== undefined && y.duration !== undefined && x.duration !== y.duration)
        return x.duration - y.duration;
      if (x.size !== y.size) return x.size - y.size;
      return x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
    });
  }
}

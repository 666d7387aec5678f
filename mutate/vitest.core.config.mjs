// Vitest configuration Stryker runs packages/core's tests with (see README "Mutation testing").
// Stryker runs from the repository root: a package's own vitest.config.ts would resolve `include`
// against the sandbox root and find nothing, so the root and the tests are named here.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import QuickFirstSequencer from './quick-first-sequencer.mjs';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    // Stryker times out a mutant that loops; vitest's own 5 s limit would count a test slowed by a
    // loaded machine as a kill.
    testTimeout: 120_000,
    include: ['packages/core/test/**/*.test.ts'],
    // Every mutant reruns the tests that cover it: property tests run a tenth of their cases (at least
    // the few each names; block-judge.test.ts's cost a second or more each).
    env: { SHOOTDOWN_PROPERTY_RUNS_SCALE: '0.1' },
    // As for mmu (vitest.mmu.config.mjs): Stryker switches mutants at run time, so a test file need not
    // re-import the packages for every mutant (core's suite 21.7 s → 11.4 s of CPU without isolation).
    isolate: false,
    // Quick test files first, so a killed mutant stops early (quick-first-sequencer.mjs).
    sequence: { sequencer: QuickFirstSequencer },
  },
});

// Vitest configuration Stryker runs packages/mmu's tests with (see README "Mutation testing").
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
    include: ['packages/mmu/test/**/*.test.ts'],
    // Stryker switches mutants at run time (mutant schemata), so a test file need not re-import the
    // package for every mutant: without isolation a surviving mutant costs its tests, not their imports
    // (mmu's suite 17 s → 7 s of CPU; a per-file run of counters.ts ~1 mutant/s instead of ~0.1).
    isolate: false,
    // Quick test files first, so a killed mutant stops early (quick-first-sequencer.mjs).
    sequence: { sequencer: QuickFirstSequencer },
    // Every mutant reruns the tests that cover it: property tests run a tenth of their cases.
    env: { SHOOTDOWN_PROPERTY_RUNS_SCALE: '0.1' },
  },
});

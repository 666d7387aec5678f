import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    exclude: ['fixtures/**', 'node_modules/**'],
    // Each test starts the CLI as a child process on a machine shared with every other package's tests.
    testTimeout: 300_000,
    maxConcurrency: 4,
    hookTimeout: 300_000,
  },
});

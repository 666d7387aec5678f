import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'policy-freebsd-amd64',
    include: ['test/**/*.test.ts'],
    // Tests are sized by work, not by time: on a loaded machine (CI shares its cores) a property test that
    // takes 1 s alone can take 20 s, so the default 5 s limit would fail correct code (issue 13 item 8).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

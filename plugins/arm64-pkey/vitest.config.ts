import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'policy-arm64-pkey', include: ['test/**/*.test.ts'] },
});

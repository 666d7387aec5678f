import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'policy-freebsd-amd64', include: ['test/**/*.test.ts'] },
});

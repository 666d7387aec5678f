import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'policy-linux-x86', include: ['test/**/*.test.ts'] },
});

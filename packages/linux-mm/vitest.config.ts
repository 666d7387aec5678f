import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'linux-mm', include: ['test/**/*.test.ts'] },
});

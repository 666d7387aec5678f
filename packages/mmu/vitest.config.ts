import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'mmu', include: ['test/**/*.test.ts'] },
});

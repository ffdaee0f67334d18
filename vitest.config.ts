import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts', 'test/**/*.test.ts'],
    // Test files share a worker's module cache, so the configuration runs in src/testing.ts are memoised
    // across files. The code under test is pure; the few tests that touch files use their own temp folders.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's own name, for the starter templates (`import … from 'distcheck'`), as tsconfig.json's paths.
  resolve: {
    alias: [
      { find: /^distcheck\/testing$/, replacement: fileURLToPath(new URL('./src/testing.ts', import.meta.url)) },
      { find: /^distcheck$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['properties/**/*.test.ts', 'test/**/*.test.ts', 'templates/**/*.test.ts'],
    // The installed-package test packs, installs and runs the tarball (about a minute with the catalog's report):
    // `npm run test:package` runs it, and .ci/gate.sh runs that after `npm test`.
    exclude: process.env.DISTCHECK_PACKAGE_REPORT ? [] : ['test/package.test.ts'],
    // Test files share a worker's module cache, so the configuration runs in src/testing.ts are memoised
    // across files. The code under test is pure; the few tests that touch files use their own temp folders.
    isolate: false,
    // One worker per core: vitest's default leaves one core free, which on a 2-core machine ran every file in
    // one process, one after another (npm test took 198 s; with both cores, about half).
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

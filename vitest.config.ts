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
    // Two suites run apart, each by its own script, both run by .ci/gate.sh after `npm test`: the installed-package
    // test packs, installs and runs the tarball (about a minute, `npm run test:package`), and the reports test runs
    // every configuration and figure of the catalog to compare with reports/ (about a minute, `npm run test:reports`).
    exclude: [
      ...(process.env.DISTCHECK_PACKAGE_REPORT ? [] : ['test/package.test.ts']),
      ...(process.env.DISTCHECK_REPORTS ? [] : ['test/report.test.ts']),
    ],
    // Test files share a worker's module cache, so the configuration runs in src/testing.ts are memoised
    // across files. The code under test is pure; the few tests that touch files use their own temp folders.
    isolate: false,
    // One worker per core and one more: vitest's default leaves one core free, which on a 2-core machine ran every
    // file in one process, one after another (npm test took 198 s; with both cores, about half). The extra worker
    // runs files while the real-cluster tests wait on etcd and Sentinel (2-core machine, one run each: 2 workers
    // 113 s, 3 workers 101 s, 4 workers 119 s).
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

// `npm run build` (and `prepack`): the package's dist/ from src/. The repository itself needs no build: tsx
// runs the TypeScript (bin/distcheck.mjs). The published package ships JavaScript, so that it runs on plain
// Node 20 and under any test runner:
//   - esbuild bundles the three entry points (the model API, the test helpers, the command line with the
//     built-in catalog) into dist/, sharing code in chunks, with the dependencies left as imports;
//   - tsc writes the type declarations of the two library entry points into dist/types/, and this script
//     gives their relative imports explicit `.js` paths, so that they resolve under every moduleResolution
//     (node16/nodenext demand them).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  // catalog.js: the shipped catalog, loaded, for worker threads; the command line itself loads models lazily.
  // chunks/parallel-worker.js: what an exploration worker thread runs (started by chunks/worker.mjs, below).
  entryPoints: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    'cli/main': 'src/cli/main.ts',
    catalog: 'models/index.ts',
    'chunks/parallel-worker': 'src/check/parallel-worker.ts',
  },
  outdir: 'dist',
  // cli/main.js sits two levels below the package root, as src/cli/main.ts sits below the repository root:
  // init finds templates/ and bench finds bin/ at the same relative path from both.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [
    {
      // Dependencies stay imports; the lab's libraries must not reach the bundle at all.
      name: 'external-dependencies',
      setup(b) {
        const lab = /^(lodash|opossum|cockatiel|limiter|rate-limiter-flexible|@sinonjs\/|mermaid)(\/|$)/;
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (lab.test(args.path)) throw new Error(`${args.importer} imports ${args.path}, a devDependency: the package cannot`);
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

const require = createRequire(import.meta.url);
// Mermaid's single-file browser build, for the explorer's pages: the package depends on no part of mermaid.
copyFileSync(require.resolve('mermaid/dist/mermaid.min.js'), join(dist, 'mermaid.min.js'));
// Worker entries, next to wherever the bundle put the code that starts them (parallel.ts and jobs.ts resolve
// them relative to their own chunk). Each registers tsx first, for a user's TypeScript model file.
const parallelWorker = (to) =>
  `// An exploration worker thread (see src/check/worker.mjs).\nimport { register } from 'tsx/esm/api';\n\nregister();\nconst { serveExplorationRequests } = await import('${to}');\nserveExplorationRequests();\n`;
writeFileSync(join(dist, 'chunks', 'worker.mjs'), parallelWorker('./parallel-worker.js'));
writeFileSync(join(dist, 'cli', 'worker.mjs'), parallelWorker('../chunks/parallel-worker.js'));
for (const dir of ['chunks', 'cli']) copyFileSync(join(root, 'src/ui/worker-boot.mjs'), join(dist, dir, 'worker-boot.mjs'));

const tsc = require.resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

/** Every file under a directory. */
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

for (const file of walk(join(dist, 'types')).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8').replace(/(from\s+|import\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g, (_, before, quote, spec) => {
    const target = join(dirname(file), spec);
    const resolved = existsSync(`${target}.d.ts`) ? `${spec}.js` : existsSync(join(target, 'index.d.ts')) ? `${spec}/index.js` : null;
    if (resolved === null) throw new Error(`${relative(root, file)}: cannot resolve ${spec}`);
    return `${before}${quote}${resolved}${quote}`;
  });
  writeFileSync(file, text);
}

for (const f of [
  'dist/index.js',
  'dist/testing.js',
  'dist/cli/main.js',
  'dist/catalog.js',
  'dist/mermaid.min.js',
  'dist/types/index.d.ts',
  'dist/types/testing.d.ts',
]) {
  if (!existsSync(join(root, f))) throw new Error(`build: ${f} is missing`);
}
const size = walk(dist).reduce((n, f) => n + statSync(f).size, 0);
console.log(`dist/: ${walk(dist).length} files, ${(size / 1024).toFixed(0)} kB`);

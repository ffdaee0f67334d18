#!/usr/bin/env node
// Entry point. In the repository it runs the TypeScript CLI (src/) through tsx's loader, so no build step is
// needed after `npm ci`; the installed package has no src/ and runs the JavaScript of dist/ (npm run build),
// without tsx, which the CLI loads only when it is given a TypeScript model file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A reader that stops early (`distcheck list | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const source = new URL('../src/cli/main.ts', import.meta.url);
let entry = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  // Both hooks: a model file in a package without "type": "module" (npm init's default) is CommonJS to Node.
  const [{ register }, { register: registerCjs }] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  register();
  registerCjs();
  entry = source;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));

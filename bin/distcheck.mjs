#!/usr/bin/env node
// Entry point. In the repository it runs the TypeScript CLI (src/) through tsx's loader, so no build step is
// needed after `npm ci`; the installed package has no src/ and runs the JavaScript of dist/ (npm run build).
// Either way tsx's loader stays registered, so that `distcheck check ./model.ts` can import a user's TypeScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

// Both hooks: a model file in a package without "type": "module" (npm init's default) is CommonJS to Node.
register();
registerCjs();
// A reader that stops early (`distcheck list | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(fileURLToPath(source)) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));

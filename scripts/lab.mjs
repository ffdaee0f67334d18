// `npm run check`: the command line on the repository's lab catalog (models/lab.ts), which adds to the shipped
// catalog the figures that drive npm libraries. Runs the TypeScript through tsx, as bin/distcheck.mjs does.
import { register } from 'tsx/esm/api';

register();
const { main, SHIPPED_APP } = await import('../src/cli/main.ts');
const { LAB } = await import('../models/lab.ts');
process.exitCode = await main(process.argv.slice(2), undefined, { ...SHIPPED_APP, catalog: LAB });

// `distcheck serve` and `distcheck html DIR`: the browser views of traces, live and static, of the catalog's
// models or of a user's model files.
import { parse } from './args';
import type { AnyModel } from '../model/model';
import { loadEntries } from '../model/catalog';
import { runAllConfigurations, tallyLine } from '../report/run';
import { fail } from '../shared/errors';
import type { CatalogSource } from '../ui/jobs';
import { listenError, startUiServer } from '../ui/server';
import { writeHtmlSite } from '../ui/static';
import { findEntry, modelsOf, workerModule, type App } from './models';
import type { Out } from './output';

export const DEFAULT_PORT = 3000;

/** Where the explorer's worker threads find each model: its file, or the catalog's module. */
function sources(app: App, own: readonly AnyModel[], catalog: boolean): CatalogSource[] {
  const files = own.map((m) => workerModule(app, m));
  return catalog ? [app.catalogModule, ...files] : files;
}

/** Serves the UI until SIGINT or SIGTERM; a port that cannot be used is one line and exit 2. */
export async function cmdServe(args: string[], out: Out, app: App): Promise<number> {
  const { values, positionals } = parse(args, { port: { type: 'string' }, catalog: { type: 'boolean' } });
  if (values.catalog && !positionals.length)
    fail('--catalog adds the built-in models to the models of files; without files they are served anyway');
  const raw = values.port as string | undefined;
  if (raw !== undefined && (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)) fail(`--port must be an integer from 0 to 65535, got '${raw}'`);
  const port = raw === undefined ? DEFAULT_PORT : Number(raw);
  const withCatalog = !positionals.length || Boolean(values.catalog);
  const own = positionals.length ? await modelsOf(app, positionals) : [];
  const models = [...own, ...(withCatalog ? await loadEntries(app.catalog.models) : [])];
  const ids = models.map((m) => m.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) fail(`two models have the id '${twice}'; serve them separately`);
  let ui;
  try {
    ui = await startUiServer({ models, catalog: sources(app, own, withCatalog), port, log: out.err });
  } catch (e) {
    return fail(listenError(e, port));
  }
  out.log(`distcheck explorer on ${ui.url} (Ctrl-C stops it)`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await ui.close();
  out.log('stopped');
  return 0;
}

/** Runs every configuration (of the catalog, of the models named with --model, or of files) and writes the static pages. */
export async function cmdHtml(args: string[], out: Out, app: App): Promise<number> {
  const { values, positionals } = parse(args, { model: { type: 'string', multiple: true } });
  if (positionals.length < 1) fail('html takes an output folder: distcheck html DIR [./file.ts...] [--model ID]...');
  const [dir, ...files] = positionals;
  const ids = (values.model as string[] | undefined) ?? [];
  if (ids.length && files.length) fail('html takes either model files or --model ID, not both');
  const models = ids.length ? await Promise.all(ids.map((id) => findEntry(app.catalog.models, id).load())) : await modelsOf(app, files);
  const all = runAllConfigurations(models, (o) => out.log(`${o.asExpected ? '✓' : '✗'} ${o.model} ${o.configuration}: ${o.verdict}`));
  let pages: string[];
  try {
    pages = writeHtmlSite(dir, all);
  } catch (e) {
    return fail(`cannot write ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  out.log(tallyLine(all));
  out.log(`${pages.length} counterexample page${pages.length === 1 ? '' : 's'}; open ${dir.replace(/\/$/, '')}/index.html`);
  return all.every((m) => m.outcomes.every((o) => o.asExpected)) ? 0 : 1;
}

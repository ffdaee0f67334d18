// `distcheck serve` and `distcheck html DIR`: the browser views of traces, live and static.
import { parse } from './args';
import type { AnyModel } from '../model/model';
import { findModel } from '../model/model';
import { runAllConfigurations, tallyLine } from '../report/run';
import { fail } from '../shared/errors';
import type { CatalogSource } from '../ui/jobs';
import { listenError, startUiServer } from '../ui/server';
import { writeHtmlSite } from '../ui/static';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const DEFAULT_PORT = 3000;

/** Serves the UI until SIGINT or SIGTERM; a port that cannot be used is one line and exit 2. */
export async function cmdServe(args: string[], out: Out, models: readonly AnyModel[], catalog: CatalogSource): Promise<number> {
  const { values, positionals } = parse(args, { port: { type: 'string' } });
  if (positionals.length) fail('serve takes no arguments (options: --port P)');
  const raw = values.port as string | undefined;
  if (raw !== undefined && (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)) fail(`--port must be an integer from 0 to 65535, got '${raw}'`);
  const port = raw === undefined ? DEFAULT_PORT : Number(raw);
  let ui;
  try {
    ui = await startUiServer({ models, catalog, port, log: out.err });
  } catch (e) {
    return fail(listenError(e, port));
  }
  out.log(`distcheck explorer on ${ui.url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await ui.close();
  out.log('stopped');
  return 0;
}

/** Runs every configuration (of every model, or of those named with --model) and writes the static pages. */
export function cmdHtml(args: string[], out: Out, models: readonly AnyModel[]): number {
  const { values, positionals } = parse(args, { model: { type: 'string', multiple: true } });
  if (positionals.length !== 1) fail('html takes one output folder: distcheck html DIR [--model ID]...');
  const chosen = ((values.model as string[] | undefined) ?? []).map((id) => findModel(models, id));
  const all = runAllConfigurations(chosen.length ? chosen : models, (o) =>
    out.log(`${o.asExpected ? '✓' : '✗'} ${o.model} ${o.configuration}: ${o.verdict}`),
  );
  const dir = positionals[0];
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

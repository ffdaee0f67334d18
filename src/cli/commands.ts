// The commands that are short enough to share a file: list, replay, report, diff and the bench's entry points.
import { dirname, join, resolve } from 'node:path';
import { loadCatalog, loadEntries } from '../model/catalog';
import type { AnyModel, Catalog } from '../model/model';
import { resolveParams } from '../model/params';
import { diffExitCode, diffManifests, parseManifest, renderDiff } from '../report/diff';
import { writeReports } from '../report/files';
import { renderJUnit } from '../report/junit';
import { renderReports } from '../report/render';
import { runAllConfigurations, tallyLine, type ModelOutcomes } from '../report/run';
import { SHARD_FILE, inShard, parseShard, shardFileText, storeOutcome, type ShardEntry } from '../report/shard';
import { fail } from '../shared/errors';
import { renderTraceText } from '../trace/trace';
import { parseTraceFile, replayTrace } from '../trace/trace-file';
import { parse } from './args';
import { benchFloor, benchOne, runBench, type ModelResolver } from './bench';
import { findEntry, modelArg, modelsOf, workerModule, type App } from './models';
import { readText, writeText, type Out } from './output';

/** `appliesWhen` in words: "only when link=bounded". */
const appliesText = (when: Readonly<Record<string, readonly unknown[]>>): string =>
  `only when ${Object.entries(when)
    .map(([k, vs]) => `${k}=${vs.join('|')}`)
    .join(' and ')}`;

export async function cmdList(args: string[], out: Out, app: App): Promise<number> {
  const { positionals } = parse(args, {});
  for (const m of await modelsOf(app, positionals)) {
    out.log(`${m.id} — ${m.title}`);
    out.log(`  source: ${m.source}`);
    out.log(
      `  params: ${
        Object.entries(m.params)
          .map(([k, s]) => `${k}=${s.default} (${s.description}${s.appliesWhen ? `; ${appliesText(s.appliesWhen)}` : ''})`)
          .join('; ') || 'none'
      }`,
    );
    out.log(`  variants: ${m.variants.map((v) => (v.breaks ? `${v.name} (breaks ${v.breaks})` : v.name)).join(', ')}`);
    out.log(`  configurations: ${m.configurations.map((c) => c.name).join(', ')}`);
  }
  return 0;
}

export async function cmdReplay(args: string[], out: Out, app: App): Promise<number> {
  const { values, positionals } = parse(args, { model: { type: 'string' }, export: { type: 'string' } });
  if (positionals.length !== 1) fail('replay takes one trace file');
  const traceFile = positionals[0];
  const trace = parseTraceFile(readText(traceFile), `trace file ${traceFile}`);
  let model: AnyModel;
  if (values.model !== undefined) model = await modelArg(app, values.model as string, values.export as string | undefined);
  else if (trace.modelFile) {
    // The file the trace recorded, relative to the trace's folder.
    const file = resolve(dirname(traceFile), trace.modelFile.file);
    model = await modelArg(app, file, (values.export as string | undefined) ?? trace.modelFile.export);
  } else {
    if (!app.catalog.models.some((m) => m.id === trace.model))
      fail(`the trace is of model '${trace.model}', which is not built in: name its file with --model ./path/to/model.ts`);
    model = await findEntry(app.catalog.models, trace.model).load();
  }
  const result = replayTrace(trace, model);
  out.log(renderTraceText(trace, model.machine(resolveParams(model, trace.params), trace.variant)));
  out.log(result.message);
  return result.reproduced ? 0 : 1;
}

/** The catalog of a report: the whole catalog, some of its models (--model), or the models of the given files. */
export async function reportCatalog(app: App, files: readonly string[], ids: readonly string[] | undefined): Promise<Catalog> {
  if (files.length) return { models: await modelsOf(app, files), comparisons: [], figures: [] };
  if (!ids) return loadCatalog(app.catalog);
  for (const id of ids) findEntry(app.catalog.models, id);
  // Some models: their pages and the comparisons among them; the figures belong to the whole catalog's report.
  const [models, comparisons] = await Promise.all([
    loadEntries(app.catalog.models.filter((e) => ids.includes(e.id))),
    app.catalog.comparisons(),
  ]);
  return { models, comparisons, figures: [] };
}

export const REPORT_OPTIONS = {
  out: { type: 'string' },
  junit: { type: 'string' },
  shard: { type: 'string' },
  model: { type: 'string', multiple: true },
} as const;

/** The JUnit file of a run: one case per configuration, with the seconds each took. */
export function writeJUnitOf(file: string, all: readonly ModelOutcomes[], seconds: readonly number[]): void {
  const cases = all.flatMap(({ model, outcomes }) =>
    outcomes.map((outcome) => ({ outcome, machine: model.machine(resolveParams(model, outcome.params), outcome.variant) })),
  );
  writeText(file, renderJUnit(cases.map((c, i) => ({ ...c, seconds: seconds[i] }))));
}

export async function cmdReport(args: string[], out: Out, app: App): Promise<number> {
  const { values, positionals } = parse(args, REPORT_OPTIONS);
  const ids = values.model as string[] | undefined;
  if (ids && positionals.length) fail('--model picks models of the catalog; model files are arguments: give one or the other');
  const shard = values.shard === undefined ? undefined : parseShard(values.shard as string);
  const catalog = await reportCatalog(app, positionals, ids);
  const dir =
    (values.out as string | undefined) ??
    (shard ? `reports/last-run/shard-${shard.index}-of-${shard.count}` : positionals.length || ids ? 'reports/last-run' : 'reports');
  const seconds: number[] = [];
  const entries: ShardEntry[] = [];
  let last = performance.now();
  const ran = runAllConfigurations(
    catalog.models,
    (o, k) => {
      const now = performance.now();
      seconds.push((now - last) / 1000);
      last = now;
      if (shard)
        entries.push({
          index: k,
          seconds: seconds[seconds.length - 1],
          outcome: storeOutcome(
            catalog.models.find((m) => m.id === o.model)!,
            o,
          ),
        });
      out.log(
        `${o.asExpected ? '✓' : '✗'} ${o.model} ${o.configuration}: ${o.verdict} (${o.distinctStates.toLocaleString('en-US')} states, depth ${o.depth})`,
      );
    },
    shard ? (k) => inShard(k, shard) : undefined,
  );
  // A shard renders the models it ran a configuration of; `merge` renders them all.
  const all = shard ? ran.filter((m) => m.outcomes.length > 0) : ran;
  // A shard has some configurations of a model: no comparison table, which may need the others, and no figures.
  writeReports(dir, await renderReports(all, shard ? { ...catalog, comparisons: [], figures: [] } : catalog));
  if (shard) {
    const total = catalog.models.reduce((n, m) => n + m.configurations.length, 0);
    const selection = positionals.length ? { files: positionals } : ids ? { models: ids } : {};
    writeText(join(dir, SHARD_FILE), shardFileText(shard, selection, total, entries));
  }
  const junit = values.junit as string | undefined;
  if (junit) {
    writeJUnitOf(junit, all, seconds);
    out.log(`JUnit written to ${junit}`);
  }
  out.log(tallyLine(all));
  out.log(`reports written to ${dir}/${shard ? ` (shard ${shard.index}/${shard.count}: distcheck merge combines the shards)` : ''}`);
  return all.every((m) => m.outcomes.every((o) => o.asExpected)) ? 0 : 1;
}

/** `diff BASE HEAD`: Markdown summary of what changed between two manifests; exit 1 on a regression. */
export function cmdDiff(args: string[], out: Out): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length !== 2) fail('diff takes two manifest files: BASE HEAD (e.g. reports/manifest.json of two branches)');
  const [base, head] = positionals.map((file) => parseManifest(readText(file), file));
  const d = diffManifests(base, head);
  out.log(renderDiff(d));
  return Promise.resolve(diffExitCode(d));
}

/** A model id or file, with the module a worker thread imports it from. */
const resolver =
  (app: App): ModelResolver =>
  async (arg) => {
    const model = await modelArg(app, arg);
    return { model, module: workerModule(app, model) };
  };

export const cmdBench = (args: string[], out: Out, app: App): Promise<number> => runBench(args, out, resolver(app));
export const cmdBenchOne = (args: string[], out: Out, app: App): Promise<number> => benchOne(args, out, resolver(app));
export const cmdBenchFloor = (args: string[], out: Out, app: App): Promise<number> => benchFloor(args, out, resolver(app));

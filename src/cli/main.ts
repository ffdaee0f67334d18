// The `distcheck` command line, and the composition root: the only module of src/ that knows the catalog of
// models; everything it calls takes the models it works on as arguments.
// Exit codes: 0 as expected, 1 unexpected result, 2 bad input, 3 limit reached.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from './args';
import { benchOne, runBench } from './bench';
import { cmdInit } from './init';
import { isModelFile, loadModelFile } from './load-model';
import { benchLinearizable } from './bench-linearizable';
import { LINEARIZABLE_USAGE, cmdLinearizable } from './linearizable';
import { cmdHtml, cmdServe } from './serve';
import { UsageError, fail } from '../shared/errors';
import type { Progress } from '../check/explore';
import { checkVariant, findModel, type AnyModel } from '../model/model';
import { formatParams, parseParamArgs, resolveParams } from '../model/params';
import { CATALOG } from '../../models/index';
// Check workers of `serve` import the catalog from here: this module is an entry point of the bundle too.
export { CATALOG } from '../../models/index';
import { writeReports } from '../report/files';
import { renderReports } from '../report/render';
import { runAllConfigurations, tallyLine } from '../report/run';
import { diffExitCode, diffManifests, parseManifest, renderDiff } from '../report/diff';
import { renderJUnit } from '../report/junit';
import { runAsync, type RunOutcome } from '../check/run';
import { parseWorkers } from '../check/parallel';
import { renderTraceText } from '../trace/trace';
import { parseTraceFile, replayTrace, traceToJson } from '../trace/trace-file';

const USAGE = `usage:
  distcheck list
  distcheck check <model | ./file.ts [--export NAME]> [--config NAME] [--variant V] [--param k=v]... [--strategy bfs|random] [--seed S] [--path P]
                  [--runs N] [--walk-length N] [--max-states N] [--max-depth N] [--max-seconds N]
                  [--deadlock] [--symmetry] [--workers N] [--json] [--save DIR] [--junit FILE]
  distcheck replay <trace.json> [--model ./file.ts [--export NAME]]
  distcheck init <name>
  distcheck report [--out DIR] [--junit FILE]
  distcheck diff BASE-manifest.json HEAD-manifest.json
  distcheck bench <model> --param k=FROM..TO [--param k=v]... [--variant V] [--repeat N] [--workers N[,N]...]
  ${LINEARIZABLE_USAGE}
  distcheck serve [--port P]
  distcheck html DIR [--model ID]...`;

/**
 * Where worker threads (parallel exploration, the explorer UI's checks) import the catalog from: this module,
 * which re-exports it, so the same reference works from the TypeScript sources and from the built package.
 */
const CATALOG_MODULE = { module: import.meta.url, exportName: 'CATALOG' };

type Out = { log: (s: string) => void; err: (s: string) => void };
const defaultOut: Out = { log: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

function intOption(name: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw)))
    fail(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return Number(raw);
}

/** One overwritten line on a terminal; nothing when output is piped, so logs and --json stay clean. */
function progressPrinter(): ((p: Progress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return (p) =>
    void process.stderr.write(
      `\r  ${n(p.distinct)} distinct, ${n(p.generated / p.seconds)} states/s, queue ${n(p.queue)}, depth ${p.depth}   `,
    );
}

function cmdList(out: Out): number {
  for (const m of CATALOG.models) {
    out.log(`${m.id} — ${m.title}`);
    out.log(`  source: ${m.source}`);
    out.log(
      `  params: ${
        Object.entries(m.params)
          .map(([k, s]) => `${k}=${s.default} (${s.description})`)
          .join('; ') || 'none'
      }`,
    );
    out.log(`  variants: ${m.variants.map((v) => (v.breaks ? `${v.name} (breaks ${v.breaks})` : v.name)).join(', ')}`);
    out.log(`  configurations: ${m.configurations.map((c) => c.name).join(', ')}`);
  }
  return 0;
}

function outcomeJson(o: RunOutcome): unknown {
  return {
    model: o.model,
    variant: o.variant,
    params: o.params,
    strategy: o.strategy,
    symmetry: o.symmetry,
    result: o.result,
    distinctStates: o.distinctStates,
    statesGenerated: o.statesGenerated,
    depth: o.depth,
    violations: o.violations.map((v) => ({
      property: v.property,
      kind: v.kind,
      trace: v.trace,
      ...(v.seed !== undefined ? { seed: v.seed, path: v.path } : {}),
    })),
    expected: o.expected,
    asExpected: o.asExpected,
    verdict: o.verdict,
    unreached: o.unreached,
    witnesses: o.witnesses.map((w) => ({ property: w.property, steps: w.steps.length - 1 })),
    coverage: o.coverage,
    collisionProbability: o.collisionProbability,
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.random ? { random: o.random } : {}),
  };
}

/** A catalog model by id, or a user's model from a file (its default export, or --export NAME). */
async function modelArg(arg: string, exportName: string | undefined): Promise<AnyModel> {
  if (isModelFile(arg)) return loadModelFile(arg, exportName);
  if (exportName !== undefined) fail(`--export needs a model file (./path/to/model.ts), got '${arg}'`);
  return findModel(CATALOG.models, arg);
}

async function cmdCheck(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    export: { type: 'string' },
    config: { type: 'string' },
    variant: { type: 'string' },
    param: { type: 'string', multiple: true },
    strategy: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    runs: { type: 'string' },
    'walk-length': { type: 'string' },
    'max-states': { type: 'string' },
    'max-depth': { type: 'string' },
    'max-seconds': { type: 'string' },
    deadlock: { type: 'boolean' },
    symmetry: { type: 'boolean' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    junit: { type: 'string' },
    save: { type: 'string' },
  });
  if (positionals.length !== 1) fail(`check takes one model id (see 'distcheck list') or model file`);
  const model = await modelArg(positionals[0], values.export as string | undefined);
  const configName = values.config as string | undefined;
  const config = configName === undefined ? undefined : model.configurations.find((c) => c.name === configName);
  if (configName !== undefined && !config) {
    fail(`unknown configuration '${configName}' for ${model.id} (known: ${model.configurations.map((c) => c.name).join(', ')})`);
  }
  const variant = (values.variant as string | undefined) ?? config?.variant ?? 'correct';
  checkVariant(model, variant);
  const strategy = (values.strategy as string | undefined) ?? config?.strategy ?? 'bfs';
  if (strategy !== 'bfs' && strategy !== 'random') fail(`--strategy must be bfs or random, got '${strategy}'`);
  // A named configuration supplies defaults (parameters, seed, expectation); explicit options override them.
  const given = { ...(config?.params ?? {}), ...parseParamArgs((values.param as string[] | undefined) ?? []) };
  resolveParams(model, given);
  const seedRaw = values.seed as string | undefined;
  if (seedRaw !== undefined && !/^-?\d+$/.test(seedRaw)) fail(`--seed must be an integer, got '${seedRaw}'`);
  const json = Boolean(values.json);
  const workers = values.workers === undefined ? 1 : parseWorkers(values.workers as string);
  if (workers > 1 && strategy !== 'bfs') fail('--workers applies to breadth-first search, not to random walks');
  // A user's model file is not in the catalog the worker threads load: it runs on one thread.
  if (workers > 1 && isModelFile(positionals[0])) fail('--workers is for the built-in models; a model file runs on one thread');
  const started = performance.now();
  const outcome = await runAsync({
    workers,
    modelModule: CATALOG_MODULE,
    model,
    variant,
    params: given,
    strategy,
    seed: seedRaw === undefined ? config?.seed : Number(seedRaw),
    path: values.path as string | undefined,
    runs: intOption('runs', values.runs as string | undefined, 1) ?? config?.runs,
    walkLength: intOption('walk-length', values['walk-length'] as string | undefined, 1) ?? config?.walkLength,
    ...(config?.expect ? { expect: config.expect } : {}),
    ...(config ? { configuration: config.name } : {}),
    ...(values.symmetry || config?.symmetry ? { symmetry: true } : {}),
    explore: {
      maxStates: intOption('max-states', values['max-states'] as string | undefined, 1),
      maxDepth: intOption('max-depth', values['max-depth'] as string | undefined, 1),
      maxSeconds: intOption('max-seconds', values['max-seconds'] as string | undefined, 1),
      checkDeadlock: Boolean(values.deadlock),
      onProgress: json ? undefined : progressPrinter(),
    },
  });
  if (process.stderr.isTTY && !json) process.stderr.write('\r\x1b[K');
  const junit = values.junit as string | undefined;
  if (junit) {
    const machine = model.machine(resolveParams(model, given), variant);
    writeText(junit, renderJUnit([{ outcome, machine, seconds: (performance.now() - started) / 1000 }]));
  }
  const saveDir = (values.save as string | undefined) ?? 'reports/last-run';
  const saved = outcome.violations.map((v) => {
    const file = join(saveDir, `${outcome.model}.${outcome.variant}.${v.property}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, traceToJson(v.trace));
    return file;
  });
  if (json) {
    out.log(JSON.stringify(outcomeJson(outcome)));
    return outcome.exitCode;
  }
  const machine = model.machine(resolveParams(model, given), variant);
  out.log(
    `${model.id} [${variant}; ${formatParams(outcome.params)}] ${outcome.strategy === 'bfs' ? 'breadth-first' : 'random walks'}${outcome.symmetry ? ' with symmetry reduction (distinct = orbits)' : ''}`,
  );
  out.log(
    `  ${outcome.distinctStates.toLocaleString('en-US')} distinct states, ${outcome.statesGenerated.toLocaleString('en-US')} generated, depth ${outcome.depth}` +
      (outcome.collisionProbability !== null ? `, fingerprint collision probability ${outcome.collisionProbability.toExponential(1)}` : ''),
  );
  if (outcome.limit) out.log(`  limit reached: ${outcome.limit.message} (figures are partial)`);
  for (const w of outcome.witnesses) out.log(`  sometimes ${w.property}: reached in ${w.steps.length - 1} steps`);
  if (outcome.neverFired.length) out.log(`  never fired: ${outcome.neverFired.join(', ')}`);
  outcome.violations.forEach((v, i) => {
    out.log('');
    out.log(renderTraceText(v.trace, machine));
    const explanation = machine.explain?.(v.trace.steps[v.trace.steps.length - 1].state);
    if (explanation) out.log(explanation);
    if (v.seed !== undefined) out.log(`  replay the shrunk walk: --strategy random --seed ${v.seed} --path ${v.path}`);
    out.log(`  saved: ${saved[i]}`);
  });
  out.log('');
  const heading = outcome.asExpected ? 'as expected' : outcome.exitCode === 3 ? 'INCONCLUSIVE' : 'UNEXPECTED';
  out.log(`${heading}: ${outcome.verdict}`);
  return outcome.exitCode;
}

async function cmdReplay(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { model: { type: 'string' }, export: { type: 'string' } });
  if (positionals.length !== 1) fail('replay takes one trace file');
  let text: string;
  try {
    text = readFileSync(positionals[0], 'utf8');
  } catch (e) {
    return fail(`cannot read ${positionals[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const trace = parseTraceFile(text, `trace file ${positionals[0]}`);
  if (values.model === undefined && !CATALOG.models.some((m) => m.id === trace.model)) {
    fail(`the trace is of model '${trace.model}', which is not built in: name its file with --model ./path/to/model.ts`);
  }
  const model = await modelArg((values.model as string | undefined) ?? trace.model, values.export as string | undefined);
  const result = replayTrace(trace, model);
  out.log(renderTraceText(trace, model.machine(resolveParams(model, trace.params), trace.variant)));
  out.log(result.message);
  return result.reproduced ? 0 : 1;
}

function cmdReport(args: string[], out: Out): number {
  const { values, positionals } = parse(args, { out: { type: 'string' }, junit: { type: 'string' } });
  if (positionals.length) fail('report takes no arguments');
  const dir = (values.out as string | undefined) ?? 'reports';
  const seconds: number[] = [];
  let last = performance.now();
  const all = runAllConfigurations(CATALOG.models, (o) => {
    const now = performance.now();
    seconds.push((now - last) / 1000);
    last = now;
    out.log(
      `${o.asExpected ? '✓' : '✗'} ${o.model} ${o.configuration}: ${o.verdict} (${o.distinctStates.toLocaleString('en-US')} states, depth ${o.depth})`,
    );
  });
  writeReports(dir, renderReports(all, CATALOG));
  const junit = values.junit as string | undefined;
  if (junit) {
    const cases = all.flatMap(({ model, outcomes }) =>
      outcomes.map((outcome) => ({ outcome, machine: model.machine(resolveParams(model, outcome.params), outcome.variant) })),
    );
    writeText(junit, renderJUnit(cases.map((c, i) => ({ ...c, seconds: seconds[i] }))));
    out.log(`JUnit written to ${junit}`);
  }
  out.log(tallyLine(all));
  out.log(`reports written to ${dir}/`);
  return all.every((m) => m.outcomes.every((o) => o.asExpected)) ? 0 : 1;
}

/** `diff BASE HEAD`: Markdown summary of what changed between two manifests; exit 1 on a regression. */
function cmdDiff(args: string[], out: Out): number {
  const { positionals } = parse(args, {});
  if (positionals.length !== 2) fail('diff takes two manifest files: BASE HEAD (e.g. reports/manifest.json of two branches)');
  const [base, head] = positionals.map((file) => parseManifest(readText(file), file));
  const d = diffManifests(base, head);
  out.log(renderDiff(d));
  return diffExitCode(d);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function writeText(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (e) {
    fail(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function main(argv: string[], out: Out = defaultOut): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'list':
        return cmdList(out);
      case 'check':
        return await cmdCheck(rest, out);
      case 'replay':
        return await cmdReplay(rest, out);
      case 'init':
        return cmdInit(parse(rest, {}).positionals, out, process.cwd());
      case 'report':
        return cmdReport(rest, out);
      case 'diff':
        return cmdDiff(rest, out);
      case 'bench':
        return await runBench(rest, out, CATALOG.models);
      case 'serve':
        return await cmdServe(rest, out, CATALOG.models, CATALOG_MODULE);
      case 'html':
        return cmdHtml(rest, out, CATALOG.models);
      case 'bench-one':
        return await benchOne(rest, out, CATALOG.models, CATALOG_MODULE);
      case 'linearizable':
        return await cmdLinearizable(rest, out);
      case 'bench-linearizable':
        return await benchLinearizable(rest, out);
      case undefined:
      case 'help':
      case '--help':
        out.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return fail(`unknown command '${command}' (commands: list, check, replay, report, diff, linearizable, bench, init, serve, html)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      out.err(`distcheck: ${e.message}`);
      return 2;
    }
    out.err(`distcheck: internal error: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

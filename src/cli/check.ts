// `distcheck check`: parse (options into a run request, every contradiction one line), run, present (text or
// JSON, saved counterexamples, JUnit).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Progress } from '../check/explore';
import { oldGenerationMB } from '../check/level';
import { parseWorkers } from '../check/parallel';
import { run, runAsync, type RunOutcome, type RunRequest } from '../run/run';
import {
  checkVariant,
  expectedOutcome,
  livenessPropertyNames,
  onlyProperties,
  withOnlyProperties,
  type AnyMachine,
  type AnyModel,
} from '../model/model';
import { appliedParams, formatParams, parseParamArgs, resolveParams } from '../model/params';
import { renderJUnit } from '../report/junit';
import { ModelError, fail } from '../shared/errors';
import { buildTrace, renderTraceText, type Trace, type TraceContext } from '../trace/trace';
import { traceToJson } from '../trace/trace-file';
import { parse } from './args';
import { modelOrigin } from './load-model';
import { modelArg, workerModule, type App } from './models';
import { pathToError } from './model-error';
import { WHOLE } from '../check/campaign';
import {
  campaignLines,
  exploreLong,
  minutesOption,
  parseShard,
  replayPrefix,
  runCampaignCommand,
  type CampaignResult,
  type LongRun,
} from './long-runs';
import { plural, writeText, type Out } from './output';

export const CHECK_OPTIONS = {
  export: { type: 'string' },
  config: { type: 'string' },
  variant: { type: 'string' },
  param: { type: 'string', multiple: true },
  property: { type: 'string', multiple: true },
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
  minutes: { type: 'string' },
  rounds: { type: 'string' },
  'keep-going': { type: 'boolean' },
  shard: { type: 'string' },
  checkpoint: { type: 'string' },
  'checkpoint-minutes': { type: 'string' },
  resume: { type: 'string' },
} as const;

export function intOption(name: string, raw: string | undefined, min = 0): number | undefined {
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

interface CheckPlan {
  readonly model: AnyModel;
  readonly request: RunRequest;
  readonly json: boolean;
  readonly junit?: string;
  readonly saveDir: string;
  readonly long?: LongRun;
}

/** Options into a run request; a contradiction or an option that does not apply is one line (exit 2). */
async function parseCheck(args: string[], app: App): Promise<CheckPlan> {
  const { values: v, positionals } = parse(args, CHECK_OPTIONS);
  const values = v as Partial<Record<keyof typeof CHECK_OPTIONS, string & string[] & boolean>>;
  if (positionals.length !== 1) fail(`check takes one model id (see 'distcheck list') or model file`);
  const model = await modelArg(app, positionals[0], values.export);
  const configName = values.config;
  const config = configName === undefined ? undefined : model.configurations.find((c) => c.name === configName);
  if (configName !== undefined && !config) {
    fail(`unknown configuration '${configName}' for ${model.id} (known: ${model.configurations.map((c) => c.name).join(', ')})`);
  }
  if (config && values.variant !== undefined && values.variant !== config.variant)
    fail(`--config ${config.name} runs variant ${config.variant}; --variant ${values.variant} contradicts it (drop one)`);
  const variant = values.variant ?? config?.variant ?? 'correct';
  checkVariant(model, variant);
  const strategy = values.strategy ?? config?.strategy ?? 'bfs';
  if (strategy !== 'bfs' && strategy !== 'random') fail(`--strategy must be bfs or random, got '${strategy}'`);
  if (strategy === 'bfs')
    for (const o of ['seed', 'path', 'runs', 'walk-length'] as const)
      if (values[o] !== undefined) fail(`--${o} applies to random walks (--strategy random), not to breadth-first search`);
  if (strategy === 'random')
    for (const o of ['max-states', 'max-depth', 'deadlock', 'symmetry'] as const)
      if (values[o] !== undefined) fail(`--${o} applies to breadth-first search, not to random walks`);
  // A named configuration supplies defaults (parameters, seed, expectation); explicit options override them.
  const given = { ...(config?.params ?? {}), ...parseParamArgs(values.param ?? []) };
  const resolved = resolveParams(model, given);
  // Checked here, before any run: an unknown property, or leaving out the one the run must violate, is one line.
  if (values.property) withOnlyProperties(model, values.property, resolved, variant, expectedOutcome(model, variant, config?.expect));
  const seedRaw = values.seed;
  if (seedRaw !== undefined && !/^-?\d+$/.test(seedRaw)) fail(`--seed must be an integer, got '${seedRaw}'`);
  const json = Boolean(values.json);
  const workers = values.workers === undefined ? 1 : parseWorkers(values.workers);
  if (workers > 1 && strategy !== 'bfs') fail('--workers applies to breadth-first search, not to random walks');
  const long = parseLong(values, strategy, workers, positionals[0], args);
  const modelModule = workerModule(app, model);
  const request: RunRequest = {
    workers,
    modelModule,
    model,
    variant,
    params: given,
    strategy,
    seed: seedRaw === undefined ? config?.seed : Number(seedRaw),
    path: values.path,
    runs: intOption('runs', values.runs, 1) ?? (long?.campaign ? undefined : config?.runs),
    walkLength: intOption('walk-length', values['walk-length'], 1) ?? config?.walkLength,
    ...(config?.expect ? { expect: config.expect } : {}),
    ...(config ? { configuration: config.name } : {}),
    ...(values.symmetry || config?.symmetry ? { symmetry: true } : {}),
    ...(values.property ? { properties: values.property } : {}),
    explore: {
      maxStates: intOption('max-states', values['max-states'], 1),
      maxDepth: intOption('max-depth', values['max-depth'], 1),
      maxSeconds: intOption('max-seconds', values['max-seconds'], 1),
      checkDeadlock: Boolean(values.deadlock),
      onProgress: json ? undefined : progressPrinter(),
    },
  };
  return {
    model,
    request,
    json,
    ...(values.junit ? { junit: values.junit } : {}),
    saveDir: values.save ?? 'reports/last-run',
    ...(long ? { long } : {}),
  };
}

/** The options of a long run (a campaign, checkpoints); each applies to one strategy. */
function parseLong(
  values: Partial<Record<keyof typeof CHECK_OPTIONS, string & string[] & boolean>>,
  strategy: string,
  workers: number,
  modelArg: string,
  args: readonly string[],
): LongRun | undefined {
  const campaign = values.minutes !== undefined || values.rounds !== undefined;
  if (!campaign) {
    for (const o of ['keep-going', 'shard'] as const)
      if (values[o] !== undefined) fail(`--${o} applies to a random-walk campaign (--strategy random --minutes N or --rounds N)`);
  }
  if (campaign && strategy !== 'random')
    fail(`--${values.minutes !== undefined ? 'minutes' : 'rounds'} runs a random-walk campaign: add --strategy random`);
  if (campaign && values.path !== undefined) fail('--path replays one walk; a campaign (--minutes, --rounds) runs many');
  if (campaign && values['max-seconds'] !== undefined) fail('a campaign is time-boxed by --minutes, not --max-seconds');
  const checkpointed = values.checkpoint !== undefined || values.resume !== undefined;
  if (values['checkpoint-minutes'] !== undefined && values.checkpoint === undefined) fail('--checkpoint-minutes needs --checkpoint FILE');
  if (checkpointed && strategy === 'random' && !campaign)
    fail('--checkpoint and --resume apply to breadth-first search and to campaigns (--minutes, --rounds), not to a fixed --runs');
  if (checkpointed && workers > 1) fail('--checkpoint and --resume apply to breadth-first search on one thread, not with --workers');
  if (!campaign && !checkpointed) return undefined;
  const minutes = minutesOption('minutes', values.minutes);
  const rounds = intOption('rounds', values.rounds, 1);
  return {
    modelArg: values.export !== undefined ? `${modelArg}#${values.export}` : modelArg,
    ...(campaign
      ? {
          campaign: {
            ...(minutes !== undefined ? { minutes } : {}),
            ...(rounds !== undefined ? { rounds } : {}),
            keepGoing: Boolean(values['keep-going']),
            shard: values.shard ? parseShard(values.shard) : WHOLE,
          },
        }
      : {}),
    ...(values.checkpoint !== undefined ? { checkpoint: values.checkpoint } : {}),
    ...(values['checkpoint-minutes'] !== undefined
      ? { checkpointMinutes: minutesOption('checkpoint-minutes', values['checkpoint-minutes']) }
      : {}),
    ...(values.resume !== undefined ? { resume: values.resume } : {}),
    args,
  };
}

/** The file name of a saved counterexample: model, configuration or parameters, variant, property. */
export function savedTraceName(o: RunOutcome, property: string): string {
  const scope =
    o.configuration ??
    formatParams(o.params)
      .replace(/[^A-Za-z0-9=.,-]+/g, '_')
      .replace(/^_|_$/g, '');
  return `${o.model}.${scope ? `${scope}.` : ''}${o.variant}.${property}.json`;
}

/** A trace with the model file it came from, relative to the folder the trace is saved in. */
export function withOrigin(trace: Trace, model: AnyModel, traceFile: string): Trace {
  const origin = modelOrigin(model);
  if (!origin) return trace;
  const file = relative(dirname(resolve(traceFile)), resolve(origin.file))
    .split('\\')
    .join('/');
  return { ...trace, modelFile: { file, export: origin.exportName } };
}

function saveTraces(plan: CheckPlan, outcome: RunOutcome): string[] {
  const seen = new Map<string, number>();
  return outcome.violations.map((v) => {
    // A campaign may find several walks that break one property: the second and later get a number.
    const k = (seen.get(v.property) ?? 0) + 1;
    seen.set(v.property, k);
    const name = savedTraceName(outcome, v.property);
    const file = join(plan.saveDir, k === 1 ? name : name.replace(/\.json$/, `.${k}.json`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, traceToJson(withOrigin(v.trace, plan.model, file)));
    return file;
  });
}

export function outcomeJson(o: RunOutcome, machine: AnyMachine): unknown {
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
    liveness: livenessStatus(o, livenessPropertyNames(machine)),
    coverage: o.coverage,
    collisionProbability: o.collisionProbability,
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.random ? { random: o.random } : {}),
  };
}

/** Each liveness property: held, violated, or not checked (random walks, a limit). */
function livenessStatus(o: RunOutcome, names: readonly string[]): Record<string, 'held' | 'violated' | 'unchecked'> {
  const out: Record<string, 'held' | 'violated' | 'unchecked'> = {};
  for (const p of names) {
    out[p] = o.violations.some((v) => v.property === p) ? 'violated' : o.unchecked.includes(p) ? 'unchecked' : 'held';
  }
  return out;
}

function presentText(
  plan: CheckPlan,
  outcome: RunOutcome,
  machine: AnyMachine,
  saved: readonly string[],
  out: Out,
  campaign?: { readonly lines: readonly string[]; readonly replay: string },
): void {
  const { model } = plan;
  // A campaign may collect many walks per property: the shortest of each is shown, the others are listed above.
  const shortest = (p: string): number => Math.min(...outcome.violations.filter((v) => v.property === p).map((v) => v.trace.steps.length));
  const shown = new Set(
    campaign
      ? [...new Set(outcome.violations.map((v) => v.property))].map((p) =>
          outcome.violations.find((v) => v.property === p && v.trace.steps.length === shortest(p)),
        )
      : outcome.violations,
  );
  out.log(
    `${model.id} [${outcome.variant}; ${formatParams(appliedParams(model, outcome.params))}] ${outcome.strategy === 'bfs' ? 'breadth-first' : 'random walks'}${outcome.symmetry ? ' with symmetry reduction (distinct = orbits)' : ''}`,
  );
  out.log(
    `  ${outcome.distinctStates.toLocaleString('en-US')} distinct states, ${outcome.statesGenerated.toLocaleString('en-US')} generated, depth ${outcome.depth}` +
      (outcome.collisionProbability !== null ? `, fingerprint collision probability ${outcome.collisionProbability.toExponential(1)}` : ''),
  );
  if (outcome.limit) out.log(`  limit reached: ${outcome.limit.message} (figures are partial)`);
  // The heap is Node's, fixed at start: say how to raise it (the guard stops at 3/4 of it).
  if (outcome.limit?.kind === 'memory')
    out.log(`  more memory: NODE_OPTIONS=--max-old-space-size=MB (now ${oldGenerationMB()}), or --workers N`);
  for (const line of campaign?.lines ?? []) out.log(line);
  for (const w of outcome.witnesses) out.log(`  sometimes ${w.property}: reached in ${plural(w.steps.length - 1, 'step')}`);
  for (const [p, status] of Object.entries(livenessStatus(outcome, livenessPropertyNames(machine))))
    if (status !== 'violated') out.log(`  ${kindOf(machine, p)} ${p}: ${status === 'held' ? 'holds' : 'not checked'}`);
  if (outcome.neverFired.length) out.log(`  never fired: ${outcome.neverFired.join(', ')}`);
  if (shown.size < outcome.violations.length)
    out.log(`  (${plural(outcome.violations.length - shown.size, 'longer counterexample')} saved in ${plan.saveDir}, not shown)`);
  outcome.violations.forEach((v, i) => {
    if (!shown.has(v)) return;
    out.log('');
    out.log(renderTraceText(v.trace, machine));
    const explanation = machine.explain?.(v.trace.steps[v.trace.steps.length - 1].state);
    if (explanation) out.log(explanation);
    if (v.seed !== undefined)
      out.log(
        `  replay the shrunk walk${campaign ? ' alone' : ''}: ${campaign ? `${campaign.replay} ` : '--strategy random '}--seed ${v.seed} --path ${v.path}`,
      );
    out.log(`  saved: ${saved[i]}`);
  });
  out.log('');
  if (outcome.asExpected) out.log(`as expected: ${outcome.verdict}`);
  else if (outcome.exitCode === 3) out.log(`INCONCLUSIVE: ${outcome.verdict}`);
  else out.log(/^[A-Z ]+:/.test(outcome.verdict) ? outcome.verdict : `UNEXPECTED: ${outcome.verdict}`);
}

const kindOf = (machine: AnyMachine, name: string): string => machine.properties.find((p) => p.name === name)?.kind ?? 'property';

/** A model error with its path, rendered as a trace of the machine (when the path replays). */
export function withModelErrorTrace(e: unknown, machine: () => AnyMachine, ctx: TraceContext): unknown {
  if (!(e instanceof ModelError) || e.trace !== undefined) return e;
  const path = e.path ?? pathToError(e, machine());
  if (!path?.length) return e;
  try {
    const [init, ...choices] = path;
    const trace = buildTrace(machine(), ctx, { property: 'model error', kind: 'always', path: { init, choices } });
    const [, ...steps] = renderTraceText(trace, machine()).split('\n');
    return (e.path ? e : e.withPath(path)).withTrace([`the path to that state (${plural(choices.length, 'step')}):`, ...steps].join('\n'));
  } catch {
    return e;
  }
}

export async function cmdCheck(args: string[], out: Out, app: App): Promise<number> {
  const plan = await parseCheck(args, app);
  const started = performance.now();
  const params = resolveParams(plan.model, plan.request.params ?? {});
  const { long } = plan;
  let campaign: CampaignResult | undefined;
  const go = async (): Promise<RunOutcome | number> => {
    if (!long) return runAsync(plan.request);
    const machine = onlyProperties(plan.model.machine(params, plan.request.variant), plan.request.properties);
    if (long.campaign) {
      campaign = await runCampaignCommand(long, plan.model, plan.request, machine, params, plan.saveDir, plan.json);
      return campaign.outcome;
    }
    const explored = await exploreLong(long, plan.request, machine, params, out);
    return typeof explored === 'number' ? explored : run(plan.request, explored);
  };
  const result = await go().catch((e: unknown) => {
    const ctx = { model: plan.model.id, variant: plan.request.variant, params };
    throw withModelErrorTrace(e, () => plan.model.machine(params, plan.request.variant), ctx);
  });
  if (typeof result === 'number') return result;
  const outcome = result;
  if (process.stderr.isTTY && !plan.json) process.stderr.write('\r\x1b[K');
  const machine = plan.model.machine(params, outcome.variant);
  if (plan.junit) writeText(plan.junit, renderJUnit([{ outcome, machine, seconds: (performance.now() - started) / 1000 }]));
  const saved = saveTraces(plan, outcome);
  const c = campaign as CampaignResult | undefined;
  const replay = c && long ? replayPrefix(long.modelArg.split('#')[0], outcome.variant, outcome.params, outcome.random!) : '';
  if (plan.json)
    out.log(JSON.stringify({ ...(outcomeJson(outcome, machine) as object), ...(c ? { campaign: campaignJson(c, replay) } : {}) }));
  else presentText(plan, outcome, machine, saved, out, c && long ? { lines: campaignLines(long, c), replay } : undefined);
  // An interrupted campaign has no verdict, unless it caught the bug it was after.
  if (c?.interrupted && !(outcome.asExpected && outcome.expected.result === 'violation')) return 3;
  return outcome.exitCode;
}

function campaignJson(c: CampaignResult, replay: string): unknown {
  const s = c.state;
  return {
    rounds: s.rounds,
    walks: s.walks,
    actionInstances: s.instances.length,
    actionsTaken: s.actions,
    seconds: Math.round(s.seconds * 10) / 10,
    stopped: c.interrupted ? 'interrupted' : s.stopped,
    violations: s.violations.map((v) => ({
      property: v.property,
      steps: v.path.choices.length,
      round: v.round,
      seed: v.seed,
      path: v.replayPath,
      replay: `${replay} --seed ${v.seed} --path ${v.replayPath}`,
    })),
    ...(c.written ? { checkpoint: c.written } : {}),
  };
}

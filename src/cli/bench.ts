// `distcheck bench <model> --param k=FROM..TO [--workers 1,2]`: the exhaustive explorer on one model over a
// range of one parameter, for each worker count. Each run is its own child process, so peak RSS is that run's
// alone (worker threads included) and JIT state does not leak between sizes; the table reports medians over
// several runs because the machines are noisy, and the worker counts take turns so that they share the noise.
// Writes reports/bench-<model>.md (outside the drift check).
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fail } from '../shared/errors';
import { explore } from '../check/explore';
import { exploreParallel, parseWorkers, type ModuleRef } from '../check/parallel';
import { checkVariant, type AnyModel } from '../model/model';
import { parseParamArgs, resolveParams } from '../model/params';
import { FP } from '../shared/fingerprint';
import { stateFingerprint } from '../check/state-fingerprint';

type Out = { log: (s: string) => void; err: (s: string) => void };

interface Sample {
  distinct: number;
  generated: number;
  depth: number;
  seconds: number;
  /** CPU time of every thread of the process during the exploration. */
  cpuSeconds: number;
  peakRssMB: number;
}

const BIN = fileURLToPath(new URL('../../bin/distcheck.mjs', import.meta.url));

/** Child side: `bench-one <model> <variant> <workers> k=v...`, one exploration, one JSON line. */
/** A model id or file, resolved to the model and the module worker threads load it from. */
export type ModelResolver = (arg: string) => Promise<{ model: AnyModel; module: ModuleRef }>;

export async function benchOne(args: string[], out: Out, resolveModel: ModelResolver): Promise<number> {
  const [modelArg, variant, workersRaw, ...pairs] = args;
  if (workersRaw === undefined) fail('usage: distcheck bench-one <model> <variant> <workers> k=v...');
  const { model, module: modelModule } = await resolveModel(modelArg);
  checkVariant(model, variant);
  const workers = parseWorkers(workersRaw);
  const params = resolveParams(model, parseParamArgs(pairs));
  const machine = model.machine(params, variant);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const source = { ...modelModule, model: model.id, params, variant };
  const r = workers > 1 ? await exploreParallel(machine, { workers, source }) : explore(machine);
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const sample: Sample = {
    distinct: r.distinctStates,
    generated: r.statesGenerated,
    depth: r.depth,
    seconds,
    cpuSeconds: (user + system) / 1e6,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  out.log(JSON.stringify(sample));
  return 0;
}

/**
 * Child side: `bench-floor <model> <variant> k=v...`, the model's own cost with no engine: breadth-first over the
 * reachable states, each level is first walked once timed, calling only the model's `actions` and `next` on every
 * transition and keeping nothing, then walked again untimed to find the next level (deduplicated by the engine's
 * fingerprint). The timed seconds are what any explorer of this model must spend in one thread, whatever its
 * engine: a ceiling on its speed. One JSON line: { distinct, transitions, modelSeconds, unchanged } (unchanged: the
 * timed steps that returned their state, counted so that the timed calls have a use and cannot be optimised away).
 */
export async function benchFloor(args: string[], out: Out, resolveModel: ModelResolver): Promise<number> {
  const [modelArg, variant, ...pairs] = args;
  if (variant === undefined) fail('usage: distcheck bench-floor <model> <variant> k=v...');
  const { model } = await resolveModel(modelArg);
  checkVariant(model, variant);
  const machine = model.machine(resolveParams(model, parseParamArgs(pairs)), variant);
  const fingerprint = stateFingerprint(machine, false);
  const seen = new Set<number>();
  const isNew = (s: unknown): boolean => {
    fingerprint.into(s);
    const k = FP[0] * 0x100000000 + FP[1];
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  let level: unknown[] = machine.init.filter(isNew);
  let transitions = 0;
  let modelMs = 0;
  let sink = 0;
  while (level.length > 0) {
    const started = performance.now();
    for (const s of level) for (const a of machine.actions(s)) if (machine.next(s, a) === s) sink++;
    modelMs += performance.now() - started;
    const nextLevel: unknown[] = [];
    for (const s of level) {
      fingerprint.parent(s);
      for (const a of machine.actions(s)) {
        transitions++;
        const t = machine.next(s, a);
        if (isNew(t)) nextLevel.push(t);
      }
    }
    level = nextLevel;
  }
  out.log(JSON.stringify({ distinct: seen.size, transitions, modelSeconds: modelMs / 1000, unchanged: sink }));
  return 0;
}

function runChild(args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'bench-one', ...args], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench child ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Sample);
    });
  });
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The one parameter given as a range `k=FROM..TO`, and the fixed ones. */
function splitRange(pairs: Record<string, string>): { name: string; from: number; to: number; fixed: Record<string, string> } {
  const ranged = Object.entries(pairs).filter(([, v]) => v.includes('..'));
  if (ranged.length !== 1) fail('bench needs exactly one parameter range, e.g. --param rms=3..8');
  const [name, raw] = ranged[0];
  const m = /^(\d+)\.\.(\d+)$/.exec(raw);
  if (!m || Number(m[1]) > Number(m[2])) fail(`--param ${name}=${raw}: a range is FROM..TO with FROM ≤ TO`);
  const fixed = Object.fromEntries(Object.entries(pairs).filter(([k]) => k !== name));
  return { name, from: Number(m[1]), to: Number(m[2]), fixed };
}

export async function runBench(args: string[], out: Out, resolveModel: ModelResolver): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        param: { type: 'string', multiple: true },
        variant: { type: 'string' },
        repeat: { type: 'string' },
        workers: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail('bench takes one model id, e.g. distcheck bench two-phase-commit --param rms=3..8');
  const { model } = await resolveModel(positionals[0]);
  const variant = values.variant ?? 'correct';
  checkVariant(model, variant);
  const range = splitRange(parseParamArgs(values.param ?? []));
  // Validate every size before spending minutes on the first ones.
  for (let v = range.from; v <= range.to; v++) resolveParams(model, { ...range.fixed, [range.name]: String(v) });
  const repeat = values.repeat === undefined ? 3 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) fail('--repeat must be an integer from 1 to 20');
  const workerCounts = [...new Set((values.workers ?? '1').split(',').map(parseWorkers))];
  const fixedArgs = Object.entries(range.fixed).map(([k, v]) => `${k}=${v}`);
  const header = `| ${range.name} | distinct | generated | depth | seconds (median) | CPU s (median) | states/s (distinct) | generated/s | peak RSS MB (median) | runs |`;
  const rule = '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|';
  const rows = new Map<number, string[]>(workerCounts.map((w) => [w, []]));
  const medians: { v: number; seconds: number[]; rss: number[] }[] = [];
  out.log(`bench: ${model.id}, ${variant} variant, breadth-first, ${repeat} runs per size and worker count, medians`);
  for (let v = range.from; v <= range.to; v++) {
    const samples = new Map<number, Sample[]>(workerCounts.map((w) => [w, []]));
    for (let i = 0; i < repeat; i++) {
      for (const w of workerCounts)
        samples.get(w)!.push(await runChild([positionals[0], variant, String(w), ...fixedArgs, `${range.name}=${v}`]));
    }
    const m = { v, seconds: [] as number[], rss: [] as number[] };
    for (const w of workerCounts) {
      const xs = samples.get(w)!;
      const s = xs[0];
      const secs = median(xs.map((x) => x.seconds));
      const cpuSecs = median(xs.map((x) => x.cpuSeconds));
      const rss = median(xs.map((x) => x.peakRssMB));
      m.seconds.push(secs);
      m.rss.push(rss);
      const row = `| ${v} | ${s.distinct.toLocaleString('en-US')} | ${s.generated.toLocaleString('en-US')} | ${s.depth} | ${secs.toFixed(2)} | ${cpuSecs.toFixed(2)} | ${Math.round(s.distinct / secs).toLocaleString('en-US')} | ${Math.round(s.generated / secs).toLocaleString('en-US')} | ${Math.round(rss)} | ${xs.map((x) => x.seconds.toFixed(2)).join(', ')} |`;
      rows.get(w)!.push(row);
      out.log(`workers ${w}: ${row}`);
    }
    medians.push(m);
  }
  const workersLabel = (w: number): string => (w === 1 ? '1 worker (single-threaded)' : `${w} workers`);
  const comparison =
    workerCounts.length < 2
      ? []
      : [
          `## Worker counts side by side`,
          '',
          `Median seconds and peak RSS per worker count; the ratio is the ${workerCounts[0]}-worker median over each other one, from runs taken in turns in the same session.`,
          '',
          `| ${range.name} | ${workerCounts.map((w) => `${w}w seconds | ${w}w RSS MB`).join(' | ')} | ${workerCounts
            .slice(1)
            .map((w) => `speed-up ${workerCounts[0]}w/${w}w`)
            .join(' | ')} |`,
          `|---:|${workerCounts.map(() => '---:|---:|').join('')}${workerCounts
            .slice(1)
            .map(() => '---:|')
            .join('')}`,
          ...medians.map(
            (m) =>
              `| ${m.v} | ${m.seconds.map((s, i) => `${s.toFixed(2)} | ${Math.round(m.rss[i])}`).join(' | ')} | ${m.seconds
                .slice(1)
                .map((s) => `${(m.seconds[0] / s).toFixed(2)}×`)
                .join(' | ')} |`,
          ),
          '',
        ];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const file = `reports/bench-${model.id}.md`;
  const text = [
    `# Benchmark: ${model.id}, exhaustive breadth-first search`,
    '',
    `Written by \`npm run bench\`. Variant ${variant}${fixedArgs.length ? `, ${fixedArgs.join(', ')}` : ''}. Node ${process.version}, ${cpus().length} × ${cpu}.`,
    'Each run is a separate process. Seconds are wall-clock time of the exploration (worker start-up included), CPU',
    'seconds the time of all its threads, peak RSS the whole process (worker threads included): medians; the last',
    'column lists every run. The machine is shared, so wall-clock times are noisy; CPU seconds are steadier.',
    '',
    ...workerCounts.flatMap((w) => [`## ${workersLabel(w)}`, '', header, rule, ...rows.get(w)!, '']),
    ...comparison,
  ].join('\n');
  writeFileSync(file, text);
  out.log(`written: ${file}`);
  return 0;
}

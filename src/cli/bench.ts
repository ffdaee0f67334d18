// `distcheck bench <model> --param k=FROM..TO`: the exhaustive explorer on one model over a range of one
// parameter. Each run is its own child process, so peak RSS is that run's alone and JIT state does not leak
// between sizes; the table reports medians over several runs because the machines are noisy. Writes
// reports/bench-<model>.md (outside the drift check).
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fail } from '../shared/errors';
import { explore } from '../check/explore';
import { checkVariant, findModel, type AnyModel } from '../model/model';
import { parseParamArgs, resolveParams } from '../model/params';

type Out = { log: (s: string) => void; err: (s: string) => void };

interface Sample {
  distinct: number;
  generated: number;
  depth: number;
  seconds: number;
  peakRssMB: number;
}

const BIN = fileURLToPath(new URL('../../bin/distcheck.mjs', import.meta.url));

/** Child side: `bench-one <model> <variant> k=v...`, one exploration, one JSON line. */
export function benchOne(args: string[], out: Out, models: readonly AnyModel[]): number {
  const [modelId, variant, ...pairs] = args;
  const model = findModel(models, modelId);
  checkVariant(model, variant);
  const machine = model.machine(resolveParams(model, parseParamArgs(pairs)), variant);
  const started = performance.now();
  const r = explore(machine);
  const seconds = (performance.now() - started) / 1000;
  const sample: Sample = {
    distinct: r.distinctStates,
    generated: r.statesGenerated,
    depth: r.depth,
    seconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  out.log(JSON.stringify(sample));
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

export async function runBench(args: string[], out: Out, models: readonly AnyModel[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { param: { type: 'string', multiple: true }, variant: { type: 'string' }, repeat: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail('bench takes one model id, e.g. distcheck bench two-phase-commit --param rms=3..8');
  const model = findModel(models, positionals[0]);
  const variant = values.variant ?? 'correct';
  checkVariant(model, variant);
  const range = splitRange(parseParamArgs(values.param ?? []));
  // Validate every size before spending minutes on the first ones.
  for (let v = range.from; v <= range.to; v++) resolveParams(model, { ...range.fixed, [range.name]: String(v) });
  const repeat = values.repeat === undefined ? 3 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) fail('--repeat must be an integer from 1 to 20');
  const fixedArgs = Object.entries(range.fixed).map(([k, v]) => `${k}=${v}`);
  const rows: string[] = [];
  const header = `| ${range.name} | distinct | generated | depth | seconds (median) | states/s (distinct) | generated/s | peak RSS MB (median) | runs |`;
  out.log(`bench: ${model.id}, ${variant} variant, breadth-first, ${repeat} runs per size, medians`);
  out.log(header);
  for (let v = range.from; v <= range.to; v++) {
    const samples: Sample[] = [];
    for (let i = 0; i < repeat; i++) samples.push(await runChild([model.id, variant, ...fixedArgs, `${range.name}=${v}`]));
    const s = samples[0];
    const secs = median(samples.map((x) => x.seconds));
    const rss = median(samples.map((x) => x.peakRssMB));
    const row = `| ${v} | ${s.distinct.toLocaleString('en-US')} | ${s.generated.toLocaleString('en-US')} | ${s.depth} | ${secs.toFixed(2)} | ${Math.round(s.distinct / secs).toLocaleString('en-US')} | ${Math.round(s.generated / secs).toLocaleString('en-US')} | ${Math.round(rss)} | ${samples.map((x) => x.seconds.toFixed(2)).join(', ')} |`;
    rows.push(row);
    out.log(row);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const file = `reports/bench-${model.id}.md`;
  const text = [
    `# Benchmark: ${model.id}, exhaustive breadth-first search`,
    '',
    `Written by \`npm run bench\`. Variant ${variant}${fixedArgs.length ? `, ${fixedArgs.join(', ')}` : ''}. Node ${process.version}, ${cpus().length} × ${cpu}.`,
    'Each run is a separate process; seconds and peak RSS are medians, the last column lists every run.',
    '',
    header,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(file, text);
  out.log(`written: ${file}`);
  return 0;
}

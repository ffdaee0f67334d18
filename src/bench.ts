// `npm run bench`: two-phase commit for rms = 3..8 with the exhaustive explorer. Each run is its own child
// process, so peak RSS is that run's alone and JIT state does not leak between sizes; the table reports
// medians over several runs because the machines are noisy. Writes reports/bench.md (outside the drift check).
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fail } from './errors';
import { explore } from './explore';
import { resolveParams } from './params';
import { findModel } from './registry';

type Out = { log: (s: string) => void; err: (s: string) => void };

interface Sample {
  distinct: number;
  generated: number;
  depth: number;
  seconds: number;
  peakRssMB: number;
}

const BENCH_MODEL = 'two-phase-commit';
const BIN = fileURLToPath(new URL('../bin/distcheck.mjs', import.meta.url));

/** Child side: one exploration, one JSON line. */
export function benchOne(args: string[], out: Out): number {
  const [modelId, rmsRaw] = args;
  const model = findModel(modelId);
  const machine = model.machine(resolveParams(model, { rms: rmsRaw }), 'correct');
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

function runChild(rms: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'bench-one', BENCH_MODEL, String(rms)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bench child for rms=${rms} failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Sample);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function runBench(args: string[], out: Out): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { from: { type: 'string' }, to: { type: 'string' }, repeat: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const num = (name: string, raw: string | undefined, dflt: number, min: number, max: number): number => {
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const from = num('from', values.from, 3, 1, 10);
  const to = num('to', values.to, 8, from, 10);
  const repeat = num('repeat', values.repeat, 3, 1, 20);
  const rows: string[] = [];
  const header =
    '| rms | distinct | generated | depth | seconds (median) | states/s (distinct) | generated/s | peak RSS MB (median) | runs |';
  out.log(`bench: ${BENCH_MODEL}, correct variant, breadth-first, ${repeat} runs per size, medians`);
  out.log(header);
  for (let rms = from; rms <= to; rms++) {
    const samples: Sample[] = [];
    for (let i = 0; i < repeat; i++) samples.push(await runChild(rms));
    const s = samples[0];
    const secs = median(samples.map((x) => x.seconds));
    const rss = median(samples.map((x) => x.peakRssMB));
    const row = `| ${rms} | ${s.distinct.toLocaleString('en-US')} | ${s.generated.toLocaleString('en-US')} | ${s.depth} | ${secs.toFixed(2)} | ${Math.round(s.distinct / secs).toLocaleString('en-US')} | ${Math.round(s.generated / secs).toLocaleString('en-US')} | ${Math.round(rss)} | ${samples.map((x) => x.seconds.toFixed(2)).join(', ')} |`;
    rows.push(row);
    out.log(row);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Benchmark: two-phase-commit, exhaustive breadth-first search',
    '',
    `Written by \`npm run bench\`. Node ${process.version}, ${cpus().length} × ${cpu}. Each run is a separate process;`,
    'seconds and peak RSS are medians, the last column lists every run. Target: rms = 8 in ≤ 20 s and ≤ 1.5 GB',
    '(TLC 2.19 needs 35–63 s and 3.1 GB on the same kind of machine).',
    '',
    header,
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
  writeFileSync('reports/bench.md', text);
  out.log('written: reports/bench.md');
  return 0;
}

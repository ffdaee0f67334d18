// `distcheck bench-linearizable`: times the linearizability checker on histories shaped like the ones it is
// meant for, generated with a fixed seed by a simulated concurrent object (below), and writes medians to
// reports/bench-linearizability.md (outside the reports drift check):
// - a cas-register history shaped like a Jepsen etcd test: about 85 operations from 20 processes, 15 of them
//   crashed as info, up to 20 operations pending at once; once linearizable, once with one stale read;
// - a kv history of 2,000 operations from 50 clients over 10 keys;
// - a batch of 100 register histories of the etcd shape, checked in one `distcheck linearizable` call;
// - kv histories shaped like Porcupine's `c50-ok` and `c50-bad` (50 clients, 10 keys, unique appended values;
//   test/support/kv-histories.ts), as EDN; the bad one has a stale get on a known key, which must be the key
//   reported;
// - a history that stays hard (kv, one key, many crashed appends) under --max-seconds 2: exit 3, on time.
// The simulator is also what the differential test draws its histories from.
import { BENCH_LINEARIZABLE_HELP } from './help';
import { seededRandom } from '../shared/random';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../shared/errors';
import { parseHistory } from '../check/history';
import { kvHistoryEdn } from '../../test/support/kv-histories';
import { SPECS, checkLinearizable } from '../check/linearizability';
import { median } from './bench';
import { cmdLinearizable } from './linearizable';

type Out = { log: (s: string) => void; err: (s: string) => void };

export interface SimulationOptions {
  readonly model: 'register' | 'cas-register' | 'kv';
  readonly processes: number;
  readonly operations: number;
  /** Keys to spread operations over; without it events carry no key. */
  readonly keys?: number;
  /** Register values are 0 .. values − 1. */
  readonly values?: number;
  /** Operations that end in info; each took effect before the crash, takes effect later, or never. */
  readonly crashes?: number;
  /** Operations that end in fail without taking effect. */
  readonly fails?: number;
  /** Reads that report a value other than the one they saw: the faulty object. */
  readonly staleReads?: number;
}

type Plan = 'ok' | 'fail' | 'crash' | 'stale';
interface InFlight {
  readonly process: number;
  readonly f: string;
  readonly key?: string;
  readonly input: unknown;
  readonly plan: Plan;
  applied: boolean;
  output?: unknown;
}

/** `count` distinct indices below `n` (a taken index moves on to the next free one, so any `rand` terminates). */
function pick(rand: () => number, n: number, count: number): Set<number> {
  const out = new Set<number>();
  while (out.size < Math.min(count, n)) {
    let i = Math.floor(rand() * n);
    while (out.has(i)) i = (i + 1) % n;
    out.add(i);
  }
  return out;
}

/**
 * A history of a concurrent register or key-value store, as JSON Lines. Each operation takes effect
 * atomically at a random moment between its invoke and its completion, so the history is linearizable unless
 * `staleReads` makes some reads lie. `rand` returns numbers in [0, 1).
 */
export function simulateHistory(rand: () => number, o: SimulationOptions): string {
  const int = (n: number): number => Math.min(n - 1, Math.floor(rand() * n));
  const values = o.values ?? 5;
  const plans = new Map<number, Plan>();
  for (const i of pick(rand, o.operations, o.staleReads ?? 0)) plans.set(i, 'stale');
  for (const i of pick(rand, o.operations, o.crashes ?? 0)) if (!plans.has(i)) plans.set(i, 'crash');
  for (const i of pick(rand, o.operations, o.fails ?? 0)) if (!plans.has(i)) plans.set(i, 'fail');
  const store = new Map<string | undefined, unknown>();
  /** Every value each key has held, oldest first: what a stale read reports. */
  const past = new Map<string | undefined, unknown[]>();
  const initial = o.model === 'kv' ? '' : null;
  const read = (key: string | undefined): unknown => (store.has(key) ? store.get(key) : initial);
  const set = (key: string | undefined, v: unknown): void => {
    past.set(key, [...(past.get(key) ?? [initial]), v]);
    store.set(key, v);
  };
  /** The oldest value the key held other than the current one, or one nobody wrote. */
  const stale = (key: string | undefined, now: unknown): unknown =>
    (past.get(key) ?? []).find((v) => v !== now) ?? (o.model === 'kv' ? '?' : values);
  const lines: string[] = [];
  const emit = (e: InFlight, type: string, value?: unknown): void => {
    lines.push(JSON.stringify({ process: e.process, type, f: e.f, ...(e.key !== undefined ? { key: e.key } : {}), value: value ?? null }));
  };
  const apply = (e: InFlight): void => {
    e.applied = true;
    const now = read(e.key);
    if (e.f === 'read' || e.f === 'get') {
      e.output = e.plan === 'stale' ? stale(e.key, now) : now;
    } else if (e.f === 'write' || e.f === 'put') set(e.key, e.input);
    else if (e.f === 'append') set(e.key, (now as string) + (e.input as string));
    else {
      const [expected, next] = e.input as [unknown, unknown];
      e.output = now === expected;
      if (e.output) set(e.key, next);
    }
  };
  const invoke = (process: number, index: number): InFlight => {
    const plan = plans.get(index) ?? 'ok';
    const key = o.keys === undefined ? undefined : `k${int(o.keys)}`;
    let f: string;
    let input: unknown = null;
    if (o.model === 'kv') {
      f = plan === 'stale' ? 'get' : (['get', 'put', 'append'] as const)[int(3)];
      if (f === 'put') input = String.fromCharCode(97 + int(26));
      if (f === 'append') input = String.fromCharCode(97 + int(26));
    } else {
      const fs = o.model === 'cas-register' ? ['read', 'write', 'cas'] : ['read', 'write'];
      f = plan === 'stale' ? 'read' : fs[int(fs.length)];
      if (f === 'write') input = int(values);
      if (f === 'cas') input = [int(values), int(values)];
    }
    return { process, f, ...(key !== undefined ? { key } : {}), input, plan, applied: false };
  };

  const inFlight: (InFlight | undefined)[] = Array.from({ length: o.processes }, () => undefined);
  const zombies: InFlight[] = [];
  let invoked = 0;
  for (;;) {
    const moves: (() => void)[] = [];
    for (let p = 0; p < o.processes; p++) {
      const e = inFlight[p];
      if (e === undefined) {
        if (invoked < o.operations)
          moves.push(() => {
            const op = invoke(p, invoked++);
            inFlight[p] = op;
            emit(op, 'invoke', op.input);
          });
      } else if (!e.applied && e.plan === 'fail')
        moves.push(() => {
          emit(e, 'fail');
          inFlight[p] = undefined;
        });
      else if (!e.applied) moves.push(() => apply(e));
      else if (e.plan !== 'crash') moves.push(() => ((inFlight[p] = undefined), emit(e, 'ok', e.output)));
      // A crash: the client learns nothing; the operation took effect (applied), or may still, or never will.
      if (e?.plan === 'crash')
        moves.push(() => {
          emit(e, 'info');
          inFlight[p] = undefined;
          if (!e.applied && rand() < 0.5) zombies.push(e);
        });
    }
    for (const z of zombies) if (!z.applied) moves.push(() => apply(z));
    if (moves.length === 0) break;
    moves[int(moves.length)]();
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** The most operations pending at once, counting an info operation as pending until its info event. */
export function maxPending(text: string): number {
  let pending = 0;
  let most = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    pending += JSON.parse(line).type === 'invoke' ? 1 : -1;
    most = Math.max(most, pending);
  }
  return most;
}

const ETCD: SimulationOptions = { model: 'cas-register', processes: 20, operations: 85, crashes: 15, fails: 5, values: 5 };
const KV: SimulationOptions = { model: 'kv', processes: 50, operations: 2000, keys: 10, crashes: 20, fails: 20 };
const HARD: SimulationOptions = { model: 'kv', processes: 30, operations: 600, crashes: 200 };

/** EDN events as JSON Lines, only to count pending operations the way maxPending does. */
const jsonLinesOf = (edn: string): string =>
  edn
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.stringify({ type: /:type :(\w+)/.exec(l)?.[1] }))
    .join('\n');


/** A stale get on this key makes the c50-bad-shaped history not linearizable; the checker must name it. */
export const C50_BAD_KEY = '3';
export const C50_OK = { seed: 1 } as const;
export const C50_BAD = { seed: 1, staleGet: { key: C50_BAD_KEY, at: 0.6 } } as const;

export async function benchLinearizable(args: string[], out: Out): Promise<number> {
  let repeat = 7;
  try {
    const { values } = parseArgs({ args, options: { repeat: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      out.log(BENCH_LINEARIZABLE_HELP);
      return 0;
    }
    if (values.repeat !== undefined) repeat = Number(values.repeat);
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50) fail('--repeat must be an integer from 1 to 50');
  const rows: string[] = [];
  const time = async (
    name: string,
    model: string,
    text: string,
    ops: number,
    procs: number,
    keys: number,
    info: number,
    verdict: string,
    fn: () => unknown,
  ) => {
    const samples: number[] = [];
    let rss = 0;
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      await fn();
      samples.push((performance.now() - started) / 1000);
      rss = Math.max(rss, process.memoryUsage().rss);
    }
    const row = `| ${name} | ${model} | ${ops.toLocaleString('en-US')} | ${procs} | ${keys} | ${info} | ${maxPending(text)} | ${verdict} | ${median(samples).toFixed(4)} | ${Math.round(rss / 2 ** 20)} | ${samples.map((s) => s.toFixed(4)).join(', ')} |`;
    rows.push(row);
    out.log(row);
  };
  const single = async (name: string, opts: SimulationOptions, seed: number, explain = true) => {
    const text = simulateHistory(seededRandom(seed), opts);
    const spec = SPECS[opts.model];
    const h = parseHistory(text, name, spec);
    const r = checkLinearizable(spec, h.operations, { explain });
    const info = h.operations.filter((op) => op.outcome === 'info').length;
    const verdict = r.linearizable
      ? 'linearizable'
      : explain
        ? `not linearizable, explained (line ${r.explanation?.breakingLine} breaks it)`
        : 'not linearizable (verdict only)';
    await time(name, opts.model, text, h.operations.length, h.processes, r.keys, info, verdict, () => {
      checkLinearizable(spec, parseHistory(text, name, spec).operations, { explain });
    });
  };
  const header =
    '| history | model | operations | processes | keys | info | most pending | verdict | seconds (median) | RSS MB (max) | runs |';
  out.log(`bench: the linearizability checker, ${repeat} runs each, parse + check, medians`);
  out.log(header);
  await single('etcd-shaped', ETCD, 1);
  await single('etcd-shaped, one stale read', { ...ETCD, staleReads: 1 }, 1, false);
  await single('etcd-shaped, one stale read', { ...ETCD, staleReads: 1 }, 1);
  // One history is an anecdote: the verdict on 20 more etcd-shaped histories with a stale read, one run each.
  const spread: number[] = [];
  let explained = 0;
  for (let seed = 2; seed <= 21; seed++) {
    const text = simulateHistory(seededRandom(seed), { ...ETCD, staleReads: 1 });
    const started = performance.now();
    const r = checkLinearizable(SPECS['cas-register'], parseHistory(text, 'etcd', SPECS['cas-register']).operations, { explain: false });
    spread.push((performance.now() - started) / 1000);
    if (r.linearizable === false) explained++;
  }
  const spreadRow = `| 20 more etcd-shaped, one stale read each (seeds 2–21) | cas-register | 85 each | 20 | 1 | 15 each | | ${explained}/20 not linearizable (verdict only) | ${median(spread).toFixed(4)} | | max ${Math.max(...spread).toFixed(4)} (one run per history) |`;
  rows.push(spreadRow);
  out.log(spreadRow);
  await single('kv', KV, 2);

  // Porcupine-shaped kv histories, as EDN, parse included.
  for (const [name, opts, explain] of [
    ['c50-ok-shaped (EDN)', C50_OK, true],
    ['c50-bad-shaped (EDN), stale get on key "3"', C50_BAD, false],
    ['c50-bad-shaped (EDN), stale get on key "3"', C50_BAD, true],
  ] as const) {
    const text = kvHistoryEdn(opts);
    const h = parseHistory(text, name, SPECS.kv, 'edn');
    const r = checkLinearizable(SPECS.kv, h.operations, { explain });
    const expected = 'staleGet' in opts ? false : true;
    const verdict =
      r.linearizable !== expected
        ? `WRONG: ${String(r.linearizable)}`
        : r.linearizable
          ? 'linearizable'
          : r.failingKeys[0] !== C50_BAD_KEY
            ? `WRONG KEY: ${JSON.stringify(r.failingKeys[0])}`
            : `not linearizable, key "${C50_BAD_KEY}" after ${r.decidedKeys.length - 1} keys passed${explain ? `, explained (line ${r.explanation?.breakingLine})` : ' (verdict only)'}`;
    const info = h.operations.filter((op) => op.outcome === 'info').length;
    await time(name, 'kv', jsonLinesOf(text), h.operations.length, h.processes, r.keys, info, verdict, () => {
      checkLinearizable(SPECS.kv, parseHistory(text, name, SPECS.kv, 'edn').operations, { explain });
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'distcheck-bench-'));
  try {
    const texts = Array.from({ length: 100 }, (_, i) => simulateHistory(seededRandom(100 + i), { ...ETCD, model: 'register' }));
    const files = texts.map((t, i) => {
      const file = join(dir, `register-${i}.jsonl`);
      writeFileSync(file, t);
      return file;
    });
    const silent: Out = { log: () => {}, err: () => {} };
    const code = await cmdLinearizable([...files, '--model', 'register'], silent);
    const histories = texts.map((t, i) => parseHistory(t, files[i], SPECS.register));
    const ops = histories.reduce((n, h) => n + h.operations.length, 0);
    const info = histories.reduce((n, h) => n + h.operations.filter((op) => op.outcome === 'info').length, 0);
    await time(
      'batch of 100 etcd-shaped histories, one invocation',
      'register',
      texts[0],
      ops,
      20,
      1,
      info,
      code === 0 ? 'all linearizable' : `exit ${code}`,
      () => cmdLinearizable([...files, '--model', 'register'], silent),
    );
    // A history that stays hard: the limit must end it on time with exit 3, never an internal error.
    const hard = simulateHistory(seededRandom(7), HARD);
    const hardFile = join(dir, 'hard.jsonl');
    writeFileSync(hardFile, hard);
    const hardOps = parseHistory(hard, hardFile, SPECS.kv).operations;
    const started = performance.now();
    const hardCode = await cmdLinearizable([hardFile, '--model', 'kv', '--max-seconds', '2'], silent);
    const hardSeconds = (performance.now() - started) / 1000;
    const hardRow = `| hard: kv, one key, ${HARD.crashes} crashed operations, --max-seconds 2 | kv | ${hardOps.length.toLocaleString('en-US')} | ${HARD.processes} | 1 | ${hardOps.filter((op) => op.outcome === 'info').length} | ${maxPending(hard)} | exit ${hardCode}${hardCode === 3 ? ' (limit reached, no verdict)' : ''} | ${hardSeconds.toFixed(4)} | ${Math.round(process.memoryUsage().rss / 2 ** 20)} | one run |`;
    rows.push(hardRow);
    out.log(hardRow);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const file = 'reports/bench-linearizability.md';
  writeFileSync(
    file,
    [
      '# Benchmark: the linearizability checker',
      '',
      `Written by \`npm run bench\` (\`distcheck bench-linearizable\`). Node ${process.version}, ${cpus().length} × ${cpu}, load average ${loadavg()[0].toFixed(1)} when written (other work on a shared machine slows every row alike).`,
      `Histories come from a simulated concurrent object with fixed seeds (\`src/cli/bench-linearizable.ts\`); each figure is the`,
      `median of ${repeat} runs in one process, parsing included. *most pending* counts an info operation as pending until its`,
      'info event (the checker treats it as pending forever). The batch row gives the figures of its first history and the',
      'totals of operations and info operations over all 100. *RSS MB* is the process\'s resident set after the runs (the',
      'whole Node process, parsing and earlier rows included). The c50 rows are generated by `test/support/kv-histories.ts`',
      "in the shape of Porcupine's `test_data/kv/c50-*.txt` (not those files); the bad one has one stale get on key \"3\",",
      'which the row checks is the key reported. The last row is a history that stays hard, run through the command line',
      'with `--max-seconds 2`: it must end with exit 3 about two seconds in, never with an internal error.',
      '',
      header,
      '|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  out.log(`written: ${file}`);
  return 0;
}

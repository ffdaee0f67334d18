// `distcheck linearizable FILE... --model NAME|./spec.ts`: decides whether recorded histories (JSON Lines or
// Jepsen's EDN) are linearizable. Every file is read and validated before any is checked, so bad input gives
// one line and nothing else. Exit codes: 0 every file is linearizable, 1 some file is not, 2 bad input, 3 a
// limit (time or memory) was reached without a verdict and no file was found not linearizable, 4 the user's
// specification threw, 5 an internal error (a bug in distcheck). 2 to 5 print exactly one line on stderr.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError, fail } from '../shared/errors';
import { formatOf, parseHistory, splitByKey, type History, type HistoryFormat, type Operation } from '../check/history';
import { SPECS, checkLinearizable, linearization, withInitial, type AnySpec, type LinearizabilityResult } from '../check/linearizability';
import { SpecError, fromUserSpec, notASpec, type UserSpec } from '../check/user-spec';
import { renderTimeline } from '../trace/history-render';
import { renderHistoryHtml, type TimelineSection } from '../trace/history-html';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const LINEARIZABLE_USAGE =
  'distcheck linearizable FILE... --model register|cas-register|kv|./spec.ts [--format edn|jsonl] [--init VALUE] [--json] [--html FILE] [--max-seconds N] [--max-memory MB]';

export const LINEARIZABLE_HELP = `usage: ${LINEARIZABLE_USAGE}

Decides whether each recorded history is linearizable (Herlihy & Wing) under a sequential specification.
Keys are checked independently and in turns; the first key found not linearizable decides the file.

  FILE...              histories: JSON Lines (one event per line) or EDN (Jepsen's history.edn)
  --model NAME|FILE    register, cas-register, kv, or a file (./queue.ts) whose default export is a
                       specification in Porcupine's shape: { init, step, equal?, hash?, partition?,
                       readOnly?, describeOperation?, describeState?, operations?, name? }
  --format edn|jsonl   the files' format (default: by extension, .edn is EDN, anything else JSON Lines)
  --init VALUE         the initial value, as JSON (3, "x", null) or else as a plain string
                       (default: null for the registers, "" for kv; a file's spec gets it as init's argument)
  --json               one JSON object per file on stdout
  --html FILE          write a self-contained timeline page (one lane per client) of the one history given
  --max-seconds N      give up on a file after N seconds (default: no limit); exit 3 without a verdict
  --max-memory MB      give up on a file when the search's cache passes MB megabytes (default 1024); exit 3
  -h, --help           this help

Exit codes: 0 linearizable, 1 not linearizable, 2 bad input, 3 a limit reached without a verdict,
4 the specification threw, 5 internal error.`;

const positiveNumber = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  if (!(/^\d+(\.\d+)?$/.test(raw) && Number(raw) > 0)) fail(`--${name} must be a positive number, got '${raw}'`);
  return Number(raw);
};

function opJson(o: Operation): unknown {
  return {
    process: o.process,
    f: o.f,
    ...(o.key !== undefined ? { key: o.key } : {}),
    input: o.input,
    ...(o.output !== undefined ? { output: o.output } : {}),
    outcome: o.retLine === undefined ? 'pending' : o.outcome,
    callLine: o.callLine,
    ...(o.retLine !== undefined ? { retLine: o.retLine } : {}),
  };
}

function resultJson(file: string, format: HistoryFormat, h: History, r: LinearizabilityResult, seconds: number): unknown {
  const x = r.explanation;
  const allKeys = splitByKey(h.operations).map((g) => g.key ?? null);
  const decided = r.decidedKeys.map((k) => k ?? null);
  return {
    file,
    format,
    model: r.model,
    linearizable: r.linearizable,
    operations: r.operations,
    processes: h.processes,
    keys: r.keys,
    events: h.events,
    failed: h.operations.filter((o) => o.outcome === 'fail').length,
    unknown: h.operations.filter((o) => o.outcome === 'info').length,
    seconds: Number(seconds.toFixed(4)),
    decidedKeys: decided,
    undecidedKeys: r.keys === allKeys.length ? allKeys.filter((k) => !decided.includes(k)) : [],
    ...(r.limit ? { limit: r.limit.kind, limitMessage: r.limit.message } : {}),
    ...(r.linearizable === null ? { timedOut: r.limit?.kind === 'time' } : {}),
    ...(r.linearizable === false ? { failingKeys: r.failingKeys.map((k) => k ?? null) } : {}),
    ...(x
      ? {
          explanation: {
            ...(x.key !== undefined ? { key: x.key } : {}),
            breakingLine: x.breakingLine,
            linearized: x.linearized.map((l) => ({ ...(opJson(l.op) as object), state: l.state })),
            stuck: opJson(x.stuck),
            stuckState: x.stuckState,
            concurrent: x.concurrent.map(opJson),
          },
        }
      : {}),
  };
}

/** The specification named by --model: a built-in one, or a user's from a file (its default export). */
async function specArg(name: string, init: string | undefined): Promise<AnySpec> {
  const initial = init === undefined ? undefined : { value: parseInit(init) };
  if (Object.hasOwn(SPECS, name)) {
    if (!initial) return SPECS[name];
    const spec = withInitial(SPECS[name], initial.value);
    return typeof spec === 'string' ? fail(`--init: ${spec}`) : spec;
  }
  if (!/[\\/]/.test(name) && !/\.[cm]?[jt]sx?$/.test(name))
    fail(`unknown model '${name}' (known: ${Object.keys(SPECS).join(', ')}, or a spec file ./name.ts)`);
  const full = resolve(name);
  if (!existsSync(full) || !statSync(full).isFile()) fail(`no spec file ${name}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (e) {
    return fail(`cannot load ${name}: ${(e instanceof Error ? e.message : String(e)).trim().split('\n')[0]}`);
  }
  const problem = notASpec(mod.default);
  if (problem) fail(`${name}: the default export is not a sequential specification (${problem}); see distcheck linearizable --help`);
  return fromUserSpec(mod.default as UserSpec, name, initial);
}

function parseInit(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The page of --html: the failing key's explanation, or every key's linearization. */
function writeHtml(file: string, historyFile: string, spec: AnySpec, h: History, r: LinearizabilityResult): void {
  const notes: string[] = [];
  const sections: TimelineSection[] = [];
  let headline: string;
  if (r.linearizable === false) {
    const key = r.failingKeys[0];
    headline = `not linearizable${key !== undefined ? `: key ${JSON.stringify(key)} fails` : ''}`;
    const x = r.explanation;
    if (x)
      sections.push({
        ...(x.key !== undefined ? { key: x.key } : {}),
        operations: x.operations,
        linearized: x.linearized,
        initialState: x.initialState,
        verdict: 'not linearizable',
        explanation: x,
      });
    else notes.push(`A limit was reached before the explanation was complete (${r.limit?.message ?? 'limit'}).`);
    const passed = r.decidedKeys.filter((k) => k !== key);
    if (r.keys > 1)
      notes.push(
        `Keys decided linearizable before it: ${passed.length ? passed.map((k) => JSON.stringify(k)).join(', ') : 'none'}; ${r.keys - r.decidedKeys.length} not decided (the search stops at the first failing key).`,
      );
  } else if (r.linearizable === true) {
    headline = 'linearizable';
    for (const g of splitByKey(h.operations)) {
      const order = linearization(spec, g.ops) ?? [];
      const states: string[] = [];
      let state = spec.init();
      for (const op of order) {
        state = spec.step(state, { f: op.f, value: op.input }, op.output).state;
        states.push(spec.describeState(state));
      }
      sections.push({
        ...(g.key !== undefined ? { key: g.key } : {}),
        operations: g.ops,
        linearized: order.map((op, i) => ({ op, state: states[i] })),
        initialState: spec.describeState(spec.init()),
        verdict: 'linearizable',
      });
    }
  } else {
    headline = `unknown: ${r.limit?.message ?? 'a limit was reached'}`;
  }
  const html = renderHistoryHtml(spec, { file: historyFile, model: spec.name, headline, sections, notes });
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, html);
  } catch (e) {
    fail(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function run(args: string[], out: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        json: { type: 'boolean' },
        'max-seconds': { type: 'string' },
        'max-memory': { type: 'string' },
        format: { type: 'string' },
        init: { type: 'string' },
        html: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const { values, positionals: files } = parsed;
  if (values.help) {
    out.log(LINEARIZABLE_HELP);
    return 0;
  }
  if (files.length === 0) fail(`linearizable takes at least one history file: ${LINEARIZABLE_USAGE}`);
  if (values.model === undefined) fail(`linearizable needs --model (${Object.keys(SPECS).join(', ')}, or a spec file ./name.ts)`);
  if (values.format !== undefined && values.format !== 'edn' && values.format !== 'jsonl')
    fail(`--format must be edn or jsonl, got '${values.format}'`);
  if (values.html !== undefined && files.length !== 1) fail('--html draws one history: give one file');
  const maxSeconds = positiveNumber('max-seconds', values['max-seconds']);
  const maxMemoryMB = positiveNumber('max-memory', values['max-memory']);
  const spec = await specArg(values.model, values.init);

  const histories = files.map((file) => {
    const started = performance.now();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const format = (values.format as HistoryFormat | undefined) ?? formatOf(file);
    return { file, format, history: parseHistory(text, file, spec, format), parseSeconds: (performance.now() - started) / 1000 };
  });

  let anyFalse = false;
  let anyUnknown = false;
  for (const { file, format, history, parseSeconds } of histories) {
    const started = performance.now();
    const r = checkLinearizable(spec, history.operations, {
      ...(maxSeconds !== undefined ? { maxSeconds } : {}),
      ...(maxMemoryMB !== undefined ? { maxMemoryMB } : {}),
    });
    const seconds = parseSeconds + (performance.now() - started) / 1000;
    if (r.linearizable === false) anyFalse = true;
    if (r.linearizable === null) anyUnknown = true;
    if (values.html !== undefined) writeHtml(values.html, file, spec, history, r);
    if (values.json) {
      out.log(JSON.stringify(resultJson(file, format, history, r, seconds)));
      continue;
    }
    const figures = `${r.operations} operations, ${history.processes} processes, ${r.keys} ${r.keys === 1 ? 'key' : 'keys'}, ${seconds.toFixed(3)} s`;
    if (r.linearizable === true) out.log(`${file}: linearizable (${figures})`);
    else if (r.linearizable === null)
      out.log(
        `${file}: UNKNOWN, ${r.limit?.message ?? 'a limit was reached'}; ${r.decidedKeys.length} of ${r.keys} keys decided${r.decidedKeys.length ? ' (linearizable)' : ''} (${figures})`,
      );
    else {
      const key = r.failingKeys[0];
      out.log(`${file}: NOT linearizable${key !== undefined ? `, key ${JSON.stringify(key)}` : ''} (${figures})`);
      if (r.explanation) out.log(renderTimeline(spec, r.explanation));
      else out.log(`  (${r.limit?.message ?? 'a limit was reached'} before the explanation was complete)`);
    }
  }
  if (values.html !== undefined) out.log(`timeline written to ${values.html}`);
  return anyFalse ? 1 : anyUnknown ? 3 : 0;
}

/** Runs the command; a user's specification that throws exits 4, anything unexpected 5, each with one line. */
export async function cmdLinearizable(args: string[], out: Out): Promise<number> {
  try {
    return await run(args, out);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    if (e instanceof SpecError) {
      out.err(`distcheck: model error: ${message}`);
      return 4;
    }
    out.err(`distcheck: internal error: ${message}`);
    return 5;
  }
}

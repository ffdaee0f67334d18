// `distcheck linearizable FILE... --model register|cas-register|kv [--json] [--max-seconds N]`: decides
// whether recorded histories (JSON Lines, Jepsen/Knossos convention) are linearizable.
// Every file is read and validated before any is checked, so bad input gives one line and nothing else.
// Exit codes: 0 every file is linearizable, 1 some file is not, 2 bad input, 3 a time limit was reached
// without a verdict (and no file was found not linearizable).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fail } from '../shared/errors';
import { parseHistory, type History, type Operation } from '../check/history';
import { SPECS, checkLinearizable, type LinearizabilityResult } from '../check/linearizability';
import { renderTimeline } from '../trace/history-render';

type Out = { log: (s: string) => void; err: (s: string) => void };

export const LINEARIZABLE_USAGE =
  'distcheck linearizable FILE... --model register|cas-register|kv [--json] [--max-seconds N]   (limit per file; default none)';

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

function resultJson(file: string, h: History, r: LinearizabilityResult, seconds: number): unknown {
  const x = r.explanation;
  return {
    file,
    model: r.model,
    linearizable: r.linearizable,
    operations: r.operations,
    processes: h.processes,
    keys: r.keys,
    events: h.events,
    failed: h.operations.filter((o) => o.outcome === 'fail').length,
    unknown: h.operations.filter((o) => o.outcome === 'info').length,
    seconds: Number(seconds.toFixed(4)),
    ...(r.linearizable === null ? { timedOut: true } : {}),
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

export function cmdLinearizable(args: string[], out: Out): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { model: { type: 'string' }, json: { type: 'boolean' }, 'max-seconds': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const { values, positionals: files } = parsed;
  if (files.length === 0) fail(`linearizable takes at least one history file: ${LINEARIZABLE_USAGE}`);
  const modelName = values.model;
  if (modelName === undefined) fail(`linearizable needs --model (${Object.keys(SPECS).join(', ')})`);
  if (!Object.hasOwn(SPECS, modelName)) fail(`unknown model '${modelName}' (known: ${Object.keys(SPECS).join(', ')})`);
  const spec = SPECS[modelName];
  const rawLimit = values['max-seconds'];
  if (rawLimit !== undefined && !(/^\d+(\.\d+)?$/.test(rawLimit) && Number(rawLimit) > 0))
    fail(`--max-seconds must be a positive number, got '${rawLimit}'`);
  const maxSeconds = rawLimit === undefined ? undefined : Number(rawLimit);

  const histories = files.map((file) => {
    const started = performance.now();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { file, history: parseHistory(text, file, spec), parseSeconds: (performance.now() - started) / 1000 };
  });

  let anyFalse = false;
  let anyUnknown = false;
  for (const { file, history, parseSeconds } of histories) {
    const started = performance.now();
    const r = checkLinearizable(spec, history.operations, maxSeconds === undefined ? {} : { maxSeconds });
    const seconds = parseSeconds + (performance.now() - started) / 1000;
    if (r.linearizable === false) anyFalse = true;
    if (r.linearizable === null) anyUnknown = true;
    if (values.json) {
      out.log(JSON.stringify(resultJson(file, history, r, seconds)));
      continue;
    }
    const figures = `${r.operations} operations, ${history.processes} processes, ${r.keys} ${r.keys === 1 ? 'key' : 'keys'}, ${seconds.toFixed(3)} s`;
    if (r.linearizable === true) out.log(`${file}: linearizable (${figures})`);
    else if (r.linearizable === null) out.log(`${file}: UNKNOWN, the time limit of ${maxSeconds} s was reached (${figures})`);
    else {
      out.log(`${file}: NOT linearizable (${figures})`);
      if (r.explanation) out.log(renderTimeline(spec, r.explanation));
      else out.log('  (the time limit was reached before the explanation was complete)');
    }
  }
  return anyFalse ? 1 : anyUnknown ? 3 : 0;
}

// Recorded histories of concurrent operations, in the Jepsen/Knossos convention: one JSON event per line,
//   {"process": 3, "type": "invoke", "f": "write", "key": "x", "value": 4}
// with type invoke, ok (completed; value is the output), fail (definitely did not take effect) or info
// (outcome unknown: it may take effect at any time after its invoke, or never). A process has at most one
// operation pending; after an info it may only start a new one. The parser pairs each invoke with its
// completion into an operation with a call and a return time (positions in the file, which is in real-time
// order). An operation still pending at the end of the file is treated like an info.
// What the values of an operation may be is the business of the sequential specification (a schema here),
// so the parser names bad input by file and line and the checker never sees it.
import { fail } from '../shared/errors';
import { parseEdnEvents } from './edn';

export type ProcessId = number | string;
export type OpKey = number | string;
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface Operation {
  /** Position among the history's operations, in invoke order. */
  readonly index: number;
  readonly process: ProcessId;
  readonly f: string;
  readonly key?: OpKey;
  /** The invoke's value. */
  readonly input: unknown;
  /** The ok's value; undefined when the outcome is unknown. */
  readonly output: unknown;
  /** info covers an operation still pending at the end of the history (then retLine is undefined). */
  readonly outcome: 'ok' | 'fail' | 'info';
  /** Positions of the invoke and of the completion among the history's events; ret is Infinity unless ok or fail. */
  readonly call: number;
  readonly ret: number;
  /** 1-based source lines of the invoke and of the completion event (none when still pending). */
  readonly callLine: number;
  readonly retLine?: number;
}

export interface History {
  readonly file: string;
  readonly events: number;
  /** Every operation, failed ones included, in invoke order. */
  readonly operations: readonly Operation[];
  readonly processes: number;
}

/** What the parser needs to know of a model: its operations and the values each may carry. */
export interface HistorySchema {
  readonly name: string;
  readonly operations: readonly string[];
  /** Any operation name is accepted (a user's specification that lists none). */
  readonly anyOperation?: boolean;
  /** Why a value is wrong for this operation and event, or undefined when it is fine. `input` is the invoke's value. */
  readonly checkValue: (f: string, type: 'invoke' | 'ok', value: unknown, input: unknown) => string | undefined;
  /** Rewrites an event's value before it is checked (Jepsen's conventions into the model's); `input` is the invoke's value. */
  readonly normalize?: (f: string, type: EventType, value: unknown, input: unknown) => unknown;
}

const TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];

interface Pending {
  readonly index: number;
  readonly f: string;
  readonly key?: OpKey;
  readonly input: unknown;
  readonly call: number;
  readonly line: number;
}

const show = (p: ProcessId): string => JSON.stringify(p);

/** An invoke paired with its completion, or with none (still pending at the end: like an info). */
function operation(
  p: ProcessId,
  o: Pending,
  end?: { type: 'ok' | 'fail' | 'info'; value: unknown; position: number; line: number },
): Operation {
  return {
    index: o.index,
    process: p,
    f: o.f,
    ...(o.key !== undefined ? { key: o.key } : {}),
    input: o.input,
    output: end?.type === 'ok' ? end.value : undefined,
    outcome: end?.type ?? 'info',
    call: o.call,
    ret: end === undefined || end.type === 'info' ? Infinity : end.position,
    callLine: o.line,
    ...(end ? { retLine: end.line } : {}),
  };
}

/** One event of a history, as a model records it or as a JSON line holds it. */
export interface HistoryEvent {
  readonly process: ProcessId;
  readonly type: EventType;
  readonly f?: string;
  readonly key?: OpKey;
  readonly value?: unknown;
}

export type HistoryFormat = 'jsonl' | 'edn';

/** The format of a history file: `.edn` is EDN, anything else JSON Lines. */
export function formatOf(file: string): HistoryFormat {
  return file.toLowerCase().endsWith('.edn') ? 'edn' : 'jsonl';
}

/**
 * One event from a parsed record, or undefined for an event to leave out: the nemesis's (a process that is
 * not an integer, in EDN; a process named "nemesis", in JSON Lines).
 */
function toEvent(ev: Record<string, unknown>, format: HistoryFormat, bad: (why: string) => never): HistoryEvent | undefined {
  const process = ev.process;
  if (format === 'edn' ? !Number.isInteger(process) : process === 'nemesis') return undefined;
  if (!(typeof process === 'string' || (typeof process === 'number' && Number.isInteger(process))))
    bad('process must be an integer or a string');
  const type = ev.type;
  if (typeof type !== 'string' || !TYPES.includes(type)) bad(`type must be one of ${TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  const f = ev.f;
  if (f !== undefined && typeof f !== 'string') bad('f must be a string');
  const key = ev.key;
  if (key !== undefined && key !== null && typeof key !== 'string' && typeof key !== 'number') bad('key must be a string or a number');
  return {
    process: process as ProcessId,
    type: type as EventType,
    ...(f !== undefined ? { f: f as string } : {}),
    ...(key !== undefined && key !== null ? { key: key as OpKey } : {}),
    value: ev.value,
  };
}

/** Parses a history file's text, JSON Lines or EDN (Jepsen's history.edn); bad input fails naming the file and line. */
export function parseHistory(text: string, file: string, schema: HistorySchema, format: HistoryFormat = 'jsonl'): History {
  const events: { event: HistoryEvent; line: number }[] = [];
  if (format === 'edn') {
    const parsed = parseEdnEvents(text, file);
    const where = (line: number): string => (parsed.unit === 'line' ? `${file}:${line}` : `${file}: entry ${line}`);
    for (const { record, line } of parsed.events) {
      const event = toEvent(record, 'edn', (why) => fail(`${where(line)}: ${why}`));
      if (event) events.push({ event, line });
    }
    return pairEvents(events, file, schema, where);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    const bad = (why: string): never => fail(`${file}:${line}: ${why}`);
    let e: unknown;
    try {
      e = JSON.parse(raw);
    } catch {
      bad('not valid JSON');
    }
    if (e === null || typeof e !== 'object' || Array.isArray(e)) bad('an event must be a JSON object');
    const event = toEvent(e as Record<string, unknown>, 'jsonl', bad);
    if (event) events.push({ event, line });
  }
  return pairEvents(events, file, schema);
}

/** A history a model recorded: events in order, numbered as lines 1, 2, … */
export function historyOf(events: readonly HistoryEvent[], schema: HistorySchema): History {
  return pairEvents(
    events.map((event, i) => ({ event, line: i + 1 })),
    'history',
    schema,
  );
}

/** Pairs each invoke with its completion into an operation; bad input fails naming the file and line. */
function pairEvents(
  events: readonly { event: HistoryEvent; line: number }[],
  file: string,
  schema: HistorySchema,
  where: (line: number) => string = (line) => `${file}:${line}`,
): History {
  const ops: Operation[] = [];
  const pending = new Map<ProcessId, Pending>();
  const processes = new Set<ProcessId>();
  events.forEach(({ event, line }, position) => {
    const bad = (why: string): never => fail(`${where(line)}: ${why}`);
    const { process: p, type, f, key } = event;
    const given = event.value === undefined ? null : event.value;
    const opened = pending.get(p);
    // Jepsen's conventions (a read's invoke carrying a value, an ok cas repeating [old new]) become ours.
    const value = schema.normalize
      ? schema.normalize(type === 'invoke' ? (f as string) : (opened?.f ?? ''), type, given, opened?.input)
      : given;
    processes.add(p);
    if (type === 'invoke') {
      if (f === undefined) bad('an invoke needs f');
      if (!schema.anyOperation && !schema.operations.includes(f as string))
        bad(`unknown operation '${f}' for model ${schema.name} (known: ${schema.operations.join(', ')})`);
      const before = pending.get(p);
      if (before) bad(`invoke for process ${show(p)} while its ${before.f} from line ${before.line} is pending`);
      const why = schema.checkValue(f as string, 'invoke', value, undefined);
      if (why) bad(why);
      pending.set(p, {
        index: ops.length,
        f: f as string,
        ...(key !== undefined ? { key } : {}),
        input: value,
        call: position,
        line,
      });
      ops.push(undefined as unknown as Operation); // filled in at completion or at the end
      return;
    }
    const open = pending.get(p);
    if (!open) bad(`${type} for process ${show(p)}, which has no operation pending`);
    const o = open as Pending;
    if (f !== undefined && f !== o.f) bad(`${type} ${f} for process ${show(p)}, whose pending operation is ${o.f} (line ${o.line})`);
    if (key !== undefined && key !== o.key)
      bad(
        `${type} for key ${JSON.stringify(key)}, but the invoke on line ${o.line} was for ${o.key === undefined ? 'no key' : JSON.stringify(o.key)}`,
      );
    if (type === 'ok') {
      const why = schema.checkValue(o.f, 'ok', value, o.input);
      if (why) bad(why);
    }
    pending.delete(p);
    ops[o.index] = operation(p, o, { type, value, position, line });
  });
  for (const [p, o] of pending) ops[o.index] = operation(p, o);
  return { file, events: events.length, operations: ops, processes: processes.size };
}

/** Operations grouped by key, keys in order of first appearance (one group when no event has a key). */
export function splitByKey(ops: readonly Operation[]): { key: OpKey | undefined; ops: Operation[] }[] {
  const groups = new Map<OpKey | undefined, Operation[]>();
  for (const op of ops) {
    const g = groups.get(op.key);
    if (g) g.push(op);
    else groups.set(op.key, [op]);
  }
  return [...groups].map(([key, ops]) => ({ key, ops }));
}

/** A history as JSON Lines again: the inverse of parseHistory (up to whitespace), for round trips and fixtures. */
export function historyToJsonl(ops: readonly Operation[]): string {
  const events: { at: number; text: string }[] = [];
  for (const op of ops) {
    const key = op.key !== undefined ? { key: op.key } : {};
    events.push({ at: op.callLine, text: JSON.stringify({ process: op.process, type: 'invoke', f: op.f, ...key, value: op.input }) });
    if (op.retLine === undefined) continue;
    const value = op.outcome === 'ok' ? { value: op.output } : {};
    events.push({
      at: op.retLine,
      text: JSON.stringify({ process: op.process, type: op.outcome, f: op.f, ...key, ...value }),
    });
  }
  return events
    .sort((a, b) => a.at - b.at)
    .map((e) => `${e.text}\n`)
    .join('');
}

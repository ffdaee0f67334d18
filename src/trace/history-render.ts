// Why a history is not linearizable, for people: a text timeline with one lane per process (each operation a
// bar from its invoke to its completion, columns at the history's line numbers) and a Mermaid sequence
// diagram with one participant per process, in the style of the explorer's traces. Both show the longest
// partial linearization the checker reached, the operation it cannot place next, and the operations
// concurrent with that one. Long histories are cut down to the operations that matter for the explanation.
import type { Operation, ProcessId } from '../check/history';
import { checkLinearizable, type AnySpec, type Explanation } from '../check/linearizability';
import { mermaidText } from './trace';

/** How many of the last linearized operations a rendering shows before "… n earlier". */
const TAIL = 8;
/** How many concurrent operations a rendering shows. */
const MAX_CONCURRENT = 20;

const processName = (p: ProcessId): string => (typeof p === 'number' ? `p${p}` : p);

function lines(op: Operation): string {
  if (op.retLine === undefined) return `line ${op.callLine}, still pending`;
  if (op.outcome === 'info') return `lines ${op.callLine}–${op.retLine}, info: outcome unknown`;
  return `lines ${op.callLine}–${op.retLine}`;
}

/** What was invoked, before any outcome: `read`, `write 3`, `cas 1→2`. */
function invocation(o: Operation): string {
  if (o.input === null) return o.f;
  return `${o.f} ${Array.isArray(o.input) ? o.input.map((v) => JSON.stringify(v)).join('→') : JSON.stringify(o.input)}`;
}

const named = (spec: AnySpec, op: Operation): string => `${processName(op.process)} ${spec.describeOperation(op)}`;

/** The operations a rendering shows: the stuck one, those concurrent with it, the tail of the linearization, the breaking one. */
function shownOperations(x: Explanation): Operation[] {
  const picked = new Set<Operation>([
    x.stuck,
    x.operations.find((o) => o.index === x.breaking.index) ?? x.stuck,
    ...x.concurrent.slice(0, MAX_CONCURRENT),
    ...x.linearized.slice(-TAIL).map((l) => l.op),
  ]);
  return [...picked].sort((a, b) => a.call - b.call);
}

function linearizedSummary(spec: AnySpec, x: Explanation): string {
  if (x.linearized.length === 0) return `nothing (state ${x.initialState})`;
  const tail = x.linearized.slice(-TAIL);
  const skipped = x.linearized.length - tail.length;
  return `${skipped > 0 ? `… ${skipped} earlier, then ` : ''}${tail.map((l) => named(spec, l.op)).join(' → ')} (state ${x.stuckState})`;
}

function concurrentSummary(spec: AnySpec, x: Explanation): string {
  if (x.concurrent.length === 0) return 'none';
  const shown = x.concurrent.slice(0, MAX_CONCURRENT).map((o) => `${named(spec, o)} (${lines(o)})`);
  const more = x.concurrent.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** The headline: which key, which line breaks it. */
export function explanationHeadline(spec: AnySpec, x: Explanation): string {
  const key = x.key !== undefined ? ` for key ${JSON.stringify(x.key)}` : '';
  const what = `${named(spec, x.breaking)} ${x.breaking.outcome === 'fail' ? 'fails' : 'completes'}`;
  return `not linearizable${key}: everything before line ${x.breakingLine} is linearizable; line ${x.breakingLine}, where ${what}, is not`;
}

/** One lane per process, each operation a bar from its invoke to its completion; columns are line numbers. */
export function renderTimeline(spec: AnySpec, x: Explanation): string {
  const ops = shownOperations(x);
  const label = (o: Operation): string => `${o === x.stuck ? '✗ ' : ''}${spec.describeOperation(o)}`;
  const times = [...new Set(ops.flatMap((o) => (o.retLine === undefined ? [o.callLine] : [o.callLine, o.retLine])))].sort((a, b) => a - b);
  const at = new Map<number, number>();
  times.forEach((t, k) => {
    let pos = k === 0 ? 0 : at.get(times[k - 1])! + String(times[k - 1]).length + 1;
    for (const o of ops) if (o.retLine === t) pos = Math.max(pos, at.get(o.callLine)! + [...label(o)].length + 3);
    at.set(t, pos);
  });
  const end = Math.max(
    at.get(times[times.length - 1])! + 4,
    ...ops.filter((o) => o.retLine === undefined).map((o) => at.get(o.callLine)! + [...label(o)].length + 4),
  );
  const lanes = [...new Set(ops.map((o) => o.process))];
  const width = Math.max(...lanes.map((p) => processName(p).length), 'line'.length);
  const header = Array.from({ length: end + 1 }, () => ' ');
  for (const t of times) [...String(t)].forEach((c, i) => (header[at.get(t)! + i] = c));
  const out = [`  ${'line'.padEnd(width)} │ ${header.join('').trimEnd()}`];
  for (const p of lanes) {
    const row = Array.from({ length: end + 1 }, () => ' ');
    for (const o of ops.filter((q) => q.process === p)) {
      const from = at.get(o.callLine)!;
      const to = o.retLine === undefined ? end : at.get(o.retLine)!;
      const text = [...label(o)];
      row[from] = '[';
      for (let i = from + 1; i < to; i++) row[i] = i - from - 1 < text.length ? text[i - from - 1] : o.retLine === undefined ? '·' : '─';
      row[to] = o.retLine === undefined ? '…' : o.outcome === 'info' ? '?' : ']';
    }
    out.push(`  ${processName(p).padEnd(width)} │ ${row.join('').trimEnd()}`);
  }
  const hidden = x.operations.length - ops.length;
  return [
    explanationHeadline(spec, x),
    ...out,
    ...(hidden > 0 ? [`  (${hidden} other operations of this prefix not shown)`] : []),
    `  linearized: ${linearizedSummary(spec, x)}`,
    `  cannot be placed next: ${named(spec, x.stuck)} (${lines(x.stuck)}) in state ${x.stuckState}`,
    `  concurrent with it: ${concurrentSummary(spec, x)}`,
  ].join('\n');
}

/** A Mermaid sequence diagram: one participant per process and one for the object, events numbered by line. */
export function renderHistoryMermaid(spec: AnySpec, x: Explanation): string {
  const ops = shownOperations(x);
  const lanes = [...new Set(ops.map((o) => o.process))];
  const id = (p: ProcessId): string => `P${lanes.indexOf(p)}`;
  const object = x.key !== undefined ? `key ${String(x.key)}` : spec.name;
  const out = [
    'sequenceDiagram',
    '  %% history timeline: one lane per process (not a step-by-step trace)',
    ...lanes.map((p) => `  participant ${id(p)} as ${mermaidText(processName(p))}`),
  ];
  out.push(`  participant OBJ as ${mermaidText(object)}`);
  const events: { line: number; text: string }[] = [];
  for (const o of ops) {
    events.push({ line: o.callLine, text: `${id(o.process)}->>OBJ: ${o.callLine}. ${mermaidText(invocation(o))}` });
    if (o.retLine === undefined) continue;
    const result =
      o.outcome === 'ok'
        ? `${o.callLine}–${o.retLine}. ok ${mermaidText(spec.describeOperation(o))}`
        : `${o.retLine}. ${o.outcome === 'fail' ? 'fail' : 'info: outcome unknown'}`;
    events.push({
      line: o.retLine,
      text: o.outcome === 'info' ? `  Note over ${id(o.process)}: ${result}` : `OBJ-->>${id(o.process)}: ${result}`,
    });
  }
  for (const e of events.sort((a, b) => a.line - b.line)) out.push(e.text.startsWith('  ') ? e.text : `  ${e.text}`);
  const pending = ops.filter((o) => o.retLine === undefined);
  if (pending.length)
    out.push(`  Note over ${id(pending[0].process)}: still pending: ${mermaidText(pending.map((o) => processName(o.process)).join(', '))}`);
  out.push(`  Note over OBJ: linearized: ${mermaidText(linearizedSummary(spec, x))}`);
  out.push(
    `  Note over ${id(x.stuck.process)},OBJ: ✗ ${mermaidText(spec.describeOperation(x.stuck))} cannot be placed in state ${mermaidText(x.stuckState)}`,
  );
  return out.join('\n');
}

/** Markdown for a report: the headline, the diagram and the timeline. */
export function renderExplanationMarkdown(spec: AnySpec, x: Explanation): string {
  return ['```mermaid', renderHistoryMermaid(spec, x), '```', '', '```', renderTimeline(spec, x), '```'].join('\n');
}

/** Markdown explaining why the operations are not linearizable (diagram and timeline), or undefined when they are. */
export function explainOperations(spec: AnySpec, operations: readonly Operation[]): string | undefined {
  const r = checkLinearizable(spec, operations);
  if (r.linearizable !== false || !r.explanation) return undefined;
  return `**Why the recorded history is not linearizable** (the checker's explanation):\n\n${renderExplanationMarkdown(spec, r.explanation)}`;
}

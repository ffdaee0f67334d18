// One trace type for everything: counterexamples and witnesses, from the explorer or from random walks.
// A trace is rebuilt from a path by re-executing its actions, so the explorer never has to store states.
import { isDeepStrictEqual as isEqual } from 'node:util';
import type { Path } from '../check/explore';
import type { AnyMachine, Params, PropertyKind, ViewEvent } from '../model/model';
import { isMixedState, versionChangeText, versionsIn } from '../model/versions';

export interface TraceStep {
  /** The formatted action that led here; null for the initial state. */
  readonly action: string | null;
  readonly state: unknown;
}

export interface Trace {
  readonly model: string;
  readonly variant: string;
  readonly params: Params;
  readonly property: string;
  readonly kind: PropertyKind | 'deadlock';
  /** A violation of an always/step property or a deadlock, or a witness of a sometimes property. */
  readonly outcome: 'violation' | 'witness';
  /** steps[0] is the initial state. */
  readonly steps: readonly TraceStep[];
  /** For lassos (liveness): index of the step where the repeating cycle starts; the last state equals it. */
  readonly loopStart?: number;
  /** For liveness: the run ends in a state where no fair action is enabled, and stays there forever. */
  readonly stutter?: boolean;
  /** For a model from a user's file: that file (relative to the trace file's folder) and its export. */
  readonly modelFile?: { readonly file: string; readonly export: string };
}

export interface TraceContext {
  readonly model: string;
  readonly variant: string;
  readonly params: Params;
}

/** Re-executes a path; choices are taken modulo the number of enabled actions, so any list is valid. */
export function pathStates(machine: AnyMachine, path: Path): { states: unknown[]; actions: unknown[] } {
  const states: unknown[] = [machine.init[path.init % machine.init.length]];
  const actions: unknown[] = [];
  for (const c of path.choices) {
    const s = states[states.length - 1];
    const enabled = machine.actions(s);
    if (enabled.length === 0) break;
    const a = enabled[c % enabled.length];
    actions.push(a);
    states.push(machine.next(s, a));
  }
  return { states, actions };
}

export function buildTrace(
  machine: AnyMachine,
  ctx: TraceContext,
  finding: { property: string; kind: PropertyKind | 'deadlock'; path: Path; loopStart?: number; stutter?: boolean },
): Trace {
  const { states, actions } = pathStates(machine, finding.path);
  return {
    ...ctx,
    property: finding.property,
    kind: finding.kind,
    outcome: finding.kind === 'sometimes' ? 'witness' : 'violation',
    steps: states.map((state, i) => ({ action: i === 0 ? null : machine.formatAction(actions[i - 1]), state })),
    ...(finding.loopStart !== undefined ? { loopStart: finding.loopStart } : {}),
    ...(finding.stutter ? { stutter: true } : {}),
  };
}

/** Display view of a state, flattened to `path -> printable value`. */
export function flattenState(machine: AnyMachine | undefined, state: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const shown = machine?.display ? machine.display(state) : state;
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
    } else if (Array.isArray(value)) {
      out.set(path, `[${value.map(printable).join(', ')}]`);
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      if (entries.length === 0) out.set(path, '{}');
      for (const [k, v] of entries) walk(v, path ? `${path}.${k}` : k);
    } else {
      out.set(path || 'state', printable(value));
    }
  };
  walk(shown, '');
  return out;
}

function printable(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface FieldChange {
  readonly field: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/** Only the fields that changed between two states. */
export function stateChanges(machine: AnyMachine | undefined, from: unknown, to: unknown): FieldChange[] {
  if (isEqual(from, to)) return [];
  const a = flattenState(machine, from);
  const b = flattenState(machine, to);
  const changes: FieldChange[] = [];
  for (const [field, value] of b) if (a.get(field) !== value) changes.push({ field, from: a.get(field), to: value });
  for (const [field, value] of a) if (!b.has(field)) changes.push({ field, from: value, to: undefined });
  return changes;
}

export function describeTrace(trace: Trace): string {
  const params = Object.entries(trace.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const what =
    trace.outcome === 'witness'
      ? `reaches ${trace.property}`
      : trace.kind === 'deadlock'
        ? 'deadlocks'
        : `violates ${trace.kind} ${trace.property}${trace.loopStart !== undefined ? ' (lasso)' : trace.stutter ? ' (stuck)' : ''}`;
  const steps = trace.steps.length - 1;
  return `${trace.model} [${trace.variant}${params ? `; ${params}` : ''}] ${what} in ${steps} step${steps === 1 ? '' : 's'}`;
}

/** Numbered steps (the initial state is 0, so "in N steps" ends at step N), each with only the fields that changed. */
export function renderTraceText(trace: Trace, machine?: AnyMachine): string {
  const lines = [describeTrace(trace)];
  trace.steps.forEach((step, i) => {
    const marker = trace.loopStart === i ? '  (cycle starts here)' : '';
    if (i === 0) {
      lines.push(`  0. initial state${marker}`);
      for (const [field, value] of flattenState(machine, step.state)) lines.push(`       ${field} = ${value}`);
      return;
    }
    lines.push(`  ${i}. ${step.action}${marker}`);
    const changes = stateChanges(machine, trace.steps[i - 1].state, step.state);
    if (changes.length === 0) lines.push('       (no change)');
    for (const c of changes) lines.push(`       ${c.field}: ${c.from ?? '∅'} → ${c.to ?? '∅'}`);
  });
  if (trace.loopStart !== undefined) lines.push(`  … then back to step ${trace.loopStart}, forever (a fair cycle)`);
  if (trace.stutter) lines.push('  … and stays here forever: no fair action is enabled');
  return lines.join('\n');
}

/** A Markdown table: step, action, changed fields. */
export function renderStepTable(trace: Trace, machine?: AnyMachine): string {
  const rows = ['| # | action | changes |', '|---|---|---|'];
  trace.steps.forEach((step, i) => {
    const changes =
      i === 0
        ? [...flattenState(machine, step.state)].map(([f, v]) => `${f} = ${v}`)
        : stateChanges(machine, trace.steps[i - 1].state, step.state).map((c) => `${c.field}: ${c.from ?? '∅'} → ${c.to ?? '∅'}`);
    const cell = (changes.length ? changes.join('<br>') : '(no change)').replace(/\|/g, '\\|');
    rows.push(`| ${i + 1} | ${step.action === null ? '*initial*' : `\`${step.action}\``} | ${cell} |`);
  });
  return rows.join('\n');
}

export const mermaidText = (s: string): string => s.replace(/[;#]/g, ' ').replace(/\n/g, ' ');

/**
 * The layout directive of a sequence diagram: Mermaid's default columns (150 px boxes, 50 px apart) up to four
 * participants, then narrower ones (about 800 px for all columns, boxes at least 100 px), so that up to eight fit
 * a ~900 px page column. Notes wrap to the column width (each note says `wrap:`); an arrow keeps its label on one
 * line and widens the gap it spans instead.
 */
export function sequenceLayout(participants: number, mirrorActors = true): string {
  const column = Math.min(200, Math.floor(800 / Math.max(1, participants)));
  // A box narrower than 100 px breaks words such as "CanCommit"; the gap gives way first.
  const width = column >= 200 ? 150 : Math.max(100, column - Math.round(column * 0.2));
  const actorMargin = column >= 200 ? 50 : Math.max(10, column - width);
  return `%%{init: {"sequence": {"width": ${width}, "actorMargin": ${actorMargin}${mirrorActors ? '' : ', "mirrorActors": false'}}}}%%`;
}

/**
 * Versions in a diagram, when the trace's states keep them (`withVersions`) and they are mixed at some step:
 * each column is headed by its node's version at the start (`N2 (v1)`), and a note marks each change on the
 * node's lifeline (`⬆ restarts as v2`).
 * Mermaid gives a participant one label for the whole diagram, so a version is shown where its stretch of the
 * lifeline begins, and the boxes are not repeated at the bottom, where the starting version would be stale.
 */
function versionLabels(trace: Trace): { header: (actor: string) => string; changes: (step: number) => Note[] } | undefined {
  const versions = trace.steps.map((s) => versionsIn(s.state));
  const first = versions[0];
  if (first === undefined || !trace.steps.some((s) => isMixedState(s.state))) return undefined;
  return {
    header: (actor) => (Object.hasOwn(first.version, actor) ? `${actor} as ${actor} (v${first.version[actor]})` : actor),
    changes: (i) => {
      const [from, to] = [versions[i - 1], versions[i]];
      if (from === undefined || to === undefined) return [];
      return Object.keys(to.version)
        .filter((n) => from.version[n] !== to.version[n])
        .map((n) => ({ type: 'note', over: n, text: versionChangeText(from.version[n], to.version[n]) }));
    },
  };
}

/** The participants an event draws on: both ends of an arrow, or the one or two a note spans. */
const eventActors = (e: ViewEvent): string[] => (e.type === 'message' ? [e.from, e.to] : e.over.split(',').map((a) => a.trim()));

/** Actors in column order: the machine's order first, then any the view names that the machine did not list. */
function columnOrder(declared: readonly string[], used: Iterable<string>): string[] {
  const set = new Set(used);
  return [...declared.filter((a) => set.has(a)), ...[...set].filter((a) => !declared.includes(a))];
}

type Message = Extract<ViewEvent, { type: 'message' }>;
type Note = Extract<ViewEvent, { type: 'note' }>;

/**
 * One arrow or note per step, so that each step number appears once, as in the step table. A view that returns
 * several events for one step gets them merged, in this order of preference:
 * - messages between one pair of participants, with notes over either of them (a request and its reply, a
 *   message and what its receiver does): one arrow in the first message's direction, "x, then reply y";
 * - messages from one sender (a broadcast): one arrow to the farthest receiver, "x to B, C";
 * - notes over one participant: one note;
 * - anything else: one note spanning the participants involved, each event in words.
 */
function oneEvent(events: readonly ViewEvent[], declared: readonly string[]): ViewEvent | undefined {
  if (events.length <= 1) return events[0];
  const messages = events.filter((e): e is Message => e.type === 'message');
  const notes = events.filter((e): e is Note => e.type === 'note');
  const [first] = messages;
  if (first) {
    const pair = [first.from, first.to];
    const inPair = (e: ViewEvent): boolean =>
      e.type === 'message' ? pair.includes(e.from) && pair.includes(e.to) && e.from !== e.to : pair.includes(e.over);
    if (events.every(inPair)) {
      const part = (e: ViewEvent): string => (e.type === 'note' ? e.text : e.from === first.from ? e.label : `reply ${e.label}`);
      return { ...first, label: events.map(part).join(', then ') };
    }
    if (notes.length === 0 && messages.every((m) => m.from === first.from)) {
      const column = (a: string): number => columnOrder(declared, [first.from, ...messages.map((m) => m.to)]).indexOf(a);
      const to = messages.reduce(
        (far, m) => (Math.abs(column(m.to) - column(first.from)) > Math.abs(column(far) - column(first.from)) ? m.to : far),
        first.to,
      );
      const sameLabel = messages.every((m) => m.label === first.label);
      const label = sameLabel
        ? `${first.label} to ${messages.map((m) => m.to).join(', ')}`
        : messages.map((m) => `${m.label} to ${m.to}`).join(', ');
      return { type: 'message', from: first.from, to, label };
    }
  }
  if (messages.length === 0 && notes.every((n) => n.over === notes[0].over))
    return { ...notes[0], text: notes.map((n) => n.text).join(', ') };
  const involved = columnOrder(declared, events.flatMap(eventActors));
  const text = events.map((e) => (e.type === 'message' ? `${e.from} → ${e.to}: ${e.label}` : `${e.over}: ${e.text}`)).join(', ');
  return { type: 'note', over: [...new Set([involved[0], involved[involved.length - 1]])].join(','), text };
}

/**
 * A Mermaid sequence diagram from the machine's message view; steps without a view become notes. Only the
 * participants that take part in the trace get a column, so a run among two of six nodes stays narrow.
 */
export function renderMermaid(trace: Trace, machine: AnyMachine): string {
  const declared = machine.actors && machine.actors.length > 0 ? machine.actors : ['system'];
  const labels = versionLabels(trace);
  const replayed = replayActions(machine, trace);
  const body: string[] = [];
  const used: string[] = [];
  for (let i = 1; i < trace.steps.length; i++) {
    if (trace.loopStart !== undefined && trace.loopStart + 1 === i) body.push('  loop forever');
    const action = replayed[i - 1];
    const changed = labels?.changes(i) ?? [];
    const viewed: readonly ViewEvent[] =
      machine.view && action !== undefined
        ? machine.view(trace.steps[i - 1].state, action, trace.steps[i].state)
        : [{ type: 'note', over: changed[0]?.over ?? declared[0], text: trace.steps[i].action ?? '' }];
    // A version change gets its own note unless the step already draws on that node (the model's own note).
    const drawn = viewed.flatMap(eventActors);
    const events = [...viewed, ...changed.filter((c) => !drawn.includes(c.over))];
    const e = oneEvent(events, declared);
    if (e === undefined) continue;
    // Every participant the view named keeps its column, also a receiver folded into a broadcast arrow's label.
    used.push(...events.flatMap(eventActors));
    if (e.type === 'message') body.push(`  ${e.from}->>${e.to}: ${i + 1}. ${mermaidText(e.label)}`);
    else body.push(`  Note over ${e.over}: wrap: ${i + 1}. ${mermaidText(e.text)}`);
  }
  if (trace.loopStart !== undefined) body.push('  end');
  const actors = used.length > 0 ? columnOrder(declared, used) : [declared[0]];
  const span = actors.length > 1 ? `${actors[0]},${actors[actors.length - 1]}` : actors[0];
  const verdict =
    trace.outcome === 'witness'
      ? `reached ${trace.property}`
      : `${trace.property} violated${trace.stutter ? ': stuck here forever, no fair step enabled' : ''}`;
  return [
    sequenceLayout(actors.length, labels === undefined),
    'sequenceDiagram',
    ...actors.map((a) => `  participant ${labels ? labels.header(a) : a}`),
    ...body,
    `  Note over ${span}: wrap: ${mermaidText(verdict)}`,
  ].join('\n');
}

/** The enabled action in `state` whose formatted name is `label`, if any: how a recorded step is found again. */
export function findEnabledAction(machine: AnyMachine, state: unknown, label: string | null): unknown {
  return machine.actions(state).find((a: unknown) => machine.formatAction(a) === label);
}

/** The action objects of a trace, found by matching each formatted action among those enabled. */
function replayActions(machine: AnyMachine, trace: Trace): unknown[] {
  return trace.steps.slice(1).map((step, i) => findEnabledAction(machine, trace.steps[i].state, step.action));
}

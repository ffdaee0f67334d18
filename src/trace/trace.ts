// One trace type for everything: counterexamples and witnesses, from the explorer or from random walks.
// A trace is rebuilt from a path by re-executing its actions, so the explorer never has to store states.
import isEqual from 'lodash/isEqual';
import type { Path } from '../check/explore';
import type { AnyMachine, Params, PropertyKind, ViewEvent } from '../model/model';

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
  return `${trace.model} [${trace.variant}${params ? `; ${params}` : ''}] ${what} in ${trace.steps.length - 1} steps`;
}

/** Numbered steps, each with its action and only the fields that changed. */
export function renderTraceText(trace: Trace, machine?: AnyMachine): string {
  const lines = [describeTrace(trace)];
  trace.steps.forEach((step, i) => {
    const marker = trace.loopStart === i ? '  (cycle starts here)' : '';
    if (i === 0) {
      lines.push(`  1. initial state${marker}`);
      for (const [field, value] of flattenState(machine, step.state)) lines.push(`       ${field} = ${value}`);
      return;
    }
    lines.push(`  ${i + 1}. ${step.action}${marker}`);
    const changes = stateChanges(machine, trace.steps[i - 1].state, step.state);
    if (changes.length === 0) lines.push('       (no change)');
    for (const c of changes) lines.push(`       ${c.field}: ${c.from ?? '∅'} → ${c.to ?? '∅'}`);
  });
  if (trace.loopStart !== undefined) lines.push(`  … then back to step ${trace.loopStart + 1}, forever (a fair cycle)`);
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

/** A Mermaid sequence diagram from the machine's message view; steps without a view become notes. */
export function renderMermaid(trace: Trace, machine: AnyMachine): string {
  const actors = machine.actors && machine.actors.length > 0 ? machine.actors : ['system'];
  const lines = ['sequenceDiagram', ...actors.map((a) => `  participant ${a}`)];
  const span = actors.length > 1 ? `${actors[0]},${actors[actors.length - 1]}` : actors[0];
  const replayed = replayActions(machine, trace);
  for (let i = 1; i < trace.steps.length; i++) {
    if (trace.loopStart !== undefined && trace.loopStart + 1 === i) lines.push('  loop forever');
    const action = replayed[i - 1];
    const events: readonly ViewEvent[] =
      machine.view && action !== undefined
        ? machine.view(trace.steps[i - 1].state, action, trace.steps[i].state)
        : [{ type: 'note', over: actors[0], text: trace.steps[i].action ?? '' }];
    for (const e of events) {
      if (e.type === 'message') lines.push(`  ${e.from}->>${e.to}: ${i + 1}. ${mermaidText(e.label)}`);
      else lines.push(`  Note over ${e.over}: ${i + 1}. ${mermaidText(e.text)}`);
    }
  }
  if (trace.loopStart !== undefined) lines.push('  end');
  const verdict =
    trace.outcome === 'witness'
      ? `reached ${trace.property}`
      : `${trace.property} violated${trace.stutter ? ': stuck here forever, no fair step enabled' : ''}`;
  lines.push(`  Note over ${span}: ${mermaidText(verdict)}`);
  return lines.join('\n');
}

/** The enabled action in `state` whose formatted name is `label`, if any: how a recorded step is found again. */
export function findEnabledAction(machine: AnyMachine, state: unknown, label: string | null): unknown {
  return machine.actions(state).find((a: unknown) => machine.formatAction(a) === label);
}

/** The action objects of a trace, found by matching each formatted action among those enabled. */
function replayActions(machine: AnyMachine, trace: Trace): unknown[] {
  return trace.steps.slice(1).map((step, i) => findEnabledAction(machine, trace.steps[i].state, step.action));
}

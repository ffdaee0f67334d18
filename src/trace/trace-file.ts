// Traces as JSON files: save, load, validate and replay. A file carries a SHA-256 digest of its content,
// so a hand-edited (tampered) file is told apart from a protocol change that makes an honest trace stop
// reproducing: the first is bad input (exit 2), the second an unexpected result (exit 1).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical';
import { fail } from '../shared/errors';
import { fromJsonValue, structurallyEqual, toJsonValue } from '../shared/fingerprint';
import { checkVariant, type AnyMachine, type AnyModel, type ParamValue, type PropertyKind } from '../model/model';
import { resolveParams } from '../model/params';
import { findEnabledAction, type Trace } from './trace';
import { fairEnabled, starvedAction } from '../check/fairness';

export const TRACE_FORMAT = 'distcheck-trace/1';
const KINDS: readonly string[] = ['always', 'sometimes', 'step', 'eventually', 'leadsTo', 'deadlock'];

/** The trace as JSON data: states with their Sets and Maps tagged (see toJsonValue). */
const encoded = (trace: Trace): Trace => ({ ...trace, steps: trace.steps.map((s) => ({ ...s, state: toJsonValue(s.state) })) });

function digestOf(trace: Trace): string {
  return createHash('sha256')
    .update(canonicalJson({ format: TRACE_FORMAT, ...encoded(trace) }))
    .digest('hex');
}

export function traceToJson(trace: Trace): string {
  const body = { format: TRACE_FORMAT, ...encoded(trace) };
  return `${JSON.stringify({ ...body, digest: digestOf(trace) }, null, 2)}\n`;
}

const isEqual = structurallyEqual;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a trace file's text; any problem is one UsageError line. */
export function parseTraceFile(text: string, name = 'trace file'): Trace {
  const bad = (why: string): never => fail(`malformed ${name}: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) return bad('expected a JSON object');
  if (raw.format !== TRACE_FORMAT) bad(`format must be '${TRACE_FORMAT}'`);
  for (const field of ['model', 'variant', 'property', 'digest'] as const) {
    if (typeof raw[field] !== 'string') bad(`'${field}' must be a string`);
  }
  if (typeof raw.kind !== 'string' || !KINDS.includes(raw.kind)) bad(`'kind' must be one of ${KINDS.join(', ')}`);
  if (raw.outcome !== 'violation' && raw.outcome !== 'witness') bad(`'outcome' must be violation or witness`);
  if (!isRecord(raw.params)) bad(`'params' must be an object`);
  const params = raw.params as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    if (!['number', 'string', 'boolean'].includes(typeof v)) bad(`parameter '${k}' must be a number, string or boolean`);
  }
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) return bad(`'steps' must be a non-empty array`);
  raw.steps.forEach((step: unknown, i: number) => {
    if (!isRecord(step) || !('state' in step)) bad(`step ${i + 1} must be an object with a state`);
    const action = (step as Record<string, unknown>).action;
    if (i === 0 ? action !== null : typeof action !== 'string') {
      bad(`step ${i + 1} must have ${i === 0 ? 'action null' : 'a string action'}`);
    }
  });
  if (
    raw.loopStart !== undefined &&
    (!Number.isInteger(raw.loopStart) || (raw.loopStart as number) < 0 || (raw.loopStart as number) >= raw.steps.length)
  ) {
    bad(`'loopStart' must be a step index`);
  }
  if (raw.stutter !== undefined && raw.stutter !== true) bad(`'stutter' must be true when present`);
  const file = raw.modelFile;
  if (file !== undefined && (!isRecord(file) || typeof file.file !== 'string' || typeof file.export !== 'string'))
    bad(`'modelFile' must be { file, export } when present`);
  const trace: Trace = {
    model: raw.model as string,
    variant: raw.variant as string,
    params: params as Record<string, ParamValue>,
    property: raw.property as string,
    kind: raw.kind as PropertyKind | 'deadlock',
    outcome: raw.outcome as Trace['outcome'],
    steps: (raw.steps as Record<string, unknown>[]).map((s) => ({ action: s.action as string | null, state: fromJsonValue(s.state) })),
    ...(raw.loopStart !== undefined ? { loopStart: raw.loopStart as number } : {}),
    ...(raw.stutter ? { stutter: true } : {}),
    ...(file !== undefined ? { modelFile: file as { file: string; export: string } } : {}),
  };
  if (digestOf(trace) !== raw.digest) bad('digest mismatch: the file was edited after it was written');
  return trace;
}

export interface ReplayResult {
  readonly reproduced: boolean;
  readonly message: string;
}

/** Re-executes a trace against the current model (the one the trace names) and checks that it ends the same way. */
export function replayTrace(trace: Trace, model: AnyModel): ReplayResult {
  if (model.id !== trace.model) fail(`the trace is of model ${trace.model}, not ${model.id}`);
  checkVariant(model, trace.variant);
  const params = resolveParams(model, trace.params);
  const machine: AnyMachine = model.machine(params, trace.variant);
  const property = machine.properties.find((p) => p.name === trace.property);
  if (trace.kind !== 'deadlock' && (!property || property.kind !== trace.kind)) {
    return { reproduced: false, message: `${trace.model} has no ${trace.kind} property '${trace.property}' any more` };
  }
  const no = (message: string): ReplayResult => ({ reproduced: false, message: `does not reproduce: ${message}` });
  const states: unknown[] = [];
  const taken: unknown[] = [];
  let state = machine.init.find((s) => isEqual(s, trace.steps[0].state));
  if (state === undefined) return no('step 1: the recorded initial state is not an initial state of the model');
  let last: { from: unknown; action: unknown } | undefined;
  states.push(state);
  for (let i = 1; i < trace.steps.length; i++) {
    const step = trace.steps[i];
    const action = findEnabledAction(machine, state, step.action);
    if (action === undefined) return no(`step ${i + 1}: action ${step.action} is not enabled`);
    const next = machine.next(state, action);
    if (!isEqual(next, step.state)) return no(`step ${i + 1}: ${step.action} leads to a different state than recorded`);
    last = { from: state, action };
    taken.push(action);
    state = next;
    states.push(state);
  }
  const end = `after ${trace.steps.length - 1} steps`;
  switch (trace.kind) {
    case 'always':
    case 'sometimes': {
      const holds = (property as { holds: (s: unknown) => boolean }).holds(state);
      const expected = trace.kind === 'always' ? !holds : holds;
      const verb = trace.kind === 'always' ? 'violated' : 'reached';
      return expected
        ? { reproduced: true, message: `reproduced: ${trace.property} ${verb} ${end}` }
        : no(`${trace.property} is not ${verb} ${end}`);
    }
    case 'step': {
      if (!last) return no('a step property needs at least one step');
      const holds = (property as { holds: (s: unknown, a: unknown, t: unknown) => boolean }).holds(last.from, last.action, state);
      return holds
        ? no(`the last step satisfies ${trace.property}`)
        : { reproduced: true, message: `reproduced: ${trace.property} violated ${end}` };
    }
    case 'deadlock': {
      const stuck = machine.actions(state).length === 0 && !(machine.terminal?.(state) ?? false);
      return stuck ? { reproduced: true, message: `reproduced: deadlock ${end}` } : no(`the last state is not a deadlock`);
    }
    case 'eventually':
    case 'leadsTo':
      return replayLiveness(machine, trace, states, taken, property!);
  }
}

/** A liveness counterexample reproduces when it stays in ¬Q from a P-state on and ends in a fair lasso or a stuck state. */
function replayLiveness(
  machine: AnyMachine,
  trace: Trace,
  states: unknown[],
  taken: unknown[],
  property: AnyMachine['properties'][number],
): ReplayResult {
  const no = (message: string): ReplayResult => ({ reproduced: false, message: `does not reproduce: ${message}` });
  const [from, to] =
    property.kind === 'leadsTo'
      ? [property.from as (s: unknown) => boolean, property.to as (s: unknown) => boolean]
      : [(s: unknown) => s === states[0], (property as { holds: (s: unknown) => boolean }).holds];
  let start = states.length - 1;
  while (start > 0 && !to(states[start - 1])) start--;
  while (start < states.length && !from(states[start])) start++;
  if (start === states.length || states.slice(start).some((s) => to(s)))
    return no(`no state satisfying the premise is followed only by states where ${trace.property} fails`);
  const end = states[states.length - 1];
  if (trace.stutter) {
    const enabled = fairEnabled(machine, end);
    return enabled.size === 0
      ? {
          reproduced: true,
          message: `reproduced: ${trace.property} violated, stuck after ${states.length - 1} steps with no fair action enabled`,
        }
      : no(`the last state still enables the fair action ${[...enabled][0]}`);
  }
  const loop = trace.loopStart;
  if (loop === undefined || loop >= states.length - 1 || loop < start) return no('a liveness trace must end in a cycle or a stuck state');
  if (!isEqual(states[loop], end)) return no(`the last state is not the state at step ${loop + 1}, so there is no cycle`);
  const cycle = states.slice(loop, states.length - 1);
  const takenInCycle = new Set(taken.slice(loop).map((a) => machine.formatAction(a)));
  const starved = starvedAction(
    cycle.map((s) => fairEnabled(machine, s)),
    takenInCycle,
  );
  return starved
    ? no(`the cycle is unfair: ${starved} stays enabled but is never taken`)
    : { reproduced: true, message: `reproduced: ${trace.property} violated by a fair cycle of ${cycle.length} steps` };
}

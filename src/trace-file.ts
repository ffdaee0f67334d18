// Traces as JSON files: save, load, validate and replay. A file carries a SHA-256 digest of its content,
// so a hand-edited (tampered) file is told apart from a protocol change that makes an honest trace stop
// reproducing: the first is bad input (exit 2), the second an unexpected result (exit 1).
import { createHash } from 'node:crypto';
import isEqual from 'lodash/isEqual';
import { canonicalJson } from './canonical';
import { fail } from './errors';
import type { AnyMachine, ParamValue, PropertyKind } from './model';
import { resolveParams } from './params';
import { checkVariant, findModel } from './registry';
import type { Trace } from './trace';

export const TRACE_FORMAT = 'distcheck-trace/1';
const KINDS: readonly string[] = ['always', 'sometimes', 'step', 'eventually', 'deadlock'];

function digestOf(trace: Trace): string {
  return createHash('sha256').update(canonicalJson({ format: TRACE_FORMAT, ...trace })).digest('hex');
}

export function traceToJson(trace: Trace): string {
  const body = { format: TRACE_FORMAT, ...trace };
  return `${JSON.stringify({ ...body, digest: digestOf(trace) }, null, 2)}\n`;
}

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
  if (raw.loopStart !== undefined && (!Number.isInteger(raw.loopStart) || (raw.loopStart as number) < 0)) {
    bad(`'loopStart' must be a step index`);
  }
  const trace: Trace = {
    model: raw.model as string,
    variant: raw.variant as string,
    params: params as Record<string, ParamValue>,
    property: raw.property as string,
    kind: raw.kind as PropertyKind | 'deadlock',
    outcome: raw.outcome as Trace['outcome'],
    steps: (raw.steps as Record<string, unknown>[]).map((s) => ({ action: s.action as string | null, state: s.state })),
    ...(raw.loopStart !== undefined ? { loopStart: raw.loopStart as number } : {}),
  };
  if (digestOf(trace) !== raw.digest) bad('digest mismatch: the file was edited after it was written');
  return trace;
}

export interface ReplayResult {
  readonly reproduced: boolean;
  readonly message: string;
}

/** Re-executes a trace against the current model and checks that it ends the same way. */
export function replayTrace(trace: Trace): ReplayResult {
  const model = findModel(trace.model);
  checkVariant(model, trace.variant);
  const params = resolveParams(model, trace.params);
  const machine: AnyMachine = model.machine(params, trace.variant);
  const property = machine.properties.find((p) => p.name === trace.property);
  if (trace.kind !== 'deadlock' && (!property || property.kind !== trace.kind)) {
    return { reproduced: false, message: `${trace.model} has no ${trace.kind} property '${trace.property}' any more` };
  }
  const no = (message: string): ReplayResult => ({ reproduced: false, message: `does not reproduce: ${message}` });
  let state = machine.init.find((s) => isEqual(s, trace.steps[0].state));
  if (state === undefined) return no('step 1: the recorded initial state is not an initial state of the model');
  let last: { from: unknown; action: unknown } | undefined;
  for (let i = 1; i < trace.steps.length; i++) {
    const step = trace.steps[i];
    const action = machine.actions(state).find((a: unknown) => machine.formatAction(a) === step.action);
    if (action === undefined) return no(`step ${i + 1}: action ${step.action} is not enabled`);
    const next = machine.next(state, action);
    if (!isEqual(next, step.state)) return no(`step ${i + 1}: ${step.action} leads to a different state than recorded`);
    last = { from: state, action };
    state = next;
  }
  const end = `after ${trace.steps.length - 1} steps`;
  switch (trace.kind) {
    case 'always':
    case 'sometimes': {
      const holds = (property!.holds as (s: unknown) => boolean)(state);
      const expected = trace.kind === 'always' ? !holds : holds;
      const verb = trace.kind === 'always' ? 'violated' : 'reached';
      return expected
        ? { reproduced: true, message: `reproduced: ${trace.property} ${verb} ${end}` }
        : no(`${trace.property} is not ${verb} ${end}`);
    }
    case 'step': {
      if (!last) return no('a step property needs at least one step');
      const holds = (property!.holds as (s: unknown, a: unknown, t: unknown) => boolean)(last.from, last.action, state);
      return holds ? no(`the last step satisfies ${trace.property}`) : { reproduced: true, message: `reproduced: ${trace.property} violated ${end}` };
    }
    case 'deadlock': {
      const stuck = machine.actions(state).length === 0 && !(machine.terminal?.(state) ?? false);
      return stuck ? { reproduced: true, message: `reproduced: deadlock ${end}` } : no(`the last state is not a deadlock`);
    }
    case 'eventually':
      return no('liveness traces are not replayable yet');
  }
}

// A user's sequential specification for `distcheck linearizable --model ./queue.ts`, in Porcupine's shape:
// `init`, `step` and optionally `equal`, `partition`, `describeOperation` and `describeState`. The checker's
// own SequentialSpec needs a key per state; a user's states are keyed by a canonical serialization of plain
// data (arrays, plain objects with sorted keys, Map, Set, primitives), or by the spec's `hash`, and `equal`
// tells apart states that share a key. Any exception from the user's functions becomes a SpecError, which the
// command reports as a model error (exit 4), never as a verdict.
import type { Operation } from './history';
import type { AnySpec, OperationInput } from './linearizability';

export interface UserSpec<S = unknown> {
  readonly name?: string;
  /** The operation names a history may use; any when left out. */
  readonly operations?: readonly string[];
  /** The initial state; `initial` is the value of --init when given. */
  readonly init: (initial?: unknown) => S;
  /**
   * Whether the operation with this input and output is legal in `state`, and the state after it. `output` is
   * undefined when the outcome is unknown (a crashed, info operation): any outcome is then allowed.
   */
  readonly step: (state: S, input: OperationInput, output: unknown) => readonly [boolean, S] | { readonly ok: boolean; readonly state: S };
  readonly equal?: (a: S, b: S) => boolean;
  /** A key for states: equal states must have equal hashes. Default: a canonical serialization. */
  readonly hash?: (state: S) => string | number;
  /** Independent sub-histories (e.g. one per key). Default: one per event `key`. */
  readonly partition?: (ops: readonly Operation[]) => readonly (readonly Operation[])[];
  /** Operations that never change the state (reads): lets the search place them greedily. Default: none. */
  readonly readOnly?: (input: OperationInput, output: unknown) => boolean;
  readonly describeOperation?: (input: OperationInput, output: unknown) => string;
  readonly describeState?: (state: S) => string;
}

/** An exception thrown by a user's specification. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
}

/** A canonical text for plain data: equal data, equal text; different data, different text. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'u';
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Set) return `#{${[...v].map(canonical).sort().join(',')}}`;
  if (v instanceof Map)
    return `#m{${[...v]
      .map(([k, x]) => `${canonical(k)}:${canonical(x)}`)
      .sort()
      .join(',')}}`;
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  throw new SpecError(
    `a state holds a ${typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v}, which is not plain data: give the spec a hash function`,
  );
}

/** Why a value is not a user spec, or undefined when it is one. */
export function notASpec(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `it is ${value === null ? 'null' : typeof value}`;
  const s = value as Record<string, unknown>;
  for (const f of ['init', 'step']) if (typeof s[f] !== 'function') return `it has no ${f} function`;
  for (const f of ['equal', 'hash', 'partition', 'readOnly', 'describeOperation', 'describeState'])
    if (s[f] !== undefined && typeof s[f] !== 'function') return `its ${f} is not a function`;
  if (s.operations !== undefined && !(Array.isArray(s.operations) && s.operations.every((o) => typeof o === 'string')))
    return 'its operations are not a list of names';
  return undefined;
}

/** Calls a user's function; what it throws becomes a SpecError naming the function. */
function guarded<A extends unknown[], R>(what: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof SpecError) throw e;
      throw new SpecError(`${what} threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  };
}

const showValue = (v: unknown): string => {
  try {
    return v === undefined ? '?' : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
};

/** The checker's specification for a user's, with --init's value when given. */
export function fromUserSpec<S>(user: UserSpec<S>, file: string, initial?: { value: unknown }): AnySpec {
  const name = user.name ?? file;
  const step = guarded(`${name}: step`, user.step);
  const hash = user.hash ? guarded(`${name}: hash`, user.hash) : canonical;
  const describeOperation = user.describeOperation ? guarded(`${name}: describeOperation`, user.describeOperation) : undefined;
  const describeState = user.describeState ? guarded(`${name}: describeState`, user.describeState) : undefined;
  const readOnly = user.readOnly ? guarded(`${name}: readOnly`, user.readOnly) : undefined;
  const init = guarded(`${name}: init`, user.init);
  return {
    name,
    operations: user.operations ?? [],
    anyOperation: user.operations === undefined,
    checkValue: () => undefined,
    init: () => (initial ? init(initial.value) : init()),
    step: (state, input, output) => {
      const r = step(state, input, output);
      if (Array.isArray(r) && r.length === 2 && typeof r[0] === 'boolean') return { ok: r[0], state: r[1] };
      if (r !== null && typeof r === 'object' && typeof (r as { ok: unknown }).ok === 'boolean' && 'state' in r)
        return r as { ok: boolean; state: unknown };
      throw new SpecError(`${name}: step must return [ok, state] or { ok, state }, got ${showValue(r)}`);
    },
    key: (state) => hash(state),
    readOnly: (input, output) => (readOnly ? readOnly(input, output) === true : false),
    describeOperation: (op) =>
      describeOperation
        ? describeOperation({ f: op.f, value: op.input }, op.output)
        : `${op.f}${op.input === null ? '' : ` ${showValue(op.input)}`}${op.outcome === 'ok' ? ` → ${showValue(op.output)}` : ' → ?'}`,
    describeState: (state) => (describeState ? describeState(state) : showValue(state)),
    ...(user.equal ? { equal: guarded(`${name}: equal`, user.equal) } : {}),
    ...(user.partition ? { partition: guarded(`${name}: partition`, user.partition) } : {}),
  };
}

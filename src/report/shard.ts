// `report --shard i/n`: a deterministic share of the configurations (the k-th configuration of the run, in
// catalog order, belongs to shard k mod n + 1), and the file each shard leaves next to its reports, from which
// `distcheck merge` renders what one run would have written: the same renderer over the same outcomes.
// A shard's outcomes are kept as data; each trace as the path that rebuilds it (the index of its initial state
// and of each action among those enabled), so the merge re-executes it into the very states a single run
// renders, Sets in their own order and interned values included.
import type { Path } from '../check/types';
import type { AnyMachine, AnyModel } from '../model/model';
import { resolveParams } from '../model/params';
import type { ModelOutcomes, RunOutcome } from '../run/types';
import { fail } from '../shared/errors';
import { structurallyEqual } from '../shared/fingerprint';
import { buildTrace, type Trace } from '../trace/trace';

export const SHARD_FORMAT = 'distcheck-report-shard/1';
export const SHARD_FILE = 'shard.json';

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** Which models a report ran: the catalog's (all, or those named with --model), or those of model files. */
export interface Selection {
  readonly models?: readonly string[];
  readonly files?: readonly string[];
}

/** `i/n` with 1 ≤ i ≤ n. */
export function parseShard(raw: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || count > 10_000) fail(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/4), got '${raw}'`);
  return { index, count };
}

/** Whether the k-th configuration of a run (from 0, in catalog order) is this shard's. */
export const inShard = (k: number, shard: ShardSpec): boolean => k % shard.count === shard.index - 1;

interface TraceRef {
  readonly property: string;
  readonly kind: Trace['kind'];
  readonly path: Path;
  readonly loopStart?: number;
  readonly stutter?: boolean;
}

type StoredOutcome = Omit<RunOutcome, 'violations' | 'witnesses'> & {
  readonly violations: readonly (Omit<RunOutcome['violations'][number], 'trace'> & { readonly trace: TraceRef })[];
  readonly witnesses: readonly TraceRef[];
};

export interface ShardEntry {
  /** The configuration's place in the whole run. */
  readonly index: number;
  readonly seconds: number;
  readonly outcome: StoredOutcome;
}

export interface ShardFile {
  readonly format: string;
  readonly shard: ShardSpec;
  readonly selection: Selection;
  /** Configurations in the whole run (every shard's). */
  readonly total: number;
  readonly entries: readonly ShardEntry[];
}

/** The path that rebuilds a trace of the machine: each step's action found among those enabled. */
function refOf(trace: Trace, machine: AnyMachine): TraceRef {
  const states = trace.steps.map((s) => s.state);
  let init = machine.init.indexOf(states[0]);
  if (init < 0) init = machine.init.findIndex((s: unknown) => structurallyEqual(s, states[0]));
  const choices = trace.steps.slice(1).map((step, i) => {
    const enabled: readonly unknown[] = machine.actions(states[i]);
    const labelled = enabled.flatMap((a, j) => (machine.formatAction(a) === step.action ? [j] : []));
    const j =
      labelled.length === 1 ? labelled[0] : labelled.find((c) => structurallyEqual(machine.next(states[i], enabled[c]), step.state));
    if (j === undefined || init < 0) throw new Error(`the trace of ${trace.property} does not replay on ${trace.model} (step ${i + 1})`);
    return j;
  });
  return {
    property: trace.property,
    kind: trace.kind,
    path: { init, choices },
    ...(trace.loopStart !== undefined ? { loopStart: trace.loopStart } : {}),
    ...(trace.stutter ? { stutter: true } : {}),
  };
}

const machineOf = (model: AnyModel, o: { params: RunOutcome['params']; variant: string }): AnyMachine =>
  model.machine(resolveParams(model, o.params), o.variant);

export function storeOutcome(model: AnyModel, o: RunOutcome): StoredOutcome {
  const machine = machineOf(model, o);
  return {
    ...o,
    violations: o.violations.map((v) => ({ ...v, trace: refOf(v.trace, machine) })),
    witnesses: o.witnesses.map((t) => refOf(t, machine)),
  };
}

export function loadOutcome(model: AnyModel, o: StoredOutcome): RunOutcome {
  const machine = machineOf(model, o);
  const ctx = { model: o.model, variant: o.variant, params: o.params };
  return {
    ...o,
    violations: o.violations.map((v) => ({ ...v, trace: buildTrace(machine, ctx, v.trace) })),
    witnesses: o.witnesses.map((t) => buildTrace(machine, ctx, t)),
  };
}

export function shardFileText(shard: ShardSpec, selection: Selection, total: number, entries: readonly ShardEntry[]): string {
  const file: ShardFile = { format: SHARD_FORMAT, shard, selection, total, entries };
  return `${JSON.stringify(file)}\n`;
}

/** Parses one shard file; anything malformed is one line of bad input. */
export function parseShardFile(text: string, name: string): ShardFile {
  let raw: ShardFile;
  try {
    raw = JSON.parse(text) as ShardFile;
  } catch {
    return fail(`${name} is not JSON`);
  }
  if (typeof raw !== 'object' || raw === null || raw.format !== SHARD_FORMAT) return fail(`${name} is not a ${SHARD_FORMAT} file`);
  const ok =
    Number.isInteger(raw.shard?.index) &&
    Number.isInteger(raw.shard?.count) &&
    Number.isInteger(raw.total) &&
    typeof raw.selection === 'object' &&
    Array.isArray(raw.entries) &&
    raw.entries.every((e) => Number.isInteger(e?.index) && typeof e.seconds === 'number' && typeof e.outcome?.model === 'string');
  if (!ok) fail(`${name}: malformed shard file`);
  return raw;
}

/**
 * The shards' outcomes as one run's: every shard 1..n once, with the same selection, and every configuration
 * of the run exactly once. `models` are the selection's models, loaded; their configurations must be the ones
 * the shards ran.
 */
export function mergeShards(
  files: readonly { name: string; file: ShardFile }[],
  models: readonly AnyModel[],
): { all: ModelOutcomes[]; seconds: number[] } {
  const first = files[0].file;
  const count = first.shard.count;
  const selection = JSON.stringify(first.selection);
  const got = new Map<number, string>();
  for (const { name, file } of files) {
    if (file.shard.count !== count) fail(`${name} is shard ${file.shard.index}/${file.shard.count}, the others are of ${count}`);
    if (JSON.stringify(file.selection) !== selection) fail(`${name} ran other models than ${files[0].name}`);
    if (got.has(file.shard.index)) fail(`shard ${file.shard.index}/${count} is given twice (${got.get(file.shard.index)} and ${name})`);
    got.set(file.shard.index, name);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !got.has(i));
  if (missing.length) fail(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  const total = models.reduce((n, m) => n + m.configurations.length, 0);
  if (total !== first.total) fail(`the shards ran ${first.total} configurations, the models now have ${total}`);
  const byIndex = new Map<number, ShardEntry>();
  for (const { file } of files) for (const e of file.entries) byIndex.set(e.index, e);
  const seconds: number[] = [];
  let k = 0;
  const all = models.map((model) => ({
    model,
    outcomes: model.configurations.map((c) => {
      const e = byIndex.get(k++);
      if (!e || e.outcome.model !== model.id || e.outcome.configuration !== c.name)
        fail(`configuration ${model.id} ${c.name} is missing from the shards, or the models changed since they ran`);
      seconds.push(e.seconds);
      return loadOutcome(model, e.outcome);
    }),
  }));
  return { all, seconds };
}

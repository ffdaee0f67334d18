// The fault vocabulary: building blocks any model composes into its own state and actions.
// - Network (network.ts): an in-flight multiset of messages. Delivering any element is reordering; Drop and
//   Duplicate are faults; a partition splits the nodes and blocks delivery across it.
// - Processes: crash and restart. A model keeps its durable state and resets its volatile state on Restart.
// - Timers: a timeout fires either only when the awaited message can no longer arrive (synchronous), or at
//   any time while waiting (asynchronous).
// - Budgets: how many faults of each kind a run may still inject, kept in the state, so that the explorer
//   enumerates every placement of faults within the budget.
// Faults are ordinary actions; they are not fair (nothing forces a crash to happen). A Restart is recovery,
// not a fault, and is fair: a node that may restart eventually does.
// A model composes all of this with `withFaults` (at the end of this file): it declares its budgets as
// parameters with `faultParams`, writes only its protocol steps, and gets the fault actions, their names,
// formatting, diagram notes, fairness and the fault part of the state key derived.
import { withBlock, type Block } from './compose';
import type { Action, IntParamSpec, Machine, Metric, ViewEvent } from './model';
import { formatMessage, messageKey, remove, send, type Message, type Network } from './network';

// Network helpers live in network.ts; re-exported so that one import serves models that want both.
export * from './network';

/** Groups of nodes that can talk to each other, or null when the network is whole. */
export type Partition = readonly (readonly string[])[] | null;

export interface FaultBudget {
  readonly drops: number;
  readonly duplicates: number;
  readonly crashes: number;
  readonly partitions: number;
}

export interface FaultState {
  readonly net: Network;
  readonly partition: Partition;
  /** What is left of the budget. */
  readonly budget: FaultBudget;
  /** Crashed nodes, sorted. */
  readonly down: readonly string[];
}

export type FaultAction =
  | { readonly name: 'Drop'; readonly msg: Message }
  | { readonly name: 'Duplicate'; readonly msg: Message }
  | { readonly name: 'Partition'; readonly groups: readonly (readonly string[])[] }
  | { readonly name: 'Heal' }
  | { readonly name: 'Crash'; readonly node: string }
  | { readonly name: 'Restart'; readonly node: string };

export const FAULT_NAMES: readonly string[] = ['Drop', 'Duplicate', 'Partition', 'Heal', 'Crash', 'Restart'];
export const isFault = (a: { name: string }): a is FaultAction => FAULT_NAMES.includes(a.name);

export type TimingMode = 'synchronous' | 'asynchronous';

export function initialFaults(budget: Partial<FaultBudget>): FaultState {
  return {
    net: [],
    partition: null,
    budget: {
      drops: budget.drops ?? 0,
      duplicates: budget.duplicates ?? 0,
      crashes: budget.crashes ?? 0,
      partitions: budget.partitions ?? 0,
    },
    down: [],
  };
}

/** A compact canonical key for the fault part of a state, for models to build their own keys from. */
export function faultStateKey(fs: FaultState): string {
  const b = fs.budget;
  const net = fs.net.map(messageKey).join(',');
  const part = fs.partition === null ? '' : fs.partition.map((g) => g.join('+')).join('/');
  return `${net}|${part}|${b.drops}${b.duplicates}${b.crashes}${b.partitions}|${fs.down.join('+')}`;
}

/** A partition as one readable field of a trace: `none`, or the groups, e.g. `{C,P1} | {P2,P3}`. */
export function formatPartition(partition: Partition): string {
  return partition === null ? 'none' : partition.map((g) => `{${g.join(',')}}`).join(' | ');
}

export function connected(partition: Partition, a: string, b: string): boolean {
  return partition === null || partition.some((g) => g.includes(a) && g.includes(b));
}

export function isUp(fs: FaultState, node: string): boolean {
  return !fs.down.includes(node);
}

/** A message can be delivered now: its receiver is up and on the sender's side of any partition. */
export function deliverable(fs: FaultState, m: Message): boolean {
  return isUp(fs, m.to) && connected(fs.partition, m.from, m.to);
}

/** The first in-flight message matching `pred` that can be delivered now. */
export function findDeliverable(fs: FaultState, pred: (m: Message) => boolean): Message | undefined {
  return fs.net.find((m) => pred(m) && deliverable(fs, m));
}

/** Distinct in-flight messages that can be delivered now (one representative per key). */
export function deliverableMessages(fs: FaultState): Message[] {
  const out: Message[] = [];
  let last = '';
  for (const m of fs.net) {
    const k = messageKey(m);
    if (k !== last && deliverable(fs, m)) out.push(m);
    last = k;
  }
  return out;
}

/**
 * Whether a message from `from` to `to` may still arrive: one is in flight and deliverable once the network
 * allows, or the sender is up and on the same side. A synchronous timeout fires only when this is false.
 */
export function canStillArrive(fs: FaultState, from: string, to: string): boolean {
  if (fs.net.some((m) => m.from === from && m.to === to && connected(fs.partition, from, to))) return true;
  return isUp(fs, from) && connected(fs.partition, from, to);
}

export function timeoutEnabled(mode: TimingMode, fs: FaultState, awaitedFrom: string, me: string): boolean {
  return mode === 'asynchronous' || !canStillArrive(fs, awaitedFrom, me);
}

/** Every split of the nodes into two non-empty sides; the side holding nodes[0] comes first. */
export function twoWaySplits(nodes: readonly string[]): string[][][] {
  const out: string[][][] = [];
  const rest = nodes.slice(1);
  for (let mask = 0; mask < 1 << rest.length; mask++) {
    const a = [nodes[0], ...rest.filter((_, i) => (mask & (1 << i)) === 0)];
    const b = rest.filter((_, i) => (mask & (1 << i)) !== 0);
    if (b.length > 0) out.push([a, b]);
  }
  return out;
}

export interface FaultConfig {
  readonly nodes: readonly string[];
  /** Nodes that may crash. */
  readonly crashable: readonly string[];
  /** Whether crashed nodes may restart (crash-recovery) or stay down (crash-stop). */
  readonly restart: boolean;
}

/** The fault actions enabled in a state, within what is left of the budget. */
export function faultActions(fs: FaultState, config: FaultConfig): FaultAction[] {
  const out: FaultAction[] = [];
  if (fs.budget.drops > 0 || fs.budget.duplicates > 0) {
    let last = '';
    for (const msg of fs.net) {
      const k = messageKey(msg);
      if (k === last) continue;
      last = k;
      if (fs.budget.drops > 0) out.push({ name: 'Drop', msg });
      if (fs.budget.duplicates > 0) out.push({ name: 'Duplicate', msg });
    }
  }
  if (fs.partition === null && fs.budget.partitions > 0)
    for (const groups of twoWaySplits(config.nodes)) out.push({ name: 'Partition', groups });
  if (fs.partition !== null) out.push({ name: 'Heal' });
  if (fs.budget.crashes > 0) for (const node of config.crashable) if (isUp(fs, node)) out.push({ name: 'Crash', node });
  if (config.restart) for (const node of fs.down) out.push({ name: 'Restart', node });
  return out;
}

/** The network and process part of a fault step; the model resets a crashed node's volatile state itself. */
export function applyFault(fs: FaultState, a: FaultAction): FaultState {
  const b = fs.budget;
  switch (a.name) {
    case 'Drop':
      return { ...fs, net: remove(fs.net, a.msg), budget: { ...b, drops: b.drops - 1 } };
    case 'Duplicate':
      return { ...fs, net: send(fs.net, a.msg), budget: { ...b, duplicates: b.duplicates - 1 } };
    case 'Partition':
      return { ...fs, partition: a.groups, budget: { ...b, partitions: b.partitions - 1 } };
    case 'Heal':
      return { ...fs, partition: null };
    case 'Crash':
      return { ...fs, down: [...fs.down, a.node].sort(), budget: { ...b, crashes: b.crashes - 1 } };
    case 'Restart':
      return { ...fs, down: fs.down.filter((n) => n !== a.node) };
  }
}

export function formatFault(a: FaultAction): string {
  switch (a.name) {
    case 'Drop':
    case 'Duplicate':
      return `${a.name}(${formatMessage(a.msg)})`;
    case 'Partition':
      return `Partition(${a.groups.map((g) => `{${g.join(',')}}`).join(' | ')})`;
    case 'Heal':
      return 'Heal';
    case 'Crash':
    case 'Restart':
      return `${a.name}(${a.node})`;
  }
}

export function faultView(a: FaultAction, actors: readonly string[]): ViewEvent[] {
  const span = actors.length > 1 ? `${actors[0]},${actors[actors.length - 1]}` : actors[0];
  switch (a.name) {
    case 'Drop':
      return [{ type: 'note', over: a.msg.to, text: `✗ ${a.msg.type} from ${a.msg.from} lost` }];
    case 'Duplicate':
      return [{ type: 'note', over: a.msg.to, text: `${a.msg.type} from ${a.msg.from} duplicated` }];
    case 'Partition':
      return [{ type: 'note', over: span, text: `⚡ partition ${a.groups.map((g) => `{${g.join(', ')}}`).join(' | ')}` }];
    case 'Heal':
      return [{ type: 'note', over: span, text: 'partition heals' }];
    case 'Crash':
      return [{ type: 'note', over: a.node, text: '💥 crashes' }];
    case 'Restart':
      return [{ type: 'note', over: a.node, text: 'restarts' }];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Composition: a model declares its faults once and writes only its protocol.

const BUDGET_NAMES = ['drops', 'duplicates', 'crashes', 'partitions'] as const;
type BudgetName = (typeof BUDGET_NAMES)[number];

const BUDGET_WHAT: Record<BudgetName, string> = {
  drops: 'message losses',
  duplicates: 'message duplications',
  crashes: 'crashes',
  partitions: 'partitions',
};

/** One fault budget a model offers as a parameter: its range, default and (optionally) its own wording. */
export interface BudgetDeclaration {
  readonly max: number;
  readonly default?: number;
  readonly description?: string;
}

/**
 * The budget parameters of a model, marked so that reports print them as the fault budget explored. Spread
 * them into the model's `params`; each becomes an `int` parameter from 0 to `max`.
 */
export function faultParams<const F extends Partial<Record<BudgetName, BudgetDeclaration>>>(
  budgets: F,
): { readonly [K in keyof F]: IntParamSpec } {
  const out: Record<string, IntParamSpec> = {};
  for (const [name, d] of Object.entries(budgets) as [BudgetName, BudgetDeclaration][]) {
    out[name] = {
      type: 'int',
      default: d.default ?? 0,
      min: 0,
      max: d.max,
      budget: true,
      description: d.description ?? `at most this many ${BUDGET_WHAT[name]}`,
    };
  }
  return out as { readonly [K in keyof F]: IntParamSpec };
}

/** The fault budget in a model's resolved parameters; a budget the model does not offer is 0. */
export function budgetOf(params: Partial<Record<BudgetName, number>>): FaultBudget {
  return { drops: params.drops ?? 0, duplicates: params.duplicates ?? 0, crashes: params.crashes ?? 0, partitions: params.partitions ?? 0 };
}

/** Where faults strike in one machine: the nodes, which of them crash, and what a restart keeps. */
export interface FaultTopology<S> {
  /** Every node, in diagram order; partitions split this set. */
  readonly nodes: readonly string[];
  /** Nodes that may crash (within the crash budget). */
  readonly crashable?: readonly string[];
  /** Crash-recovery (crashed nodes may restart) instead of crash-stop. */
  readonly restart?: boolean;
  /** On Restart, after the node is up again: the model resets the node's volatile state (durable state stays). */
  readonly onRestart?: (state: S, node: string) => S;
}

/**
 * A model's protocol machine over a state that holds its faults in `faults`: only protocol actions, and a key
 * for the protocol part of the state. Properties and metrics see every step, faults included.
 */
export interface ProtocolMachine<S extends { readonly faults: FaultState }, A extends Action> extends Omit<
  Machine<S, A | FaultAction>,
  'actions' | 'next' | 'key' | 'formatAction' | 'view' | 'fair' | 'actionNames' | 'metrics'
> {
  readonly actions: (state: S) => readonly A[];
  readonly next: (state: S, action: A) => S;
  /** Optional: a hand-written key of everything but `faults`. Without it the engine fingerprints the whole state. */
  readonly key?: (state: S) => string;
  /** The protocol's action names; the fault actions the budget allows are added. */
  readonly actionNames: readonly string[];
  readonly formatAction: (action: A) => string;
  readonly view?: (from: S, action: A, to: S) => readonly ViewEvent[];
  readonly fair?: (action: A) => boolean;
  /** Metrics over protocol steps; fault steps add 0. */
  readonly metrics?: readonly Metric<S, A>[];
}

/** The fault actions a budget and topology can ever produce, in a fixed order, for coverage reports. */
export function faultActionNames(budget: FaultBudget, topology: FaultTopology<unknown>): string[] {
  const names: string[] = [];
  if (budget.drops > 0) names.push('Drop');
  if (budget.duplicates > 0) names.push('Duplicate');
  if (budget.crashes > 0 && (topology.crashable ?? []).length > 0) names.push('Crash', ...(topology.restart ? ['Restart'] : []));
  if (budget.partitions > 0) names.push('Partition', 'Heal');
  return names;
}

/** The faults as a block (compose.ts): its actions after the protocol's, unfair, with restarts fair. */
function faultBlock<S extends { readonly faults: FaultState }, A extends Action>(
  budget: FaultBudget,
  topology: FaultTopology<S>,
): Block<S, A, FaultAction> {
  const config: FaultConfig = { nodes: topology.nodes, crashable: topology.crashable ?? [], restart: topology.restart ?? false };
  return {
    is: isFault,
    actions: (s) => faultActions(s.faults, config),
    next: (s, a) => {
      const after = { ...s, faults: applyFault(s.faults, a) };
      return a.name === 'Restart' && topology.onRestart ? topology.onRestart(after, a.node) : after;
    },
    names: faultActionNames(budget, topology as FaultTopology<unknown>),
    format: formatFault,
    fair: (a) => a.name === 'Restart',
    view: (_from, a) => faultView(a, topology.nodes),
    actors: topology.nodes,
    viewOnlyWithProtocolView: true,
  };
}

/**
 * The whole machine: the protocol plus every fault the budget allows, with all fault wiring derived. A protocol
 * without a view keeps the renderer's default for every step, faults included; a hand-written key gets the fault
 * part appended.
 */
export function withFaults<S extends { readonly faults: FaultState }, A extends Action>(
  budget: FaultBudget,
  topology: FaultTopology<S>,
  protocol: ProtocolMachine<S, A>,
): Machine<S, A | FaultAction> {
  const { key, ...rest } = protocol;
  return {
    ...withBlock<S, A, FaultAction>(faultBlock(budget, topology), rest),
    ...(key ? { key: (s: S) => `${key(s)}|${faultStateKey(s.faults)}` } : {}),
  };
}

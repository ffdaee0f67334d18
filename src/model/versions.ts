// Mixed protocol versions: "the network is homogeneous" is a fallacy, and a rolling upgrade is where it bites.
// Each node runs a version (1, 2, …). `Upgrade(node)` restarts the node into the next version; `Downgrade(node)`
// rolls it back to the previous one. Either way the node keeps its durable state and loses its volatile state
// (the model says which is which in `onRestart`). A rollout says where versions start and in which order nodes
// may move: any order, or a fixed rolling order; one deploy at a time (`stepwise`) or not; with a budget of
// rollbacks. Protocol actions dispatch on the version of the node that takes them (`byVersion`), and a message
// carries its sender's version in its payload (`stamp`), so that a v1 node meets v2 messages.
// Upgrades and downgrades are operator actions, not protocol steps: they are never fair (nothing forces a
// rollout to go on), like the faults of faults.ts. A model composes all of this with `withVersions` (at the end).
// The version part of the state is plain data: `{ version: { N1: 1, N2: 2 }, downgrades: 1 }`.
import { withBlock, type Block } from './compose';
import type { Action, Machine, Metric, ViewEvent } from './model';
import { message, type Message } from './network';

export interface VersionState {
  /** The version each node runs, by node name. */
  readonly version: Readonly<Record<string, number>>;
  /** Rollbacks (Downgrade steps) the run may still take. */
  readonly downgrades: number;
}

export type VersionAction = { readonly name: 'Upgrade'; readonly node: string } | { readonly name: 'Downgrade'; readonly node: string };

export const VERSION_ACTION_NAMES: readonly string[] = ['Upgrade', 'Downgrade'];
export const isVersionAction = (a: { name: string }): a is VersionAction => a.name === 'Upgrade' || a.name === 'Downgrade';

/** Where the versions start and how a rollout may move them. */
export interface Rollout {
  /** Every node, in rolling order (the order a `rolling` rollout upgrades them in). */
  readonly nodes: readonly string[];
  /** The starting version of every node (one number for all, or per node); default 1. */
  readonly start?: number | Readonly<Record<string, number>>;
  /** The highest version a node may be upgraded to. */
  readonly last: number;
  /**
   * `any`: any node may move at any time. `rolling`: nodes upgrade in `nodes` order (a node moves to v+1 only
   * once every node before it runs at least v+1) and roll back in the reverse order.
   */
  readonly order: 'any' | 'rolling';
  /** One deploy at a time: no node moves to v+1 until every node runs at least v (no two versions apart). */
  readonly stepwise?: boolean;
  /** How many Downgrade steps a run may take (0: no rollback). */
  readonly downgrades?: number;
}

export function initialVersions(rollout: Rollout): VersionState {
  const start = rollout.start ?? 1;
  const version: Record<string, number> = {};
  for (const n of rollout.nodes) version[n] = typeof start === 'number' ? start : (start[n] ?? 1);
  return { version, downgrades: rollout.downgrades ?? 0 };
}

/** The version a node runs. */
export function versionOf(vs: VersionState, node: string): number {
  const v = vs.version[node];
  if (v === undefined) throw new Error(`versions: unknown node '${node}'`);
  return v;
}

/** The distinct versions running now, ascending. */
export function runningVersions(vs: VersionState): number[] {
  return [...new Set(Object.values(vs.version))].sort((a, b) => a - b);
}

/** Some nodes run one version and some another: the cluster is in the middle of a rollout. */
export function isMixed(vs: VersionState): boolean {
  return runningVersions(vs).length > 1;
}

/** The version actions enabled now: the rollout's order, its stepwise rule and the rollback budget decide. */
export function versionActions(vs: VersionState, rollout: Rollout): VersionAction[] {
  const out: VersionAction[] = [];
  const nodes = rollout.nodes;
  const versions = nodes.map((n) => vs.version[n]);
  const low = Math.min(...versions);
  const high = Math.max(...versions);
  nodes.forEach((node, i) => {
    const v = versions[i];
    const upOk =
      v < rollout.last &&
      (!rollout.stepwise || v + 1 - low <= 1) &&
      (rollout.order === 'any' || versions.slice(0, i).every((w) => w >= v + 1));
    if (upOk) out.push({ name: 'Upgrade', node });
  });
  if (vs.downgrades > 0)
    nodes.forEach((node, i) => {
      const v = versions[i];
      const downOk =
        v > 1 && (!rollout.stepwise || high - (v - 1) <= 1) && (rollout.order === 'any' || versions.slice(i + 1).every((w) => w <= v - 1));
      if (downOk) out.push({ name: 'Downgrade', node });
    });
  return out;
}

export function applyVersionAction(vs: VersionState, a: VersionAction): VersionState {
  const v = versionOf(vs, a.node);
  return a.name === 'Upgrade'
    ? { ...vs, version: { ...vs.version, [a.node]: v + 1 } }
    : { version: { ...vs.version, [a.node]: v - 1 }, downgrades: vs.downgrades - 1 };
}

export function formatVersionAction(a: VersionAction): string {
  return `${a.name}(${a.node})`;
}

/** What a node's move from one version to another reads as in a diagram: `⬆ restarts as v2`, `⬇ rolls back to v1`. */
export function versionChangeText(from: number, to: number): string {
  return to > from ? `⬆ restarts as v${to}` : `⬇ rolls back to v${to}`;
}

/** The diagram note of an upgrade or a rollback, over the node: `⬆ restarts as v2`, or the model's own words. */
export function versionView(from: VersionState, a: VersionAction, describe?: VersionTopology<unknown>['describeChange']): ViewEvent[] {
  const v = versionOf(from, a.node);
  const to = a.name === 'Upgrade' ? v + 1 : v - 1;
  return [{ type: 'note', over: a.node, text: describe?.(a.node, v, to) ?? versionChangeText(v, to) }];
}

/** The versions as one readable field of a trace: `N1 v2, N2 v1, N3 v1`. */
export function formatVersions(vs: VersionState, nodes: readonly string[]): string {
  return nodes.map((n) => `${n} v${vs.version[n]}`).join(', ');
}

/** The versions a state keeps in its `versions` field, as every state of a `withVersions` machine does; else undefined. */
export function versionsIn(state: unknown): VersionState | undefined {
  const vs = (state as { versions?: unknown } | null)?.versions as Partial<VersionState> | undefined;
  if (typeof vs !== 'object' || vs === null || typeof vs.version !== 'object' || vs.version === null) return undefined;
  return Object.values(vs.version).every((v) => typeof v === 'number') ? (vs as VersionState) : undefined;
}

/** A state that keeps versions (`versionsIn`) with some nodes on one version and some on another. */
export function isMixedState(state: unknown): boolean {
  const vs = versionsIn(state);
  return vs !== undefined && isMixed(vs);
}

/** The rollout can change some node's version (a mixed start always can): the configuration is a rolling upgrade at all. */
export function isRollingUpgrade(rollout: Rollout): boolean {
  return versionActionNames(rollout).length > 0;
}

/** A rollout in words, for reports: `v1→v3, rolling N1→N2→N3, one deploy at a time, rollback allowed (≤ 1)`. */
export function describeRollout(rollout: Rollout): string {
  const start = initialVersions(rollout);
  const low = Math.min(...runningVersions(start));
  const versions = isMixed(start) ? `${formatVersions(start, rollout.nodes)} → v${rollout.last}` : `v${low}→v${rollout.last}`;
  const parts = [versions, rollout.order === 'rolling' ? `rolling ${rollout.nodes.join('→')}` : 'any order'];
  // With one version step to take, "one deploy at a time" changes nothing; it is said only where it can matter.
  if (rollout.last - low >= 2) parts.push(rollout.stepwise ? 'one deploy at a time' : 'deploys may overlap');
  const rollbacks = rollout.downgrades ?? 0;
  parts.push(rollbacks === 0 ? 'no rollback' : `rollback allowed (≤ ${rollbacks})`);
  return parts.join(', ');
}

/** A node's name with its version when the cluster is mixed (`N2 (v2)`), for diagram labels; else the name alone. */
export function versionLabel(vs: VersionState, node: string): string {
  return isMixed(vs) ? `${node} (v${versionOf(vs, node)})` : node;
}

// Messages: a message carries its sender's version in its payload, `{ ...payload, v }`.

/** A payload stamped with the sender's version. */
export type Stamped<P extends object = Record<string, never>> = P & { readonly v: number };

/** A message from `from`, its payload stamped with the version `from` runs now. */
export function stamp<P extends object>(vs: VersionState, type: string, from: string, to: string, payload: P): Message<Stamped<P>> {
  return message(type, from, to, { ...payload, v: versionOf(vs, from) });
}

/** The version of the node that sent a stamped message. */
export function senderVersion(m: Message<{ readonly v: number }>): number {
  if (m.payload === undefined) throw new Error(`versions: message ${m.type} ${m.from}→${m.to} carries no version`);
  return m.payload.v;
}

// Dispatch: each node's protocol steps as each version runs them.

/** A node's protocol as one version runs it: the steps it may take, and what each does. */
export interface NodeProtocol<S, A> {
  readonly actions: (state: S, node: string) => readonly A[];
  readonly next: (state: S, action: A) => S;
}

/**
 * The protocol's node steps, dispatched on the version of the node that takes them: `implementations[v]` for a
 * node running v. `nodeOf` names the node an action belongs to. A version without an implementation is a model
 * error (the rollout reaches a version nobody wrote).
 */
export function byVersion<S extends { readonly versions: VersionState }, A>(
  nodes: readonly string[],
  implementations: Readonly<Record<number, NodeProtocol<S, A>>>,
  nodeOf: (action: A) => string,
): { readonly actions: (state: S) => A[]; readonly next: (state: S, action: A) => S } {
  const impl = (s: S, node: string): NodeProtocol<S, A> => {
    const v = versionOf(s.versions, node);
    const p = implementations[v];
    if (!p) throw new Error(`versions: node ${node} runs v${v}, which has no implementation`);
    return p;
  };
  return {
    actions: (s) => nodes.flatMap((n) => impl(s, n).actions(s, n)),
    next: (s, a) => impl(s, nodeOf(a)).next(s, a),
  };
}

// Composition: a model declares its rollout once and writes only its protocol.

/**
 * A protocol machine over a state that holds its versions in `versions`: only protocol actions. Properties see
 * every step, upgrades included; metrics count protocol steps only.
 */
export interface VersionedMachine<S extends { readonly versions: VersionState }, A extends Action> extends Omit<
  Machine<S, A | VersionAction>,
  'actions' | 'next' | 'formatAction' | 'view' | 'fair' | 'actionNames' | 'metrics' | 'key' | 'rollout'
> {
  readonly actions: (state: S) => readonly A[];
  readonly next: (state: S, action: A) => S;
  readonly actionNames: readonly string[];
  readonly formatAction: (action: A) => string;
  readonly view?: (from: S, action: A, to: S) => readonly ViewEvent[];
  readonly fair?: (action: A) => boolean;
  readonly metrics?: readonly Metric<S, A>[];
}

/** What a restart into another version keeps: the model resets the node's volatile state, durable state stays. */
export interface VersionTopology<S> {
  readonly onRestart?: (state: S, node: string, from: number, to: number) => S;
  /** The diagram note of a node's move between versions, when "⬆ restarts as v2" is not what it is (e.g. a node that adopts a configuration). */
  readonly describeChange?: (node: string, from: number, to: number) => string;
}

/** The version actions a rollout can ever produce, for coverage reports. */
export function versionActionNames(rollout: Rollout): string[] {
  const start = initialVersions(rollout);
  const up = rollout.nodes.some((n) => versionOf(start, n) < rollout.last);
  const down = (rollout.downgrades ?? 0) > 0 && (up || rollout.nodes.some((n) => versionOf(start, n) > 1));
  return [...(up ? ['Upgrade'] : []), ...(down ? ['Downgrade'] : [])];
}

/** Deploys and rollbacks as a block (compose.ts): after the protocol's actions, never fair (nothing forces a deploy). */
function versionBlock<S extends { readonly versions: VersionState }, A extends Action>(
  rollout: Rollout,
  topology: VersionTopology<S>,
): Block<S, A, VersionAction> {
  return {
    is: isVersionAction,
    actions: (s) => versionActions(s.versions, rollout),
    next: (s, a) => {
      const from = versionOf(s.versions, a.node);
      const after = { ...s, versions: applyVersionAction(s.versions, a) };
      return topology.onRestart ? topology.onRestart(after, a.node, from, versionOf(after.versions, a.node)) : after;
    },
    names: versionActionNames(rollout),
    format: formatVersionAction,
    fair: () => false,
    view: (from, a) => versionView(from.versions, a, topology.describeChange),
    actors: rollout.nodes,
    viewOnlyWithProtocolView: true,
  };
}

/** The whole machine: the protocol plus the rollout's upgrades and rollbacks, with their wiring derived. */
export function withVersions<S extends { readonly versions: VersionState }, A extends Action>(
  rollout: Rollout,
  topology: VersionTopology<S>,
  protocol: VersionedMachine<S, A>,
): Machine<S, A | VersionAction> {
  const { display, ...rest } = protocol;
  return {
    ...withBlock<S, A, VersionAction>(versionBlock(rollout, topology), rest),
    rollout,
    // The rollback budget left, after the model's own fields, when the rollout has one.
    ...(display
      ? {
          display:
            (rollout.downgrades ?? 0) > 0
              ? (s: S) => ({ ...(display(s) as Record<string, unknown>), rollbacksLeft: s.versions.downgrades })
              : display,
        }
      : {}),
  };
}

/**
 * The rollout as model parameters: `order` (any, rolling), `stepwise` and `downgrades` (a budget, printed by
 * reports as one). Spread them into the model's `params`; read them back with `rolloutOf`.
 */
export function rolloutParams(maxDowngrades = 2) {
  return {
    order: {
      type: 'enum',
      default: 'rolling',
      values: ['any', 'rolling'],
      description: 'rollout order: any node at any time, or a fixed rolling order',
    },
    stepwise: { type: 'boolean', default: true, description: 'one deploy at a time: no two nodes two versions apart' },
    downgrades: { type: 'int', default: 0, min: 0, max: maxDowngrades, budget: true, description: 'at most this many rollbacks' },
  } as const;
}

/** The rollout a model's resolved parameters describe. */
export function rolloutOf(
  params: { readonly order: 'any' | 'rolling'; readonly stepwise: boolean; readonly downgrades: number },
  nodes: readonly string[],
  last: number,
  start?: Rollout['start'],
): Rollout {
  return {
    nodes,
    last,
    order: params.order,
    stepwise: params.stepwise,
    downgrades: params.downgrades,
    ...(start === undefined ? {} : { start }),
  };
}

// Membership: "topology doesn't change" is a fallacy. Nodes join a cluster (a ring, a replica set, a shard map) and
// leave it while it serves, and every placement, quorum or routing table built on the membership must cope.
// - `Join(node)` adds a node that starts empty; `Join(node, from)` adds one that starts from a snapshot of member
//   `from` (a replica seeded from a backup, a new shard copying a neighbour). The model says what the new node
//   holds in `onJoin(state, node, from)`.
// - `Leave(node)` is a graceful leave (it may hand its data over first: `onLeave(state, node, false)`);
//   `CrashLeave(node)` removes a node that crashed and never comes back (`onLeave(state, node, true)`: what it
//   held is lost unless a copy lives elsewhere).
// - Budgets (`joins`, `leaves`, crash-leaves counted as leaves) bound the churn; a budget left out is unbounded,
//   which stays finite as long as the membership is the only thing that changes (a subset of the pool).
//   `minMembers` keeps the cluster from emptying; a node that left may join again.
// Joins and leaves are operator decisions or faults: never fair (nothing forces a node to join or leave).
// The membership is plain data in the state (`{ members: ['node1', 'node3'], leavesLeft: 1 }`), so the
// explorer's fingerprint covers it. A model composes all of this with `withMembership` (at the end).
import { blockParam, withBlock, type BlockParamDeclaration, type BlockProtocol } from './compose';
import type { Action, IntParamSpec, Machine, ViewEvent } from './model';

export interface MembershipState {
  /** The current members, sorted. */
  readonly members: readonly string[];
  /** Joins the run may still make (absent: unbounded). */
  readonly joinsLeft?: number;
  /** Leaves, graceful or by crash, the run may still make (absent: unbounded). */
  readonly leavesLeft?: number;
}

export type MembershipAction =
  | { readonly name: 'Join'; readonly node: string; readonly from?: string }
  | { readonly name: 'Leave'; readonly node: string }
  | { readonly name: 'CrashLeave'; readonly node: string };

export const MEMBERSHIP_ACTION_NAMES: readonly string[] = ['Join', 'Leave', 'CrashLeave'];
export const isMembershipAction = (a: { name: string }): a is MembershipAction => MEMBERSHIP_ACTION_NAMES.includes(a.name);

export interface MembershipConfig {
  /** Every node that may ever be a member, in order (the order of the enabled actions and of the diagram). */
  readonly pool: readonly string[];
  /** The members at the start. */
  readonly initial: readonly string[];
  /** How a node joins: empty (default), from a snapshot of a current member, or either. */
  readonly join?: 'empty' | 'snapshot' | 'both';
  /** How a node leaves: gracefully (default), by crash, or either. */
  readonly leave?: 'graceful' | 'crash' | 'both';
  /** No leave takes the cluster below this many members (default 1). */
  readonly minMembers?: number;
  /** No join takes the cluster above this many members (default: the whole pool). */
  readonly maxMembers?: number;
  /** Join and leave budgets; a budget left out is unbounded. */
  readonly joins?: number;
  readonly leaves?: number;
  /** What the cluster is called in diagram notes (`joins the ring`); default `the cluster`. */
  readonly group?: string;
}

export function initialMembership(config: MembershipConfig): MembershipState {
  for (const n of config.initial) if (!config.pool.includes(n)) throw new Error(`membership: initial member '${n}' is not in the pool`);
  return {
    members: [...config.initial].sort(),
    ...(config.joins === undefined ? {} : { joinsLeft: config.joins }),
    ...(config.leaves === undefined ? {} : { leavesLeft: config.leaves }),
  };
}

export function isMember(ms: MembershipState, node: string): boolean {
  return ms.members.includes(node);
}

/** The members in pool order (the order models index their per-node data by). */
export function membersOf(ms: MembershipState, config: Pick<MembershipConfig, 'pool'>): string[] {
  return config.pool.filter((n) => isMember(ms, n));
}

const joinsEmpty = (c: MembershipConfig): boolean => (c.join ?? 'empty') !== 'snapshot';
const joinsFromSnapshot = (c: MembershipConfig): boolean => (c.join ?? 'empty') !== 'empty';
const leavesGracefully = (c: MembershipConfig): boolean => (c.leave ?? 'graceful') !== 'crash';
const leavesByCrash = (c: MembershipConfig): boolean => (c.leave ?? 'graceful') !== 'graceful';

/** A model's own conditions on joining and on a graceful leave (e.g. a node leaves only once it has handed over its data). */
export interface MembershipGuards {
  readonly canJoin?: (node: string) => boolean;
  readonly canLeave?: (node: string) => boolean;
}

/**
 * The membership actions enabled now, node by node in pool order: a non-member's joins, a member's leaves, within
 * the budgets, the size bounds and the model's guards.
 */
export function membershipActions(ms: MembershipState, config: MembershipConfig, guards: MembershipGuards = {}): MembershipAction[] {
  const out: MembershipAction[] = [];
  const size = ms.members.length;
  const canJoin = (ms.joinsLeft ?? 1) > 0 && size < (config.maxMembers ?? config.pool.length);
  const canLeave = (ms.leavesLeft ?? 1) > 0 && size > (config.minMembers ?? 1);
  for (const node of config.pool) {
    if (!isMember(ms, node)) {
      if (!canJoin || !(guards.canJoin?.(node) ?? true)) continue;
      if (joinsEmpty(config)) out.push({ name: 'Join', node });
      if (joinsFromSnapshot(config)) for (const from of membersOf(ms, config)) out.push({ name: 'Join', node, from });
    } else if (canLeave) {
      // The model's guard holds back a graceful leave (it must hand over first); a crash asks nobody.
      if (leavesGracefully(config) && (guards.canLeave?.(node) ?? true)) out.push({ name: 'Leave', node });
      if (leavesByCrash(config)) out.push({ name: 'CrashLeave', node });
    }
  }
  return out;
}

export function applyMembershipAction(ms: MembershipState, a: MembershipAction): MembershipState {
  if (a.name === 'Join')
    return { ...ms, members: [...ms.members, a.node].sort(), ...(ms.joinsLeft === undefined ? {} : { joinsLeft: ms.joinsLeft - 1 }) };
  return {
    ...ms,
    members: ms.members.filter((n) => n !== a.node),
    ...(ms.leavesLeft === undefined ? {} : { leavesLeft: ms.leavesLeft - 1 }),
  };
}

export function formatMembershipAction(a: MembershipAction): string {
  return a.name === 'Join' && a.from !== undefined ? `Join(${a.node} from ${a.from})` : `${a.name}(${a.node})`;
}

/** The diagram note of a join or a leave, over the node: `joins the ring from a snapshot of node1`. */
export function membershipView(a: MembershipAction, group = 'the cluster'): ViewEvent[] {
  const text =
    a.name === 'Join'
      ? `joins ${group}${a.from === undefined ? '' : ` from a snapshot of ${a.from}`}`
      : a.name === 'Leave'
        ? `leaves ${group}`
        : `💥 crashes and leaves ${group}`;
  return [{ type: 'note', over: a.node, text }];
}

/** The membership as one readable field of a trace: `node1, node3 (1 leave left)`. */
export function formatMembership(ms: MembershipState): string {
  const left = [
    ...(ms.joinsLeft === undefined ? [] : [`${ms.joinsLeft} join${ms.joinsLeft === 1 ? '' : 's'} left`]),
    ...(ms.leavesLeft === undefined ? [] : [`${ms.leavesLeft} leave${ms.leavesLeft === 1 ? '' : 's'} left`]),
  ];
  return `${ms.members.length ? ms.members.join(', ') : 'none'}${left.length ? ` (${left.join(', ')})` : ''}`;
}

/** The membership actions a configuration can ever produce, in a fixed order, for coverage reports. */
export function membershipActionNames(config: MembershipConfig): string[] {
  const names: string[] = [];
  if (config.joins !== 0 && config.initial.length < config.pool.length) names.push('Join');
  if (config.leaves !== 0) {
    if (leavesGracefully(config)) names.push('Leave');
    if (leavesByCrash(config)) names.push('CrashLeave');
  }
  return names;
}

// Composition: a model declares its membership once and writes only its protocol.

/** When a node may join or leave, beyond the budgets and size bounds, and what joining and leaving do to the model's state. */
export interface MembershipTopology<S> {
  /** Whether `node` may join now (default: always). */
  readonly canJoin?: (state: S, node: string) => boolean;
  /** Whether `node` may leave gracefully now (default: always), e.g. only once it has handed over every key; a crash asks nobody. */
  readonly canLeave?: (state: S, node: string) => boolean;
  /** The model's words for a join or a leave in the diagram (default: `joins the cluster`, `leaves the cluster`). */
  readonly note?: (from: S, action: MembershipAction) => string;
  /** After `node` joined: what it starts with, empty (`from` undefined) or a snapshot of member `from`. */
  readonly onJoin?: (state: S, node: string, from: string | undefined) => S;
  /** After `node` left: a graceful leave may have handed its data over; a crash loses what only it held. */
  readonly onLeave?: (state: S, node: string, crashed: boolean) => S;
}

/**
 * A protocol machine over a state that holds its membership in `membership`: only protocol actions. Properties
 * see every step, joins and leaves included; metrics count protocol steps only.
 */
export type MemberMachine<S extends { readonly membership: MembershipState }, A extends Action> = BlockProtocol<S, A, MembershipAction>;

/** The whole machine: the protocol plus every join and leave the configuration allows, with their wiring derived. */
export function withMembership<S extends { readonly membership: MembershipState }, A extends Action>(
  config: MembershipConfig,
  topology: MembershipTopology<S>,
  protocol: MemberMachine<S, A>,
): Machine<S, A | MembershipAction> {
  const { canJoin, canLeave, onJoin, onLeave } = topology;
  return withBlock<S, A, MembershipAction>(
    {
      is: isMembershipAction,
      actions: (s) =>
        membershipActions(s.membership, config, {
          ...(canJoin ? { canJoin: (n: string) => canJoin(s, n) } : {}),
          ...(canLeave ? { canLeave: (n: string) => canLeave(s, n) } : {}),
        }),
      next: (s, a) => {
        const after = { ...s, membership: applyMembershipAction(s.membership, a) };
        if (a.name === 'Join') return onJoin ? onJoin(after, a.node, a.from) : after;
        return onLeave ? onLeave(after, a.node, a.name === 'CrashLeave') : after;
      },
      names: membershipActionNames(config),
      format: formatMembershipAction,
      fair: () => false,
      view: (from, a) => (topology.note ? [{ type: 'note', over: a.node, text: topology.note(from, a) }] : membershipView(a, config.group)),
      actors: config.pool,
    },
    protocol,
  );
}

/** The join and leave budgets as model parameters (`joins`, `leaves`), printed by reports as budgets. */
export function membershipParams<const F extends { readonly joins?: BlockParamDeclaration; readonly leaves?: BlockParamDeclaration }>(
  budgets: F,
): { readonly [K in keyof F]: IntParamSpec } {
  const what = { joins: 'node joins', leaves: 'node leaves (graceful or by crash)' } as const;
  const out: Record<string, IntParamSpec> = {};
  for (const [name, d] of Object.entries(budgets) as ['joins' | 'leaves', BlockParamDeclaration][])
    out[name] = blockParam(d, `at most this many ${what[name]}`, true);
  return out as { readonly [K in keyof F]: IntParamSpec };
}

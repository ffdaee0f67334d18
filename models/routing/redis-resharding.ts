// Redis Cluster live resharding of one slot from master A to master B, with a client that follows MOVED and
// ASK redirections. Source: the Redis Cluster specification (MIGRATING / IMPORTING slot states, MIGRATE moving
// keys one by one, -MOVED and -ASK redirections, the ASKING command) and the seed's Redis slots section.
// Scope: two keys in the slot, a client with a cached slot map (old, or already naming B) and one request in
// flight at a time; the migration may pause for any time.
// The slot's owners are a membership (src/model/membership.ts): `Join(B)` is B starting to import the slot
// (CLUSTER SETSLOT IMPORTING on B, MIGRATING on A; B joins empty, the keys come by MIGRATE), and `Leave(A)` is
// A handing the slot over once every key has left it (SETSLOT NODE B): a graceful leave guarded by canLeave.
// Properties: no key lost or duplicated, reads see the latest write (safety), and every request is eventually
// served (liveness, weak fairness on every step).
import {
  initialMembership,
  isMember,
  withMembership,
  type MembershipAction,
  type MembershipConfig,
  type MembershipState,
} from '../../src/model/membership';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

type Node = 'A' | 'B';
type Op = { readonly kind: 'get' | 'set'; readonly key: number };

export interface ReshardState {
  /** Value versions held by each master per key (0 = absent). */
  readonly a: readonly number[];
  readonly b: readonly number[];
  /** The slot's owners: A (stable), A and B (A MIGRATING, B IMPORTING), B (done). */
  readonly membership: MembershipState;
  /** The client's cached owner of the slot. */
  readonly cached: Node;
  /** The request in flight: its operation, where it is going, and whether ASKING precedes it. */
  readonly request: { readonly op: Op; readonly to: Node; readonly asking: boolean } | null;
  readonly opsLeft: number;
  /** History: the latest version written per key, and whether some read returned something else. */
  readonly latest: readonly number[];
  readonly staleRead: boolean;
  readonly served: number;
}

type ProtocolAction =
  { readonly name: 'ClientSend'; readonly op: Op } | { readonly name: 'NodeHandle' } | { readonly name: 'Migrate'; readonly key: number };
export type ReshardAction = ProtocolAction | MembershipAction;

const KEYS = [0, 1];

/** The slot's owners: B may join (import), A may leave (hand over), never below one owner. */
const SLOT_OWNERS: MembershipConfig = { pool: ['A', 'B'], initial: ['A'] };

/** Where the migration is: A owns the slot, A migrates it to B, or B owns it. */
export function phaseOf(s: ReshardState): 'stable' | 'migrating' | 'done' {
  if (!isMember(s.membership, 'B')) return 'stable';
  return isMember(s.membership, 'A') ? 'migrating' : 'done';
}

function reshardMachine(ops: number, variant: string): Machine<ReshardState, ReshardAction> {
  const migrated = (s: ReshardState): boolean => KEYS.every((k) => s.a[k] === 0);
  const askAsMoved = variant === 'ask-as-moved';
  const sourceNotFound = variant === 'source-not-found';
  const targetWithoutAsking = variant === 'target-without-asking';

  const actions = (s: ReshardState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    if (s.request === null && s.opsLeft > 0)
      for (const key of KEYS) for (const kind of ['get', 'set'] as const) out.push({ name: 'ClientSend', op: { kind, key } });
    if (s.request !== null) out.push({ name: 'NodeHandle' });
    if (phaseOf(s) === 'migrating') for (const key of KEYS) if (s.a[key] > 0) out.push({ name: 'Migrate', key });
    return out;
  };

  /** One node's answer to the request in flight: serve it, or redirect. */
  const handle = (s: ReshardState): ReshardState => {
    const r = s.request!;
    const { op } = r;
    const phase = phaseOf(s);
    type Answer = { serve: Node } | { ask: Node } | { moved: Node } | { notFound: true };
    let ans: Answer;
    if (r.to === 'A') {
      if (phase === 'done') ans = { moved: 'B' };
      else if (phase === 'migrating' && s.a[op.key] === 0) ans = sourceNotFound && op.kind === 'get' ? { notFound: true } : { ask: 'B' };
      else ans = { serve: 'A' };
    } else {
      if (phase === 'done') ans = { serve: 'B' };
      else if (phase === 'migrating' && (r.asking || targetWithoutAsking)) ans = { serve: 'B' };
      else ans = { moved: 'A' };
    }
    if ('ask' in ans) {
      return askAsMoved
        ? { ...s, cached: ans.ask, request: { op, to: ans.ask, asking: false } }
        : { ...s, request: { op, to: ans.ask, asking: true } };
    }
    if ('moved' in ans) return { ...s, cached: ans.moved, request: { op, to: ans.moved, asking: false } };
    const done = { ...s, request: null, served: s.served + 1 };
    if ('notFound' in ans) return { ...done, staleRead: done.staleRead || s.latest[op.key] !== 0 };
    const store = ans.serve === 'A' ? s.a : s.b;
    if (op.kind === 'get') return { ...done, staleRead: done.staleRead || store[op.key] !== s.latest[op.key] };
    const version = s.latest[op.key] + 1;
    const latest = replaceAt(s.latest, op.key, version);
    return ans.serve === 'A'
      ? { ...done, a: replaceAt(s.a, op.key, version), latest }
      : { ...done, b: replaceAt(s.b, op.key, version), latest };
  };

  const next = (s: ReshardState, a: ProtocolAction): ReshardState => {
    switch (a.name) {
      case 'ClientSend':
        return { ...s, request: { op: a.op, to: s.cached, asking: false }, opsLeft: s.opsLeft - 1 };
      case 'NodeHandle':
        return handle(s);
      case 'Migrate':
        // MIGRATE is atomic: the key leaves A and appears on B (replacing whatever B had).
        return { ...s, a: replaceAt(s.a, a.key, 0), b: replaceAt(s.b, a.key, s.a[a.key]) };
    }
  };

  const properties: Property<ReshardState, ReshardAction>[] = [
    {
      kind: 'always',
      name: 'noKeyLostOrDuplicated',
      description: 'Every key lives on exactly one master, and holds its latest written version.',
      holds: (s) => KEYS.every((k) => s.a[k] > 0 !== s.b[k] > 0 && Math.max(s.a[k], s.b[k]) === s.latest[k]),
    },
    { kind: 'always', name: 'readsSeeLatestWrite', description: 'A read returns the latest version written.', holds: (s) => !s.staleRead },
    {
      kind: 'leadsTo',
      name: 'requestsServed',
      description: 'Every request sent is eventually served.',
      from: (s) => s.request !== null,
      to: (s) => s.request === null,
    },
    {
      kind: 'sometimes',
      name: 'askFollowed',
      description: 'A request was sent to the target with ASKING.',
      holds: (s) => s.request?.asking === true,
    },
    {
      kind: 'sometimes',
      name: 'movedFollowed',
      description: 'The client learned the new owner from MOVED.',
      holds: (s) => phaseOf(s) === 'done' && s.cached === 'B' && s.served > 0,
    },
    {
      kind: 'sometimes',
      name: 'writeDuringMigration',
      description: 'A key was written while its slot was migrating.',
      holds: (s) => phaseOf(s) === 'migrating' && s.latest.some((v) => v > 1),
    },
  ];

  return withMembership(
    SLOT_OWNERS,
    {
      // B may start importing at any time, once; A hands the slot over only once every key has migrated.
      canJoin: (_s, node) => node === 'B',
      canLeave: (s, node) => node === 'A' && migrated(s),
      note: (_s, a) => (a.name === 'Join' ? 'slot IMPORTING on B, MIGRATING on A' : 'slot now owned by B'),
    },
    {
      // Two clients' views: one with the old slot map, one whose map already names B (it talked to another node).
      init: (['A', 'B'] as const).map((cached) => ({
        a: [1, 1],
        b: [0, 0],
        membership: initialMembership(SLOT_OWNERS),
        cached,
        request: null,
        opsLeft: ops,
        latest: [1, 1],
        staleRead: false,
        served: 0,
      })),
      actions,
      next,
      properties,
      actionNames: ['ClientSend', 'NodeHandle', 'Migrate'],
      formatAction: (a) =>
        a.name === 'ClientSend' ? `ClientSend(${a.op.kind} k${a.op.key + 1})` : a.name === 'Migrate' ? `Migrate(k${a.key + 1})` : a.name,
      actors: ['Client', 'A', 'B'],
      // The cluster serves every request it is asked, but an operator may pause the migration for any time.
      fair: (a) => a.name === 'NodeHandle',
      fairness:
        'Weak fairness on the nodes answering requests; none on the client sending or on the migration, which an operator may pause.',
      view: (from, a, to) => {
        if (a.name === 'ClientSend')
          return [{ type: 'message', from: 'Client', to: to.request!.to, label: `${a.op.kind} k${a.op.key + 1}` }];
        if (a.name === 'Migrate') return [{ type: 'message', from: 'A', to: 'B', label: `MIGRATE k${a.key + 1}` }];
        const r = from.request!;
        if (to.request === null) return [{ type: 'message', from: r.to, to: 'Client', label: 'reply' }];
        // The redirect and the client's retry are one step: one arrow, the reply, which names the retry.
        const how = to.request.asking ? 'ASK' : 'MOVED';
        const retry = `${to.request.asking ? 'ASKING + ' : ''}${r.op.kind} k${r.op.key + 1}`;
        return [
          { type: 'message', from: r.to, to: 'Client', label: `-${how} ${to.request.to} (client retries ${retry} at ${to.request.to})` },
        ];
      },
    },
  );
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'ASK is followed once, with ASKING; MOVED updates the slot map.' },
  {
    name: 'ask-as-moved',
    description: 'The client treats ASK like MOVED: it updates its slot map and sends without ASKING.',
    breaks: 'requestsServed',
  },
  {
    name: 'source-not-found',
    description: 'The source answers "not found" for a key it has already migrated, instead of redirecting with ASK.',
    breaks: 'readsSeeLatestWrite',
  },
  {
    name: 'target-without-asking',
    description: 'The importing target serves requests that did not send ASKING.',
    breaks: 'noKeyLostOrDuplicated',
  },
];

export const redisResharding = defineModel({
  id: 'redis-resharding',
  title: 'Redis Cluster live resharding with MOVED / ASK redirections',
  source: "Redis Cluster specification (MIGRATING/IMPORTING, MIGRATE, -MOVED, -ASK, ASKING); the seed's Redis slots section",
  scope: 'One slot with two keys migrating from A to B while a client with a cached slot map reads and writes.',
  params: { ops: { type: 'int', default: 3, min: 1, max: 6, description: 'client requests per run' } },
  variants,
  configurations: [
    { name: 'ops3', variant: 'correct', params: { ops: 3 } },
    { name: 'ops3-ask-as-moved', variant: 'ask-as-moved', params: { ops: 3 } },
    { name: 'ops3-source-not-found', variant: 'source-not-found', params: { ops: 3 } },
    { name: 'ops3-target-without-asking', variant: 'target-without-asking', params: { ops: 3 } },
  ],
  machine: (params, variant) => reshardMachine(params.ops, variant),
});

// Redis Sentinel failover: sentinels find the master subjectively down (SDOWN), agree it is objectively down
// (ODOWN) when a quorum of them does, elect a leader by majority in a new epoch, and the leader promotes a replica.
// Source: the seed's 高可用 notes (sentinel 探测 master 故障并自动故障转移); the Redis Sentinel documentation
// (quorum, majority vote per epoch, configuration epochs, "Example 2" on min-replicas-to-write) and sentinel.c
// (sentinelVoteLeader: one vote per epoch, persisted; the leader needs a majority and at least the quorum).
// Scope: at most one master per epoch (safety); no write accepted by a deposed master is lost (safety); after the
// network has healed for good, exactly one master remains and every sentinel agrees on it (liveness, weak fairness
// on every protocol step and restart, none on crashes or partitions).
// Modelling choices:
//   - SDOWN is what a sentinel sees now: its master is down or cut off from it (a perfect failure detector; a
//     partition stands for a false suspicion). ODOWN reads the SDOWN of the sentinels it reaches in one step
//     (SENTINEL is-master-down-by-addr); vote requests and votes are messages carrying their epoch.
//   - Redis servers keep the configuration epoch they were last configured in, standing for the hello messages
//     sentinels publish on every instance: a sentinel adopts a newer configuration from an instance it reaches, and
//     reconfigures an instance only when its own configuration is at least as new.
//   - Replication is asynchronous: a replica copies its master's data in one step, whenever it reaches it. A client
//     write is acknowledged at once if the master has min-replicas-to-write replicas it reaches, refused otherwise.
//   - Redis servers and sentinels crash and restart with their configuration and data (durable); a sentinel's
//     campaign (votes collected) is volatile. Epochs are bounded by `maxEpoch`.
import { budgetOf, connected, deliverableMessages, faultParams, formatPartition, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { message, remove, send, withNet, type Message, type Network } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { intern, replaceAt, setAdd } from '../../src/model/plain';

/** A Redis server's role: MASTER, or the index of the server it replicates. */
export const MASTER = -1;

/** A failover: in `epoch`, sentinel `sentinel` promoted server `server`. */
export interface Promotion {
  readonly epoch: number;
  readonly sentinel: number;
  readonly server: number;
}

export interface SentinelState {
  /** Per Redis server: MASTER or the server it replicates (durable). */
  readonly role: readonly number[];
  /** Per Redis server: the configuration epoch it was last configured in (durable). */
  readonly cfg: readonly number[];
  /** Per Redis server: the write ids it holds (durable). */
  readonly data: readonly (readonly number[])[];
  /** Per sentinel: current epoch and the sentinel it voted for in it, -1 for none (durable). */
  readonly epoch: readonly number[];
  readonly voted: readonly number[];
  /** Per sentinel: its configuration, the master it monitors and the epoch of that configuration (durable). */
  readonly view: readonly number[];
  readonly viewEpoch: readonly number[];
  /** Per sentinel: the sentinels that voted for it as a candidate in its current epoch; empty when not campaigning. */
  readonly votes: readonly ReadonlySet<number>[];
  /** Client-observable: write ids acknowledged, and refused (NOREPLICAS), sorted. */
  readonly acked: readonly number[];
  readonly refused: readonly number[];
  /** History: acknowledged write ids that a deposed master accepted (a newer epoch had promoted another server). */
  readonly staleAcked: readonly number[];
  /** History: every promotion. */
  readonly promotions: ReadonlySet<Promotion>;
  readonly faults: FaultState;
}

/** A vote request (VoteReq) or a vote (Vote), for the epoch it carries. */
export type Ballot = Message<{ readonly epoch: number }>;

type ProtocolAction =
  | { readonly name: 'Write' | 'WriteRefused'; readonly r: number }
  | { readonly name: 'Sync'; readonly r: number }
  | { readonly name: 'ODown'; readonly s: number }
  | { readonly name: 'RcvVoteReq' | 'RcvVote'; readonly msg: Ballot }
  | { readonly name: 'Promote'; readonly s: number; readonly r: number }
  | { readonly name: 'Learn' | 'Reconfigure'; readonly s: number; readonly r: number };
export type SentinelAction = ProtocolAction | FaultAction;

interface Scope {
  readonly replicas: number;
  readonly sentinels: number;
  readonly quorum: number;
  readonly minReplicas: number;
  readonly maxEpoch: number;
  readonly writes: number;
}

const rName = (i: number): string => `R${i + 1}`;
const sName = (i: number): string => `S${i + 1}`;
const sortedInsert = (xs: readonly number[], x: number): number[] => [...xs, x].sort((a, b) => a - b);
const sameWrites = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);
const promotion = (epoch: number, sentinel: number, server: number): Promotion => intern({ epoch, sentinel, server });
/** Ballots by kind, then oldest epoch first, then sender and receiver: the order deliveries are offered in. */
const ballotOrder = (a: Ballot, b: Ballot): number => (a.type === b.type ? a.payload!.epoch - b.payload!.epoch : a.type < b.type ? -1 : 1);

function sentinelMachine(scope: Scope, variant: string, budget: FaultBudget): Machine<SentinelState, SentinelAction> {
  const servers = Array.from({ length: scope.replicas + 1 }, (_, i) => i);
  const sentinels = Array.from({ length: scope.sentinels }, (_, i) => i);
  const R = servers.map(rName);
  const S = sentinels.map(sName);
  const minReplicas = variant === 'no-min-replicas' ? 0 : scope.minReplicas;
  const voteTwice = variant === 'vote-twice';
  const majority = Math.floor(scope.sentinels / 2) + 1;
  const toWin = Math.max(majority, scope.quorum);
  const noVotes: ReadonlySet<number> = new Set();

  const up = (st: SentinelState, node: string): boolean => isUp(st.faults, node);
  const reach = (st: SentinelState, a: string, b: string): boolean => up(st, a) && up(st, b) && connected(st.faults.partition, a, b);
  /** SDOWN: sentinel s cannot reach the master it monitors. */
  const sdown = (st: SentinelState, s: number): boolean => !reach(st, S[s], R[st.view[s]]);
  /** Sentinels s reaches (itself included) that monitor the same master and find it down. */
  const agreeing = (st: SentinelState, s: number): number =>
    sentinels.filter((t) => (t === s || reach(st, S[s], S[t])) && st.view[t] === st.view[s] && sdown(st, t)).length;
  const newestPromotion = (st: SentinelState): number => Math.max(0, ...[...st.promotions].map((p) => p.epoch));
  const replicasReached = (st: SentinelState, r: number): number => servers.filter((x) => st.role[x] === r && reach(st, R[r], R[x])).length;

  const actions = (st: SentinelState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const attempts = st.acked.length + st.refused.length;
    for (const r of servers) {
      if (!up(st, R[r])) continue;
      if (st.role[r] === MASTER && attempts < scope.writes)
        out.push({ name: replicasReached(st, r) >= minReplicas ? 'Write' : 'WriteRefused', r });
      const m = st.role[r];
      if (m !== MASTER && reach(st, R[r], R[m]) && !sameWrites(st.data[r], st.data[m])) out.push({ name: 'Sync', r });
    }
    for (const s of sentinels) {
      if (!up(st, S[s])) continue;
      if (st.epoch[s] < scope.maxEpoch && sdown(st, s) && agreeing(st, s) >= scope.quorum) out.push({ name: 'ODown', s });
      if (st.votes[s].size >= toWin) {
        const candidates = servers.filter((r) => st.role[r] !== MASTER && reach(st, S[s], R[r]));
        const best = Math.max(...candidates.map((r) => st.data[r].length));
        for (const r of candidates) if (st.data[r].length === best) out.push({ name: 'Promote', s, r });
      }
      for (const r of servers) {
        if (!reach(st, S[s], R[r])) continue;
        if (st.cfg[r] > st.viewEpoch[s]) out.push({ name: 'Learn', s, r });
        else if (r !== st.view[s] && st.role[r] !== st.view[s]) out.push({ name: 'Reconfigure', s, r });
      }
    }
    for (const msg of (deliverableMessages(st.faults) as Ballot[]).sort(ballotOrder))
      out.push({ name: msg.type === 'VoteReq' ? 'RcvVoteReq' : 'RcvVote', msg });
    return out;
  };

  const next = (st: SentinelState, a: ProtocolAction): SentinelState => {
    switch (a.name) {
      case 'Write': {
        const w = st.acked.length + st.refused.length + 1;
        const deposed = st.cfg[a.r] < newestPromotion(st);
        return {
          ...st,
          data: replaceAt(st.data, a.r, [...st.data[a.r], w]),
          acked: sortedInsert(st.acked, w),
          staleAcked: deposed ? sortedInsert(st.staleAcked, w) : st.staleAcked,
        };
      }
      case 'WriteRefused':
        return { ...st, refused: sortedInsert(st.refused, st.acked.length + st.refused.length + 1) };
      case 'Sync':
        return { ...st, data: replaceAt(st.data, a.r, st.data[st.role[a.r]]) };
      case 'ODown': {
        const epoch = st.epoch[a.s] + 1;
        const reqs = sentinels.filter((t) => t !== a.s).map((t) => message('VoteReq', S[a.s], S[t], { epoch }));
        return {
          ...withNet(st, send(st.faults.net, ...reqs)),
          epoch: replaceAt(st.epoch, a.s, epoch),
          voted: replaceAt(st.voted, a.s, a.s),
          votes: replaceAt(st.votes, a.s, new Set([a.s])),
        };
      }
      case 'RcvVoteReq': {
        const t = S.indexOf(a.msg.to);
        const c = S.indexOf(a.msg.from);
        const { epoch } = a.msg.payload!;
        let next = withNet(st, remove(st.faults.net, a.msg));
        if (epoch > next.epoch[t])
          next = {
            ...next,
            epoch: replaceAt(next.epoch, t, epoch),
            voted: replaceAt(next.voted, t, -1),
            votes: replaceAt(next.votes, t, noVotes),
          };
        if (epoch !== next.epoch[t] || (next.voted[t] !== -1 && !(voteTwice && next.votes[t].size === 0))) return next;
        return {
          ...withNet(next, send(next.faults.net, message('Vote', a.msg.to, a.msg.from, { epoch }))),
          voted: replaceAt(next.voted, t, c),
        };
      }
      case 'RcvVote': {
        const s = S.indexOf(a.msg.to);
        const voter = S.indexOf(a.msg.from);
        const next = withNet(st, remove(st.faults.net, a.msg));
        if (a.msg.payload!.epoch !== next.epoch[s] || next.votes[s].size === 0) return next;
        return { ...next, votes: replaceAt(next.votes, s, setAdd(next.votes[s], voter)) };
      }
      case 'Promote': {
        const e = st.epoch[a.s];
        return {
          ...st,
          role: replaceAt(st.role, a.r, MASTER),
          cfg: replaceAt(st.cfg, a.r, e),
          view: replaceAt(st.view, a.s, a.r),
          viewEpoch: replaceAt(st.viewEpoch, a.s, e),
          votes: replaceAt(st.votes, a.s, noVotes),
          promotions: setAdd(st.promotions, promotion(e, a.s, a.r)),
        };
      }
      case 'Learn': {
        const e = st.cfg[a.r];
        const newer = e > st.epoch[a.s];
        return {
          ...st,
          view: replaceAt(st.view, a.s, st.role[a.r] === MASTER ? a.r : st.role[a.r]),
          viewEpoch: replaceAt(st.viewEpoch, a.s, e),
          epoch: newer ? replaceAt(st.epoch, a.s, e) : st.epoch,
          voted: newer ? replaceAt(st.voted, a.s, -1) : st.voted,
          votes: replaceAt(st.votes, a.s, noVotes),
        };
      }
      case 'Reconfigure':
        return { ...st, role: replaceAt(st.role, a.r, st.view[a.s]), cfg: replaceAt(st.cfg, a.r, st.viewEpoch[a.s]) };
    }
  };

  const masters = (st: SentinelState): number[] => servers.filter((r) => st.role[r] === MASTER);
  const properties: Property<SentinelState, SentinelAction>[] = [
    {
      kind: 'always',
      name: 'oneMasterPerEpoch',
      description: 'At most one replica is promoted in each epoch: one leader, one new master, per configuration epoch.',
      holds: (st) => new Set([...st.promotions].map((p) => p.epoch)).size === st.promotions.size,
    },
    {
      kind: 'always',
      name: 'noSplitBrainWriteLost',
      description: 'Every write a deposed master acknowledged is still held by some server (none is thrown away when it rejoins).',
      holds: (st) => st.staleAcked.every((w) => servers.some((r) => st.data[r].includes(w))),
    },
    {
      kind: 'leadsTo',
      name: 'oneMasterAfterHeal',
      description: 'Once the network has healed for good, exactly one master remains, it is up, and every sentinel monitors it.',
      from: (st) => st.faults.partition === null && st.faults.budget.partitions === 0,
      to: (st) => {
        const m = masters(st);
        return m.length === 1 && up(st, R[m[0]]) && st.view.every((v) => v === m[0]);
      },
    },
    {
      kind: 'sometimes',
      name: 'failedOver',
      description: 'A replica was promoted, every sentinel monitors it, and the old master replicates it.',
      holds: (st) => st.role[0] !== MASTER && masters(st).length === 1 && st.view.every((v) => v === masters(st)[0]),
    },
    {
      kind: 'sometimes',
      name: 'twoMasters',
      description: 'Two servers are masters at once: the old one has not yet learnt it was replaced.',
      holds: (st) => masters(st).filter((r) => up(st, R[r])).length > 1,
    },
  ];
  if (budget.partitions > 0 && scope.writes > 0 && minReplicas > 0)
    properties.push(
      {
        kind: 'sometimes',
        name: 'deposedMasterRefused',
        description:
          'The old master, cut off from its replica, refused a write (NOREPLICAS), and a replica was promoted in its place: nothing it could have lost was acknowledged.',
        holds: (st) =>
          st.refused.length > 0 && servers.some((r) => st.role[r] === MASTER && st.cfg[r] < newestPromotion(st) && up(st, R[r])),
      },
      {
        kind: 'sometimes',
        name: 'asyncWindowLoss',
        description:
          'An acknowledged write of the master that was then replaced is on no server: the loss window of asynchronous replication that Redis documents.',
        holds: (st) => st.acked.some((w) => !st.staleAcked.includes(w) && servers.every((r) => !st.data[r].includes(w))),
      },
    );
  if (budget.partitions > 0 && minReplicas === 0)
    properties.push({
      kind: 'sometimes',
      name: 'minorityMasterAcked',
      description: 'A deposed master acknowledged a write while it was still cut off by the partition.',
      holds: (st) => st.staleAcked.length > 0 && st.faults.partition !== null,
    });

  return withFaults(
    budget,
    {
      nodes: [...R, ...S],
      crashable: [...R, ...S],
      restart: true,
      onRestart: (st, node) => {
        const s = S.indexOf(node);
        return s < 0 || st.votes[s].size === 0 ? st : { ...st, votes: replaceAt(st.votes, s, noVotes) };
      },
    },
    {
      init: [
        {
          role: servers.map((r) => (r === 0 ? MASTER : 0)),
          cfg: servers.map(() => 0),
          data: servers.map(() => []),
          epoch: sentinels.map(() => 0),
          voted: sentinels.map(() => -1),
          view: sentinels.map(() => 0),
          viewEpoch: sentinels.map(() => 0),
          votes: sentinels.map(() => noVotes),
          acked: [],
          refused: [],
          staleAcked: [],
          promotions: new Set(),
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: [
        ...(scope.writes > 0 ? ['Write', 'WriteRefused', 'Sync'] : []),
        'ODown',
        'RcvVoteReq',
        'RcvVote',
        'Promote',
        'Learn',
        'Reconfigure',
      ],
      fairness: 'Weak fairness on every protocol step and on restarts; none on crashes or partitions.',
      ...presentation(R, S, sdown),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const formatBallot = (m: Ballot): string => `${m.type} e${m.payload!.epoch}`;
const formatBallots = (net: Network): string =>
  `{${(net as readonly Ballot[])
    .slice()
    .sort(ballotOrder)
    .map((m) => `${formatBallot(m)} ${m.from}→${m.to}`)
    .join(', ')}}`;

function presentation(
  R: readonly string[],
  S: readonly string[],
  sdown: (st: SentinelState, s: number) => boolean,
): { formatAction: (a: ProtocolAction) => string } & Pick<Machine<SentinelState, ProtocolAction>, 'view' | 'display'> {
  const servers = R.map((_, r) => r);
  const sentinels = S.map((_, s) => s);
  const up = (st: SentinelState, node: string): boolean => isUp(st.faults, node);
  return {
    formatAction: (a) => {
      switch (a.name) {
        case 'Write':
        case 'WriteRefused':
        case 'Sync':
          return `${a.name}(${R[a.r]})`;
        case 'ODown':
          return `ODown(${S[a.s]})`;
        case 'RcvVoteReq':
        case 'RcvVote':
          return `${a.name}(${a.msg.to} ← ${a.msg.from}: e${a.msg.payload!.epoch})`;
        case 'Promote':
        case 'Learn':
        case 'Reconfigure':
          return `${a.name}(${S[a.s]}, ${R[a.r]})`;
      }
    },
    view: (from, a, to) => {
      switch (a.name) {
        case 'Write':
          return [{ type: 'note', over: R[a.r], text: `acknowledges w${to.acked[to.acked.length - 1]}` }];
        case 'WriteRefused':
          return [{ type: 'note', over: R[a.r], text: 'refuses a write: NOREPLICAS' }];
        case 'Sync':
          return [{ type: 'message', from: R[from.role[a.r]], to: R[a.r], label: `sync [${to.data[a.r].join(',')}]` }];
        case 'ODown':
          return [{ type: 'note', over: S[a.s], text: `${R[from.view[a.s]]} ODOWN, asks votes for epoch ${to.epoch[a.s]}` }];
        case 'RcvVoteReq':
        case 'RcvVote':
          return [{ type: 'message', from: a.msg.from, to: a.msg.to, label: formatBallot(a.msg) }];
        case 'Promote':
          return [{ type: 'message', from: S[a.s], to: R[a.r], label: `SLAVEOF NO ONE (epoch ${to.cfg[a.r]})` }];
        case 'Learn':
          return [{ type: 'message', from: R[a.r], to: S[a.s], label: `hello: epoch ${to.viewEpoch[a.s]}, master ${R[to.view[a.s]]}` }];
        case 'Reconfigure':
          return [{ type: 'message', from: S[a.s], to: R[a.r], label: `SLAVEOF ${R[to.role[a.r]]}` }];
      }
    },
    display: (st) => ({
      ...Object.fromEntries(
        servers.map((r) => [
          R[r],
          `${st.role[r] === MASTER ? 'master' : `replica of ${R[st.role[r]]}`} cfg${st.cfg[r]} [${st.data[r].map((w) => `w${w}`).join(' ')}]` +
            (up(st, R[r]) ? '' : ' (down)'),
        ]),
      ),
      ...Object.fromEntries(
        sentinels.map((s) => [
          S[s],
          `epoch ${st.epoch[s]}${st.voted[s] < 0 ? '' : ` voted ${S[st.voted[s]]}`}, monitors ${R[st.view[s]]} (epoch ${st.viewEpoch[s]})` +
            `${up(st, S[s]) && sdown(st, s) ? ' SDOWN' : ''}${st.votes[s].size === 0 ? '' : `, ${st.votes[s].size} votes`}${up(st, S[s]) ? '' : ' (down)'}`,
        ]),
      ),
      acked: `{${st.acked.map((w) => `w${w}`).join(', ')}}`,
      refused: `{${st.refused.map((w) => `w${w}`).join(', ')}}`,
      promotions: `[${[...st.promotions]
        .map((p) => `${p.epoch}:${S[p.sentinel]}:${R[p.server]}`)
        .sort()
        .join(', ')}]`,
      partition: formatPartition(st.faults.partition),
      inFlight: formatBallots(st.faults.net),
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description: 'A master refuses writes unless it reaches min-replicas-to-write replicas; one vote per sentinel per epoch.',
  },
  {
    name: 'no-min-replicas',
    description: 'min-replicas-to-write 0: the old master, cut off in a minority partition, keeps acknowledging writes.',
    breaks: 'noSplitBrainWriteLost',
  },
  {
    name: 'vote-twice',
    description: 'A sentinel grants every vote request of its current epoch, not only the first (no leader_epoch check).',
    breaks: 'oneMasterPerEpoch',
  },
];

export const sentinelFailover = defineModel({
  id: 'sentinel-failover',
  title: 'Redis Sentinel failover: SDOWN, ODOWN by quorum, leader election per epoch, min-replicas-to-write',
  source:
    "The seed's 高可用 notes; Redis Sentinel documentation (quorum, epochs, Example 2: min-replicas-to-write); sentinel.c sentinelVoteLeader",
  scope:
    'One master per epoch and no write lost to a deposed master (safety); one agreed master after the network heals (liveness); crashes of servers and sentinels, and a partition.',
  params: {
    replicas: { type: 'int', default: 1, min: 1, max: 2, description: 'number of replicas (one master besides)' },
    sentinels: { type: 'int', default: 3, min: 3, max: 5, description: 'number of sentinels' },
    quorum: { type: 'int', default: 2, min: 1, max: 5, description: 'sentinels that must agree the master is down (ODOWN)' },
    minReplicas: { type: 'int', default: 1, min: 0, max: 2, description: 'min-replicas-to-write' },
    maxEpoch: { type: 'int', default: 1, min: 1, max: 3, description: 'highest epoch a sentinel may start a failover in' },
    writes: { type: 'int', default: 1, min: 0, max: 3, description: 'client write attempts per run' },
    ...faultParams({
      crashes: { max: 2, description: 'at most this many crashes of servers or sentinels (each restarts)' },
      partitions: { max: 1 },
    }),
  },
  variants,
  configurations: [
    {
      name: 'crash-failover',
      description: 'The smallest scope: no client writes, one crash of a server or a sentinel.',
      variant: 'correct',
      params: { writes: 0, crashes: 1 },
    },
    { name: 'crash', variant: 'correct', params: { crashes: 1 } },
    { name: 'partition', variant: 'correct', params: { partitions: 1 } },
    {
      name: 'crash-and-partition',
      description: 'Both faults, no client writes: still one master per epoch, and one agreed master once the network heals.',
      variant: 'correct',
      params: { writes: 0, crashes: 1, partitions: 1 },
    },
    { name: 'partition-no-min-replicas', variant: 'no-min-replicas', params: { partitions: 1 } },
    { name: 'crash-vote-twice', variant: 'vote-twice', params: { writes: 0, crashes: 1 } },
    {
      name: 'two-replicas-min-one',
      description:
        'Two replicas and min-replicas-to-write 1: the deposed master keeps one replica on its side and keeps acknowledging writes (Redis bounds this loss, it does not prevent it).',
      variant: 'correct',
      params: { replicas: 2, minReplicas: 1, writes: 2, partitions: 1 },
      expect: { violates: 'noSplitBrainWriteLost' },
      strategy: 'random',
      seed: 5,
      runs: 300,
      walkLength: 60,
    },
    {
      name: 'random',
      variant: 'correct',
      params: { replicas: 2, sentinels: 5, quorum: 3, minReplicas: 2, maxEpoch: 3, writes: 3, crashes: 2, partitions: 1 },
      strategy: 'random',
      seed: 5,
      runs: 300,
      walkLength: 80,
    },
  ],
  machine: (params, variant) =>
    sentinelMachine(
      {
        replicas: params.replicas,
        sentinels: params.sentinels,
        quorum: params.quorum,
        minReplicas: params.minReplicas,
        maxEpoch: params.maxEpoch,
        writes: params.writes,
      },
      variant,
      budgetOf(params),
    ),
});

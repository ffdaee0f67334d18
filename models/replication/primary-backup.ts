// Primary-backup replication (主从/主备) with failover by a manager, in three acknowledgement modes:
//   synchronous      - the primary acknowledges a write once every backup has confirmed it;
//   semi-synchronous - once at least one backup has confirmed it (MySQL semi-sync, rpl_semi_sync_master);
//   asynchronous     - at once, and replicates in the background.
// Source: the seed's 高可用 and 主从/主备 notes (故障甄别、失效转移; "同步性能压力；异步性能提升，但数据不一致");
// MySQL semi-synchronous replication; the failover rules of MHA/Orchestrator (promote the most up-to-date replica);
// epochs and fencing as in Viewstamped Replication (view numbers) and Raft (terms, the up-to-date check).
// Scope: safety only. Every client-observable fact is kept in the state: the writes acknowledged to clients. Checked:
//   noAckedWriteLost - every acknowledged write is in the log of the manager's current primary;
//   singleHistory    - some server's log holds every acknowledged write (no two divergent acknowledged histories).
// Replication (Rep) and confirmations (Ack) are messages over a network that reorders; servers crash and restart
// (log and epoch durable, role and confirmations volatile); the manager M can be cut off by a partition. The
// manager's failover is one atomic step: it sees the primary down or unreachable (a perfect failure detector; a
// partition stands for a false suspicion), fences every backup it reaches into a new epoch, and promotes the most
// up-to-date of them (last write's epoch, then length). It needs to reach enough backups that one of them must hold
// every acknowledged write: backups - acks + 1, where acks is what the mode waits for (1 in synchronous mode, all
// backups in semi-synchronous mode). A fenced server refuses replication from an older epoch, and any server that
// sees a newer epoch steps down and adopts the newer primary's log (dropping writes that were never acknowledged).
// Message loss is left out: a lost Rep or Ack only delays an acknowledgement, it cannot lose an acknowledged write.
import { budgetOf, connected, deliverableMessages, faultParams, formatPartition, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { message, remove, send, withNet, type Message, type Network } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

export type ReplicationMode = 'synchronous' | 'semi-synchronous' | 'asynchronous';
export type Role = 'primary' | 'backup';

export interface PrimaryBackupState {
  /** The manager's configuration: the epoch and the server it made primary. */
  readonly epoch: number;
  readonly primary: number;
  /** Per server: its role (volatile: a restarted server comes back as a backup). */
  readonly role: readonly Role[];
  /** Per server: the highest epoch it has seen (durable). */
  readonly term: readonly number[];
  /** Per server: its log of write ids (durable). */
  readonly log: readonly (readonly number[])[];
  /** match[p][b]: how many entries of p's log backup b has confirmed to p (volatile on p). */
  readonly match: readonly (readonly number[])[];
  /** The epoch each write was accepted in, indexed by write id - 1 (a write id is its position here + 1). */
  readonly written: readonly number[];
  /** Write ids acknowledged to clients, sorted. */
  readonly acked: readonly number[];
  readonly faults: FaultState;
}

/** Replication: the sender's epoch and its whole log. */
export type Rep = Message<{ readonly epoch: number; readonly log: readonly number[] }>;
/** Confirmation of a Rep: its epoch and the last write id of the backup's log (0 for an empty log). */
export type Ack = Message<{ readonly epoch: number; readonly last: number }>;

type ProtocolAction =
  | { readonly name: 'Write'; readonly p: number }
  | { readonly name: 'RcvRep'; readonly msg: Rep }
  | { readonly name: 'RcvAck'; readonly msg: Ack }
  | { readonly name: 'Failover'; readonly to: number };
export type PrimaryBackupAction = ProtocolAction | FaultAction;

const M = 'M';
const sName = (i: number): string => `N${i + 1}`;

interface Scope {
  readonly servers: number;
  readonly writes: number;
  readonly mode: ReplicationMode;
}

/** Backups whose confirmation the primary waits for before acknowledging a write. */
export function acksNeeded(mode: ReplicationMode, backups: number): number {
  return mode === 'synchronous' ? backups : mode === 'semi-synchronous' ? 1 : 0;
}

/** Backups the manager must reach before it may promote one: any set that large meets every set of acks. */
export function failoverReach(mode: ReplicationMode, backups: number): number {
  return Math.min(backups, Math.max(1, backups - acksNeeded(mode, backups) + 1));
}

/** A Rep or Ack as people read it: `Rep e1 [1,2]`, `Ack e1 w2`. */
const formatReplication = (m: Rep | Ack): string => {
  const p = m.payload!;
  return 'log' in p ? `Rep e${p.epoch} [${p.log.join(',')}]` : `Ack e${p.epoch} w${p.last}`;
};
/** Deliveries are offered in the order of those labels, then sender and receiver. */
const byLabel = (a: Rep | Ack, b: Rep | Ack): number => {
  const x = formatReplication(a);
  const y = formatReplication(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
const isPrefix = (a: readonly number[], b: readonly number[]): boolean => a.length <= b.length && a.every((x, i) => x === b[i]);
const sortedInsert = (xs: readonly number[], x: number): number[] => (xs.includes(x) ? [...xs] : [...xs, x].sort((a, b) => a - b));

function primaryBackupMachine(scope: Scope, variant: string, budget: FaultBudget): Machine<PrimaryBackupState, PrimaryBackupAction> {
  const { servers: n, writes: maxWrites, mode } = scope;
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map(sName);
  const fencing = variant !== 'no-fencing';
  const arbitrary = variant === 'arbitrary-promotion';
  const need = acksNeeded(mode, n - 1);
  const reach = failoverReach(mode, n - 1);
  const zeros = ids.map(() => 0);
  const index = (name: string): number => names.indexOf(name);

  /** Recency of a log for promotion: the epoch of its last write, then its length. */
  const recency = (s: PrimaryBackupState, i: number): number => {
    const log = s.log[i];
    return log.length === 0 ? 0 : s.written[log[log.length - 1] - 1] * 100 + log.length;
  };
  /** Backups the manager reaches: up, on its side of any partition, not the configured primary. */
  const reachable = (s: PrimaryBackupState): number[] =>
    ids.filter((b) => b !== s.primary && isUp(s.faults, names[b]) && connected(s.faults.partition, M, names[b]));
  const primaryLost = (s: PrimaryBackupState): boolean =>
    !isUp(s.faults, names[s.primary]) || !connected(s.faults.partition, M, names[s.primary]);

  const actions = (s: PrimaryBackupState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    if (s.written.length < maxWrites)
      for (const p of ids) if (s.role[p] === 'primary' && isUp(s.faults, names[p])) out.push({ name: 'Write', p });
    for (const msg of (deliverableMessages(s.faults) as (Rep | Ack)[]).sort(byLabel))
      out.push(msg.type === 'Rep' ? { name: 'RcvRep', msg: msg as Rep } : { name: 'RcvAck', msg: msg as Ack });
    if (primaryLost(s)) {
      const r = reachable(s);
      if (r.length >= reach) {
        const best = Math.max(...r.map((b) => recency(s, b)));
        for (const to of r) if (arbitrary || recency(s, to) === best) out.push({ name: 'Failover', to });
      }
    }
    return out;
  };

  /** Writes of p's own epoch that enough backups have confirmed are acknowledged to their clients. */
  const acknowledge = (s: PrimaryBackupState, p: number): PrimaryBackupState => {
    let acked = s.acked;
    s.log[p].forEach((w, k) => {
      if (s.written[w - 1] !== s.term[p] || acked.includes(w)) return;
      if (ids.filter((b) => b !== p && s.match[p][b] > k).length >= need) acked = sortedInsert(acked, w);
    });
    return acked === s.acked ? s : { ...s, acked };
  };

  const broadcastRep = (s: PrimaryBackupState, p: number): FaultState['net'] =>
    send(s.faults.net, ...ids.filter((b) => b !== p).map((b) => message('Rep', names[p], names[b], { epoch: s.term[p], log: s.log[p] })));

  const next = (s: PrimaryBackupState, a: ProtocolAction): PrimaryBackupState => {
    switch (a.name) {
      case 'Write': {
        const w = s.written.length + 1;
        const t: PrimaryBackupState = {
          ...s,
          log: replaceAt(s.log, a.p, [...s.log[a.p], w]),
          written: [...s.written, s.term[a.p]],
          acked: need === 0 ? sortedInsert(s.acked, w) : s.acked,
        };
        return withNet(t, broadcastRep(t, a.p));
      }
      case 'RcvRep': {
        const b = index(a.msg.to);
        const rep = a.msg.payload!;
        const t = withNet(s, remove(s.faults.net, a.msg));
        // A fenced server refuses an older epoch; a primary ignores its own epoch's peers (only in no-fencing).
        if (rep.epoch < t.term[b] || (rep.epoch === t.term[b] && t.role[b] === 'primary')) return t;
        const newer = rep.epoch > t.term[b];
        const adopt = newer || !isPrefix(rep.log, t.log[b]);
        const log = adopt ? rep.log : t.log[b];
        return {
          ...withNet(
            t,
            send(
              t.faults.net,
              message('Ack', a.msg.to, a.msg.from, { epoch: rep.epoch, last: log.length === 0 ? 0 : log[log.length - 1] }),
            ),
          ),
          role: replaceAt(t.role, b, 'backup'),
          term: replaceAt(t.term, b, rep.epoch),
          log: replaceAt(t.log, b, log),
        };
      }
      case 'RcvAck': {
        const p = index(a.msg.to);
        const b = index(a.msg.from);
        const ack = a.msg.payload!;
        const t = withNet(s, remove(s.faults.net, a.msg));
        if (t.role[p] !== 'primary' || ack.epoch !== t.term[p]) return t;
        const confirmed = ack.last === 0 ? 0 : t.log[p].indexOf(ack.last) + 1;
        if (confirmed <= t.match[p][b]) return t;
        return acknowledge({ ...t, match: replaceAt(t.match, p, replaceAt(t.match[p], b, confirmed)) }, p);
      }
      case 'Failover': {
        const epoch = fencing ? s.epoch + 1 : s.epoch;
        const fenced = fencing ? reachable(s) : [a.to];
        const term = s.term.map((e, i) => (fenced.includes(i) ? epoch : e));
        const role = s.role.map((r, i): Role => (i === a.to ? 'primary' : fenced.includes(i) ? 'backup' : r));
        const t: PrimaryBackupState = { ...s, epoch, primary: a.to, term, role, match: replaceAt(s.match, a.to, zeros) };
        return withNet(t, broadcastRep(t, a.to));
      }
    }
  };

  const properties: Property<PrimaryBackupState, PrimaryBackupAction>[] = [
    {
      kind: 'always',
      name: 'noAckedWriteLost',
      description: "Every acknowledged write is in the log of the manager's current primary.",
      holds: (s) => s.acked.every((w) => s.log[s.primary].includes(w)),
    },
    {
      kind: 'always',
      name: 'singleHistory',
      description: 'Some server holds every acknowledged write: acknowledged writes never fork into two histories.',
      holds: (s) => ids.some((i) => s.acked.every((w) => s.log[i].includes(w))),
    },
    {
      kind: 'sometimes',
      name: 'failoverKeptAckedWrite',
      description: 'A backup was promoted after a write was acknowledged, and holds it.',
      holds: (s) => s.epoch > 1 && s.acked.length > 0 && s.acked.every((w) => s.log[s.primary].includes(w)),
    },
    {
      kind: 'sometimes',
      name: 'ackedAfterFailover',
      description: 'The promoted primary acknowledged a write of its own.',
      holds: (s) => s.acked.some((w) => s.written[w - 1] > 1),
    },
  ];
  // Asynchronous mode acknowledges every write at once, so there is no unacknowledged write to drop.
  if (need > 0)
    properties.push({
      kind: 'sometimes',
      name: 'unackedWriteDropped',
      description: 'A write accepted by a primary but never acknowledged is gone from every log (a backup adopted a newer history).',
      holds: (s) => s.written.some((_, i) => !s.acked.includes(i + 1) && ids.every((j) => !s.log[j].includes(i + 1))),
    });
  if (budget.partitions > 0)
    properties.push({
      kind: 'sometimes',
      name: 'twoPrimaries',
      description: 'The old primary, cut off, still thinks it is primary while the manager has promoted another server.',
      holds: (s) => ids.filter((i) => s.role[i] === 'primary' && isUp(s.faults, names[i])).length > 1,
    });

  return withFaults(
    budget,
    {
      nodes: [M, ...names],
      crashable: names,
      restart: true,
      onRestart: (s, node) => {
        const i = index(node);
        return { ...s, role: replaceAt(s.role, i, 'backup'), match: replaceAt(s.match, i, zeros) };
      },
    },
    {
      init: [
        {
          epoch: 1,
          primary: 0,
          role: ids.map((i): Role => (i === 0 ? 'primary' : 'backup')),
          term: ids.map(() => 1),
          log: ids.map(() => []),
          match: ids.map(() => zeros),
          written: [],
          acked: [],
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: ['Write', 'RcvRep', 'RcvAck', 'Failover'],
      fairness: 'Weak fairness on every protocol step and on restarts; none on crashes or partitions.',
      ...presentation(names),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

/** The in-flight messages, in the order deliveries are offered. */
const formatReplications = (net: Network): string =>
  `{${(net as readonly (Rep | Ack)[])
    .slice()
    .sort(byLabel)
    .map((m) => `${formatReplication(m)} ${m.from}→${m.to}`)
    .join(', ')}}`;

function presentation(
  names: readonly string[],
): { formatAction: (a: ProtocolAction) => string } & Pick<Machine<PrimaryBackupState, ProtocolAction>, 'view' | 'display'> {
  const ids = names.map((_, i) => i);
  return {
    formatAction: (a) => {
      switch (a.name) {
        case 'Write':
          return `Write(${names[a.p]})`;
        case 'RcvRep':
        case 'RcvAck':
          return `${a.name}(${a.msg.to} ← ${a.msg.from}: ${formatReplication(a.msg).slice(a.msg.type.length + 1)})`;
        case 'Failover':
          return `Failover(${names[a.to]})`;
      }
    },
    view: (from, a, to) => {
      switch (a.name) {
        case 'Write':
          return [
            {
              type: 'note',
              over: names[a.p],
              text: `write w${to.written.length}${to.acked.length > from.acked.length ? ', acknowledged' : ''}`,
            },
          ];
        case 'RcvRep':
        case 'RcvAck': {
          const acked = to.acked.filter((w) => !from.acked.includes(w));
          return [
            { type: 'message', from: a.msg.from, to: a.msg.to, label: formatReplication(a.msg) },
            ...(acked.length > 0 ? [{ type: 'note' as const, over: a.msg.to, text: `acknowledges w${acked.join(', w')}` }] : []),
          ];
        }
        case 'Failover':
          return [{ type: 'note', over: `${M},${names[a.to]}`, text: `failover: ${names[a.to]} primary in epoch ${to.epoch}` }];
      }
    },
    display: (s) => ({
      manager: `epoch ${s.epoch}, primary ${names[s.primary]}`,
      ...Object.fromEntries(
        ids.map((i) => [
          names[i],
          `${s.role[i]} e${s.term[i]} [${s.log[i].map((w) => `w${w}`).join(' ')}]${isUp(s.faults, names[i]) ? '' : ' (down)'}`,
        ]),
      ),
      acked: `{${s.acked.map((w) => `w${w}`).join(', ')}}`,
      partition: formatPartition(s.faults.partition),
      inFlight: formatReplications(s.faults.net),
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'The manager fences the backups it reaches into a new epoch and promotes the most up-to-date one; servers refuse replication from older epochs.',
  },
  {
    name: 'arbitrary-promotion',
    description: 'The manager promotes any backup it reaches, not the most up-to-date one.',
    breaks: 'noAckedWriteLost',
  },
  {
    name: 'no-fencing',
    description:
      'No epochs: failover promotes a backup but cannot fence the old primary, which keeps accepting writes and backups follow whichever primary wrote last.',
    breaks: 'singleHistory',
  },
];

export const primaryBackup = defineModel({
  id: 'primary-backup',
  title: 'Primary-backup replication with failover: synchronous, semi-synchronous and asynchronous acknowledgement',
  source:
    "The seed's 高可用 and 主从/主备 notes; MySQL semi-synchronous replication; MHA/Orchestrator failover; epochs as in Viewstamped Replication and Raft",
  scope:
    'No acknowledged write is lost on failover, and acknowledged writes never fork, with server crashes (crash-recovery) and a partition that may cut off the manager.',
  params: {
    servers: { type: 'int', default: 3, min: 2, max: 4, description: 'number of servers (one primary, the rest backups)' },
    writes: { type: 'int', default: 2, min: 1, max: 4, description: 'client writes per run' },
    mode: {
      type: 'enum',
      default: 'semi-synchronous',
      values: ['synchronous', 'semi-synchronous', 'asynchronous'],
      description: 'when the primary acknowledges a write',
    },
    ...faultParams({ crashes: { max: 2, description: 'at most this many server crashes (each server restarts)' }, partitions: { max: 1 } }),
  },
  variants,
  configurations: [
    { name: 'sync-crash', variant: 'correct', params: { mode: 'synchronous', writes: 1, crashes: 1 } },
    { name: 'semi-sync-crash', variant: 'correct', params: { mode: 'semi-synchronous', crashes: 1 } },
    { name: 'sync-partition', variant: 'correct', params: { mode: 'synchronous', partitions: 1 } },
    { name: 'semi-sync-partition', variant: 'correct', params: { mode: 'semi-synchronous', partitions: 1 } },
    {
      name: 'async-crash',
      description: 'Asynchronous replication: the primary acknowledges a write, crashes before any backup has it, and failover loses it.',
      variant: 'correct',
      params: { mode: 'asynchronous', writes: 1, crashes: 1 },
      expect: { violates: 'noAckedWriteLost' },
    },
    { name: 'semi-sync-arbitrary-promotion', variant: 'arbitrary-promotion', params: { mode: 'semi-synchronous', writes: 1, crashes: 1 } },
    { name: 'semi-sync-no-fencing', variant: 'no-fencing', params: { mode: 'semi-synchronous', partitions: 1 } },
    {
      name: 'random',
      variant: 'correct',
      params: { servers: 4, writes: 4, mode: 'semi-synchronous', crashes: 2, partitions: 1 },
      strategy: 'random',
      seed: 11,
      runs: 300,
      walkLength: 80,
    },
  ],
  machine: (params, variant) =>
    primaryBackupMachine({ servers: params.servers, writes: params.writes, mode: params.mode }, variant, budgetOf(params)),
});

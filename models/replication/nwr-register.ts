// NWR: a register replicated on N nodes, written to W of them and read from R of them (quorum replication),
// with ABD's read write-back as an option.
// Source: the seed's Quorum/NWR section; Gifford, "Weighted Voting for Replicated Data" (SOSP 1979); Attiya,
// Bar-Noy & Dolev, "Sharing Memory Robustly in Message-Passing Systems" (JACM 1995); DeCandia et al., "Dynamo"
// (SOSP 2007) for (N, R, W) = (3, 2, 2), sloppy quorums and hinted handoff.
// Scope: safety, judged on the history of the clients, which the state records: each writer writes its value
// once, each reader reads once. A writer's version is one more than the newest it knows of; every writer
// starts from the initial state, so concurrent writers pick the same version 1 (as two writers would after
// querying the same quorum). A replica stores a write only if its version is newer than the one it holds and
// acknowledges only then. A read asks every home replica, keeps the newest of the first R replies, and with
// write-back (ABD) stores that value on W replicas before returning. Requests are messages (lost, delayed,
// blocked by a partition, or sent to a crashed replica); a replica's answer reaches its client in the same
// step. Properties: regularity, linearizability (by the history checker), one value per version.
import { budgetOf,
  connected,
  deliverableMessages,
  faultParams,
  findDeliverable,
  formatPartition,
  initialFaults,
  isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { formatNetwork, message, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';
import type { Operation } from '../../src/check/history';
import { recordEvent, registerHistory, type ClientEvent } from './register-history';

export interface Replica {
  readonly ver: number;
  readonly val: number | null;
  /** On the fallback node of a sloppy quorum: the home replica a stored write is meant for, or -1. */
  readonly hintFor: number;
}

export type ClientPhase = 'idle' | 'writing' | 'reading' | 'writeback' | 'done';
export interface Client {
  readonly phase: ClientPhase;
  /** Answers counted in the current phase. */
  readonly got: number;
  /** A writer's write; a reader's newest answer so far (then the value it returns). */
  readonly ver: number;
  readonly val: number | null;
}

export interface NwrState {
  readonly replicas: readonly Replica[];
  readonly clients: readonly Client[];
  readonly history: readonly ClientEvent[];
  readonly faults: FaultState;
}

type ProtocolAction =
  | { readonly name: 'Invoke'; readonly c: number }
  | { readonly name: 'Store' | 'Serve' | 'StoreBack'; readonly r: number; readonly c: number }
  | { readonly name: 'StoreHint'; readonly r: number; readonly c: number }
  | { readonly name: 'HandOff'; readonly r: number };
export type NwrAction = ProtocolAction | FaultAction;

const REPLICA_NAMES = ['A', 'B', 'C', 'D', 'E'];
const FALLBACK = 'D';

export interface NwrScope {
  readonly n: number;
  readonly r: number;
  readonly w: number;
  readonly writers: number;
  readonly readers: number;
  readonly writeBack: boolean;
}

/** The quorums a variant actually uses. */
export function quorumsOf(variant: string, n: number, r: number, w: number): { r: number; w: number } {
  if (variant === 'r-plus-w-le-n') return { r: n - w, w };
  if (variant === 'w-le-half') return { r: n - Math.floor(n / 2) + 1, w: Math.floor(n / 2) };
  return { r, w };
}

function nwrMachine(scope: NwrScope, variant: string, budget: FaultBudget): Machine<NwrState, NwrAction> {
  const { n, writers, readers, writeBack } = scope;
  const { r: R, w: W } = quorumsOf(variant, scope.n, scope.r, scope.w);
  const sloppy = variant === 'sloppy-quorum';
  const home = Array.from({ length: n }, (_, i) => i);
  const replicaNames = [...REPLICA_NAMES.slice(0, n), ...(sloppy ? [FALLBACK] : [])];
  const clients = Array.from({ length: writers + readers }, (_, c) => c);
  const clientName = (c: number): string => (c < writers ? `W${c + 1}` : `R${c - writers + 1}`);
  const clientNames = clients.map(clientName);
  const isWriter = (c: number): boolean => c < writers;
  const fallback = n;
  const judge = registerHistory(writers, clientName);
  const ops = (s: NwrState): readonly Operation[] => judge.operations(s.history);

  const request = (type: string, c: number, r: number): Message => message(type, clientNames[c], replicaNames[r]);
  const pending = (s: NwrState, type: string, c: number, r: number): Message | undefined =>
    findDeliverable(s.faults, (m) => m.type === type && m.from === clientNames[c] && m.to === replicaNames[r]);
  const setClient = (s: NwrState, c: number, client: Client): NwrState => ({ ...s, clients: replaceAt(s.clients, c, client) });
  const setReplica = (s: NwrState, r: number, rep: Replica): NwrState => ({ ...s, replicas: replaceAt(s.replicas, r, rep) });
  const record = (s: NwrState, e: ClientEvent): NwrState => ({ ...s, history: recordEvent(s.history, e) });
  const newer = (ver: number, rep: Replica): boolean => ver > rep.ver;
  /** Messages from client c of a type, removed: answers it no longer waits for. */
  const withoutRequests = (s: NwrState, type: string, c: number): NwrState =>
    withNet(
      s,
      s.faults.net.filter((m) => !(m.type === type && m.from === clientNames[c])),
    );
  const broadcast = (s: NwrState, type: string, c: number): NwrState =>
    withNet(s, send(s.faults.net, ...home.map((r) => request(type, c, r))));

  const actions = (s: NwrState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    for (const c of clients) if (s.clients[c].phase === 'idle') out.push({ name: 'Invoke', c });
    for (const m of deliverableMessages(s.faults)) {
      const c = clientNames.indexOf(m.from);
      const r = replicaNames.indexOf(m.to);
      if (m.type === 'Write') out.push({ name: 'Store', r, c });
      if (m.type === 'Read') out.push({ name: 'Serve', r, c });
      if (m.type === 'WriteBack') out.push({ name: 'StoreBack', r, c });
    }
    if (sloppy) {
      const d = s.replicas[fallback];
      for (const m of s.faults.net) {
        if (m.type !== 'Write') continue;
        const c = clientNames.indexOf(m.from);
        const r = replicaNames.indexOf(m.to);
        const unreachable = !isUp(s.faults, m.to) || !connected(s.faults.partition, m.from, m.to);
        if (unreachable && d.hintFor < 0 && isUp(s.faults, FALLBACK) && connected(s.faults.partition, m.from, FALLBACK))
          out.push({ name: 'StoreHint', r, c });
      }
      if (d.hintFor >= 0 && isUp(s.faults, replicaNames[d.hintFor]) && connected(s.faults.partition, FALLBACK, replicaNames[d.hintFor]))
        out.push({ name: 'HandOff', r: d.hintFor });
    }
    return out;
  };

  /** A writer counts an acknowledgement; at W it returns ok. */
  const ack = (s: NwrState, c: number, phaseDone: (s: NwrState) => NwrState): NwrState => {
    const client = s.clients[c];
    const got = client.got + 1;
    const counted = setClient(s, c, { ...client, got });
    return got === W ? phaseDone(counted) : counted;
  };
  const finish = (s: NwrState, c: number): NwrState =>
    record(setClient(s, c, { ...s.clients[c], phase: 'done', got: 0 }), { c, t: 'ok', v: isWriter(c) ? null : s.clients[c].val });

  const next = (s: NwrState, a: ProtocolAction): NwrState => {
    switch (a.name) {
      case 'Invoke': {
        const write = isWriter(a.c);
        const started = setClient(s, a.c, {
          phase: write ? 'writing' : 'reading',
          got: 0,
          ver: write ? 1 : -1,
          val: write ? a.c + 1 : null,
        });
        return record(broadcast(started, write ? 'Write' : 'Read', a.c), { c: a.c, t: 'invoke', v: null });
      }
      case 'Store': {
        const s1 = withNet(s, remove(s.faults.net, request('Write', a.c, a.r)));
        const writer = s.clients[a.c];
        const rep = s.replicas[a.r];
        if (!newer(writer.ver, rep)) return s1;
        const stored = setReplica(s1, a.r, { ...rep, ver: writer.ver, val: writer.val });
        return writer.phase === 'writing' ? ack(stored, a.c, (x) => finish(x, a.c)) : stored;
      }
      case 'StoreHint': {
        const writer = s.clients[a.c];
        const s1 = withNet(s, remove(s.faults.net, request('Write', a.c, a.r)));
        const hinted = setReplica(s1, fallback, { ver: writer.ver, val: writer.val, hintFor: a.r });
        return writer.phase === 'writing' ? ack(hinted, a.c, (x) => finish(x, a.c)) : hinted;
      }
      case 'HandOff': {
        const d = s.replicas[fallback];
        const rep = s.replicas[a.r];
        const cleared = setReplica(s, fallback, { ...d, hintFor: -1 });
        return newer(d.ver, rep) ? setReplica(cleared, a.r, { ...rep, ver: d.ver, val: d.val }) : cleared;
      }
      case 'Serve': {
        const s1 = withNet(s, remove(s.faults.net, request('Read', a.c, a.r)));
        const reader = s.clients[a.c];
        const rep = s.replicas[a.r];
        const better = rep.ver > reader.ver;
        const got = reader.got + 1;
        const counted = setClient(s1, a.c, { ...reader, got, ver: better ? rep.ver : reader.ver, val: better ? rep.val : reader.val });
        if (got < R) return counted;
        const answered = withoutRequests(counted, 'Read', a.c);
        if (!writeBack) return finish(answered, a.c);
        return broadcast(setClient(answered, a.c, { ...answered.clients[a.c], phase: 'writeback', got: 0 }), 'WriteBack', a.c);
      }
      case 'StoreBack': {
        const s1 = withNet(s, remove(s.faults.net, request('WriteBack', a.c, a.r)));
        const reader = s.clients[a.c];
        const rep = s.replicas[a.r];
        const stored = newer(reader.ver, rep) ? setReplica(s1, a.r, { ...rep, ver: reader.ver, val: reader.val }) : s1;
        return reader.phase === 'writeback' ? ack(stored, a.c, (x) => finish(x, a.c)) : stored;
      }
    }
  };

  const done = (s: NwrState, c: number): boolean => s.clients[c].phase === 'done';
  const properties: Property<NwrState, NwrAction>[] = [
    {
      kind: 'always',
      name: 'regular',
      description:
        'Every read returns the value of a write that began before it ended and was not overwritten by a write completed before it began (null only when no write completed before it began).',
      holds: (s) => judge.regular(s.history),
    },
    {
      kind: 'always',
      name: 'linearizable',
      description: 'The recorded history of reads and writes is linearizable (decided by the history checker).',
      holds: (s) => judge.linearizable(s.history),
    },
    {
      kind: 'always',
      name: 'oneValuePerVersion',
      description: 'No two different values are acknowledged to their writers with the same version.',
      holds: (s) => {
        const acked = clients.filter((c) => isWriter(c) && done(s, c)).map((c) => s.clients[c]);
        return acked.every((x) => acked.every((y) => x.ver !== y.ver || x.val === y.val));
      },
    },
    {
      kind: 'sometimes',
      name: 'writeAcknowledged',
      description: 'A write is acknowledged.',
      holds: (s) => clients.some((c) => isWriter(c) && done(s, c)),
    },
  ];
  if (readers > 0)
    properties.push({
      kind: 'sometimes',
      name: 'readSeesWrite',
      description: 'A read returns a written value.',
      holds: (s) => clients.some((c) => !isWriter(c) && done(s, c) && s.clients[c].val !== null),
    });
  if (readers > 1)
    properties.push({
      kind: 'sometimes',
      name: 'readsDisagree',
      description: 'Two reads, one after the other, return different values.',
      holds: (s) => {
        const reads = ops(s).filter((o) => o.f === 'read' && o.outcome === 'ok');
        return reads.some((a) => reads.some((b) => a.ret < b.call && a.output !== b.output));
      },
    });
  if (sloppy)
    properties.push({
      kind: 'sometimes',
      name: 'handedOff',
      description: 'The fallback node hands a hinted write to its home replica.',
      holds: (s) => s.replicas[fallback].ver > 0 && s.replicas[fallback].hintFor < 0,
    });

  const actionNames = [
    'Invoke',
    'Store',
    ...(readers > 0 ? ['Serve'] : []),
    ...(readers > 0 && writeBack ? ['StoreBack'] : []),
    ...(sloppy ? ['StoreHint', 'HandOff'] : []),
  ];
  const showReplica = (x: Replica): string => (x.val === null ? '∅' : `${x.val}@v${x.ver}`);
  const showClient = (c: number, x: Client): string => {
    if (x.phase === 'idle') return 'idle';
    if (isWriter(c)) return x.phase === 'done' ? `wrote ${x.val}` : `writing ${x.val} (${x.got}/${W} acks)`;
    if (x.phase === 'reading') return `reading (${x.got}/${R}, newest ${x.val ?? '∅'})`;
    if (x.phase === 'writeback') return `writing back ${x.val ?? '∅'} (${x.got}/${W} acks)`;
    return `read ${x.val ?? '∅'}`;
  };
  const describe = (a: ProtocolAction): string => {
    if (a.name === 'Invoke') return `Invoke(${clientNames[a.c]})`;
    if (a.name === 'HandOff') return `HandOff(${FALLBACK}→${replicaNames[a.r]})`;
    if (a.name === 'StoreHint') return `StoreHint(${FALLBACK} for ${replicaNames[a.r]}, ${clientNames[a.c]})`;
    return `${a.name}(${replicaNames[a.r]}, ${clientNames[a.c]})`;
  };

  return withFaults(
    budget,
    { nodes: [...clientNames, ...replicaNames], crashable: replicaNames, restart: true },
    {
      init: [
        {
          replicas: replicaNames.map(() => ({ ver: 0, val: null, hintFor: -1 })),
          clients: clients.map(() => ({ phase: 'idle' as const, got: 0, ver: 0, val: null })),
          history: [],
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames,
      formatAction: describe,
      actors: [...clientNames, ...replicaNames],
      explain: (s) => judge.explain(s.history),
      view: (from, a, to) => {
        const c = 'c' in a ? clientNames[a.c] : '';
        switch (a.name) {
          case 'Invoke':
            return [{ type: 'note', over: c, text: isWriter(a.c) ? `invoke write ${a.c + 1}` : 'invoke read' }];
          case 'HandOff':
            return [{ type: 'message', from: FALLBACK, to: replicaNames[a.r], label: `hinted ${showReplica(from.replicas[fallback])}` }];
          default: {
            const rep = a.name === 'StoreHint' ? FALLBACK : replicaNames[a.r];
            const label =
              a.name === 'Serve'
                ? 'Read'
                : a.name === 'Store' || a.name === 'StoreHint'
                  ? `Write ${from.clients[a.c].val}`
                  : `WriteBack ${from.clients[a.c].val}`;
            const answer =
              a.name === 'Serve'
                ? showReplica(from.replicas[a.r])
                : to.clients[a.c].got !== from.clients[a.c].got || to.clients[a.c].phase !== from.clients[a.c].phase
                  ? 'ack'
                  : '';
            const done = from.clients[a.c].phase !== 'done' && to.clients[a.c].phase === 'done';
            return [
              { type: 'message', from: c, to: rep, label },
              ...(answer ? [{ type: 'message' as const, from: rep, to: c, label: answer }] : []),
              ...(done
                ? [{ type: 'note' as const, over: c, text: isWriter(a.c) ? 'ok' : `ok: read ${to.clients[a.c].val ?? 'null'}` }]
                : []),
            ];
          }
        }
      },
      display: (s) => ({
        ...Object.fromEntries(clients.map((c) => [clientNames[c], showClient(c, s.clients[c])])),
        ...Object.fromEntries(
          replicaNames.map((name, i) => [
            name,
            `${showReplica(s.replicas[i])}${s.replicas[i].hintFor >= 0 ? ` (hint for ${replicaNames[s.replicas[i].hintFor]})` : ''}${isUp(s.faults, name) ? '' : ' (down)'}`,
          ]),
        ),
        history:
          s.history
            .map((e) => `${clientNames[e.c]} ${e.t === 'invoke' ? 'invoke' : `ok${isWriter(e.c) ? '' : ` ${e.v ?? 'null'}`}`}`)
            .join('; ') || '(empty)',
        partition: formatPartition(s.faults.partition),
        inFlight: formatNetwork(s.faults.net),
      }),
    },
  );
}

// Configurations and variants.

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'Strict quorums as configured (R + W > N, W > N/2); with writeBack, ABD: a read stores what it returns on W replicas first.',
  },
  {
    name: 'r-plus-w-le-n',
    description: 'Reads take R = N − W answers, so R + W = N: a read quorum can miss every replica of the last write quorum.',
    breaks: 'regular',
  },
  {
    name: 'w-le-half',
    description: 'Writes take W = ⌊N/2⌋ acknowledgements (R = N − W + 1): two write quorums can be disjoint.',
    breaks: 'oneValuePerVersion',
  },
  {
    name: 'sloppy-quorum',
    description:
      "Dynamo's sloppy quorum: a write that cannot reach a home replica is stored on a fallback node D with a hint, counts towards W, and is handed off once the home replica is reachable.",
    breaks: 'regular',
  },
];

export const nwrRegister = defineModel({
  id: 'nwr-register',
  title: 'NWR quorum register, with ABD read write-back and a sloppy quorum',
  source:
    'The seed\'s Quorum/NWR section; Gifford 1979; Attiya, Bar-Noy & Dolev, "Sharing Memory Robustly in Message-Passing Systems" (JACM 1995); DeCandia et al., "Dynamo" (SOSP 2007)',
  scope:
    'Regularity, linearizability (by the history checker) and one value per version, on the recorded client history; one operation per client; crashes, lost requests and a partition.',
  params: {
    replicas: { type: 'int', default: 3, min: 2, max: 5, description: 'N, home replicas of the register' },
    r: { type: 'int', default: 2, min: 1, max: 5, description: 'R, answers a read waits for' },
    w: { type: 'int', default: 2, min: 1, max: 5, description: 'W, acknowledgements a write waits for' },
    writers: { type: 'int', default: 1, min: 1, max: 2, description: 'clients that write once (writer i writes i)' },
    readers: { type: 'int', default: 1, min: 0, max: 2, description: 'clients that read once' },
    writeBack: { type: 'boolean', default: false, description: 'ABD: a read writes back what it returns to W replicas first' },
    ...faultParams({
      crashes: { max: 1, description: 'at most this many replica crashes (they restart with their data)' },
      drops: { max: 1 },
      partitions: { max: 1 },
    }),
  },
  variants,
  configurations: [
    {
      name: 'dynamo-322',
      description: "Dynamo's default (N, R, W) = (3, 2, 2), one writer and one reader, a replica may crash: reads are regular.",
      variant: 'correct',
      params: { replicas: 3, r: 2, w: 2, writers: 1, readers: 1, crashes: 1 },
    },
    {
      name: 'no-write-back',
      description:
        'R + W > N without write-back is regular but not linearizable: a read that meets the new value on one replica returns it, and a later read whose quorum misses that replica returns the old one (a new-old inversion).',
      variant: 'correct',
      params: { replicas: 3, r: 2, w: 2, writers: 1, readers: 2 },
      expect: { violates: 'linearizable', holds: ['regular', 'oneValuePerVersion'] },
    },
    {
      name: 'abd',
      description: "ABD's write-back closes the inversion: the first read stores the new value on a quorum before it returns.",
      variant: 'correct',
      params: { replicas: 3, r: 2, w: 2, writers: 1, readers: 2, writeBack: true },
    },
    {
      name: 'two-writers',
      description: 'Two concurrent writers pick the same version; with W > N/2 the quorums meet and only one is acknowledged.',
      variant: 'correct',
      params: { replicas: 3, r: 2, w: 2, writers: 2, readers: 0, drops: 1 },
    },
    { name: 'r-plus-w-le-n', variant: 'r-plus-w-le-n', params: { replicas: 3, r: 1, w: 2, writers: 1, readers: 1 } },
    { name: 'w-le-half', variant: 'w-le-half', params: { replicas: 3, r: 3, w: 1, writers: 2, readers: 0 } },
    { name: 'sloppy-quorum', variant: 'sloppy-quorum', params: { replicas: 3, r: 2, w: 2, writers: 1, readers: 1, partitions: 1 } },
    {
      name: 'abd-5',
      description: 'ABD on five replicas with R = W = 3, two readers, a crash and a lost request, by random walks.',
      variant: 'correct',
      params: { replicas: 5, r: 3, w: 3, writers: 1, readers: 2, writeBack: true, crashes: 1, drops: 1 },
      expect: 'pass',
      strategy: 'random',
      seed: 7,
      runs: 300,
      walkLength: 60,
    },
  ],
  machine: (params, variant) =>
    nwrMachine(
      { n: params.replicas, r: params.r, w: params.w, writers: params.writers, readers: params.readers, writeBack: params.writeBack },
      variant,
      budgetOf(params),
    ),
});

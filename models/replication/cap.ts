// CAP: a register on two replicas X and Y, and a partition between them.
// Source: the seed's CAP section; Brewer, "Towards Robust Distributed Systems" (PODC 2000 keynote); Gilbert &
// Lynch, "Brewer's Conjecture and the Feasibility of Consistent, Available, Partition-Tolerant Web Services"
// (SIGACT News 2002).
// Both designs coordinate while the replicas can talk: a write is stored on the peer and then locally before it
// is acknowledged, and a read asks the peer and returns the newer of the two values. They differ only when the
// peer cannot be reached (a synchronous timeout: the request cannot arrive): CP refuses the request (it fails),
// AP answers from the local replica (and its write reaches the peer once the partition heals).
// Scope: `linearizable` (safety, by the history checker on the recorded history) and `available` (liveness,
// Gilbert & Lynch's availability: every request eventually gets a non-error answer), under weak fairness on
// protocol steps and timeouts and none on the partition or the heal, so a partition may last forever.
// Writer W writes 1 through X; reader R1 reads through Y; reader R2, when present, reads through X.
import { budgetOf, faultParams, findDeliverable, initialFaults, timeoutEnabled, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState, ProtocolMachine } from '../../src/model/faults';
import { formatNetwork, message, remove, send, withNet } from '../../src/model/network';
import { defineModel, type Comparison, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';
import { recordEvent, registerHistory, type ClientEvent } from './register-history';

export type Replica = 'X' | 'Y';
export type CapPhase = 'idle' | 'waiting' | 'answered' | 'refused';
export interface CapClient {
  readonly phase: CapPhase;
  /** What a read returned. */
  readonly val: number | null;
}

export interface CapState {
  /** The values of X and Y. */
  readonly replicas: Readonly<Record<Replica, number | null>>;
  readonly clients: readonly CapClient[];
  readonly history: readonly ClientEvent[];
  readonly faults: FaultState;
}

type ProtocolAction = { readonly name: 'Invoke' | 'PeerServe' | 'Timeout'; readonly c: number };
export type CapAction = ProtocolAction | FaultAction;

const REPLICAS: readonly Replica[] = ['X', 'Y'];
const clientName = (c: number): string => (c === 0 ? 'W' : `R${c}`);
const isWriter = (c: number): boolean => c === 0;
/** The replica a client talks to (W and R2 through X, R1 through Y), and its peer. */
const local = (c: number): Replica => (c === 1 ? 'Y' : 'X');
const peer = (c: number): Replica => (c === 1 ? 'X' : 'Y');

function capMachine(readers: number, variant: string, budget: FaultBudget): Machine<CapState, CapAction> {
  const ap = variant === 'ap';
  const clients = Array.from({ length: 1 + readers }, (_, c) => c);
  const judge = registerHistory(1, clientName);
  const request = (c: number) => message(isWriter(c) ? `Store(${clientName(c)})` : `Ask(${clientName(c)})`, local(c), peer(c));
  const inFlight = (s: CapState, c: number) => findDeliverable(s.faults, (m) => m.type === request(c).type);
  const setClient = (s: CapState, c: number, client: CapClient): CapState => ({ ...s, clients: replaceAt(s.clients, c, client) });
  const record = (s: CapState, e: ClientEvent): CapState => ({ ...s, history: recordEvent(s.history, e) });
  const answer = (s: CapState, c: number, val: number | null): CapState =>
    record(setClient(s, c, { phase: 'answered', val }), { c, t: 'ok', v: isWriter(c) ? null : val });

  const actions = (s: CapState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    for (const c of clients) {
      const phase = s.clients[c].phase;
      if (phase === 'idle') out.push({ name: 'Invoke', c });
      if (phase === 'waiting' && inFlight(s, c)) out.push({ name: 'PeerServe', c });
      if (phase === 'waiting' && timeoutEnabled('synchronous', s.faults, peer(c), local(c))) out.push({ name: 'Timeout', c });
    }
    // A write AP answered alone is still on its way to the peer: it lands once the partition heals.
    if (ap && s.clients[0].phase !== 'waiting' && inFlight(s, 0)) out.push({ name: 'PeerServe', c: 0 });
    return out;
  };

  const next = (s: CapState, a: ProtocolAction): CapState => {
    const { c } = a;
    switch (a.name) {
      case 'Invoke':
        return record(setClient(withNet(s, send(s.faults.net, request(c))), c, { phase: 'waiting', val: null }), {
          c,
          t: 'invoke',
          v: null,
        });
      case 'PeerServe': {
        const served = withNet(s, remove(s.faults.net, request(c)));
        if (isWriter(c)) {
          // The peer stores the write; the answer reaches the writer's replica, which stores it and acknowledges.
          const stored = { ...served, replicas: { ...served.replicas, [peer(c)]: 1 } };
          if (s.clients[c].phase !== 'waiting') return stored;
          return answer({ ...stored, replicas: { ...stored.replicas, [local(c)]: 1 } }, c, null);
        }
        return answer(served, c, s.replicas[local(c)] ?? s.replicas[peer(c)]);
      }
      case 'Timeout': {
        if (!ap) {
          const refused = withNet(s, remove(s.faults.net, request(c)));
          return record(setClient(refused, c, { phase: 'refused', val: null }), { c, t: 'fail', v: null });
        }
        if (isWriter(c)) return answer({ ...s, replicas: { ...s.replicas, [local(c)]: 1 } }, c, null);
        return answer(withNet(s, remove(s.faults.net, request(c))), c, s.replicas[local(c)]);
      }
    }
  };

  const properties: Property<CapState, CapAction>[] = [
    {
      kind: 'always',
      name: 'linearizable',
      description: 'The recorded history of reads and writes is linearizable (decided by the history checker).',
      holds: (s) => judge.linearizable(s.history),
    },
    {
      kind: 'eventually',
      name: 'available',
      description: 'Every request eventually gets an answer that is not an error (Gilbert & Lynch).',
      holds: (s) => s.clients.every((x) => x.phase === 'answered'),
    },
    {
      kind: 'sometimes',
      name: 'readSeesWrite',
      description: 'A read returns the written value.',
      holds: (s) => clients.some((c) => !isWriter(c) && s.clients[c].phase === 'answered' && s.clients[c].val === 1),
    },
  ];
  if (budget.partitions > 0)
    properties.push(
      ap
        ? {
            kind: 'sometimes',
            name: 'answeredDuringPartition',
            description: 'A request is answered while the replicas are cut off from each other.',
            holds: (s) => s.faults.partition !== null && s.history.some((e) => e.t === 'ok'),
          }
        : {
            kind: 'sometimes',
            name: 'refusedDuringPartition',
            description: 'A request is refused while the replicas are cut off from each other.',
            holds: (s) => s.faults.partition !== null && s.history.some((e) => e.t === 'fail'),
          },
    );

  return withFaults(
    budget,
    { nodes: REPLICAS },
    {
      init: [
        {
          replicas: { X: null, Y: null },
          clients: clients.map(() => ({ phase: 'idle' as const, val: null })),
          history: [],
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      properties,
      actionNames: ['Invoke', 'PeerServe', ...(budget.partitions > 0 ? ['Timeout'] : [])],
      fairness: 'Weak fairness on every protocol step and timeout; none on the partition or the heal, which may never come.',
      explain: (s) => judge.explain(s.history),
      ...presentation(clients),
      terminal: (s) => s.clients.every((x) => x.phase === 'answered' || x.phase === 'refused'),
    },
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const show = (v: number | null): string => (v === null ? '∅' : String(v));

function presentation(
  clients: readonly number[],
): Pick<ProtocolMachine<CapState, ProtocolAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  return {
    formatAction: (a) => `${a.name}(${clientName(a.c)})`,
    actors: [...clients.map(clientName), ...REPLICAS],
    view: (from, a, to) => {
      const me = clientName(a.c);
      const [l, p] = [local(a.c), peer(a.c)];
      const what = isWriter(a.c) ? 'write 1' : 'read';
      const result = to.clients[a.c].phase === 'refused' ? 'refused' : isWriter(a.c) ? 'ok' : `ok ${show(to.clients[a.c].val)}`;
      const finished = from.clients[a.c].phase === 'waiting' && to.clients[a.c].phase !== 'waiting';
      if (a.name === 'Invoke') return [{ type: 'message', from: me, to: l, label: what }];
      // One arrow per step, back to the client when it is answered: what it got, and how.
      if (a.name === 'Timeout') return [{ type: 'message', from: l, to: me, label: `${result} (${p} unreachable)` }];
      const how = isWriter(a.c) ? `stored at ${l} and ${p}` : `asked ${p}`;
      return [finished ? { type: 'message', from: l, to: me, label: `${result} (${how})` } : { type: 'note', over: l, text: how }];
    },
    display: (s) => ({
      X: show(s.replicas.X),
      Y: show(s.replicas.Y),
      ...Object.fromEntries(
        clients.map((c) => [
          clientName(c),
          s.clients[c].phase === 'answered' && !isWriter(c) ? `read ${show(s.clients[c].val)}` : s.clients[c].phase,
        ]),
      ),
      history:
        s.history.map((e) => `${clientName(e.c)} ${e.t}${e.t === 'ok' && !isWriter(e.c) ? ` ${show(e.v)}` : ''}`).join('; ') || '(empty)',
      partition: s.faults.partition === null ? 'none' : 'X | Y',
      inFlight: formatNetwork(s.faults.net),
    }),
  };
}

// Variants and configurations.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'CP: a replica that cannot reach its peer refuses the request.' },
  {
    name: 'ap',
    description: 'AP: a replica that cannot reach its peer answers from its own copy (a design choice that gives up linearizability).',
    breaks: 'linearizable',
  },
];

export const cap = defineModel({
  id: 'cap',
  title: 'CAP: a register on two replicas, CP and AP under a partition',
  source:
    'The seed\'s CAP section; Brewer, PODC 2000 keynote; Gilbert & Lynch, "Brewer\'s Conjecture and the Feasibility of Consistent, Available, Partition-Tolerant Web Services" (2002)',
  scope:
    'Linearizability of the recorded history (history checker) and availability (every request eventually answered, liveness), with and without one partition that may never heal.',
  params: {
    readers: { type: 'int', default: 2, min: 1, max: 2, description: 'readers (R1 through Y, R2 through X)' },
    ...faultParams({ partitions: { max: 1, description: 'at most this many partitions between X and Y (a heal is not forced)' } }),
  },
  variants,
  configurations: [
    { name: 'cp', description: 'CP without a partition: linearizable and available.', variant: 'correct', params: { readers: 2 } },
    {
      name: 'ap',
      description: 'AP without a partition: linearizable and available.',
      variant: 'ap',
      params: { readers: 2 },
      expect: 'pass',
    },
    {
      name: 'cp-partition',
      description: 'CP under a partition stays linearizable and gives up availability: a request that cannot reach the peer is refused.',
      variant: 'correct',
      params: { readers: 2, partitions: 1 },
      expect: { violates: 'available', holds: ['linearizable'] },
    },
    {
      name: 'ap-partition',
      description:
        'AP under a partition stays available and gives up linearizability: X acknowledges the write alone, then Y still reads ∅.',
      variant: 'ap',
      params: { readers: 2, partitions: 1 },
      expect: { violates: 'linearizable', holds: ['available'] },
    },
  ],
  machine: (params, variant) => capMachine(params.readers, variant, budgetOf(params)),
});

/** The CAP table, every cell from a run of the explorer. */
export const capComparison: Comparison = {
  id: 'cap',
  title: 'CAP on two replicas: CP against AP (`cap`)',
  columns: ['CP: refuse when the peer is unreachable', 'AP: answer from the local copy'],
  rows: [
    {
      question: 'linearizable without a partition?',
      cells: [
        { model: 'cap', configuration: 'cp', metric: { ifViolated: 'linearizable', yes: 'no', no: 'yes' } },
        { model: 'cap', configuration: 'ap', metric: { ifViolated: 'linearizable', yes: 'no', no: 'yes' } },
      ],
    },
    {
      question: 'available without a partition?',
      cells: [
        { model: 'cap', configuration: 'cp', metric: { ifViolated: 'available', yes: 'no', no: 'yes' } },
        { model: 'cap', configuration: 'ap', metric: { ifViolated: 'available', yes: 'no', no: 'yes' } },
      ],
    },
    {
      question: 'linearizable under a partition?',
      cells: [
        { model: 'cap', configuration: 'cp-partition', metric: { ifViolated: 'linearizable', yes: 'no', no: 'yes' } },
        {
          model: 'cap',
          configuration: 'ap-partition',
          metric: { ifViolated: 'linearizable', yes: 'no: Y reads ∅ after X acknowledged 1', no: 'yes' },
        },
      ],
    },
    {
      question: 'available under a partition?',
      cells: [
        { model: 'cap', configuration: 'cp-partition', metric: { ifViolated: 'available', yes: 'no: requests are refused', no: 'yes' } },
        { model: 'cap', configuration: 'ap-partition', metric: { ifViolated: 'available', yes: 'no', no: 'yes' } },
      ],
    },
    {
      question: 'reachable states under a partition',
      cells: [
        { model: 'cap', configuration: 'cp-partition', metric: 'distinctStates' },
        { model: 'cap', configuration: 'ap-partition', metric: 'distinctStates' },
      ],
    },
  ],
};

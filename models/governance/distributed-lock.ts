// A lease lock with fencing tokens, and a storage service that checks them.
// Source: the seed's 分布式锁 and 任务调度 (PROTOCOLS.md §6.3); Kleppmann, "How to do distributed locking"
// (2016): a lock server grants a lease with a token from a counter that only grows; the storage remembers the
// highest token it has accepted and refuses anything not newer.
// Scope: safety only. Clients C1..Cn acquire the lock (one step against the lock server L), then write once to
// the storage S under their lease. Faults: a client pause after its own lease check and before its write that
// may outlive the lease (a GC-pause stand-in); message delay and duplication of writes (delivery: 'network',
// the network of src/model/faults.ts); lock-server crashes and restarts, with its state kept (correct) or lost.
// Time is abstract: `LeaseExpires(Ci)` is the moment Ci's lease runs out. A running client notices it at that
// moment (clocks agree, no drift); a paused one does not, and writes when it wakes.
// Each lease covers one write, and the storage accepts a token only if it is newer than every token it has
// accepted (`last < token`), so a redelivered write is refused. Read as a job scheduler (the seed's 任务调度),
// the same model is an exactly-once trigger: a lease is one firing of a job, the write is the job's effect,
// and the properties say that no firing runs twice and no stale firing lands after a newer one.
// The same scenarios run against real redis-server processes with redlock in
// properties/governance/distributed-lock.redis.test.ts.
import { budgetOf, faultParams, findDeliverable, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { formatNetwork, message, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

/** idle: no lease in hand; holding: granted, not yet written; paused: checked its lease, then stopped before writing. */
export type ClientPhase = 'idle' | 'holding' | 'paused';

export interface LockClient {
  readonly phase: ClientPhase;
  /** The fencing token of the lease in hand (0 when idle). */
  readonly token: number;
  /** Ghost: which grant the lease in hand is (1, 2, ... over the whole run; no restart resets it). 0 when idle. */
  readonly lease: number;
  /** Acquisitions this client may still make. */
  readonly left: number;
  /** Ghost: the client's latest lease has not run out yet (real time, whatever the client believes). */
  readonly live: boolean;
}

export interface LockState {
  /** The lock server: the current holder (-1 when free) and the token counter (last token handed out). */
  readonly holder: number;
  readonly counter: number;
  readonly clients: readonly LockClient[];
  /** The storage's fencing register: the highest token it has accepted (tracked in every variant). */
  readonly maxToken: number;
  /** Ghost: the leases whose writes the storage accepted, sorted. */
  readonly landed: readonly number[];
  /** Ghost: the storage refused some write. */
  readonly refused: boolean;
  /** Ghost: grants made so far. */
  readonly grants: number;
  /** Pauses left in the budget. */
  readonly pauses: number;
  /** Ghost: the lock server restarted while some lease was live. */
  readonly restartedUnderLease: boolean;
  readonly faults: FaultState;
}

type ClientStep = 'Acquire' | 'TakeToken' | 'Write' | 'Pause' | 'Wake' | 'LeaseExpires' | 'StorageRcvWrite';
type ProtocolAction = { readonly name: ClientStep; readonly c: number };
export type LockAction = ProtocolAction | FaultAction;

const variants: readonly Variant[] = [
  {
    name: 'correct',
    description:
      'Tokens from a counter the lock server keeps across restarts; the storage accepts a token only if it is newer than every token it accepted.',
  },
  {
    name: 'no-fencing',
    description:
      'The storage accepts every write: a client whose lease ran out during a pause, or whose write was delayed, overwrites the next holder.',
    breaks: 'tokensNeverGoBack',
  },
  {
    name: 'no-persistence',
    description:
      'The lock server keeps the lock and the token counter in memory only: a restart frees the lock and hands out old tokens again.',
    breaks: 'writesInLeaseOrder',
  },
  {
    name: 'token-after-grant',
    description:
      'The client takes its token with a separate INCR after the grant, not in the same step: a client that pauses between the two gets a newer token than the next holder.',
    breaks: 'writesInLeaseOrder',
  },
  {
    name: 'fence-leq',
    description: 'The storage checks `last ≤ token` instead of `last < token`, so a redelivered write with the same token lands twice.',
    breaks: 'oncePerLease',
  },
];

const L = 'L';
const S = 'S';
const cName = (i: number): string => `C${i + 1}`;
const PHASE_CODE: Record<ClientPhase, string> = { idle: 'i', holding: 'h', paused: 'p' };

const writeType = (token: number, lease: number): string => `Write(t${token},lease${lease})`;
function parseWrite(m: Message): { token: number; lease: number } {
  const [, token, lease] = /^Write\(t(\d+),lease(\d+)\)$/.exec(m.type)!;
  return { token: Number(token), lease: Number(lease) };
}

export interface LockParams {
  readonly clients: number;
  readonly rounds: number;
  readonly delivery: 'direct' | 'network';
  readonly pauses: number;
}

function lockMachine(p: LockParams, variant: string, budget: FaultBudget): Machine<LockState, LockAction> {
  const ids = Array.from({ length: p.clients }, (_, i) => i);
  const names = ids.map(cName);
  const network = p.delivery === 'network';
  const persist = variant !== 'no-persistence';
  const tokenLater = variant === 'token-after-grant';
  /** The storage's check, given the highest token it accepted so far. */
  const accepts = (last: number, token: number): boolean =>
    variant === 'no-fencing' ? true : variant === 'fence-leq' ? last <= token : last < token;
  const step = (name: ClientStep) => ids.map((c) => ({ name, c }) as const);
  const A = {
    acquire: step('Acquire'),
    token: step('TakeToken'),
    write: step('Write'),
    pause: step('Pause'),
    wake: step('Wake'),
    expire: step('LeaseExpires'),
    rcv: step('StorageRcvWrite'),
  };
  const writeFrom = (s: LockState, c: number): Message | undefined => findDeliverable(s.faults, (m) => m.from === names[c] && m.to === S);

  const actions = (s: LockState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    for (const c of ids) {
      const cl = s.clients[c];
      if (cl.phase === 'idle' && cl.left > 0 && s.holder < 0 && isUp(s.faults, L)) out.push(A.acquire[c]);
      const lUp = isUp(s.faults, L);
      if (cl.phase === 'holding' && cl.token === 0 && lUp) out.push(A.token[c]);
      if (cl.phase === 'holding' && cl.token > 0) out.push(A.write[c]);
      if (cl.phase === 'holding' && s.pauses > 0) out.push(A.pause[c]);
      if (cl.phase === 'paused' && (cl.token > 0 || lUp)) out.push(A.wake[c]);
      if (cl.live) out.push(A.expire[c]);
      if (network && writeFrom(s, c)) out.push(A.rcv[c]);
    }
    return out;
  };

  /** The storage receives a write: it lands if the check passes. */
  const land = (s: LockState, token: number, lease: number): LockState =>
    accepts(s.maxToken, token)
      ? {
          ...s,
          maxToken: Math.max(s.maxToken, token),
          landed: s.landed.includes(lease) ? s.landed : [...s.landed, lease].sort((a, b) => a - b),
        }
      : { ...s, refused: true };
  const setClient = (s: LockState, c: number, cl: LockClient): LockState => ({ ...s, clients: replaceAt(s.clients, c, cl) });
  const idle = (cl: LockClient): LockClient => ({ ...cl, phase: 'idle', token: 0, lease: 0 });
  /** A client without a token yet (token-after-grant) takes one: INCR on the lock server, lease or no lease. */
  const takeToken = (s: LockState, c: number): LockState => {
    const cl = s.clients[c];
    return cl.token > 0 ? s : setClient({ ...s, counter: s.counter + 1 }, c, { ...cl, token: s.counter + 1 });
  };
  /** The client sends its write: straight to the storage, or into the network. */
  const sendWrite = (s0: LockState, c: number): LockState => {
    const s = takeToken(s0, c);
    const cl = s.clients[c];
    const after = setClient(s, c, idle(cl));
    return network
      ? withNet(after, send(s.faults.net, message(writeType(cl.token, cl.lease), names[c], S)))
      : land(after, cl.token, cl.lease);
  };

  const next = (s: LockState, a: ProtocolAction): LockState => {
    const cl = s.clients[a.c];
    switch (a.name) {
      case 'Acquire': {
        const token = tokenLater ? 0 : s.counter + 1;
        const lease = s.grants + 1;
        return setClient({ ...s, holder: a.c, counter: tokenLater ? s.counter : token, grants: lease }, a.c, {
          phase: 'holding',
          token,
          lease,
          left: cl.left - 1,
          live: true,
        });
      }
      case 'TakeToken':
        return takeToken(s, a.c);
      case 'Write':
      case 'Wake':
        return sendWrite(s, a.c);
      case 'Pause':
        return setClient({ ...s, pauses: s.pauses - 1 }, a.c, { ...cl, phase: 'paused' });
      case 'LeaseExpires': {
        // A running client sees its lease run out and gives up; a paused one sees nothing.
        const noticed = cl.phase === 'holding' ? idle(cl) : cl;
        return setClient({ ...s, holder: s.holder === a.c ? -1 : s.holder }, a.c, { ...noticed, live: false });
      }
      case 'StorageRcvWrite': {
        const m = writeFrom(s, a.c)!;
        const w = parseWrite(m);
        return land(withNet(s, remove(s.faults.net, m)), w.token, w.lease);
      }
    }
  };

  /** The write that reaches the storage in this step, if any. */
  const arriving = (from: LockState, a: LockAction): { token: number; lease: number } | null => {
    if (a.name === 'StorageRcvWrite') return parseWrite(writeFrom(from, (a as ProtocolAction).c)!);
    if (!network && (a.name === 'Write' || a.name === 'Wake')) {
      const cl = from.clients[(a as ProtocolAction).c];
      return { token: cl.token > 0 ? cl.token : from.counter + 1, lease: cl.lease };
    }
    return null;
  };
  const landedStep = (from: LockState, a: LockAction, check: (w: { token: number; lease: number }) => boolean): boolean => {
    const w = arriving(from, a);
    return w === null || !accepts(from.maxToken, w.token) || check(w);
  };

  const properties: Property<LockState, LockAction>[] = [
    {
      kind: 'step',
      name: 'tokensNeverGoBack',
      description: 'The storage never accepts a write carrying an older token than one it accepted before.',
      holds: (from, a) => landedStep(from, a, (w) => w.token >= from.maxToken),
    },
    {
      kind: 'step',
      name: 'writesInLeaseOrder',
      description:
        'Two clients never both complete a write while each believes it holds the lock, precisely: once a write made under one lease has landed, no write made under an earlier lease lands (leases numbered in grant order by a counter no restart resets). Writes that land in lease order are allowed even if the leases overlapped: the storage then holds what a serial run would leave.',
      holds: (from, a) => landedStep(from, a, (w) => from.landed.every((l) => l <= w.lease)),
    },
    {
      kind: 'step',
      name: 'oncePerLease',
      description: "A lease's write lands at most once (the scheduler's exactly-once: one firing, one run).",
      holds: (from, a) => landedStep(from, a, (w) => !from.landed.includes(w.lease)),
    },
    {
      kind: 'sometimes',
      name: 'staleWriteRefused',
      description: 'The storage refuses a write (fencing at work).',
      holds: (s) => s.refused,
    },
    {
      kind: 'sometimes',
      name: 'twoLeasesWrote',
      description: 'Writes made under two different leases have landed.',
      holds: (s) => s.landed.length >= 2,
    },
  ];
  if (p.pauses > 0)
    properties.push({
      kind: 'sometimes',
      name: 'pausedPastLease',
      description: 'A paused client still believes it holds a lease that has run out, while another client holds the lock.',
      holds: (s) => s.clients.some((cl, c) => cl.phase === 'paused' && !cl.live && s.holder >= 0 && s.holder !== c),
    });
  if (budget.crashes > 0)
    properties.push({
      kind: 'sometimes',
      name: 'restartUnderLiveLease',
      description: 'The lock server crashed and came back while some lease was live.',
      holds: (s) => s.restartedUnderLease && isUp(s.faults, L),
    });

  const actionNames = [
    'Acquire',
    ...(tokenLater ? ['TakeToken'] : []),
    'Write',
    ...(p.pauses > 0 ? ['Pause', 'Wake'] : []),
    'LeaseExpires',
    ...(network ? ['StorageRcvWrite'] : []),
  ];
  const describe = (a: ProtocolAction): string => `${a.name}(${names[a.c]})`;
  const verdict = (from: LockState, w: { token: number }): string => (accepts(from.maxToken, w.token) ? '✓' : '✗ refused');

  const incr = (me: string, token: number): ViewEvent[] => [
    { type: 'message', from: me, to: L, label: 'INCR' },
    { type: 'message', from: L, to: me, label: `t${token}` },
  ];
  const view = (from: LockState, a: ProtocolAction, to: LockState): readonly ViewEvent[] => {
    const me = names[a.c];
    switch (a.name) {
      case 'Acquire':
        return [
          { type: 'message', from: me, to: L, label: 'Acquire' },
          { type: 'message', from: L, to: me, label: tokenLater ? 'Grant' : `Grant(t${to.clients[a.c].token})` },
        ];
      case 'TakeToken':
        return incr(me, to.clients[a.c].token);
      case 'Pause':
        return [
          {
            type: 'note',
            over: me,
            text: from.clients[a.c].token > 0 ? '⏸ pause (after its lease check)' : '⏸ pause (before taking its token)',
          },
        ];
      case 'LeaseExpires':
        return [
          {
            type: 'note',
            over: me,
            text: from.clients[a.c].phase === 'paused' ? '⌛ lease runs out (paused, does not notice)' : '⌛ lease runs out',
          },
        ];
      case 'Write':
      case 'Wake': {
        const cl = from.clients[a.c];
        const token = cl.token > 0 ? cl.token : from.counter + 1;
        const wake: ViewEvent[] = a.name === 'Wake' ? [{ type: 'note', over: me, text: '▶ wakes, still believes it holds the lock' }] : [];
        if (cl.token === 0) wake.push(...incr(me, token));
        if (network) return [...wake, { type: 'note', over: me, text: `sends Write(t${token})` }];
        return [...wake, { type: 'message', from: me, to: S, label: `Write(t${token}) ${verdict(from, { token })}` }];
      }
      case 'StorageRcvWrite': {
        const w = parseWrite(writeFrom(from, a.c)!);
        return [{ type: 'message', from: me, to: S, label: `Write(t${w.token}) ${verdict(from, w)}` }];
      }
    }
  };

  return withFaults(
    budget,
    {
      nodes: [...names, L, S],
      crashable: [L],
      restart: true,
      onRestart: (s) => {
        const after = { ...s, restartedUnderLease: s.restartedUnderLease || s.clients.some((cl) => cl.live) };
        return persist ? after : { ...after, holder: -1, counter: 0 };
      },
    },
    {
      init: [
        {
          holder: -1,
          counter: 0,
          clients: ids.map(() => ({ phase: 'idle' as const, token: 0, lease: 0, left: p.rounds, live: false })),
          maxToken: 0,
          landed: [],
          refused: false,
          grants: 0,
          pauses: p.pauses,
          restartedUnderLease: false,
          faults: initialFaults(budget),
        },
      ],
      actions,
      next,
      key: (s) =>
        `${s.holder}|${s.counter}|${s.clients.map((cl) => `${PHASE_CODE[cl.phase]}${cl.token}.${cl.lease}.${cl.left}${cl.live ? '+' : '-'}`).join(',')}|${s.maxToken}|${s.landed.join('.')}|${s.refused ? 1 : 0}|${s.grants}|${s.pauses}|${s.restartedUnderLease ? 1 : 0}`,
      properties,
      actionNames,
      formatAction: describe,
      actors: [...names, L, S],
      view,
      display: (s) => ({
        L: `${isUp(s.faults, L) ? '' : '(down) '}holder ${s.holder < 0 ? 'none' : names[s.holder]}, counter ${s.counter}`,
        ...Object.fromEntries(
          ids.map((c) => {
            const cl = s.clients[c];
            const lease = cl.phase === 'idle' ? '' : ` t${cl.token} (lease #${cl.lease})`;
            return [names[c], `${cl.phase}${lease}${cl.live ? ', lease live' : ''}`];
          }),
        ),
        S: `last token ${s.maxToken}, landed leases {${s.landed.join(',')}}${s.refused ? ', refused one' : ''}`,
        ...(network ? { inFlight: formatNetwork(s.faults.net) } : {}),
      }),
    },
  );
}

export const distributedLock = defineModel({
  id: 'distributed-lock',
  title: 'Lease lock with fencing tokens (and the exactly-once job trigger)',
  source: 'The seed\'s 分布式锁 and 任务调度; Kleppmann, "How to do distributed locking" (2016); Redis SET NX PX and redlock',
  scope:
    'Safety: tokens never go back at the storage, writes land in lease order, each lease writes once; under client pauses past the lease, delayed and duplicated writes, and lock-server restarts.',
  params: {
    clients: { type: 'int', default: 2, min: 1, max: 3, description: 'number of clients' },
    rounds: { type: 'int', default: 1, min: 1, max: 3, description: 'acquisitions per client' },
    delivery: {
      type: 'enum',
      default: 'direct',
      values: ['direct', 'network'],
      description: 'writes reach the storage in the step that sends them, or travel through the network (delay, reordering, duplication)',
    },
    pauses: {
      type: 'int',
      default: 0,
      min: 0,
      max: 3,
      budget: true,
      description: 'at most this many client pauses (after the lease check, before the write)',
    },
    ...faultParams({
      crashes: { max: 2, description: 'at most this many lock-server crashes (each restarts; the variant decides what it keeps)' },
      duplicates: { max: 2 },
    }),
  },
  variants,
  configurations: [
    {
      name: 'pause',
      description: 'A client pauses past its lease; the next holder writes first; the stale write is refused.',
      variant: 'correct',
      params: { clients: 2, pauses: 1 },
    },
    {
      name: 'delay',
      description: 'Writes travel through the network and may be delayed past the lease or duplicated.',
      variant: 'correct',
      params: { clients: 2, delivery: 'network', pauses: 1, duplicates: 1 },
    },
    {
      name: 'restart',
      description: 'The lock server crashes and restarts with its lock table and counter intact.',
      variant: 'correct',
      params: { clients: 3, crashes: 1, pauses: 1 },
    },
    {
      name: 'random',
      variant: 'correct',
      params: { clients: 3, rounds: 2, delivery: 'network', pauses: 2, crashes: 2, duplicates: 2 },
      strategy: 'random',
      seed: 13,
      runs: 300,
      walkLength: 60,
    },
    {
      name: 'no-fencing-pause',
      description:
        'The GC-pause story: C1 checks its lease and pauses, the lease runs out, C2 acquires and writes, C1 wakes and writes over it. Real redis: "paused client" tests in properties/governance/distributed-lock.redis.test.ts.',
      variant: 'no-fencing',
      params: { clients: 2, pauses: 1 },
    },
    {
      name: 'no-fencing-delay',
      description:
        "The delayed-packet story: C1's write is still in the network when its lease runs out; C2's write lands first, C1's after it.",
      variant: 'no-fencing',
      params: { clients: 2, delivery: 'network' },
    },
    {
      name: 'no-persistence',
      description:
        'The lock server restarts with an empty memory: the lock is free again and the counter starts over, so a new holder gets a token the storage has seen below a live lease. Fencing still keeps tokens in order, but two live leases write, the older last. Real redis: "restart without persistence" test in properties/governance/distributed-lock.redis.test.ts.',
      variant: 'no-persistence',
      params: { clients: 3, crashes: 1 },
      expect: { violates: 'writesInLeaseOrder', holds: ['tokensNeverGoBack', 'oncePerLease'] },
    },
    {
      name: 'token-after-grant',
      description:
        'C1 is granted the lock and pauses before its INCR; its lease runs out; C2 is granted, takes t1 and writes; C1 wakes, takes t2 and its stale write lands. Fencing keeps tokens in order, but not leases. Real redis: "token taken after the grant" test in properties/governance/distributed-lock.redis.test.ts.',
      variant: 'token-after-grant',
      params: { clients: 2, pauses: 1 },
      expect: { violates: 'writesInLeaseOrder', holds: ['tokensNeverGoBack', 'oncePerLease'] },
    },
    {
      name: 'fence-leq',
      description: 'A write is duplicated in the network; with `last ≤ token` both copies land (the job runs twice).',
      variant: 'fence-leq',
      params: { clients: 2, delivery: 'network', duplicates: 1 },
    },
  ],
  machine: (params, variant) =>
    lockMachine(
      { clients: params.clients, rounds: params.rounds, delivery: params.delivery, pauses: params.pauses },
      variant,
      budgetOf(params),
    ),
});

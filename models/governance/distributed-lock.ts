// A lease lock with fencing tokens, and a storage service that checks them.
// Source: the seed's 分布式锁 and 任务调度 (PROTOCOLS.md §6.3); Kleppmann, "How to do distributed locking"
// (2016): a lock server grants a lease with a token from a counter that only grows; the storage remembers the
// highest token it has accepted and refuses anything not newer.
// Scope: safety only. Clients C1..Cn acquire the lock (one step against the lock server L), then write once to
// the storage S under their lease. Faults: a client pause after its own lease check and before its write that
// may outlive the lease (a GC pause: the `Pause`/`Wake` of src/model/pauses.ts); message delay and duplication of writes (delivery: 'network',
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
import type { FaultAction, FaultBudget, FaultState, ProtocolMachine } from '../../src/model/faults';
import { formatNetwork, message, remove, send, withNet, type Message } from '../../src/model/network';
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { initialPauses, isPaused, pauseParams, withPauses, type PauseAction, type PauseState } from '../../src/model/pauses';
import { setAdd } from '../../src/model/plain';

/** A client's name: C1, C2, ... */
export type Client = string;

/** idle: no lease in hand; holding: granted, not yet written (a holding client in `pauses.paused` checked its lease, then stopped before writing). */
export type ClientPhase = 'idle' | 'holding';

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
  /** The lock server: the current holder (null when free) and the token counter (last token handed out). */
  readonly holder: Client | null;
  readonly counter: number;
  readonly clients: Readonly<Record<Client, LockClient>>;
  /** The storage's fencing register: the highest token it has accepted (tracked in every variant). */
  readonly maxToken: number;
  /** Ghost: the leases whose writes the storage accepted. */
  readonly landed: ReadonlySet<number>;
  /** Ghost: the storage refused some write. */
  readonly refused: boolean;
  /** Ghost: grants made so far. */
  readonly grants: number;
  /** Paused clients, and the pauses left in the budget. */
  readonly pauses: PauseState;
  /** Ghost: the lock server restarted while some lease was live. */
  readonly restartedUnderLease: boolean;
  readonly faults: FaultState;
}

/** A write to the storage: the fencing token it carries and (ghost) the lease it was made under. */
export interface Write {
  readonly token: number;
  readonly lease: number;
}

type ClientStep = 'Acquire' | 'TakeToken' | 'Write' | 'LeaseExpires' | 'StorageRcvWrite';
type ProtocolAction = { readonly name: ClientStep; readonly c: Client };
export type LockAction = ProtocolAction | PauseAction | FaultAction;

/** The lock server and the storage. */
const L = 'L';
const S = 'S';

/** The storage's check, given the highest token it accepted so far. */
const storageAccepts = (variant: string, last: number, token: number): boolean =>
  variant === 'no-fencing' ? true : variant === 'fence-leq' ? last <= token : last < token;
/** The client's write that the network can deliver to the storage now. */
const writeFrom = (s: LockState, c: Client): Message<Write> | undefined =>
  findDeliverable(s.faults, (m) => m.from === c && m.to === S) as Message<Write> | undefined;

function lockMachine(p: LockParams, variant: string, budget: FaultBudget): Machine<LockState, LockAction> {
  const C: readonly Client[] = Array.from({ length: p.clients }, (_, i) => `C${i + 1}`);
  const network = p.delivery === 'network';
  const persist = variant !== 'no-persistence';
  const tokenLater = variant === 'token-after-grant';
  const accepts = (last: number, token: number): boolean => storageAccepts(variant, last, token);
  const { writeView, ...shown } = presentation(C, p, variant);

  const actions = (s: LockState): ProtocolAction[] => {
    const out: ProtocolAction[] = [];
    const lUp = isUp(s.faults, L);
    for (const c of C) {
      const cl = s.clients[c];
      if (cl.phase === 'idle' && cl.left > 0 && s.holder === null && lUp) out.push({ name: 'Acquire', c });
      if (cl.phase === 'holding' && cl.token === 0 && lUp) out.push({ name: 'TakeToken', c });
      if (cl.phase === 'holding' && cl.token > 0) out.push({ name: 'Write', c });
      if (cl.live) out.push({ name: 'LeaseExpires', c });
      if (network && writeFrom(s, c)) out.push({ name: 'StorageRcvWrite', c });
    }
    return out;
  };

  /** The storage receives a write: it lands if the check passes. */
  const land = (s: LockState, w: Write): LockState =>
    accepts(s.maxToken, w.token)
      ? { ...s, maxToken: Math.max(s.maxToken, w.token), landed: setAdd(s.landed, w.lease) }
      : { ...s, refused: true };
  const setClient = (s: LockState, c: Client, cl: LockClient): LockState => ({ ...s, clients: { ...s.clients, [c]: cl } });
  const idle = (cl: LockClient): LockClient => ({ ...cl, phase: 'idle', token: 0, lease: 0 });
  /** A client without a token yet (token-after-grant) takes one: INCR on the lock server, lease or no lease. */
  const takeToken = (s: LockState, c: Client): LockState => {
    const cl = s.clients[c];
    return cl.token > 0 ? s : setClient({ ...s, counter: s.counter + 1 }, c, { ...cl, token: s.counter + 1 });
  };
  /** The client sends its write: straight to the storage, or into the network. */
  const sendWrite = (s0: LockState, c: Client): LockState => {
    const s = takeToken(s0, c);
    const cl = s.clients[c];
    const w: Write = { token: cl.token, lease: cl.lease };
    const after = setClient(s, c, idle(cl));
    return network ? withNet(after, send(s.faults.net, message('Write', c, S, w))) : land(after, w);
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
        return sendWrite(s, a.c);
      case 'LeaseExpires': {
        // A running client sees its lease run out and gives up; a paused one sees nothing.
        const noticed = cl.phase === 'holding' && !isPaused(s.pauses, a.c) ? idle(cl) : cl;
        return setClient({ ...s, holder: s.holder === a.c ? null : s.holder }, a.c, { ...noticed, live: false });
      }
      case 'StorageRcvWrite': {
        const m = writeFrom(s, a.c)!;
        return land(withNet(s, remove(s.faults.net, m)), m.payload!);
      }
    }
  };

  /** The write that reaches the storage in this step, if any. */
  const arriving = (from: LockState, a: LockAction): Write | null => {
    if (a.name === 'StorageRcvWrite') return writeFrom(from, a.c)!.payload!;
    if (!network && (a.name === 'Write' || a.name === 'Wake')) {
      const cl = from.clients['c' in a ? a.c : a.node];
      return { token: cl.token > 0 ? cl.token : from.counter + 1, lease: cl.lease };
    }
    return null;
  };
  /** A step property over the write that lands in the step (a refused or absent write passes). */
  const landedStep = (from: LockState, a: LockAction, check: (w: Write) => boolean): boolean => {
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
      holds: (from, a) => landedStep(from, a, (w) => [...from.landed].every((l) => l <= w.lease)),
    },
    {
      kind: 'step',
      name: 'oncePerLease',
      description: "A lease's write lands at most once (the scheduler's exactly-once: one firing, one run).",
      holds: (from, a) => landedStep(from, a, (w) => !from.landed.has(w.lease)),
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
      holds: (s) => s.landed.size >= 2,
    },
  ];
  if (p.pauses > 0)
    properties.push({
      kind: 'sometimes',
      name: 'pausedPastLease',
      description: 'A paused client still believes it holds a lease that has run out, while another client holds the lock.',
      holds: (s) => C.some((c) => isPaused(s.pauses, c) && !s.clients[c].live && s.holder !== null && s.holder !== c),
    });
  if (budget.crashes > 0)
    properties.push({
      kind: 'sometimes',
      name: 'restartUnderLiveLease',
      description: 'The lock server crashed and came back while some lease was live.',
      holds: (s) => s.restartedUnderLease && isUp(s.faults, L),
    });

  const actionNames = ['Acquire', ...(tokenLater ? ['TakeToken'] : []), 'Write', 'LeaseExpires', ...(network ? ['StorageRcvWrite'] : [])];

  const init: LockState = {
    holder: null,
    counter: 0,
    clients: Object.fromEntries(C.map((c) => [c, { phase: 'idle', token: 0, lease: 0, left: p.rounds, live: false }])),
    maxToken: 0,
    landed: new Set(),
    refused: false,
    grants: 0,
    pauses: initialPauses(p.pauses),
    restartedUnderLease: false,
    faults: initialFaults(budget),
  };
  return withFaults(
    budget,
    {
      nodes: [...C, L, S],
      crashable: [L],
      restart: true,
      // The lock server comes back with its lock table and counter (persisted), or with neither.
      onRestart: (s) => {
        const after = { ...s, restartedUnderLease: s.restartedUnderLease || C.some((c) => s.clients[c].live) };
        return persist ? after : { ...after, holder: null, counter: 0 };
      },
    },
    withPauses<LockState, ProtocolAction, FaultAction>(
      p.pauses,
      {
        nodes: C,
        // A pause strikes a client that holds a lease: after its lease check, before its write (or its INCR).
        canPause: (s, c) => s.clients[c].phase === 'holding',
        // On waking the client writes, still believing it holds the lock; without a token yet it needs L up.
        canWake: (s, c) => s.clients[c].token > 0 || isUp(s.faults, L),
        onWake: sendWrite,
        // A lease running out and a delivery to the storage are not the client's steps: they go on.
        nodeOf: (a) => (a.name === 'LeaseExpires' || a.name === 'StorageRcvWrite' ? undefined : a.c),
        where: (s, c) => (s.clients[c].token > 0 ? '(after its lease check)' : '(before taking its token)'),
        believes: () => '(still believes it holds the lock)',
        wakeView: (from, c) => writeView(from, c),
      },
      { init: [init], actions, next, properties, actionNames, ...shown },
    ),
  );
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

function presentation(
  C: readonly Client[],
  p: LockParams,
  variant: string,
): Pick<ProtocolMachine<LockState, ProtocolAction>, 'formatAction' | 'actors' | 'view' | 'display'> & {
  readonly writeView: (from: LockState, c: Client) => ViewEvent[];
} {
  const network = p.delivery === 'network';
  const verdict = (from: LockState, token: number): string => (storageAccepts(variant, from.maxToken, token) ? '✓' : '✗ refused');
  const incr = (me: Client, token: number): ViewEvent[] => [
    { type: 'message', from: me, to: L, label: 'INCR' },
    { type: 'message', from: L, to: me, label: `t${token}` },
  ];
  /** A client's write leaving it (after an INCR, when it has no token yet): to the storage, or into the network. */
  const writeView = (from: LockState, me: Client): ViewEvent[] => {
    const cl = from.clients[me];
    const token = cl.token > 0 ? cl.token : from.counter + 1;
    const events: ViewEvent[] = cl.token === 0 ? incr(me, token) : [];
    if (network) return [...events, { type: 'note', over: me, text: `sends Write(t${token})` }];
    return [...events, { type: 'message', from: me, to: S, label: `Write(t${token}) ${verdict(from, token)}` }];
  };
  const view = (from: LockState, a: ProtocolAction, to: LockState): readonly ViewEvent[] => {
    const me = a.c;
    switch (a.name) {
      case 'Acquire':
        return [
          { type: 'message', from: me, to: L, label: 'Acquire' },
          { type: 'message', from: L, to: me, label: variant === 'token-after-grant' ? 'Grant' : `Grant(t${to.clients[me].token})` },
        ];
      case 'TakeToken':
        return incr(me, to.clients[me].token);
      case 'LeaseExpires':
        return [
          {
            type: 'note',
            over: me,
            text: isPaused(from.pauses, me) ? '⌛ lease runs out (paused, does not notice)' : '⌛ lease runs out',
          },
        ];
      case 'Write':
        return writeView(from, me);
      case 'StorageRcvWrite': {
        const { token } = writeFrom(from, me)!.payload!;
        return [{ type: 'message', from: me, to: S, label: `Write(t${token}) ${verdict(from, token)}` }];
      }
    }
  };
  return {
    formatAction: (a) => `${a.name}(${a.c})`,
    actors: [...C, L, S],
    view,
    writeView,
    display: (s) => ({
      L: `${isUp(s.faults, L) ? '' : '(down) '}holder ${s.holder ?? 'none'}, counter ${s.counter}`,
      ...Object.fromEntries(
        C.map((c) => {
          const cl = s.clients[c];
          const lease = cl.phase === 'idle' ? '' : ` t${cl.token} (lease #${cl.lease})`;
          return [c, `${isPaused(s.pauses, c) ? 'paused' : cl.phase}${lease}${cl.live ? ', lease live' : ''}`];
        }),
      ),
      S: `last token ${s.maxToken}, landed leases {${[...s.landed].sort((x, y) => x - y).join(',')}}${s.refused ? ', refused one' : ''}`,
      ...(network ? { inFlight: formatNetwork(s.faults.net) } : {}),
    }),
  };
}

// Configurations and variants.

export interface LockParams {
  readonly clients: number;
  readonly rounds: number;
  readonly delivery: 'direct' | 'network';
  readonly pauses: number;
}

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
    ...pauseParams({ max: 3, description: 'at most this many client pauses (after the lease check, before the write)' }),
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
    // Random walks read the enabled actions by index, so their figures follow the action list: since the pause
    // moved to src/model/pauses.ts (Pause and Wake after every client's own steps, not among them) this
    // configuration walks 4,896 distinct states where it walked 5,040. The exhaustive configurations' counts and
    // traces are unchanged.
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

// Optimistic locking: clients increment a shared counter by read-modify-write with a version compare-and-set.
// Source: the seed's Versioning of Data ("a client has to specify which version of data needs to be
// updated"), PROTOCOLS.md §3.2; Redis transactions (WATCH/MULTI/EXEC: EXEC aborts when a watched key changed).
// Scope: n clients, each with a bounded number of attempts; a client reads (value, version), then asks the
// server to store value + 1 if the version is still the one it read; a failed compare-and-set ends the attempt.
// Safety only: no lost update (the counter equals the number of successful increments).
// impl/redis-optimistic-counter.ts is the same protocol on a real redis-server, checked against this model.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';

export interface LockClient {
  readonly phase: 'idle' | 'read' | 'checked';
  /** What the client read: the counter and its version (0 when idle). */
  readonly value: number;
  readonly version: number;
  readonly attemptsLeft: number;
}

export interface OptimisticState {
  readonly value: number;
  readonly version: number;
  readonly clients: readonly LockClient[];
  /** Compare-and-sets that stored their value. */
  readonly successes: number;
  /** Compare-and-sets rejected because the version had moved. */
  readonly conflicts: number;
}

export type OptimisticAction = { readonly name: 'Read' | 'CompareAndSet' | 'CheckVersion' | 'Set'; readonly c: number };

function optimisticMachine(p: { clients: number; attempts: number }, variant: string): Machine<OptimisticState, OptimisticAction> {
  const ids = Array.from({ length: p.clients }, (_, i) => i);
  const checkVersion = variant !== 'no-version-check';
  const split = variant === 'check-then-set';
  const idle = (attemptsLeft: number): LockClient => ({ phase: 'idle', value: 0, version: 0, attemptsLeft });

  const actions = (s: OptimisticState): OptimisticAction[] => {
    const out: OptimisticAction[] = [];
    for (const c of ids) {
      const cl = s.clients[c];
      if (cl.phase === 'idle' && cl.attemptsLeft > 0) out.push({ name: 'Read', c });
      if (cl.phase === 'read') out.push({ name: split ? 'CheckVersion' : 'CompareAndSet', c });
      if (cl.phase === 'checked') out.push({ name: 'Set', c });
    }
    return out;
  };

  const next = (s: OptimisticState, a: OptimisticAction): OptimisticState => {
    const cl = s.clients[a.c];
    // Read: the client reads the counter and its version, spending one attempt.
    if (a.name === 'Read') {
      return {
        ...s,
        clients: replaceAt(s.clients, a.c, { phase: 'read', value: s.value, version: s.version, attemptsLeft: cl.attemptsLeft - 1 }),
      };
    }
    // CompareAndSet (or CheckVersion then Set): a moved version rejects the write and ends the attempt.
    const clients = replaceAt(s.clients, a.c, idle(cl.attemptsLeft));
    if (a.name !== 'Set' && checkVersion && cl.version !== s.version) return { ...s, clients, conflicts: s.conflicts + 1 };
    if (a.name === 'CheckVersion') return { ...s, clients: replaceAt(s.clients, a.c, { ...cl, phase: 'checked' }) };
    return { ...s, value: cl.value + 1, version: s.version + 1, clients, successes: s.successes + 1 };
  };

  const properties: Property<OptimisticState, OptimisticAction>[] = [
    {
      kind: 'always',
      name: 'noLostUpdate',
      description: 'The counter equals the number of successful increments.',
      holds: (s) => s.value === s.successes,
    },
    {
      kind: 'sometimes',
      name: 'conflictDetected',
      description: 'A compare-and-set is rejected because another client wrote since the read.',
      holds: (s) => s.conflicts > 0,
    },
    {
      kind: 'sometimes',
      name: 'everyAttemptSucceeded',
      description: 'Every attempt of every client stored its increment.',
      holds: (s) => s.successes === p.clients * p.attempts,
    },
  ];

  return {
    init: [{ value: 0, version: 0, clients: ids.map(() => idle(p.attempts)), successes: 0, conflicts: 0 }],
    actions,
    next,
    properties,
    actionNames: split ? ['Read', 'CheckVersion', 'Set'] : ['Read', 'CompareAndSet'],
    ...presentation(ids, checkVersion),
  };
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

const name = (c: number): string => `C${c + 1}`;

function presentation(
  ids: readonly number[],
  checkVersion: boolean,
): Pick<Machine<OptimisticState, OptimisticAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  return {
    formatAction: (a) => `${a.name}(${name(a.c)})`,
    actors: [...ids.map(name), 'Server'],
    view: (from, a, to) => {
      const cl = from.clients[a.c];
      if (a.name === 'Read')
        return [{ type: 'message', from: 'Server', to: name(a.c), label: `value ${from.value}, version ${from.version}` }];
      if (a.name === 'CheckVersion') {
        const ok = to.conflicts === from.conflicts;
        return [{ type: 'message', from: name(a.c), to: 'Server', label: `version still ${cl.version}? ${ok ? 'yes' : 'no'}` }];
      }
      if (a.name === 'Set') return [{ type: 'message', from: name(a.c), to: 'Server', label: `set ${cl.value + 1}: stored` }];
      const ok = to.successes > from.successes;
      return [
        {
          type: 'message',
          from: name(a.c),
          to: 'Server',
          label: `set ${cl.value + 1}${checkVersion ? ` if version = ${cl.version}` : ''}: ${ok ? 'stored' : 'rejected'}`,
        },
      ];
    },
    display: (s) => ({
      counter: `${s.value} (version ${s.version})`,
      clients: s.clients
        .map((c, i) => `${name(i)}: ${c.phase === 'idle' ? 'idle' : `${c.phase} ${c.value}@v${c.version}`}, ${c.attemptsLeft} left`)
        .join('; '),
      successes: s.successes,
      conflicts: s.conflicts,
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'The server stores value + 1 only if the version is the one the client read, and bumps the version.' },
  {
    name: 'no-version-check',
    description: 'The server stores whatever the client sends: a plain read-then-write.',
    breaks: 'noLostUpdate',
  },
  {
    name: 'check-then-set',
    description: 'The version check and the write are two steps (read the version, compare, then write), not one compare-and-set.',
    breaks: 'noLostUpdate',
  },
];

export const optimisticLock = defineModel({
  id: 'optimistic-lock',
  title: 'Optimistic locking: read-modify-write with a version compare-and-set',
  source: "The seed's Versioning of Data (optimistic locking); Redis transactions (WATCH/MULTI/EXEC)",
  scope: 'Clients incrementing one counter, each with a bounded number of attempts; a rejected compare-and-set ends the attempt.',
  params: {
    clients: { type: 'int', default: 2, min: 1, max: 6, description: 'clients incrementing the counter' },
    attempts: { type: 'int', default: 2, min: 1, max: 4, description: 'read-modify-write attempts per client' },
  },
  variants,
  configurations: [
    { name: 'two-clients', variant: 'correct' },
    { name: 'three-clients', variant: 'correct', params: { clients: 3, attempts: 2 } },
    {
      name: 'no-version-check',
      description: 'Both clients read 0 and both store 1: two increments, counter 1.',
      variant: 'no-version-check',
      params: { attempts: 1 },
    },
    {
      name: 'check-then-set',
      description: 'Both clients find version 0 unchanged, then both write 1.',
      variant: 'check-then-set',
      params: { attempts: 1 },
    },
    {
      name: 'five-clients-random',
      description: 'Random walks over five clients with three attempts each.',
      variant: 'correct',
      params: { clients: 5, attempts: 3 },
      strategy: 'random',
      seed: 32,
      runs: 300,
      walkLength: 40,
    },
  ],
  machine: (params, variant) => optimisticMachine(params, variant),
});

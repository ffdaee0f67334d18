// template-model: a lock shared by a few clients. Written by `distcheck init template-model` as a starting point:
// replace the protocol with yours, keep the shape.
// Protocol: each client takes the lock, works in its critical section, releases the lock and is done.
// Correct: taking the lock is one atomic test-and-set. Bug `check-then-set`: a client first sees that the lock
// is free and takes it in a later step, so two clients can both see it free.
// Scope: `clients` clients (2 to 4), each entering its critical section once.
// Check it: `npx distcheck check ./template-model.ts` (the correct variant), `--config NAME` for one
// configuration, `--variant check-then-set` for the bug; test it: `npx vitest run template-model.test.ts`.
import { defineModel, type Machine, type Property } from 'distcheck';

export type Phase = 'idle' | 'checked' | 'critical' | 'done';
export type Client = string;

/**
 * The protocol's variables as plain data: records, arrays, strings, numbers, Sets and Maps. The engine fingerprints
 * the state as a value, so there is no key to write; keep per-client data in a record keyed by the client's name.
 */
export interface LockState {
  readonly phase: Readonly<Record<Client, Phase>>;
  /** The client that took the lock last, or null when it is free. */
  readonly holder: Client | null;
}

export type LockAction = { readonly name: 'Acquire' | 'Check' | 'Set' | 'Release'; readonly client: Client };

function lockMachine(clients: number, variant: string): Machine<LockState, LockAction> {
  const Clients = Array.from({ length: clients }, (_, i) => `C${i + 1}`);
  const atomic = variant === 'correct';

  /** The enabled actions, in a fixed order. */
  const actions = (s: LockState): LockAction[] => {
    const out: LockAction[] = [];
    for (const client of Clients) {
      const phase = s.phase[client];
      if (phase === 'idle' && s.holder === null) out.push({ name: atomic ? 'Acquire' : 'Check', client });
      if (phase === 'checked') out.push({ name: 'Set', client });
      if (phase === 'critical') out.push({ name: 'Release', client });
    }
    return out;
  };

  /** One step: a pure function from a state and an action to the next state. */
  const next = (s: LockState, a: LockAction): LockState => {
    switch (a.name) {
      case 'Acquire':
      case 'Set':
        return { phase: { ...s.phase, [a.client]: 'critical' }, holder: a.client };
      case 'Check':
        return { ...s, phase: { ...s.phase, [a.client]: 'checked' } };
      case 'Release':
        return { phase: { ...s.phase, [a.client]: 'done' }, holder: null };
    }
  };

  const inCritical = (s: LockState): number => Clients.filter((c) => s.phase[c] === 'critical').length;
  const allDone = (s: LockState): boolean => Clients.every((c) => s.phase[c] === 'done');

  const properties: Property<LockState, LockAction>[] = [
    {
      kind: 'always',
      name: 'mutualExclusion',
      description: 'At most one client is in its critical section.',
      holds: (s) => inCritical(s) <= 1,
    },
    {
      kind: 'eventually',
      name: 'everyoneDone',
      description: 'Every client eventually finishes (weak fairness on every step).',
      holds: allDone,
    },
    {
      kind: 'sometimes',
      name: 'contended',
      description: 'A client waits while another holds the lock.',
      holds: (s) => s.holder !== null && Clients.some((c) => s.phase[c] === 'idle'),
    },
    { kind: 'sometimes', name: 'allDone', description: 'Every client has been through its critical section.', holds: allDone },
  ];

  return {
    init: [{ phase: Object.fromEntries(Clients.map((c) => [c, 'idle'])), holder: null }],
    actions,
    next,
    properties,
    actionNames: atomic ? ['Acquire', 'Release'] : ['Check', 'Set', 'Release'],
    // The clients are interchangeable: `--symmetry` explores one state per permutation class.
    symmetricIds: Clients,
    terminal: allDone,
    fairness: 'Weak fairness on every step.',
    // Presentation: how actions and states read in traces.
    formatAction: (a) => `${a.name}(${a.client})`,
    display: (s) => ({ lock: s.holder ?? 'free', ...s.phase }),
  };
}

export const templateModel = defineModel({
  id: 'template-model',
  title: 'A lock shared by a few clients (distcheck starter model)',
  source: 'distcheck init',
  scope: 'Each client takes the lock once, works, and releases it.',
  params: {
    clients: { type: 'int', default: 2, min: 2, max: 4, description: 'number of clients' },
  },
  variants: [
    { name: 'correct', description: 'Taking the lock is one atomic test-and-set.' },
    {
      name: 'check-then-set',
      description: 'A client sees the lock free, then takes it in a second step.',
      breaks: 'mutualExclusion',
    },
  ],
  // The first configuration is the smallest scope; `checkModel` and `distcheck check --config` run these.
  configurations: [
    { name: 'two-clients', variant: 'correct', params: { clients: 2 } },
    { name: 'three-clients', variant: 'correct', params: { clients: 3 } },
    {
      name: 'two-clients-check-then-set',
      description: 'Both clients see the lock free before either takes it.',
      variant: 'check-then-set',
      params: { clients: 2 },
    },
  ],
  machine: (params, variant) => lockMachine(params.clients, variant),
});

export default templateModel;

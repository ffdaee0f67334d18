// template-model: a lock shared by a few clients. Written by `distcheck init template-model` as a starting point:
// replace the protocol with yours, keep the shape.
// Protocol: each client takes the lock, works in its critical section, releases the lock and is done.
// Correct: taking the lock is one atomic test-and-set. Bug `check-then-set`: a client first sees that the lock
// is free and takes it in a later step, so two clients can both see it free.
// Protocol change (v2): the lock moves to a new key in the store. During a rolling upgrade v1 and v2 clients
// share the lock. Correct v2 takes and releases both keys (the old one as well, which v1 clients still read);
// bug `new-key-only`: v2 takes only the new key, so a v1 and a v2 client both find "their" lock free.
// Scope: `clients` clients (2 to 4), each entering its critical section once; `versions` 2 rolls v2 out.
// Check it: `npx distcheck check ./template-model.ts` (the correct variant), `--config NAME` for one
// configuration, `--variant check-then-set` for the bug; test it: `npx vitest run template-model.test.ts`.
import {
  byVersion,
  defineModel,
  formatVersions,
  initialVersions,
  isMixed,
  rolloutOf,
  rolloutParams,
  withVersions,
  type Machine,
  type NodeProtocol,
  type Property,
  type VersionAction,
  type VersionState,
} from 'distcheck';

export type Phase = 'idle' | 'checked' | 'critical' | 'done';
export type Client = string;
/** Where a version keeps the lock in the store: v1 under the old key (`holder`), v2 under the new one too. */
export type LockKey = 'holder' | 'newHolder';

/**
 * The protocol's variables as plain data: records, arrays, strings, numbers, Sets and Maps. The engine fingerprints
 * the state as a value, so there is no key to write; keep per-client data in a record keyed by the client's name.
 */
export interface LockState {
  /** The version each client runs (all v1 unless a configuration rolls v2 out). */
  readonly versions: VersionState;
  /** Each client's progress. `checked` lives in the client's memory: a restart forgets it. */
  readonly phase: Readonly<Record<Client, Phase>>;
  /** The lock in the store under the old key: the client that took it, or null when free. Durable. */
  readonly holder: Client | null;
  /** The lock in the store under v2's new key. Durable. */
  readonly newHolder: Client | null;
}

export type LockAction = { readonly name: 'Acquire' | 'Check' | 'Set' | 'Release'; readonly client: Client };

interface LockParams {
  readonly clients: number;
  readonly versions: number;
  readonly order: 'any' | 'rolling';
  readonly stepwise: boolean;
  readonly downgrades: number;
}

function lockMachine(params: LockParams, variant: string): Machine<LockState, LockAction | VersionAction> {
  const Clients = Array.from({ length: params.clients }, (_, i) => `C${i + 1}`);
  const atomic = variant !== 'check-then-set';
  const rollout = rolloutOf(params, Clients, params.versions);

  /** A client's steps as one version runs them: the same lock protocol, over the keys that version uses. */
  const clientSteps = (keys: readonly LockKey[]): NodeProtocol<LockState, LockAction> => ({
    actions: (s, client) => {
      const phase = s.phase[client];
      if (phase === 'idle' && keys.every((k) => s[k] === null)) return [{ name: atomic ? 'Acquire' : 'Check', client }];
      if (phase === 'checked') return [{ name: 'Set', client }];
      if (phase === 'critical') return [{ name: 'Release', client }];
      return [];
    },
    // One step: a pure function from a state and an action to the next state.
    next: (s, a) => {
      const take = (value: Client | null) => Object.fromEntries(keys.map((k) => [k, value]));
      switch (a.name) {
        case 'Acquire':
        case 'Set':
          return { ...s, phase: { ...s.phase, [a.client]: 'critical' }, ...take(a.client) };
        case 'Check':
          return { ...s, phase: { ...s.phase, [a.client]: 'checked' } };
        case 'Release':
          return { ...s, phase: { ...s.phase, [a.client]: 'done' }, ...take(null) };
      }
    },
  });
  // Keep v1 as it was; v2 is the change. Each step runs the version of the client that takes it.
  const v1 = clientSteps(['holder']);
  const v2 = clientSteps(variant === 'new-key-only' ? ['newHolder'] : ['holder', 'newHolder']);
  const steps = byVersion<LockState, LockAction>(Clients, { 1: v1, 2: v2 }, (a) => a.client);

  const inCritical = (s: LockState): number => Clients.filter((c) => s.phase[c] === 'critical').length;
  const allDone = (s: LockState): boolean => Clients.every((c) => s.phase[c] === 'done');

  const properties: Property<LockState, LockAction | VersionAction>[] = [
    {
      kind: 'always',
      name: 'mutualExclusion',
      description: 'At most one client is in its critical section.',
      holds: (s) => inCritical(s) <= 1,
    },
    {
      kind: 'eventually',
      name: 'everyoneDone',
      description: 'Every client eventually finishes (weak fairness on every client step).',
      holds: allDone,
    },
    {
      kind: 'sometimes',
      name: 'contended',
      description: 'A client waits while another holds the lock.',
      holds: (s) => inCritical(s) > 0 && Clients.some((c) => s.phase[c] === 'idle'),
    },
    { kind: 'sometimes', name: 'allDone', description: 'Every client has been through its critical section.', holds: allDone },
  ];
  // A rollout that never mixes versions proves nothing: show that a client holds the lock in a mixed cluster.
  if (params.versions > 1)
    properties.push({
      kind: 'sometimes',
      name: 'heldWhileMixed',
      description: 'A client holds the lock while some clients run v1 and some v2.',
      holds: (s) => isMixed(s.versions) && inCritical(s) > 0,
    });

  return withVersions<LockState, LockAction>(
    rollout,
    // What a restart into another version keeps: the store's keys and a client's progress past its check are
    // durable (a client in its critical section finds its lock in the store); a pending check is not.
    { onRestart: (s, client) => (s.phase[client] === 'checked' ? { ...s, phase: { ...s.phase, [client]: 'idle' } } : s) },
    {
      init: [
        { versions: initialVersions(rollout), phase: Object.fromEntries(Clients.map((c) => [c, 'idle'])), holder: null, newHolder: null },
      ],
      actions: steps.actions,
      next: steps.next,
      properties,
      actionNames: atomic ? ['Acquire', 'Release'] : ['Check', 'Set', 'Release'],
      // The clients are interchangeable, unless a rolling order tells them apart: `--symmetry` explores one state
      // per permutation class.
      ...(params.versions === 1 || params.order === 'any' ? { symmetricIds: Clients } : {}),
      terminal: allDone,
      fairness: 'Weak fairness on every client step; upgrades and rollbacks are never fair.',
      // Presentation: how actions and states read in traces and diagrams.
      formatAction: (a) => `${a.name}(${a.client})`,
      view: (_from, a) => [{ type: 'note', over: a.client, text: a.name }],
      display: (s) => ({
        lock: s.holder ?? 'free',
        ...(params.versions > 1 ? { newLock: s.newHolder ?? 'free', versions: formatVersions(s.versions, Clients) } : {}),
        ...s.phase,
      }),
    },
  );
}

export const templateModel = defineModel({
  id: 'template-model',
  title: 'A lock shared by a few clients (distcheck starter model)',
  source: 'distcheck init',
  scope: 'Each client takes the lock once, works, and releases it; with versions=2, while v2 is rolled out over v1.',
  params: {
    clients: { type: 'int', default: 2, min: 2, max: 4, description: 'number of clients' },
    versions: { type: 'int', default: 1, min: 1, max: 2, description: 'the version the rollout goes up to (1: no upgrade)' },
    // order (any, rolling), stepwise, downgrades (a budget of rollbacks).
    ...rolloutParams(1),
  },
  variants: [
    { name: 'correct', description: 'Taking the lock is one atomic test-and-set; v2 takes the old key and the new one.' },
    {
      name: 'check-then-set',
      description: 'A client sees the lock free, then takes it in a second step.',
      breaks: 'mutualExclusion',
    },
    {
      name: 'new-key-only',
      description: 'v2 takes only the new key, which v1 clients never read: a v1 and a v2 client both take the lock.',
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
    // Mixed versions: v2 rolled out over v1 in rolling order (C1, then C2, …), the clients working meanwhile.
    {
      name: 'rolling-upgrade',
      description: 'v2 takes both keys: v1 and v2 clients exclude each other during the rollout.',
      variant: 'correct',
      params: { clients: 3, versions: 2, order: 'rolling' },
    },
    {
      name: 'rolling-upgrade-new-key-only',
      description: 'v2 takes only the new key: the first upgraded client and a v1 client both hold the lock.',
      variant: 'new-key-only',
      params: { clients: 2, versions: 2, order: 'rolling' },
    },
    {
      name: 'rolling-upgrade-with-rollback',
      description:
        'The correct v2, with a rollback: a client that took both keys as v2 and releases as v1 leaves the new key taken, and a v2 client then waits forever.',
      variant: 'correct',
      params: { clients: 2, versions: 2, order: 'rolling', downgrades: 1 },
      expect: { violates: 'everyoneDone' },
    },
  ],
  machine: (params, variant) => lockMachine(params, variant),
});

export default templateModel;

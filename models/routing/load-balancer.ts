// Load balancing strategies: round-robin, static weighted round-robin, smooth weighted round-robin (nginx's
// rule) and hash modulo N, with servers that fail and recover.
// Source: the seed's 负载均衡 section; nginx's ngx_http_upstream_round_robin (smooth weighted round-robin:
// add the effective weights, pick the largest current weight, ties to the earlier server, subtract the total).
// Scope: the strategies as pure functions (property-tested), and a state machine of picks, failures and
// recoveries checking that an unhealthy server is never picked.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

/** One smooth weighted round-robin step: returns the pick and the new current weights. */
export function smoothWeightedStep(
  current: readonly number[],
  weights: readonly number[],
  healthy?: readonly boolean[],
): { pick: number; current: number[] } {
  const next = current.map((c, i) => (healthy && !healthy[i] ? c : c + weights[i]));
  let pick = -1;
  for (let i = 0; i < next.length; i++) if ((!healthy || healthy[i]) && (pick < 0 || next[i] > next[pick])) pick = i;
  if (pick < 0) return { pick, current: [...current] };
  const total = weights.reduce((a, w, i) => a + (!healthy || healthy[i] ? w : 0), 0);
  next[pick] -= total;
  return { pick, current: next };
}

/** nginx's smooth weighted round-robin: server indices for `count` picks. [5, 1, 1] over 7 gives 0,0,1,0,2,0,0. */
export function smoothWeightedSequence(weights: number[], count: number): number[] {
  let current = weights.map(() => 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const step = smoothWeightedStep(current, weights);
    out.push(step.pick);
    current = step.current;
  }
  return out;
}

/** Static weighted round-robin: each server in turn, repeated weight times. */
export function weightedSequence(weights: number[], count: number): number[] {
  const period = weights.flatMap((w, i) => Array.from({ length: w }, () => i));
  return Array.from({ length: count }, (_, k) => period[k % period.length]);
}

export function roundRobinSequence(servers: number, count: number, start = 0): number[] {
  return Array.from({ length: count }, (_, k) => (start + k) % servers);
}

/** Random: a uniform pick among the healthy servers, from an injected source of uniform numbers in [0, 1). */
export function randomPick(random: () => number, healthy: readonly boolean[]): number {
  const alive = healthy.flatMap((h, i) => (h ? [i] : []));
  return alive.length === 0 ? -1 : alive[Math.floor(random() * alive.length)];
}

export function hashModPick(hash: number, servers: number): number {
  return ((hash % servers) + servers) % servers;
}

export type Strategy = 'round-robin' | 'smooth-weighted' | 'hash-mod';

export interface LBState {
  readonly healthy: readonly boolean[];
  /** Round-robin cursor, smooth weights, and the next request's key for hash-mod. */
  readonly cursor: number;
  readonly current: readonly number[];
  readonly picks: number;
  readonly last: number;
  /** History: some pick went to a server that was down. */
  readonly pickedUnhealthy: boolean;
  readonly failuresLeft: number;
}

export type LBAction = { readonly name: 'Pick' } | { readonly name: 'Fail' | 'Recover'; readonly server: number };

function lbMachine(
  p: { strategy: Strategy; weights: number[]; maxPicks: number; failures: number },
  variant: string,
): Machine<LBState, LBAction> {
  const n = p.weights.length;
  const ids = Array.from({ length: n }, (_, i) => i);
  const checksHealth = variant !== 'ignores-health';

  /** The server the strategy picks next, and the strategy state after it. */
  const choose = (s: LBState): { pick: number; cursor: number; current: readonly number[] } => {
    const healthy = checksHealth ? s.healthy : ids.map(() => true);
    if (p.strategy === 'smooth-weighted') {
      const step = smoothWeightedStep(s.current, p.weights, healthy);
      return { pick: step.pick, cursor: s.cursor, current: step.current };
    }
    if (p.strategy === 'hash-mod') {
      // Request keys 0, 1, 2, ...; a down server's requests go to the next healthy one.
      const alive = ids.filter((i) => healthy[i]);
      return { pick: alive.length ? alive[hashModPick(s.cursor, alive.length)] : -1, cursor: s.cursor + 1, current: s.current };
    }
    for (let k = 0; k < n; k++) {
      const i = (s.cursor + k) % n;
      if (healthy[i]) return { pick: i, cursor: (i + 1) % n, current: s.current };
    }
    return { pick: -1, cursor: s.cursor, current: s.current };
  };

  const actions = (s: LBState): LBAction[] => {
    const out: LBAction[] = [];
    if (s.picks < p.maxPicks && choose(s).pick >= 0) out.push({ name: 'Pick' });
    for (const i of ids) {
      if (s.healthy[i] && s.failuresLeft > 0 && s.healthy.filter(Boolean).length > 1) out.push({ name: 'Fail', server: i });
      if (!s.healthy[i]) out.push({ name: 'Recover', server: i });
    }
    return out;
  };

  const next = (s: LBState, a: LBAction): LBState => {
    if (a.name === 'Pick') {
      const c = choose(s);
      return {
        ...s,
        cursor: p.strategy === 'hash-mod' ? c.cursor % (n * 2) : c.cursor,
        current: c.current,
        picks: s.picks + 1,
        last: c.pick,
        pickedUnhealthy: s.pickedUnhealthy || !s.healthy[c.pick],
      };
    }
    const healthy = s.healthy.map((h, i) => (i === a.server ? a.name === 'Recover' : h));
    return { ...s, healthy, failuresLeft: a.name === 'Fail' ? s.failuresLeft - 1 : s.failuresLeft };
  };

  const properties: Property<LBState, LBAction>[] = [
    { kind: 'always', name: 'onlyHealthyPicked', description: 'A server that is down is never picked.', holds: (s) => !s.pickedUnhealthy },
    {
      kind: 'sometimes',
      name: 'pickedWhileOneDown',
      description: 'A request was balanced while a server was down.',
      holds: (s) => s.picks > 0 && s.healthy.includes(false),
    },
    {
      kind: 'sometimes',
      name: 'allPicked',
      description: 'Every server got a request.',
      holds: (s) => s.picks >= n && s.healthy.every(Boolean),
    },
  ];

  return {
    init: [
      {
        healthy: ids.map(() => true),
        cursor: 0,
        current: ids.map(() => 0),
        picks: 0,
        last: -1,
        pickedUnhealthy: false,
        failuresLeft: p.failures,
      },
    ],
    actions,
    next,
    properties,
    actionNames: ['Pick', 'Fail', 'Recover'],
    formatAction: (a) => (a.name === 'Pick' ? 'Pick' : `${a.name}(server${a.server + 1})`),
    actors: ['LB', ...ids.map((i) => `server${i + 1}`)],
    view: (_from, a, to) =>
      a.name === 'Pick'
        ? [{ type: 'message', from: 'LB', to: `server${to.last + 1}`, label: `request ${to.picks}` }]
        : [{ type: 'note', over: `server${a.server + 1}`, text: a.name === 'Fail' ? '💥 goes down' : 'comes back up' }],
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Every strategy skips servers that are down.' },
  {
    name: 'ignores-health',
    description: 'The balancer keeps its static rotation and sends requests to servers that are down.',
    breaks: 'onlyHealthyPicked',
  },
];

export const loadBalancer = defineModel({
  id: 'load-balancer',
  title: 'Load balancing: round-robin, smooth weighted (nginx) and hash-mod, with failures',
  source: "The seed's 负载均衡 section; nginx ngx_http_upstream_round_robin",
  scope: 'Three servers (weights 5, 1, 1 for the weighted strategy) that fail and recover while requests are balanced.',
  params: {
    strategy: {
      type: 'enum',
      default: 'smooth-weighted',
      values: ['round-robin', 'smooth-weighted', 'hash-mod'],
      description: 'balancing strategy',
    },
    maxPicks: { type: 'int', default: 7, min: 1, max: 20, description: 'requests per run' },
    failures: { type: 'int', default: 2, min: 0, max: 3, budget: true, description: 'at most this many server failures' },
  },
  variants,
  configurations: [
    { name: 'round-robin', variant: 'correct', params: { strategy: 'round-robin' } },
    { name: 'smooth-weighted', variant: 'correct', params: { strategy: 'smooth-weighted' } },
    { name: 'hash-mod', variant: 'correct', params: { strategy: 'hash-mod' } },
    { name: 'round-robin-ignores-health', variant: 'ignores-health', params: { strategy: 'round-robin' } },
  ],
  machine: (params, variant) =>
    lbMachine(
      {
        strategy: params.strategy,
        weights: [5, 1, 1],
        maxPicks: params.maxPicks,
        failures: params.failures,
      },
      variant,
    ),
});

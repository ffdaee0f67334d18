// Circuit breaker: closed, open once the failure rule trips, half-open after the cool-down, closed again on a
// successful probe or open again on a failed one.
// Source: the seed's 熔断 section; Nygard, "Release It!" (2007), ch. 5; Netflix Hystrix's
// HystrixCircuitBreaker (error percentage over a rolling window of buckets with a minimum request volume);
// opossum's CircuitBreaker (errorThresholdPercentage, volumeThreshold, resetTimeout, one probe in half-open).
// Scope: abstract ticks; at most `inFlight` concurrent calls and `arrivals` call attempts per tick (so the
// state space is finite); a call that is still running `timeout` ticks after it was admitted times out, which
// counts as a failure. Two trip rules: `consecutive` failures, and a failure `percentage` over the last
// `buckets` ticks once at least `volume` requests were counted. Three knobs (`volumeCounts`, `windowReset`,
// `staleResults`) reproduce what opossum does differently from the rule as Hystrix describes it, so a real
// library can be compared with the model of its own semantics and the difference stated as a property.
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';

export type BreakerMode = 'closed' | 'open' | 'half-open';

/**
 * A call in flight: admitted while `closed`, admitted as a `probe` in half-open, or `stale` (admitted before
 * the breaker last changed mode). `age` counts the ticks since it was admitted.
 */
export interface InFlightCall {
  readonly kind: 'closed' | 'probe' | 'stale';
  readonly age: number;
}

/** One tick of the rolling window. */
export interface Bucket {
  readonly requests: number;
  readonly failures: number;
}

export interface BreakerState {
  readonly mode: BreakerMode;
  /** Consecutive failures seen while closed (consecutive rule). */
  readonly failures: number;
  /** Percentage rule: requests and failures per tick, newest first; `buckets` entries. */
  readonly window: readonly Bucket[];
  /** Ticks spent open so far (the cool-down runs out at `coolDown`). */
  readonly since: number;
  /** Probes admitted in the current half-open phase. */
  readonly probes: number;
  /** Calls in flight, in the order they were admitted. */
  readonly calls: readonly InFlightCall[];
  /** Call attempts in the current tick. */
  readonly arrivals: number;
}

export type BreakerAction =
  { readonly name: 'Call' } | { readonly name: 'Succeed' | 'Fail'; readonly call: number } | { readonly name: 'Tick' };

export interface BreakerConfig {
  readonly rule: 'consecutive' | 'percentage';
  /** Consecutive failures that trip the breaker. */
  readonly threshold: number;
  /** The breaker trips when failures × 100 > percent × requests (opossum's rule; Hystrix trips at or above). */
  readonly percent: number;
  /** Requests the window must hold before the percentage may trip it. */
  readonly volume: number;
  /** Length of the rolling window, in ticks (one bucket per tick). */
  readonly buckets: number;
  readonly coolDown: number;
  readonly timeout: number;
  /** k: probes admitted in one half-open phase. */
  readonly probes: number;
  readonly inFlight: number;
  readonly arrivals: number;
  /** What the window counts as a request: a call that completed while closed, or every call attempt (opossum). */
  readonly volumeCounts: 'completed' | 'attempts';
  /** The window starts empty whenever the mode changes (Hystrix resets it on close), or never (opossum). */
  readonly windowReset: boolean;
  /** The result of a call admitted before the last mode change: ignored, or handled as if it were current (opossum). */
  readonly staleResults: 'ignored' | 'decide';
}

const EMPTY_BUCKET: Bucket = { requests: 0, failures: 0 };

export function breakerMachine(c: BreakerConfig, variant: string): Machine<BreakerState, BreakerAction> {
  const emptyWindow: readonly Bucket[] = Array.from({ length: c.buckets }, () => EMPTY_BUCKET);
  const floods = variant === 'half-open-floods';
  const restarts = variant === 'cool-down-restarts';

  const admits = (s: BreakerState): boolean => s.mode === 'closed' || (s.mode === 'half-open' && (floods || s.probes < c.probes));

  /** Adds to the newest bucket. With a resetting window only the closed phase matters, so nothing else is kept. */
  const record = (s: BreakerState, requests: number, failures: number): BreakerState => {
    if (c.rule !== 'percentage' || (c.windowReset && s.mode !== 'closed')) return s;
    const [newest, ...rest] = s.window;
    return { ...s, window: [{ requests: newest.requests + requests, failures: newest.failures + failures }, ...rest] };
  };

  const enter = (s: BreakerState, mode: BreakerMode): BreakerState => ({
    ...s,
    mode,
    failures: 0,
    since: 0,
    probes: 0,
    window: c.windowReset ? emptyWindow : s.window,
    calls: s.calls.map((x) => (x.kind === 'stale' ? x : { ...x, kind: 'stale' })),
  });

  const tripped = (s: BreakerState): boolean => {
    if (c.rule === 'consecutive') return s.failures >= c.threshold;
    const requests = s.window.reduce((a, b) => a + b.requests, 0);
    const failures = s.window.reduce((a, b) => a + b.failures, 0);
    return requests >= c.volume && failures * 100 > c.percent * requests;
  };

  /** The result of a call that has left `calls`; `kind` is what it was. */
  const result = (s: BreakerState, kind: InFlightCall['kind'], ok: boolean): BreakerState => {
    if (kind === 'stale' && c.staleResults === 'ignored') return s;
    const counted = record(s, c.volumeCounts === 'completed' ? 1 : 0, ok ? 0 : 1);
    if (s.mode === 'half-open') return enter(counted, ok ? 'closed' : 'open');
    if (s.mode === 'open') return counted;
    if (c.rule === 'percentage') return ok || !tripped(counted) ? counted : enter(counted, 'open');
    if (ok) return { ...counted, failures: 0 };
    const failed = { ...counted, failures: counted.failures + 1 };
    return tripped(failed) ? enter(failed, 'open') : failed;
  };

  const complete = (s: BreakerState, i: number, ok: boolean): BreakerState =>
    result({ ...s, calls: s.calls.filter((_, j) => j !== i) }, s.calls[i].kind, ok);

  const actions = (s: BreakerState): BreakerAction[] => {
    const out: BreakerAction[] = [];
    if (s.arrivals < c.arrivals && (!admits(s) || s.calls.length < c.inFlight)) out.push({ name: 'Call' });
    // Calls with the same kind and age are interchangeable: offer the first of each.
    s.calls.forEach((x, i) => {
      if (s.calls.findIndex((y) => y.kind === x.kind && y.age === x.age) !== i) return;
      out.push({ name: 'Succeed', call: i }, { name: 'Fail', call: i });
    });
    out.push({ name: 'Tick' });
    return out;
  };

  const next = (s: BreakerState, a: BreakerAction): BreakerState => {
    switch (a.name) {
      case 'Call': {
        const arrived = record({ ...s, arrivals: s.arrivals + 1 }, c.volumeCounts === 'attempts' ? 1 : 0, 0);
        if (!admits(s)) return restarts && s.mode === 'open' ? { ...arrived, since: 0 } : arrived;
        const kind = s.mode === 'closed' ? 'closed' : 'probe';
        return {
          ...arrived,
          probes: kind === 'probe' ? Math.min(s.probes + 1, c.probes) : s.probes,
          calls: [...arrived.calls, { kind, age: 0 }],
        };
      }
      case 'Succeed':
      case 'Fail':
        return complete(s, a.call, a.name === 'Succeed');
      case 'Tick': {
        // Within a tick the window moves on first, then an open breaker whose cool-down has run out goes
        // half-open, then calls that have run out of time time out (oldest first).
        let t: BreakerState = {
          ...s,
          arrivals: 0,
          window: c.rule === 'percentage' ? [EMPTY_BUCKET, ...s.window.slice(0, -1)] : s.window,
          calls: s.calls.map((x) => ({ ...x, age: x.age + 1 })),
        };
        if (t.mode === 'open') t = t.since + 1 >= c.coolDown ? enter(t, 'half-open') : { ...t, since: t.since + 1 };
        while (t.calls.length > 0 && t.calls[0].age >= c.timeout) t = complete(t, 0, false);
        return t;
      }
    }
  };

  const currentProbes = (s: BreakerState): number => s.calls.filter((x) => x.kind === 'probe').length;
  const isProbeSuccess = (from: BreakerState, a: BreakerAction): boolean => a.name === 'Succeed' && from.calls[a.call].kind === 'probe';

  const properties: Property<BreakerState, BreakerAction>[] = [
    {
      kind: 'always',
      name: 'probesBounded',
      description: `In half-open at most ${c.probes} probe(s) are in flight.`,
      holds: (s) => currentProbes(s) <= c.probes,
    },
    {
      kind: 'step',
      name: 'openRejects',
      description: 'While the breaker is open, no call passes.',
      holds: (from, a, to) => !(from.mode === 'open' && a.name === 'Call') || to.calls.length === from.calls.length,
    },
    {
      kind: 'step',
      name: 'probeSuccessCloses',
      description: 'A successful probe in half-open closes the breaker.',
      holds: (from, a, to) => !(from.mode === 'half-open' && isProbeSuccess(from, a)) || to.mode === 'closed',
    },
    {
      kind: 'step',
      name: 'closesOnlyOnProbe',
      description: 'The breaker closes only on the success of a probe, not on a late answer to a call admitted earlier.',
      holds: (from, a, to) => from.mode === 'closed' || to.mode !== 'closed' || isProbeSuccess(from, a),
    },
    {
      kind: 'leadsTo',
      name: 'probesAgain',
      description: 'An open breaker eventually goes half-open and probes the service again.',
      from: (s) => s.mode === 'open',
      to: (s) => s.mode === 'half-open',
    },
    { kind: 'sometimes', name: 'tripped', description: 'The breaker opened.', holds: (s) => s.mode === 'open' },
    {
      kind: 'sometimes',
      name: 'probing',
      description: 'A probe is in flight in half-open.',
      holds: (s) => s.mode === 'half-open' && currentProbes(s) > 0,
    },
  ];
  if (c.timeout > c.coolDown) {
    properties.push({
      kind: 'sometimes',
      name: 'staleCallInHalfOpen',
      description: 'A call admitted before the breaker opened is still running when it goes half-open.',
      holds: (s) => s.mode === 'half-open' && s.calls.some((x) => x.kind === 'stale'),
    });
  }

  return {
    init: [{ mode: 'closed', failures: 0, window: emptyWindow, since: 0, probes: 0, calls: [], arrivals: 0 }],
    actions,
    next,
    properties,
    actionNames: ['Call', 'Succeed', 'Fail', 'Tick'],
    fairness: 'Weak fairness on every action: the clock keeps ticking, clients keep calling, calls complete.',
    ...presentation(c),
  };
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

function presentation(c: BreakerConfig): Pick<Machine<BreakerState, BreakerAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  const callName = (s: BreakerState, i: number): string => `${s.calls[i].kind}@${s.calls[i].age}`;
  const label = (a: BreakerAction): string => (a.name === 'Call' || a.name === 'Tick' ? a.name : `${a.name}(${a.call + 1})`);

  return {
    formatAction: label,
    actors: ['client', 'breaker', 'service'],
    view: (from, a, to): ViewEvent[] => {
      const events: ViewEvent[] = [];
      if (a.name === 'Call') {
        events.push(
          to.calls.length > from.calls.length
            ? { type: 'message', from: 'client', to: 'service', label: to.mode === 'half-open' ? 'probe' : 'call' }
            : { type: 'message', from: 'breaker', to: 'client', label: 'rejected' },
        );
      } else if (a.name === 'Tick') {
        events.push({ type: 'note', over: 'breaker', text: 'tick' });
      } else {
        events.push({
          type: 'message',
          from: 'service',
          to: 'client',
          label: `${a.name === 'Succeed' ? 'ok' : 'error'} (${callName(from, a.call)})`,
        });
      }
      if (to.mode !== from.mode) events.push({ type: 'note', over: 'breaker', text: `${from.mode} → ${to.mode}` });
      return events;
    },
    display: (s) => ({
      mode: s.mode,
      ...(c.rule === 'consecutive' ? { failures: s.failures } : { window: s.window.map((b) => `${b.failures}/${b.requests}`).join(' ') }),
      ...(s.mode === 'open' ? { since: s.since } : {}),
      ...(s.mode === 'half-open' ? { probes: s.probes } : {}),
      inFlight: s.calls.map((x) => `${x.kind}@${x.age}`).join(', ') || '-',
      arrivals: s.arrivals,
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'Half-open admits at most k probes; rejected calls do not touch the cool-down.' },
  {
    name: 'half-open-floods',
    description: 'Half-open lets every call through instead of k probes, so a recovering service gets the full load at once.',
    breaks: 'probesBounded',
  },
  {
    name: 'cool-down-restarts',
    description: 'Every rejected call restarts the cool-down, so a client that keeps calling keeps the breaker open forever.',
    breaks: 'probesAgain',
  },
];

/** The percentage rule with Hystrix's semantics at the parameters' defaults, as a typed configuration. */
export const PERCENTAGE_RULE: BreakerConfig = {
  rule: 'percentage',
  threshold: 2,
  percent: 50,
  volume: 2,
  buckets: 2,
  coolDown: 1,
  timeout: 2,
  probes: 1,
  inFlight: 2,
  arrivals: 2,
  volumeCounts: 'completed',
  windowReset: true,
  staleResults: 'ignored',
};

export const OPOSSUM_SEMANTICS = { volumeCounts: 'attempts', windowReset: false, staleResults: 'decide' } as const;

export const circuitBreaker = defineModel({
  id: 'circuit-breaker',
  title: 'Circuit breaker: consecutive failures or a failure percentage over a rolling window',
  source: "The seed's 熔断 section; Nygard, Release It! (2007); Hystrix HystrixCircuitBreaker; opossum",
  scope:
    'Closed → open → half-open → closed/open in abstract ticks, with concurrent calls, timeouts and late answers to calls admitted before the breaker opened.',
  params: {
    rule: { type: 'enum', default: 'consecutive', values: ['consecutive', 'percentage'], description: 'trip rule' },
    threshold: { type: 'int', default: 2, min: 1, max: 5, description: 'consecutive failures that trip the breaker' },
    percent: { type: 'int', default: 50, min: 1, max: 99, description: 'failure percentage above which it trips' },
    volume: { type: 'int', default: 2, min: 1, max: 6, description: 'minimum requests in the window before the percentage counts' },
    buckets: { type: 'int', default: 2, min: 1, max: 4, description: 'rolling window length in ticks' },
    coolDown: { type: 'int', default: 1, min: 1, max: 4, description: 'ticks open before half-open' },
    timeout: { type: 'int', default: 2, min: 1, max: 4, description: 'ticks after which a running call times out' },
    probes: { type: 'int', default: 1, min: 1, max: 3, description: 'k: probes admitted in half-open' },
    inFlight: { type: 'int', default: 2, min: 1, max: 4, description: 'concurrent calls at most' },
    arrivals: { type: 'int', default: 2, min: 1, max: 4, description: 'call attempts per tick at most' },
    volumeCounts: {
      type: 'enum',
      default: 'completed',
      values: ['completed', 'attempts'],
      description: 'a request in the window is a completed call (Hystrix) or any attempt (opossum)',
    },
    windowReset: { type: 'boolean', default: true, description: 'the window restarts empty on every mode change (Hystrix on close)' },
    staleResults: {
      type: 'enum',
      default: 'ignored',
      values: ['ignored', 'decide'],
      description: 'a late result of a call admitted before the last mode change is ignored or handled as current (opossum)',
    },
  },
  variants,
  configurations: [
    { name: 'consecutive', variant: 'correct' },
    { name: 'percentage', variant: 'correct', params: { rule: 'percentage' } },
    { name: 'two-probes', variant: 'correct', params: { probes: 2, inFlight: 3, arrivals: 3 } },
    {
      name: 'percentage-opossum',
      description:
        "opossum's semantics: a late success of a call admitted before the breaker opened closes a half-open breaker without a probe.",
      variant: 'correct',
      params: { rule: 'percentage', ...OPOSSUM_SEMANTICS },
      expect: { violates: 'closesOnlyOnProbe', holds: ['probesBounded', 'openRejects', 'probeSuccessCloses', 'probesAgain'] },
    },
    { name: 'half-open-floods', variant: 'half-open-floods' },
    { name: 'cool-down-restarts', variant: 'cool-down-restarts', params: { coolDown: 2 } },
  ],
  machine: (p, variant) => breakerMachine(p, variant),
});

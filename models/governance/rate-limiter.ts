// Rate limiting: a token bucket, a fixed-window counter and a sliding log, against the sliding bound
// "in every window of T ticks at most rate·T + burst requests are admitted".
// Source: the seed's 限流 section; the token bucket of Turner (1986) and RFC 2697/2698 (a bucket of
// `burst` tokens refilled at `rate`); the fixed-window and sliding-log limiters as nginx, Redis and
// rate-limiter-flexible describe them.
// Scope: abstract ticks; at most `arrivals` requests per tick. The window algorithms get the same limit per
// T ticks as the bucket's bound (rate·T + burst), so all three answer the same question. The fixed window
// admits about twice that limit across a window boundary; that configuration expects the violation.
import { defineModel, type Machine, type Property, type Variant } from '../../src/model/model';

export type RateAlgorithm = 'token-bucket' | 'fixed-window' | 'sliding-log';

export interface RateState {
  /** Token bucket: tokens in the bucket. */
  readonly tokens: number;
  /** Fixed window: requests admitted in the current window, and the tick's position in it (0..T-1). */
  readonly count: number;
  readonly phase: number;
  /** Requests admitted in each of the last T ticks, newest first (the sliding log, and the property's view). */
  readonly recent: readonly number[];
  /** Requests that arrived in the current tick. */
  readonly arrivals: number;
}

export type RateAction = { readonly name: 'Request' } | { readonly name: 'Tick' };

export interface RateConfig {
  readonly algorithm: RateAlgorithm;
  readonly rate: number;
  readonly burst: number;
  readonly window: number;
  readonly arrivals: number;
  /** limiter's TokenBucket starts empty; the usual bucket (and limiter's RateLimiter) starts full. */
  readonly start: 'full' | 'empty';
}

/** The sliding bound every algorithm is held to: rate·T + burst requests per window of T ticks. */
export const slidingBound = (c: Pick<RateConfig, 'rate' | 'burst' | 'window'>): number => c.rate * c.window + c.burst;

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);

export function rateMachine(c: RateConfig, variant: string): Machine<RateState, RateAction> {
  const limit = slidingBound(c);
  const bucket = c.algorithm === 'token-bucket';
  const fixedWindow = c.algorithm === 'fixed-window';
  const need = variant === 'refuses-last-token' ? 2 : 1;

  /** The limiter has nothing left to give: only then may it refuse. */
  const exhausted = (s: RateState): boolean => (bucket ? s.tokens < 1 : fixedWindow ? s.count >= limit : sum(s.recent) >= limit);
  const admits = (s: RateState): boolean => (bucket ? s.tokens >= need : fixedWindow ? s.count < limit : sum(s.recent) < limit);

  const actions = (s: RateState): RateAction[] => [...(s.arrivals < c.arrivals ? [{ name: 'Request' } as const] : []), { name: 'Tick' }];

  const next = (s: RateState, a: RateAction): RateState => {
    if (a.name === 'Request') {
      if (!admits(s)) return { ...s, arrivals: s.arrivals + 1 };
      return {
        ...s,
        tokens: bucket ? s.tokens - 1 : 0,
        count: fixedWindow ? s.count + 1 : 0,
        recent: [s.recent[0] + 1, ...s.recent.slice(1)],
        arrivals: s.arrivals + 1,
      };
    }
    // Tick: the bucket refills up to its capacity, the fixed window may start over, the log slides by one tick.
    const phase = fixedWindow ? (s.phase + 1) % c.window : 0;
    const refill = variant === 'cap-before-refill' ? Math.min(c.burst, s.tokens) + c.rate : Math.min(c.burst, s.tokens + c.rate);
    return {
      tokens: bucket ? refill : 0,
      count: fixedWindow && phase !== 0 ? s.count : 0,
      phase,
      recent: [0, ...s.recent.slice(0, -1)],
      arrivals: 0,
    };
  };

  const properties: Property<RateState, RateAction>[] = [
    {
      kind: 'always',
      name: 'slidingBound',
      description: `In every window of ${c.window} ticks at most rate·T + burst = ${limit} requests are admitted.`,
      holds: (s) => sum(s.recent) <= limit,
    },
    {
      kind: 'always',
      name: 'tokensWithinCapacity',
      description: `The bucket never holds more than its capacity (${c.burst} tokens).`,
      holds: (s) => s.tokens <= c.burst,
    },
    {
      kind: 'step',
      name: 'noNeedlessRefusal',
      description: 'A request is refused only when the limiter is exhausted (for the bucket: no token left).',
      holds: (from, a, to) => a.name !== 'Request' || to.recent[0] > from.recent[0] || exhausted(from),
    },
    {
      kind: 'sometimes',
      name: 'refused',
      description: 'A request was refused.',
      holds: (s) => s.arrivals > s.recent[0],
    },
    {
      kind: 'sometimes',
      name: 'burstAdmitted',
      description: 'A whole burst was admitted within one tick.',
      holds: (s) => s.recent[0] >= c.burst,
    },
  ];
  if (fixedWindow) {
    properties.push({
      kind: 'sometimes',
      name: 'twiceTheLimit',
      description: `Twice the limit (${2 * limit}) admitted within one window of ${c.window} ticks that straddles a window boundary.`,
      holds: (s) => sum(s.recent) >= 2 * limit,
    });
  }

  return {
    init: [
      {
        tokens: bucket && c.start === 'full' ? c.burst : 0,
        count: 0,
        phase: 0,
        recent: Array.from({ length: c.window }, () => 0),
        arrivals: 0,
      },
    ],
    actions,
    next,
    properties,
    actionNames: ['Request', 'Tick'],
    ...presentation(c),
  };
}

// Presentation: action labels, sequence-diagram events and the trace view of a state.

function presentation(c: RateConfig): Pick<Machine<RateState, RateAction>, 'formatAction' | 'actors' | 'view' | 'display'> {
  return {
    formatAction: (a) => a.name,
    actors: ['client', 'limiter'],
    view: (from, a, to) =>
      a.name === 'Tick'
        ? [{ type: 'note', over: 'limiter', text: 'tick' }]
        : [{ type: 'message', from: 'client', to: 'limiter', label: to.recent[0] > from.recent[0] ? 'admitted' : 'refused' }],
    display: (s) => ({
      ...(c.algorithm === 'token-bucket' ? { tokens: s.tokens } : {}),
      ...(c.algorithm === 'fixed-window' ? { count: s.count, phase: s.phase } : {}),
      admittedPerTick: s.recent.join(' '),
      arrivals: s.arrivals,
    }),
  };
}

// Configurations and variants.

const variants: readonly Variant[] = [
  { name: 'correct', description: 'The algorithm as specified.' },
  {
    name: 'cap-before-refill',
    description:
      'The token bucket caps the tokens before adding the refill (min(burst, tokens) + rate), so it holds more than its capacity.',
    breaks: 'tokensWithinCapacity',
  },
  {
    name: 'refuses-last-token',
    description: 'The token bucket admits only while more than one token is left (tokens > 1), so it refuses with a token in the bucket.',
    breaks: 'noNeedlessRefusal',
  },
];

export const rateLimiter = defineModel({
  id: 'rate-limiter',
  title: 'Rate limiting: token bucket, fixed window and sliding log against the sliding bound',
  source: "The seed's 限流 section; Turner (1986); RFC 2697; rate-limiter-flexible's fixed window",
  scope:
    'One client and one limiter in abstract ticks, at most `arrivals` requests per tick; rate·T + burst as the bound for all three algorithms.',
  params: {
    algorithm: {
      type: 'enum',
      default: 'token-bucket',
      values: ['token-bucket', 'fixed-window', 'sliding-log'],
      description: 'limiting algorithm',
    },
    rate: { type: 'int', default: 1, min: 1, max: 3, description: 'tokens added per tick' },
    burst: { type: 'int', default: 2, min: 1, max: 4, description: 'bucket capacity' },
    window: { type: 'int', default: 2, min: 1, max: 4, description: 'T: the window length in ticks' },
    arrivals: { type: 'int', default: 4, min: 1, max: 8, description: 'requests per tick at most' },
    start: { type: 'enum', default: 'full', values: ['full', 'empty'], description: 'the token bucket starts full or empty' },
  },
  variants,
  configurations: [
    { name: 'token-bucket', variant: 'correct' },
    { name: 'token-bucket-starts-empty', variant: 'correct', params: { start: 'empty' } },
    { name: 'sliding-log', variant: 'correct', params: { algorithm: 'sliding-log' } },
    {
      name: 'fixed-window',
      description: 'The fixed-window counter admits its limit at the end of one window and again at the start of the next.',
      variant: 'correct',
      params: { algorithm: 'fixed-window' },
      expect: { violates: 'slidingBound', holds: ['tokensWithinCapacity', 'noNeedlessRefusal'] },
    },
    { name: 'cap-before-refill', variant: 'cap-before-refill' },
    { name: 'refuses-last-token', variant: 'refuses-last-token' },
  ],
  machine: (p, variant) => rateMachine(p, variant),
});

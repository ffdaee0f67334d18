// Real rate limiters under a fake clock: limiter's TokenBucket and rate-limiter-flexible's RateLimiterMemory.
// Two kinds of check:
// - at tick granularity, the TokenBucket driven by the rate-limiter model's actions (Request, Tick) must
//   admit exactly when the model does (async-mbt);
// - at millisecond granularity, random lists of bursts (move the clock, then send some requests; fast-check
//   arrays, shrunk on failure) are judged by a history property: how many requests any window [t, t + T) admitted, and, for
//   the token bucket, whether a refusal was needed according to an exact (integer) token bucket.
import fc from 'fast-check';
import { TokenBucket } from 'limiter';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateAction, RateConfig, RateState } from '../../models/governance/rate-limiter';
import type { AsyncDriver } from '../../src/check/async-mbt';
import { TICK_MS, settle, withFakeClock, type FakeClock } from './fake-clock';

// ---- tick granularity: TokenBucket against the model ----

export interface BucketObservation {
  /** For a Request: admitted? null after a Tick. */
  readonly passed: boolean | null;
  /** Tokens left after a Request. */
  readonly tokens: number | null;
}

interface RealBucket {
  readonly bucket: TokenBucket;
  last: BucketObservation;
}

export function tokenBucketDriver(c: RateConfig): AsyncDriver<RateState, RateAction, RealBucket> {
  let clock: FakeClock | undefined;
  return {
    create: () => ({
      bucket: new TokenBucket({ bucketSize: c.burst, tokensPerInterval: c.rate, interval: TICK_MS }),
      last: { passed: null, tokens: null },
    }),
    apply: async (real, a) => {
      if (a.name === 'Tick') {
        clock!.tick(TICK_MS);
        real.last = { passed: null, tokens: null };
      } else {
        const passed = real.bucket.tryRemoveTokens(1);
        real.last = { passed, tokens: real.bucket.content };
      }
    },
    observe: (real) => real.last,
    expected: (from, a, to) =>
      a.name === 'Tick' ? { passed: null, tokens: null } : { passed: to.recent[0] > from.recent[0], tokens: to.tokens },
    around: (body) =>
      withFakeClock((installed) => {
        clock = installed;
        return body();
      }),
  };
}

// ---- millisecond granularity: histories judged by the sliding bound ----

/** `requests` requests sent at time `atMs` (bursts are kept sorted by time). */
export interface Burst {
  readonly atMs: number;
  readonly requests: number;
}

export interface LimiterUnderTest {
  /** Asks for one request; true if admitted. */
  readonly request: () => Promise<boolean>;
}

export interface LimiterSpec {
  readonly name: string;
  /** Built inside the fake clock, at time 0. */
  readonly create: () => LimiterUnderTest;
}

export const tokenBucketSpec = (c: Pick<RateConfig, 'rate' | 'burst'>): LimiterSpec => ({
  name: `limiter TokenBucket({ bucketSize: ${c.burst}, tokensPerInterval: ${c.rate}, interval: ${TICK_MS} })`,
  create: () => {
    const bucket = new TokenBucket({ bucketSize: c.burst, tokensPerInterval: c.rate, interval: TICK_MS });
    return { request: async () => bucket.tryRemoveTokens(1) };
  },
});

export const fixedWindowSpec = (points: number, windowTicks: number): LimiterSpec => ({
  name: `rate-limiter-flexible RateLimiterMemory({ points: ${points}, duration: ${(windowTicks * TICK_MS) / 1000} })`,
  create: () => {
    const limiter = new RateLimiterMemory({ points, duration: (windowTicks * TICK_MS) / 1000 });
    return {
      request: () =>
        limiter.consume('client').then(
          () => true,
          (e: unknown) => {
            if (e instanceof Error) throw e;
            return false;
          },
        ),
    };
  },
});

export interface Decision {
  readonly at: number;
  readonly admitted: boolean;
}

/** Runs the bursts against a fresh limiter under a fake clock; returns every request's time and outcome. */
export async function runBursts(spec: LimiterSpec, bursts: readonly Burst[]): Promise<Decision[]> {
  return withFakeClock(async (clock) => {
    const limiter = spec.create();
    const out: Decision[] = [];
    for (const b of bursts) {
      clock.tick(b.atMs - Date.now());
      for (let i = 0; i < b.requests; i++) {
        out.push({ at: Date.now(), admitted: await limiter.request() });
        await settle();
      }
    }
    return out;
  });
}

/** The most requests admitted within any window [t, t + windowMs). */
export function maxAdmittedInWindow(history: readonly Decision[], windowMs: number): number {
  const times = history.filter((d) => d.admitted).map((d) => d.at);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * The token bucket in exact arithmetic (thousandths of a token, integer milliseconds): the decision a token
 * bucket with this rate and capacity must take for each request, starting empty as limiter's does.
 */
export function exactTokenBucket(c: Pick<RateConfig, 'rate' | 'burst'>, bursts: readonly Burst[]): boolean[] {
  const unit = TICK_MS;
  let milli = 0;
  let now = 0;
  const out: boolean[] = [];
  for (const b of bursts) {
    milli = Math.min(c.burst * unit, milli + (b.atMs - now) * c.rate);
    now = b.atMs;
    for (let i = 0; i < b.requests; i++) {
      out.push(milli >= unit);
      if (milli >= unit) milli -= unit;
    }
  }
  return out;
}

/**
 * Bursts at times in [0, horizonMs], sorted. Absolute times shrink well: dropping a burst does not move the
 * others. Half of the times are whole multiples of 100 ms, so that refills add up to whole tokens as often as
 * they do with real clocks and timers.
 */
export const burstsArbitrary = (horizonMs: number, maxRequests: number, maxLength: number): fc.Arbitrary<Burst[]> =>
  fc
    .array(
      fc.record({
        atMs: fc.oneof(
          fc.integer({ min: 0, max: horizonMs }),
          fc.integer({ min: 0, max: Math.floor(horizonMs / 100) }).map((k) => k * 100),
        ),
        requests: fc.integer({ min: 1, max: maxRequests }),
      }),
      { maxLength, size: 'max' },
    )
    .map((bursts) => [...bursts].sort((a, b) => a.atMs - b.atMs));

export interface HistoryCheck {
  readonly runs: number;
  readonly requests: number;
  /** The largest count any window of the given length admitted over all runs (shrinking excluded). */
  readonly maxObserved: number;
  /** The shrunk op list that breaks the property, and what the limiter did. */
  readonly counterexample?: { readonly bursts: readonly Burst[]; readonly history: readonly Decision[] };
}

class HistoryViolation extends Error {}

/** Checks `holds(bursts, history)` over random burst lists with a fixed seed; on failure, the shrunk list. */
export async function checkHistories(
  spec: LimiterSpec,
  options: {
    readonly seed: number;
    readonly numRuns: number;
    readonly horizonMs: number;
    readonly maxRequests: number;
    readonly maxLength: number;
  },
  windowMs: number,
  holds: (bursts: readonly Burst[], history: readonly Decision[]) => boolean,
): Promise<HistoryCheck> {
  let requests = 0;
  let maxObserved = 0;
  let shrinking = false;
  const arbitrary = burstsArbitrary(options.horizonMs, options.maxRequests, options.maxLength);
  const property = fc.asyncProperty(arbitrary, async (bursts) => {
    const history = await runBursts(spec, bursts);
    if (!shrinking) {
      requests += history.length;
      maxObserved = Math.max(maxObserved, maxAdmittedInWindow(history, windowMs));
    }
    if (!holds(bursts, history)) {
      shrinking = true;
      throw new HistoryViolation();
    }
  });
  const details = await fc.check(property, { seed: options.seed, numRuns: options.numRuns });
  if (!details.failed) return { runs: details.numRuns, requests, maxObserved };
  if (!(details.errorInstance instanceof HistoryViolation)) throw details.errorInstance;
  // Then drop single bursts for as long as the rest still breaks the property.
  let bursts = details.counterexample![0];
  for (let i = 0; i < bursts.length;) {
    const shorter = bursts.filter((_, j) => j !== i);
    if (!holds(shorter, await runBursts(spec, shorter))) bursts = shorter;
    else i++;
  }
  return { runs: details.numRuns, requests, maxObserved, counterexample: { bursts, history: await runBursts(spec, bursts) } };
}

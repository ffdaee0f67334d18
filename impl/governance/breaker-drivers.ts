// Real circuit breakers driven by the circuit-breaker model's actions under a fake clock: opossum's
// CircuitBreaker (percentage rule) and cockatiel's circuitBreaker with a ConsecutiveBreaker. Every call the
// breaker lets through runs an action whose promise the check settles (Succeed/Fail) or leaves running
// until the breaker's own timeout fires on a Tick. The observation after each step: the breaker's mode, for a
// Call whether it let the call through, the calls running and the calls it holds back.
import { CircuitState, ConsecutiveBreaker, TimeoutStrategy, circuitBreaker, handleAll, timeout } from 'cockatiel';
import CircuitBreaker from 'opossum';
import type { BreakerAction, BreakerConfig, BreakerMode, BreakerState } from '../../models/governance/circuit-breaker';
import type { AsyncDriver } from '../../src/check/async-mbt';
import { TICK_MS, settle, withFakeClock, type FakeClock } from './fake-clock';

// Real timers that fall due at the same instant fire in an order the model cannot know, so the library's
// timers are placed apart inside each tick, in the model's order. Commands run half-way between two tick
// boundaries (the clock starts at 0 and moves half a tick before the first command), so a Tick moves the
// clock from 500 ms before a boundary to 500 ms after it. Within it: the rolling window rotates at the
// boundary (opossum's interval started at 0); a cool-down ends 100 ms after it if a timeout opened the
// breaker, 200 ms after it if a command did; calls time out 400 ms after it.
export const OFFSET_MS = TICK_MS / 2;
export const timeoutMs = (c: Pick<BreakerConfig, 'timeout'>): number => c.timeout * TICK_MS - 100;
export const coolDownMs = (c: Pick<BreakerConfig, 'coolDown'>): number => c.coolDown * TICK_MS - 300;

interface Pending {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly startedAt: number;
}

export interface BreakerObservation {
  readonly mode: BreakerMode;
  /** For a Call: did the breaker let it through? null after other steps. */
  readonly passed: boolean | null;
  /** Calls running in the service. */
  readonly inFlight: number;
  /** Calls the breaker holds back, neither let through nor rejected yet. */
  readonly waiting: number;
}

/** The model's side of the observation. */
export function expectedObservation(from: BreakerState, a: BreakerAction, to: BreakerState): BreakerObservation {
  return { mode: to.mode, passed: a.name === 'Call' ? to.calls.length > from.calls.length : null, inFlight: to.calls.length, waiting: 0 };
}

interface RealBreaker {
  readonly calls: Pending[];
  passed: boolean | null;
  /** Calls submitted to the breaker whose action has not started and that have not been rejected. */
  readonly held: Set<object>;
  /** Submits one call to the breaker; `run` is the call to the service. */
  readonly submit: (run: () => Promise<void>) => Promise<unknown>;
  readonly mode: () => BreakerMode;
  readonly stop: () => void;
}

type Library = Pick<RealBreaker, 'submit' | 'mode' | 'stop'>;

/** The service behind the breaker: each call waits until the check settles it or the breaker times it out. */
function withService(library: () => Library): () => RealBreaker {
  return () => {
    const real = { calls: [] as Pending[], passed: null as boolean | null, held: new Set<object>() };
    return Object.assign(real, library());
  };
}

function breakerDriver(c: BreakerConfig, make: () => RealBreaker) {
  const clockBox: { clock?: FakeClock } = {};
  return {
    create: () => {
      const real = make();
      clockBox.clock!.tick(OFFSET_MS);
      return real;
    },
    apply: async (real: RealBreaker, a: BreakerAction): Promise<void> => {
      real.passed = null;
      if (a.name === 'Call') {
        real.passed = false;
        const call = {};
        real.held.add(call);
        const run = (): Promise<void> => {
          real.held.delete(call);
          real.passed = true;
          return new Promise<void>((resolve, reject) => real.calls.push({ resolve, reject, startedAt: Date.now() }));
        };
        void real.submit(run).then(
          () => real.held.delete(call),
          () => real.held.delete(call),
        );
      } else if (a.name === 'Tick') {
        clockBox.clock!.tick(TICK_MS);
        // The breaker's own timeout has fired for every call this old; their late answers never come.
        const now = Date.now();
        for (let i = real.calls.length - 1; i >= 0; i--) if (now - real.calls[i].startedAt >= timeoutMs(c)) real.calls.splice(i, 1);
      } else {
        const [call] = real.calls.splice(a.call, 1);
        if (a.name === 'Succeed') call.resolve();
        else call.reject(new Error('service failed'));
      }
      await settle();
    },
    observe: (real: RealBreaker): BreakerObservation => ({
      mode: real.mode(),
      passed: real.passed,
      inFlight: real.calls.length,
      waiting: real.held.size,
    }),
    expected: expectedObservation,
    dispose: (real: RealBreaker) => real.stop(),
    around: <T>(body: () => Promise<T>): Promise<T> =>
      withFakeClock((clock) => {
        clockBox.clock = clock;
        return body();
      }),
  } satisfies AsyncDriver<BreakerState, BreakerAction, RealBreaker>;
}

/** opossum with the model's percentage rule: the same threshold, volume, window, cool-down and timeout. */
export function opossumDriver(c: BreakerConfig): AsyncDriver<BreakerState, BreakerAction, RealBreaker> {
  return breakerDriver(
    c,
    withService(() => {
      const breaker = new CircuitBreaker((run: () => Promise<void>) => run(), {
        timeout: timeoutMs(c),
        resetTimeout: coolDownMs(c),
        errorThresholdPercentage: c.percent,
        volumeThreshold: c.volume,
        rollingCountTimeout: c.buckets * TICK_MS,
        rollingCountBuckets: c.buckets,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      });
      return {
        submit: (run) => breaker.fire(run),
        mode: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
        stop: () => breaker.shutdown(),
      };
    }),
  );
}

/**
 * cockatiel's circuitBreaker with a ConsecutiveBreaker(threshold), halfOpenAfter = the cool-down, and an
 * aggressive timeout policy inside it so that a timeout counts as a failure. cockatiel goes half-open lazily,
 * on the first call after the cool-down; the observation reports such an open breaker as half-open, as the
 * model's clock-driven breaker would be.
 */
export function cockatielDriver(c: BreakerConfig): AsyncDriver<BreakerState, BreakerAction, RealBreaker> {
  return breakerDriver(
    c,
    withService(() => {
      const policy = circuitBreaker(handleAll, { halfOpenAfter: coolDownMs(c), breaker: new ConsecutiveBreaker(c.threshold) });
      const limit = timeout(timeoutMs(c), TimeoutStrategy.Aggressive);
      let openedAt = 0;
      const onBreak = policy.onBreak(() => (openedAt = Date.now()));
      return {
        submit: (run) => policy.execute(() => limit.execute(run)),
        mode: () =>
          policy.state === CircuitState.Closed
            ? 'closed'
            : policy.state === CircuitState.HalfOpen || Date.now() - openedAt >= coolDownMs(c)
              ? 'half-open'
              : 'open',
        stop: () => onBreak.dispose(),
      };
    }),
  );
}

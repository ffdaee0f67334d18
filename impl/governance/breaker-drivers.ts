// Real circuit breakers driven by the circuit-breaker model's actions under a fake clock: opossum's
// CircuitBreaker (percentage rule) and cockatiel's circuitBreaker with a ConsecutiveBreaker. Every call the
// breaker lets through runs an action whose promise the check settles (Succeed/Fail) or leaves running
// until the breaker's own timeout fires on a Tick. The observation after each step is the breaker's mode and,
// for a Call, whether it let the call through.
import { CircuitState, ConsecutiveBreaker, TimeoutStrategy, circuitBreaker, handleAll, timeout } from 'cockatiel';
import CircuitBreaker from 'opossum';
import type { BreakerAction, BreakerConfig, BreakerMode, BreakerState } from '../../models/governance/circuit-breaker';
import type { AsyncDriver } from './async-mbt';
import { TICK_MS, settle, withFakeClock, type FakeClock } from './fake-clock';

// Real timers that fall due at the same instant fire in an order the model cannot know, so the library's
// timers are placed apart inside each tick, in the model's order. Commands run half-way between two tick
// boundaries (the clock starts at 0 and moves half a tick before the first command); within the tick that
// follows, the rolling window rotates at the boundary (+0), a cool-down started by a command (-500) or by a
// timeout (-100) ends at +200 or -400, and a call admitted by a command times out at +400, before the next
// command at +500.
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
}

/** The model's side of the observation. */
export function expectedObservation(from: BreakerState, a: BreakerAction, to: BreakerState): BreakerObservation {
  return { mode: to.mode, passed: a.name === 'Call' ? to.calls.length > from.calls.length : null, inFlight: to.calls.length };
}

interface RealBreaker {
  readonly calls: Pending[];
  passed: boolean | null;
  readonly fire: () => void;
  readonly mode: () => BreakerMode;
  readonly stop: () => void;
}

/** Starts an action call whose outcome the check decides later. */
function pendingCall(real: { calls: Pending[]; passed: boolean | null }): Promise<void> {
  real.passed = true;
  return new Promise<void>((resolve, reject) => real.calls.push({ resolve, reject, startedAt: Date.now() }));
}

function breakerDriver(c: BreakerConfig, make: () => RealBreaker, clockBox: { clock?: FakeClock }) {
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
        real.fire();
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
    observe: (real: RealBreaker): BreakerObservation => ({ mode: real.mode(), passed: real.passed, inFlight: real.calls.length }),
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
    () => {
      const real = { calls: [] as Pending[], passed: null as boolean | null };
      const breaker = new CircuitBreaker(() => pendingCall(real), {
        timeout: timeoutMs(c),
        resetTimeout: coolDownMs(c),
        errorThresholdPercentage: c.percent,
        volumeThreshold: c.volume,
        rollingCountTimeout: c.buckets * TICK_MS,
        rollingCountBuckets: c.buckets,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      });
      return Object.assign(real, {
        fire: () => void breaker.fire().catch(() => undefined),
        mode: (): BreakerMode => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
        stop: () => breaker.shutdown(),
      });
    },
    {},
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
    () => {
      const real = { calls: [] as Pending[], passed: null as boolean | null };
      const policy = circuitBreaker(handleAll, { halfOpenAfter: coolDownMs(c), breaker: new ConsecutiveBreaker(c.threshold) });
      const limit = timeout(timeoutMs(c), TimeoutStrategy.Aggressive);
      let openedAt = 0;
      const onBreak = policy.onBreak(() => (openedAt = Date.now()));
      return Object.assign(real, {
        fire: () => void policy.execute(() => limit.execute(() => pendingCall(real))).catch(() => undefined),
        mode: (): BreakerMode =>
          policy.state === CircuitState.Closed
            ? 'closed'
            : policy.state === CircuitState.HalfOpen || Date.now() - openedAt >= coolDownMs(c)
              ? 'half-open'
              : 'open',
        stop: () => onBreak.dispose(),
      });
    },
    {},
  );
}

// A fake clock for the library checks: Date, performance.now and the timer functions are replaced for the
// duration of one run, so the libraries under test read the time the check sets and their timers fire only
// when the check advances the clock. setImmediate stays real: it is how a check lets pending promise
// callbacks run between two commands.
import FakeTimers from '@sinonjs/fake-timers';

export type FakeClock = ReturnType<typeof FakeTimers.install>;

/** One abstract tick of the models, in milliseconds of the fake clock. */
export const TICK_MS = 1000;

export async function withFakeClock<T>(body: (clock: FakeClock) => Promise<T>): Promise<T> {
  const clock = FakeTimers.install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  try {
    return await body(clock);
  } finally {
    clock.uninstall();
  }
}

/** Lets every promise callback that is already due run (a real macrotask turn; the fake clock does not move). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

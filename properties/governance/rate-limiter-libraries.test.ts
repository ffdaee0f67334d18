// limiter's TokenBucket and rate-limiter-flexible's RateLimiterMemory against the rate-limiter model and the
// sliding bound (impl/governance). Counterexamples are found by fast-check and shrunk, then pinned here.
import { beforeAll, describe, expect, it } from 'vitest';
import { libraryResults, type LibraryResults, type LimiterCheck } from '../../impl/governance/library-checks';

let results: LibraryResults;
beforeAll(async () => {
  results = await libraryResults();
});
const check = (id: string): LimiterCheck => results.limiters.find((l) => l.id === id)!;

describe("limiter's TokenBucket", () => {
  it('starts empty: the first request is refused where a full bucket admits it', () => {
    expect(check('token-bucket-ticks-full').tickResult!.divergence).toEqual({
      steps: [{ action: 'Request', library: { passed: false, tokens: 0 }, model: { passed: true, tokens: 1 } }],
    });
  });

  it("admits exactly when the model's bucket that starts empty does, tick by tick", () => {
    expect(check('token-bucket-ticks-empty').tickResult).toEqual({ runs: 200, commands: 4583 });
  });

  it('meets rate·T + burst = 4 per window of 2 s; at most 3 were admitted in any window', () => {
    expect(check('token-bucket-bound').historyResult).toEqual({ runs: 1000, requests: 22463, maxObserved: 3 });
  });

  it('refuses a request that an exact bucket admits: the refills, added in floating point, fall short of one token', () => {
    const r = check('token-bucket-exact').historyResult!;
    expect(r.counterexample!.bursts).toEqual([
      { atMs: 1000, requests: 1 },
      { atMs: 2000, requests: 1 },
      { atMs: 3200, requests: 1 },
      { atMs: 4029, requests: 1 },
      { atMs: 5000, requests: 1 },
    ]);
    // 5000 ms after an empty start, at 1 token per second, exactly 5 tokens have dripped in; 4 were taken.
    expect(r.counterexample!.history.map((d) => d.admitted)).toEqual([true, true, true, true, false]);
  });
});

describe("rate-limiter-flexible's RateLimiterMemory (a fixed window from the first request)", () => {
  it('exceeds its limit of 4 within one window of 2 s that straddles the window boundary', () => {
    const r = check('fixed-window-sliding-bound').historyResult!;
    expect(r.counterexample!.bursts).toEqual([
      { atMs: 0, requests: 1 },
      { atMs: 100, requests: 3 },
      { atMs: 2000, requests: 2 },
    ]);
    expect(r.counterexample!.history.every((d) => d.admitted)).toBe(true);
  });

  it('meets twice its limit less one: at most 7 admitted in any window of 2 s', () => {
    expect(check('fixed-window-double-bound').historyResult).toEqual({ runs: 1000, requests: 22463, maxObserved: 7 });
  });
});

import { describe, expect, it } from 'vitest';
import { rateLimiter, slidingBound, type RateState } from '../../models/governance/rate-limiter';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(rateLimiter);

describe('rate-limiter model', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins distinct states, states generated and depth of every configuration', () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates, o.statesGenerated, o.depth])).toEqual([
      ['token-bucket', 20, 37, 10],
      ['token-bucket-starts-empty', 30, 55, 10],
      ['sliding-log', 25, 46, 10],
      ['fixed-window', 50, 91, 11],
      ['cap-before-refill', 40, 73, 10],
      ['refuses-last-token', 10, 19, 7],
    ]);
  });

  it('holds the token bucket and the sliding log to rate·T + burst = 4 per window of 2 ticks', () => {
    expect(slidingBound({ rate: 1, burst: 2, window: 2 })).toBe(4);
    for (const name of ['token-bucket', 'token-bucket-starts-empty', 'sliding-log']) expect(outcome(name).result).toBe('pass');
  });

  it('shows the fixed window exceeding the sliding bound across a window boundary in 7 steps, none shorter', () => {
    const v = outcome('fixed-window').violations[0];
    expect(v.property).toBe('slidingBound');
    expect(v.trace.steps.slice(1).map((s) => s.action)).toEqual(['Tick', 'Request', 'Request', 'Request', 'Request', 'Tick', 'Request']);
    expect((v.trace.steps.at(-1)!.state as RateState).recent).toEqual([1, 4]);
    expect(noShorterViolation(rateLimiter, 'correct', { algorithm: 'fixed-window' }, 'slidingBound', 7)).toBe(true);
  });

  it('reaches twice the limit (8) within one window of 2 ticks with the fixed window, in 10 steps', () => {
    const w = outcome('fixed-window').witnesses.find((x) => x.property === 'twiceTheLimit')!;
    expect(w.steps.slice(1).map((s) => s.action)).toEqual([
      'Tick',
      'Request',
      'Request',
      'Request',
      'Request',
      'Tick',
      'Request',
      'Request',
      'Request',
      'Request',
    ]);
    expect((w.steps.at(-1)!.state as RateState).recent).toEqual([4, 4]);
  });

  it('catches a refill capped before it is added (one tick from full) and a bucket that refuses its last token', () => {
    expect(outcome('cap-before-refill').violations.map((v) => [v.property, v.trace.steps.length - 1])).toEqual([
      ['tokensWithinCapacity', 1],
    ]);
    expect(outcome('refuses-last-token').violations.map((v) => [v.property, v.trace.steps.length - 1])).toEqual([['noNeedlessRefusal', 2]]);
  });
});

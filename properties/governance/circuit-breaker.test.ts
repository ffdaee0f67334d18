import { describe, expect, it } from 'vitest';
import { PERCENTAGE_RULE, breakerMachine, circuitBreaker, type BreakerState } from '../../models/governance/circuit-breaker';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';
import { replayTrace } from '../../src/trace/trace-file';

const { outcomes, outcome } = configurationOutcomes(circuitBreaker);
const actions = (name: string, property: string) =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.slice(1)
    .map((s) => s.action);

describe('circuit-breaker model', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins distinct states, states generated and depth of every configuration', () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates, o.statesGenerated, o.depth])).toEqual([
      ['consecutive', 45, 152, 12],
      ['percentage', 434, 1252, 19],
      ['two-probes', 146, 630, 17],
      ['percentage-opossum', 412, 1234, 16],
      ['half-open-floods', 55, 194, 14],
      ['cool-down-restarts', 40, 128, 11],
    ]);
  });

  it('trips, probes, and reaches a half-open breaker with a call from before it opened still running', () => {
    expect(outcome('consecutive').witnesses.map((w) => [w.property, w.steps.length - 1])).toEqual([
      ['tripped', 4],
      ['probing', 6],
      ['staleCallInHalfOpen', 7],
    ]);
  });

  it('catches a half-open state that lets every call through: two probes in flight after 7 steps, none shorter', () => {
    expect(actions('half-open-floods', 'probesBounded')).toEqual(['Call', 'Call', 'Fail(1)', 'Fail(1)', 'Tick', 'Call', 'Call']);
    expect(noShorterViolation(circuitBreaker, 'half-open-floods', {}, 'probesBounded', 7)).toBe(true);
  });

  it('catches a cool-down that restarts on every rejected call: a fair lasso that stays open forever', () => {
    const trace = outcome('cool-down-restarts').violations[0].trace;
    expect(trace.property).toBe('probesAgain');
    expect(trace.steps.slice(1).map((s) => s.action)).toEqual(['Call', 'Call', 'Fail(1)', 'Fail(1)', 'Tick', 'Call', 'Call']);
    expect(trace.loopStart).toBeDefined();
    const cycle = trace.steps.slice(trace.loopStart! + 1).map((s) => s.state as BreakerState);
    expect(cycle.every((s) => s.mode === 'open')).toBe(true);
    expect(replayTrace(trace, circuitBreaker).reproduced).toBe(true);
  });

  it("with opossum's semantics, a late success of a call admitted before the breaker opened closes it without a probe", () => {
    expect(actions('percentage-opossum', 'closesOnlyOnProbe')).toEqual([
      'Call',
      'Call',
      'Fail(1)',
      'Tick',
      'Call',
      'Fail(1)',
      'Tick',
      'Succeed(1)',
    ]);
    const last = outcome('percentage-opossum').violations[0].trace.steps.at(-1)!.state as BreakerState;
    expect(last.mode).toBe('closed');
  });

  it('trips on the percentage only above the threshold and only with the minimum volume', () => {
    const m = breakerMachine({ ...PERCENTAGE_RULE, inFlight: 3, arrivals: 3 }, 'correct');
    const after = (names: string[]) =>
      names.reduce(
        (s, n) =>
          m.next(
            s,
            m.actions(s).find((a) => m.formatAction(a) === n)!,
          ),
        m.init[0],
      );
    // One failure of one call: 100 % but below the volume of 2.
    expect(after(['Call', 'Fail(1)']).mode).toBe('closed');
    // One failure in two calls: 50 % is not above 50 %.
    expect(after(['Call', 'Call', 'Succeed(1)', 'Fail(1)']).mode).toBe('closed');
    // Two failures in three calls: 67 %.
    expect(after(['Call', 'Call', 'Call', 'Succeed(1)', 'Fail(1)', 'Fail(1)']).mode).toBe('open');
  });
});

import { describe, expect, it } from 'vitest';
import { twoPhaseCommitFaults } from '../../models/commit/two-phase-commit-faults';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes } from '../../src/run/testing';
import { run } from '../../src/run/run';

const { outcomes, outcome } = configurationOutcomes(twoPhaseCommitFaults);

describe('two-phase-commit-faults', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('decides and stays consistent without faults, in 12 messages per transaction', () => {
    const o = outcome('rms3');
    expect([o.result, o.distinctStates, o.metrics['messages per decision']]).toEqual(['pass', 22240, 12]);
  });

  it('blocks when the TM crashes: a prepared RM is stuck forever, and consistency still holds', () => {
    const o = outcome('rms3-tm-crash');
    expect(o.violations.map((v) => v.property)).toEqual(['allDecide']);
    const trace = o.violations[0].trace;
    expect(trace.stutter).toBe(true);
    expect(trace.steps.map((s) => s.action)).toEqual([
      null,
      'TMPrepare',
      'RMChooseToAbort(RM1)',
      'RMChooseToAbort(RM2)',
      'RMPrepare(RM3)',
      'Crash(TM)',
    ]);
    expect(Object.values((trace.steps.at(-1)!.state as { rmState: Record<string, string> }).rmState)).toContain('prepared');
    expect(replayTrace(trace, twoPhaseCommitFaults).reproduced).toBe(true);
  });

  it('reaches a crash after Commit went to only some RMs', () => {
    expect(outcome('rms3-tm-crash').witnesses.map((w) => w.property)).toContain('crashMidCommit');
  });

  it('loses liveness to a lost message, and gets it back with retransmission', () => {
    expect(outcome('rms2-loss').violations.map((v) => v.property)).toEqual(['allDecide']);
    expect(outcome('rms2-loss-retransmit').result).toBe('pass');
    expect(outcome('rms2-loss-retransmit').witnesses.map((w) => w.property)).toContain('decisionLost');
  });

  it('catches a prepared RM that rolls back on timeout', () => {
    const o = outcome('rms3-prepared-abort-on-timeout');
    const v = o.violations.find((x) => x.property === 'consistent')!;
    const steps = v.trace.steps.map((s) => s.action);
    expect(steps).toContain('RMTimeoutAbort(RM1)');
    expect(steps.at(-1)).toBe('RMRcvDecision(RM2)');
  });

  it('replays its liveness counterexample and rejects it once the crash budget is gone (the budget is part of the initial state)', () => {
    const trace = outcome('rms3-tm-crash').violations[0].trace;
    const noCrash = { ...trace, params: { ...trace.params, crashes: 0 } };
    expect(replayTrace(noCrash, twoPhaseCommitFaults)).toEqual({
      reproduced: false,
      message: 'does not reproduce: step 1: the recorded initial state is not an initial state of the model',
    });
  });

  it('passes with a single RM, where nothing can disagree', () => {
    expect(run({ model: twoPhaseCommitFaults, variant: 'correct', params: { rms: 1 } }).result).toBe('pass');
  });
});

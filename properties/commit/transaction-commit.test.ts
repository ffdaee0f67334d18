import { describe, expect, it } from 'vitest';
import { transactionCommit } from '../../models/commit/transaction-commit';
import { exploreModel, noShorterViolation, runConfigurations } from '../../src/run/testing';
import { buildTrace } from '../../src/trace/trace';

describe('transaction-commit', () => {
  it('has 34 distinct states, 94 generated and depth 7 with 3 RMs, as TLC reports', () => {
    const r = exploreModel(transactionCommit, 'correct', { rms: 3 });
    expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual([34, 94, 7]);
    expect(r.violations).toEqual([]);
    expect(r.unreached).toEqual([]);
  });

  it('fires every action', () => {
    const r = exploreModel(transactionCommit, 'correct', { rms: 3 });
    expect(r.coverage.filter((c) => c.fired === 0)).toEqual([]);
  });

  it('catches an abort after a commit with the shortest trace: prepare all, commit one, abort another', () => {
    const r = exploreModel(transactionCommit, 'abort-after-commit', { rms: 3 });
    const v = r.violations.find((x) => x.property === 'consistent')!;
    const m = transactionCommit.machine({ rms: 3 }, 'abort-after-commit');
    const trace = buildTrace(m, { model: 'transaction-commit', variant: 'abort-after-commit', params: { rms: 3 } }, v);
    expect(trace.steps.map((s) => s.action)).toEqual([
      null,
      'Prepare(rm1)',
      'Prepare(rm2)',
      'Prepare(rm3)',
      'DecideCommit(rm1)',
      'DecideAbort(rm2)',
    ]);
    expect(noShorterViolation(transactionCommit, 'abort-after-commit', { rms: 3 }, 'consistent', 5)).toBe(true);
  });

  it('gives every configuration its expected result', () => {
    for (const o of runConfigurations(transactionCommit)) expect(o.verdict, o.configuration).toMatch(/^(pass|caught)/);
  });
});

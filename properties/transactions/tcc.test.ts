import { describe, expect, it } from 'vitest';
import { tcc } from '../../models/transactions/tcc';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(tcc);
const trace = (name: string, property: string) => outcome(name).violations.find((v) => v.property === property)!.trace;

describe('tcc', () => {
  it('gives every configuration, exhaustive and random, its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('conserves money and never freezes it for good under loss, duplicates, reordering and a coordinator crash', () => {
    for (const name of ['reorder', 'loss-and-duplicates', 'coordinator-crash']) expect(outcome(name).violations, name).toEqual([]);
  });

  it('reaches its interesting states: a retry, a duplicate, a crash mid-protocol, a Cancel before its Try', () => {
    expect(outcome('loss-and-duplicates').witnesses.map((w) => w.property)).toEqual(
      expect.arrayContaining(['retried', 'duplicateArrived', 'cancelBeforeTry']),
    );
    expect(outcome('coordinator-crash').witnesses.map((w) => w.property)).toContain('crashMidProtocol');
  });

  it('without idempotency, a duplicated phase-two request is applied twice (shortest: a Cancel refunds twice)', () => {
    const steps = trace('duplicate-no-idempotency', 'noDoubleApply').steps.map((s) => s.action);
    expect(steps).toEqual([null, 'CTry', 'CCancel', 'BRcvTry(A)', 'Duplicate(Cancel C→A)', 'BRcvCancel(A)', 'BRcvCancel(A)']);
  });

  it('without the empty-rollback guard, a Cancel that overtakes its Try releases money never frozen', () => {
    expect(trace('reorder-no-empty-rollback-guard', 'noNegativeBalance').steps.map((s) => s.action)).toEqual([
      null,
      'CTry',
      'CCancel',
      'BRcvCancel(A)',
    ]);
  });

  it('without the anti-hanging guard, a Try after its Cancel freezes money forever', () => {
    const t = trace('reorder-no-anti-hanging', 'nothingStaysFrozen');
    expect(t.stutter).toBe(true);
    const end = t.steps.at(-1)!.state as { frozenA: number; pendingB: number; phase: string };
    expect([end.phase, end.frozenA + end.pendingB]).toEqual(['done', 1]);
    expect(replayTrace(t, tcc).reproduced).toBe(true);
  });
});

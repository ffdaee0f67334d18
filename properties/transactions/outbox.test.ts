import { describe, expect, it } from 'vitest';
import { outbox } from '../../models/transactions/outbox';
import { configurationOutcomes } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(outbox);
const steps = (name: string, property: string) =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.map((s) => s.action);

describe('outbox', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('deducts exactly once for a committed order through crashes, lost acks, duplicates and redelivery', () => {
    for (const name of ['outbox-crash-and-loss', 'outbox-duplicates', 'outbox-random', 'rocketmq-loss'])
      expect(outcome(name).violations, name).toEqual([]);
    expect(outcome('outbox-duplicates').witnesses.map((w) => w.property)).toContain('redelivered');
  });

  it('catches both dual writes', () => {
    expect(steps('dual-write-send-first', 'noDeductionWithoutOrder')).toContain('OrderRollback');
    expect(steps('dual-write-commit-first-crash', 'settles')).toEqual([null, 'OrderCommit', 'Crash(Order)', 'Restart(Order)']);
  });

  it('catches a consumer without a dedupe table and one that acks before it applies', () => {
    expect(steps('no-dedupe-lost-ack', 'atMostOneDeduction').filter((a) => a === 'StockRcvDeliver')).toHaveLength(2);
    expect(steps('ack-before-apply-crash', 'settles')).toContain('Crash(Stock)');
  });

  it('shows the RocketMQ discard case: every check-back finds the producer down', () => {
    const o = outcome('rocketmq-discard');
    expect(o.witnesses.map((w) => w.property)).toContain('discarded');
    expect(steps('rocketmq-discard', 'settles')).toContain('BrokerDiscard');
  });
});

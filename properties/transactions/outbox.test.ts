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

describe('outbox behind a bounded queue (bandwidth is infinite)', () => {
  it('explores every bounded-queue configuration exhaustively: [distinct states, generated, depth]', () => {
    const counts = (name: string) => [outcome(name).distinctStates, outcome(name).statesGenerated, outcome(name).depth];
    const pinned = {
      'queue-reject-publish': [150, 319, 12],
      'queue-drop-head': [150, 319, 12],
      'queue-back-pressure': [109, 237, 12],
      'mark-sent-reject-publish': [46, 77, 10],
      'mark-sent-drop-head': [46, 77, 10],
      'confirm-on-enqueue-drop-head': [51, 87, 10],
      'confirm-on-enqueue-reject-publish': [168, 370, 12],
      'mark-sent-back-pressure': [71, 159, 11],
    };
    expect(Object.fromEntries(Object.keys(pinned).map((name) => [name, counts(name)]))).toEqual(pinned);
  });

  it('a relay that keeps the row until PubAck gets exactly one deduction under every overflow policy', () => {
    for (const name of ['queue-reject-publish', 'queue-drop-head', 'queue-back-pressure']) {
      expect(outcome(name).violations, name).toEqual([]);
      // The queue fills, and a lost PubAck makes the relay publish twice: the consumer's dedupe table absorbs it.
      expect(
        outcome(name).witnesses.map((w) => w.property),
        name,
      ).toEqual(expect.arrayContaining(['queueFull', 'redelivered']));
    }
    expect(outcome('queue-reject-publish').witnesses.map((w) => w.property)).toContain('overflowed');
    expect(outcome('queue-drop-head').witnesses.map((w) => w.property)).toContain('overflowed');
    expect(outcome('queue-back-pressure').witnesses.map((w) => w.property)).toContain('relayBlocked');
  });

  it('a fire-and-forget relay loses the order to a full queue that drops, not to one that blocks', () => {
    expect(steps('mark-sent-reject-publish', 'settles')).toEqual([null, 'OrderCommit', 'RelaySendOther', 'RelaySend', 'BrokerRcvOther']);
    expect(steps('mark-sent-drop-head', 'settles')).toEqual([null, 'OrderCommit', 'RelaySend', 'RelaySendOther', 'BrokerRcvOther']);
    expect(outcome('mark-sent-back-pressure').violations).toEqual([]);
  });

  it('a queue that confirms on enqueue and drops its head loses a confirmed message', () => {
    expect(steps('confirm-on-enqueue-drop-head', 'settles')).toEqual([
      null,
      'OrderCommit',
      'RelaySend',
      'RelaySendOther',
      'RelayRcvAck',
      'BrokerRcvOther',
    ]);
    expect(outcome('confirm-on-enqueue-reject-publish').violations).toEqual([]);
  });
});

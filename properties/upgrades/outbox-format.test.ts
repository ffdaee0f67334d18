import { describe, expect, it } from 'vitest';
import { IDENTITIES, outboxFormat, type Delivery, type FormatState } from '../../models/upgrades/outbox-format';
import { isMixed } from '../../src/model/versions';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

const v1Message: Delivery = { id: 1, order: 1, key: null, v: 1, again: true };
const v2Message: Delivery = { id: 1, order: 1, key: 'order-1', v: 2, again: true };
/** Whether a consumer of version `reader` finds, in the dedupe table, what one of version `writer` recorded for the message. */
const finds = (variant: string, writer: 0 | 1, reader: 0 | 1, d: Delivery): boolean => {
  const recorded = IDENTITIES[variant][writer](d);
  return IDENTITIES[variant][reader](d).some((i) => recorded.includes(i));
};

describe('outbox-format', () => {
  const { outcomes, outcome } = configurationOutcomes(outboxFormat);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('lets each version find what the other recorded exactly where the rollout needs it', () => {
    // v1 messages: both orders of the deploy meet them; the fallback and the transition version handle them.
    for (const variant of ['correct', 'both-identities']) expect(finds(variant, 0, 1, v1Message) && finds(variant, 1, 0, v1Message), variant).toBe(true);
    expect(finds('no-fallback', 0, 1, v1Message)).toBe(false);
    // v2 messages: only the transition version is readable by a v1 consumer (after a rollback) and the other way round.
    expect(finds('correct', 1, 0, v2Message) || finds('correct', 0, 1, v2Message)).toBe(false);
    expect(finds('both-identities', 1, 0, v2Message) && finds('both-identities', 0, 1, v2Message)).toBe(true);
  });

  it('pins the state counts of the passing configurations', () => {
    const counts = Object.fromEntries(
      outcomes.filter((o) => o.result === 'pass').map((o) => [o.configuration, [o.distinctStates, o.statesGenerated, o.depth]]),
    );
    expect(counts).toEqual({
      'consumers-first': [184, 346, 11],
      'consumers-first-two-orders': [3364, 9357, 15],
      'both-identities-any-order': [2212, 7985, 15],
    });
  });

  it('reaches a v1 message at a v2 consumer, a redelivery skipped across versions, a keyed message applied, the end and a rollback', () => {
    expect(outcome('consumers-first').witnesses.map((w) => w.property)).toEqual([
      'oldMessageAtNewConsumer',
      'redeliverySkipped',
      'keyedMessageApplied',
      'rolloutComplete',
    ]);
    expect(outcome('both-identities-any-order').witnesses.map((w) => w.property)).toContain('rolledBack');
  });

  it('catches each unsafe rollout with a pinned shortest trace, mixed at the second deduction, applied by a v1 and a v2 consumer', () => {
    const lengths: Record<string, number> = { 'producers-first': 7, 'no-fallback': 6, 'consumers-first-rollback': 10 };
    for (const [name, steps] of Object.entries(lengths)) {
      const o = outcome(name);
      const v = o.violations.find((x) => x.property === 'noDoubleApply')!;
      expect(v.trace.steps.length - 1, name).toBe(steps);
      const states = v.trace.steps.map((s) => s.state as FormatState);
      const last = states.at(-1)!;
      expect(isMixed(last.versions), name).toBe(true);
      expect(last.applied[0], name).toBe(2);
      const appliedBy = states.filter((s, i) => i > 0 && s.applied[0] > states[i - 1].applied[0]).map((s) => s.last!.cv);
      expect(new Set(appliedBy), name).toEqual(new Set([1, 2]));
      expect(noShorterViolation(outboxFormat, o.variant, o.params, 'noDoubleApply', steps), name).toBe(true);
    }
    expect(outcome('producers-first').violations[0].trace.steps.map((s) => s.action)).toEqual([
      null,
      'Upgrade(P)',
      'Publish',
      'Deliver(m1→C1)',
      'Consume(C1, m1)',
      'Deliver(m1→C1)',
      'Upgrade(C1)',
      'Consume(C1, m1, again)',
    ]);
  });
});

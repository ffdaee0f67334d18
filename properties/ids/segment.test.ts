import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_STEP, nextStep, segment, type SegmentState } from '../../models/ids/segment';
import { configurationOutcomes } from '../../src/run/testing';

const MINUTE = 60_000;

describe('segment: adaptive step', () => {
  it('doubles below 15 minutes, halves at 30 or more, and keeps it in between', () => {
    expect(nextStep(1000, 14 * MINUTE, 1000)).toBe(2000);
    expect(nextStep(4000, 30 * MINUTE, 1000)).toBe(2000);
    expect(nextStep(4000, 20 * MINUTE, 1000)).toBe(4000);
  });

  test.prop([fc.integer({ min: 1, max: MAX_STEP }), fc.integer({ min: 0, max: 120 * MINUTE }), fc.integer({ min: 1, max: 10_000 })])(
    'stays between the configured step and 1,000,000',
    (step, duration, configured) => {
      const from = Math.max(step, configured);
      const to = nextStep(from, duration, configured);
      expect(to).toBeGreaterThanOrEqual(Math.min(from, configured));
      expect(to).toBeLessThanOrEqual(MAX_STEP);
      expect(to).toBeGreaterThanOrEqual(configured);
    },
  );
});

describe('segment model', () => {
  const { outcomes, outcome } = configurationOutcomes(segment);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('double-buffers, serves from the buffer while the database is down, errors clearly when empty, and loses ids on a crash', () => {
    expect(outcome('crash-and-outage').witnesses.map((w) => w.property)).toEqual([
      'doubleBuffered',
      'switchedSegment',
      'servedWhileDbDown',
      'clearError',
      'idsLostOnCrash',
    ]);
  });

  it('keeps tags apart', () => {
    expect(outcome('two-tags').violations).toEqual([]);
  });

  it('catches a read-then-write of max_id: two servers take the same segment and hand out the same id', () => {
    const v = outcome('read-then-write').violations.find((x) => x.property === 'unique')!;
    const steps = v.trace.steps.map((s) => s.action);
    expect(steps).toEqual([
      null,
      'LoadRead(S1, tag1)',
      'LoadRead(S2, tag1)',
      'LoadWrite(S1, tag1)',
      'Issue(S1, tag1)',
      'LoadWrite(S2, tag1)',
      'Issue(S2, tag1)',
    ]);
    const issued = (v.trace.steps.at(-1)!.state as SegmentState).issued[0];
    expect(issued).toEqual([1, 1]);
  });
});

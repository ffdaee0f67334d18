import { describe, expect, it } from 'vitest';
import { statusTable } from '../../models/transactions/status-table';
import { configurationOutcomes } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(statusTable);

describe('status-table', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('reaches 3 or error under losses, and sets error only after k retries', () => {
    const o = outcome('losses');
    expect(o.violations).toEqual([]);
    expect(o.witnesses.map((w) => w.property)).toEqual(['completed', 'retried', 'replyLost', 'errored']);
  });

  it('survives a crash of the shopping service mid-protocol', () => {
    expect(outcome('crash-and-loss').witnesses.map((w) => w.property)).toContain('crashMidProtocol');
  });

  it('catches a non-idempotent stock service: the reply is lost, the scanner retries, stock is deducted twice', () => {
    const v = outcome('lost-reply-non-idempotent').violations.find((x) => x.property === 'stockAtMostOnce')!;
    expect(v.trace.steps.map((s) => s.action)).toEqual([
      null,
      'StockRcvDeduct',
      'Drop(Deducted Stock→Shop)',
      'ScannerRetry',
      'StockRcvDeduct',
    ]);
  });
});

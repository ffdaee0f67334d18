// Parameters: defaults, validation, and which of them mean anything with the values given (appliesWhen).
import { describe, expect, it } from 'vitest';
import { outbox } from '../models/transactions/outbox';
import { appliedParams, formatParams, resolveParams } from '../src/model/params';

describe('parameters', () => {
  it('resolves defaults and names a bad value in one line', () => {
    expect(resolveParams(outbox, {})).toMatchObject({ design: 'outbox', link: 'network', capacity: 1 });
    expect(() => resolveParams(outbox, { link: 'pigeon' })).toThrow(/parameter link of outbox must be one of network, bounded, got 'pigeon'/);
  });

  it('leaves out, in reports and headers, the parameters whose appliesWhen does not hold, and keeps them all in the run', () => {
    const network = resolveParams(outbox, {});
    expect(Object.keys(network)).toContain('capacity');
    expect(formatParams(appliedParams(outbox, network))).toBe('design=outbox, link=network, drops=0, duplicates=0, crashes=0');
    const bounded = resolveParams(outbox, { link: 'bounded', design: 'rocketmq' });
    expect(formatParams(appliedParams(outbox, bounded))).toBe(
      'design=rocketmq, maxChecks=2, link=bounded, capacity=1, overflow=drop-newest, otherRows=1, drops=0, duplicates=0, crashes=0',
    );
  });
});

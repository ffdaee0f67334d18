import { describe, expect, it } from 'vitest';
import { redisResharding } from '../../models/routing/redis-resharding';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(redisResharding);

describe('redis-resharding', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('loses and duplicates no key, serves every request and reads the latest write while a slot migrates', () => {
    const o = outcome('ops3');
    expect(o.violations).toEqual([]);
    expect(o.witnesses.map((w) => w.property)).toEqual(['askFollowed', 'movedFollowed', 'writeDuringMigration']);
  });

  it('a client that treats ASK as MOVED bounces between the masters forever (a lasso)', () => {
    const t = outcome('ops3-ask-as-moved').violations.find((v) => v.property === 'requestsServed')!.trace;
    expect(t.loopStart).toBeDefined();
    expect(replayTrace(t, redisResharding).reproduced).toBe(true);
  });

  it('a source that answers "not found" for a migrated key returns a stale read', () => {
    expect(outcome('ops3-source-not-found').violations.map((v) => v.property)).toContain('readsSeeLatestWrite');
  });

  it('a target that serves without ASKING creates a second copy of a key', () => {
    const t = outcome('ops3-target-without-asking').violations.find((v) => v.property === 'noKeyLostOrDuplicated')!.trace;
    expect(t.steps.map((s) => s.action)).toEqual([null, 'ClientSend(set k1)', 'StartMigration', 'NodeHandle']);
    expect((t.steps[0].state as { cached: string }).cached).toBe('B');
  });
});

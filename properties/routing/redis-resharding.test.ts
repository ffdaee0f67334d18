import { describe, expect, it } from 'vitest';
import { redisResharding } from '../../models/routing/redis-resharding';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(redisResharding);

describe('redis-resharding', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it("pins the state counts (the slot's owners are a membership: Join(B) starts the migration, Leave(A) ends it)", () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates, o.statesGenerated])).toEqual([
      ['ops3', 565, 1192],
      ['ops3-ask-as-moved', 517, 1136],
      ['ops3-source-not-found', 658, 1366],
      ['ops3-target-without-asking', 1126, 2408],
    ]);
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
    // Join(B): B starts importing the slot (the migration starts).
    expect(t.steps.map((s) => s.action)).toEqual([null, 'ClientSend(set k1)', 'Join(B)', 'NodeHandle']);
    expect((t.steps[0].state as { cached: string }).cached).toBe('B');
  });
});

import { describe, expect, it } from 'vitest';
import { distributedLock, type LockState } from '../../models/governance/distributed-lock';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes, exploreModel, noShorterViolation } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(distributedLock);
const steps = (name: string, property: string) =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.map((s) => s.action);
const paramsOf = (name: string) => ({ ...distributedLock.configurations.find((c) => c.name === name)!.params });

describe('distributed-lock', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it.each([
    ['pause', 57, 'pass'],
    ['delay', 302, 'pass'],
    ['restart', 1267, 'pass'],
    ['no-fencing-pause', 54, 'violation'],
    ['no-fencing-delay', 45, 'violation'],
    ['no-persistence', 814, 'violation'],
    ['token-after-grant', 123, 'violation'],
    ['fence-leq', 139, 'violation'],
  ])('explores %s exhaustively: %i distinct states, %s', (name, states, result) => {
    expect(outcome(name).strategy).toBe('bfs');
    expect(outcome(name).distinctStates).toBe(states);
    expect(outcome(name).result).toBe(result);
  });

  it('refuses the stale write of a client that paused past its lease, with the fencing check', () => {
    const o = outcome('pause');
    expect(o.violations).toEqual([]);
    expect(o.witnesses.map((w) => w.property)).toEqual(['staleWriteRefused', 'twoLeasesWrote', 'pausedPastLease']);
    const refused = o.witnesses.find((w) => w.property === 'staleWriteRefused')!;
    expect(refused.steps.map((s) => s.action)).toEqual([
      null,
      'Acquire(C1)',
      'Pause(C1)',
      'LeaseExpires(C1)',
      'Acquire(C2)',
      'Write(C2)',
      'Wake(C1)',
    ]);
  });

  it('keeps the lease across a lock-server restart when the server persists its state', () => {
    expect(outcome('restart').witnesses.map((w) => w.property)).toContain('restartUnderLiveLease');
  });

  it('passes random walks at a larger scope (3 clients, 2 rounds each, pauses, crashes and duplicates)', () => {
    const o = outcome('random');
    expect(o.strategy).toBe('random');
    expect(o.result).toBe('pass');
    expect(o.unreached).toEqual([]);
  });

  it('catches no fencing with the GC-pause story in 6 steps: the paused client overwrites the next holder', () => {
    const actions = steps('no-fencing-pause', 'tokensNeverGoBack');
    expect(actions).toEqual([null, 'Acquire(C1)', 'Pause(C1)', 'LeaseExpires(C1)', 'Acquire(C2)', 'Write(C2)', 'Wake(C1)']);
    expect(steps('no-fencing-pause', 'writesInLeaseOrder')).toEqual(actions);
    expect(noShorterViolation(distributedLock, 'no-fencing', paramsOf('no-fencing-pause'), 'tokensNeverGoBack', actions.length - 1)).toBe(
      true,
    );
  });

  it('catches no fencing with a delayed write in 7 steps, without any pause', () => {
    const actions = steps('no-fencing-delay', 'tokensNeverGoBack');
    expect(actions).toEqual([
      null,
      'Acquire(C1)',
      'Write(C1)',
      'LeaseExpires(C1)',
      'Acquire(C2)',
      'Write(C2)',
      'StorageRcvWrite(C2)',
      'StorageRcvWrite(C1)',
    ]);
    expect(noShorterViolation(distributedLock, 'no-fencing', paramsOf('no-fencing-delay'), 'tokensNeverGoBack', actions.length - 1)).toBe(
      true,
    );
  });

  it('catches a lock server without persistence in 8 steps: the counter starts over and two live leases write, the older last', () => {
    const actions = steps('no-persistence', 'writesInLeaseOrder');
    expect(actions).toEqual([
      null,
      'Acquire(C1)',
      'LeaseExpires(C1)',
      'Acquire(C2)',
      'Crash(L)',
      'Restart(L)',
      'Acquire(C3)',
      'Write(C3)',
      'Write(C2)',
    ]);
    // C2 holds token 2 (lease 2), C3 token 1 again (lease 3): the storage sees 1 then 2, in order, and accepts both.
    const last = outcome('no-persistence').violations[0].trace.steps.at(-1)!.state as LockState;
    expect(outcome('no-persistence').violations.map((v) => v.property)).toEqual(['writesInLeaseOrder']);
    expect([last.landed, last.maxToken, ['C1', 'C2', 'C3'].map((c) => last.clients[c].live)]).toEqual([
      new Set([2, 3]),
      2,
      [false, true, true],
    ]);
    expect(
      noShorterViolation(distributedLock, 'no-persistence', paramsOf('no-persistence'), 'writesInLeaseOrder', actions.length - 1),
    ).toBe(true);
  });

  it('needs a third lease: with two clients acquiring once each, the strict check refuses the repeated token', () => {
    const r = exploreModel(distributedLock, 'no-persistence', { ...paramsOf('no-persistence'), clients: 2 });
    expect(r.status).toBe('complete');
    expect(r.violations).toEqual([]);
  });

  it('catches a token taken by a separate INCR after the grant in 7 steps: the paused client gets the newer token', () => {
    const actions = steps('token-after-grant', 'writesInLeaseOrder');
    expect(actions).toEqual([
      null,
      'Acquire(C1)',
      'Pause(C1)',
      'LeaseExpires(C1)',
      'Acquire(C2)',
      'TakeToken(C2)',
      'Write(C2)',
      'Wake(C1)',
    ]);
    expect(outcome('token-after-grant').violations.map((v) => v.property)).toEqual(['writesInLeaseOrder']);
    const last = outcome('token-after-grant').violations[0].trace.steps.at(-1)!.state as LockState;
    expect([last.landed, last.maxToken]).toEqual([new Set([1, 2]), 2]);
    expect(
      noShorterViolation(distributedLock, 'token-after-grant', paramsOf('token-after-grant'), 'writesInLeaseOrder', actions.length - 1),
    ).toBe(true);
  });

  it('catches ≤ instead of < in 5 steps: a duplicated write lands twice', () => {
    const actions = steps('fence-leq', 'oncePerLease');
    expect(actions).toEqual([
      null,
      'Acquire(C1)',
      'Write(C1)',
      'Duplicate(Write C1→S (1, 1))',
      'StorageRcvWrite(C1)',
      'StorageRcvWrite(C1)',
    ]);
    expect(noShorterViolation(distributedLock, 'fence-leq', paramsOf('fence-leq'), 'oncePerLease', actions.length - 1)).toBe(true);
  });

  it('refuses the duplicate with the strict check', () => {
    expect(outcome('delay').violations).toEqual([]);
    expect(
      outcome('delay')
        .witnesses.find((w) => w.property === 'staleWriteRefused')!
        .steps.map((s) => s.action),
    ).toContain('Duplicate(Write C1→S (1, 1))');
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, distributedLock).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

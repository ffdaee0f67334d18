import { describe, expect, it } from 'vitest';
import { acksNeeded, failoverReach, primaryBackup } from '../../models/replication/primary-backup';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

const { outcomes, outcome } = configurationOutcomes(primaryBackup);
const actions = (name: string, property: string) =>
  outcome(name)
    .violations.find((v) => v.property === property)!
    .trace.steps.slice(1)
    .map((s) => s.action);

describe('primary-backup', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it.each([
    ['sync-crash', 631],
    ['semi-sync-crash', 14_905],
    ['sync-partition', 22_523],
    ['semi-sync-partition', 16_469],
    ['async-crash', 612],
    ['semi-sync-arbitrary-promotion', 827],
    ['semi-sync-no-fencing', 8_605],
    ['random', 5_386],
  ])('%s explores %i distinct states', (name, states) => {
    expect(outcome(name).distinctStates).toBe(states);
  });

  it('waits for enough acknowledgements and reaches enough backups on failover that the two sets always meet', () => {
    for (const backups of [1, 2, 3])
      for (const mode of ['synchronous', 'semi-synchronous'] as const)
        expect(acksNeeded(mode, backups) + failoverReach(mode, backups), `${mode} ${backups}`).toBeGreaterThan(backups);
    expect([acksNeeded('synchronous', 2), acksNeeded('semi-synchronous', 2), acksNeeded('asynchronous', 2)]).toEqual([2, 1, 0]);
    expect([failoverReach('synchronous', 2), failoverReach('semi-synchronous', 2)]).toEqual([1, 2]);
  });

  it('loses no acknowledged write on failover in synchronous and semi-synchronous mode, under a crash or a partition', () => {
    for (const name of ['sync-crash', 'semi-sync-crash', 'sync-partition', 'semi-sync-partition']) {
      const o = outcome(name);
      expect(o.violations, name).toEqual([]);
      expect(
        o.witnesses.map((w) => w.property),
        name,
      ).toEqual(expect.arrayContaining(['failoverKeptAckedWrite', 'ackedAfterFailover', 'unackedWriteDropped']));
    }
  });

  it('fences the old primary: cut off by a partition it still thinks it is primary, and none of its writes is acknowledged', () => {
    const w = outcome('semi-sync-partition').witnesses.find((t) => t.property === 'twoPrimaries')!;
    expect(w.steps.slice(1).map((s) => s.action)).toEqual(['Partition({M,N2,N3} | {N1})', 'Failover(N2)']);
  });

  it('asynchronous replication loses an acknowledged write: acknowledged at once, the primary crashes, a backup without it is promoted', () => {
    const steps = actions('async-crash', 'noAckedWriteLost');
    expect(steps).toEqual(['Write(N1)', 'Crash(N1)', 'Failover(N2)']);
    expect(
      noShorterViolation(primaryBackup, 'correct', { mode: 'asynchronous', writes: 1, crashes: 1 }, 'noAckedWriteLost', steps.length),
    ).toBe(true);
  });

  it('promoting an arbitrary backup under semi-sync loses the write only the other backup confirmed (5 steps)', () => {
    const steps = actions('semi-sync-arbitrary-promotion', 'noAckedWriteLost');
    expect(steps).toEqual(['Write(N1)', 'RcvRep(N2 ← N1: e1 [1])', 'RcvAck(N1 ← N2: e1 w1)', 'Crash(N1)', 'Failover(N3)']);
    expect(
      noShorterViolation(
        primaryBackup,
        'arbitrary-promotion',
        { mode: 'semi-synchronous', writes: 1, crashes: 1 },
        'noAckedWriteLost',
        steps.length,
      ),
    ).toBe(true);
  });

  it('without fencing, the old primary acknowledges a write after failover (6 steps) and the histories fork (9 steps)', () => {
    expect(actions('semi-sync-no-fencing', 'noAckedWriteLost')).toEqual([
      'Write(N1)',
      'Partition({M,N2,N3} | {N1})',
      'Failover(N2)',
      'Heal',
      'RcvRep(N3 ← N1: e1 [1])',
      'RcvAck(N1 ← N3: e1 w1)',
    ]);
    const fork = actions('semi-sync-no-fencing', 'singleHistory');
    expect(fork).toHaveLength(9);
    expect(fork.filter((a) => a!.startsWith('RcvAck'))).toEqual(['RcvAck(N2 ← N3: e1 w2)', 'RcvAck(N1 ← N3: e1 w1)']);
    expect(noShorterViolation(primaryBackup, 'no-fencing', { mode: 'semi-synchronous', partitions: 1 }, 'singleHistory', fork.length)).toBe(
      true,
    );
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, primaryBackup).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

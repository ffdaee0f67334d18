import { describe, expect, it } from 'vitest';
import { PLANS, raftMembership, wins, type Configuration, type MembershipState } from '../../models/upgrades/raft-membership';
import { isMixed, versionOf } from '../../src/model/versions';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';

const SERVERS = ['S1', 'S2', 'S3', 'S4', 'S5'] as const;
/** Every set of servers. */
const allSets = Array.from({ length: 1 << SERVERS.length }, (_, m) => new Set(SERVERS.filter((_, i) => m & (1 << i))));
/** Every winning vote set of a and every winning vote set of b share a server. */
const majoritiesMeet = (a: Configuration, b: Configuration): boolean =>
  allSets.every((x) => !wins(a, x) || allSets.every((y) => !wins(b, y) || [...x].some((s) => y.has(s))));
const adjacentMeet = (plan: readonly Configuration[]): boolean => plan.slice(1).every((c, i) => majoritiesMeet(plan[i], c));

describe('raft-membership', () => {
  const { outcomes, outcome } = configurationOutcomes(raftMembership);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('has majorities that meet between adjacent configurations of the safe plans only, and never between 3 and 5 servers', () => {
    expect(adjacentMeet(PLANS.correct)).toBe(true);
    expect(adjacentMeet(PLANS['joint-consensus'])).toBe(true);
    expect(adjacentMeet(PLANS.direct)).toBe(false);
    expect(majoritiesMeet(PLANS.correct[0], PLANS.correct[2])).toBe(false);
  });

  it('pins the state counts of the passing exhaustive configurations', () => {
    const counts = Object.fromEntries(
      outcomes
        .filter((o) => o.result === 'pass' && o.strategy === 'bfs')
        .map((o) => [o.configuration, [o.distinctStates, o.statesGenerated, o.depth]]),
    );
    expect(counts).toEqual({
      'single-server': [4642, 10922, 16],
      'single-server-rollback': [15177, 37079, 18],
      'joint-consensus': [11339, 28594, 16],
    });
  });

  it('reaches a leader in a mixed configuration, a newcomer’s vote counted, a leader of the new configuration and one after a rollback', () => {
    expect(outcome('single-server').witnesses.map((w) => w.property)).toEqual([
      'leaderInMixedConfiguration',
      'newServerVoteCounted',
      'leaderInNewConfiguration',
    ]);
    expect(outcome('single-server-rollback').witnesses.map((w) => w.property)).toContain('rolledBack');
  });

  it('catches each unsafe change with a pinned shortest trace: two leaders of one term, of two configurations, while mixed', () => {
    const lengths: Record<string, number> = { direct: 6, 'single-server-overlapping': 7, 'member-list-restart': 11 };
    for (const [name, steps] of Object.entries(lengths)) {
      const o = outcome(name);
      const v = o.violations.find((x) => x.property === 'electionSafety')!;
      expect(v.trace.steps.length - 1, name).toBe(steps);
      const last = v.trace.steps.at(-1)!.state as MembershipState;
      expect(isMixed(last.versions), name).toBe(true);
      const leaders = [...last.won[1]];
      expect(leaders.length, name).toBe(2);
      expect(versionOf(last.versions, leaders[0]), name).not.toBe(versionOf(last.versions, leaders[1]));
      expect(noShorterViolation(raftMembership, o.variant, o.params, 'electionSafety', steps), name).toBe(true);
    }
    expect(outcome('direct').violations[0].trace.steps.map((s) => s.action)).toEqual([
      null,
      'Upgrade(S1)',
      'Timeout(S1)',
      'Vote(S4→S1)',
      'Vote(S5→S1)',
      'Timeout(S2)',
      'Vote(S3→S2)',
    ]);
  });
});

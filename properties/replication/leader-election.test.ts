import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { leaderElection, type ElectionState } from '../../models/replication/leader-election';
import { noShorterViolation, runConfigurations } from '../../src/run/testing';
import { run } from '../../src/run/run';
import { pathArbitrary, runWalk } from '../../src/check/walk';
import { replayTrace } from '../../src/trace/trace-file';

const outcomes = runConfigurations(leaderElection);
type Scope = Parameters<typeof leaderElection.machine>[0];
const DEFAULTS: Scope = { n: 3, timeouts: 'fixed', window: 1, crashes: 0 };
const machineFor = (params: Partial<Scope>, variant = 'correct') => leaderElection.machine({ ...DEFAULTS, ...params }, variant);
const outcome = (name: string) => outcomes.find((o) => o.configuration === name)!;
const violation = (name: string, property: string) => outcome(name).violations.find((v) => v.property === property)!;
const actions = (name: string, property: string) =>
  violation(name, property)
    .trace.steps.slice(1)
    .map((s) => s.action ?? '');

describe('leader-election', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins distinct states and results', () => {
    expect(Object.fromEntries(outcomes.map((o) => [o.configuration, [o.distinctStates, o.result]]))).toEqual({
      'n3-fixed': [32, 'violation'],
      'n3-randomized': [10, 'pass'],
      'n5-randomized': [56, 'pass'],
      'n3-randomized-crash1': [167, 'pass'],
      'n5-randomized-crash1': [5737, 'pass'],
      'n3-randomized-crash2-window2': [3060, 'pass'],
      'n3-fixed-crash1': [313, 'violation'],
      'n3-vote-not-durable': [364, 'violation'],
      'n3-vote-not-durable-randomized': [179, 'violation'],
      'n4-half-quorum': [126, 'violation'],
      'n7-randomized-crash3-random': [2077, 'pass'],
      'n6-fixed-crash2-random': [5954, 'pass'],
    });
  });

  it('with fixed timeouts, split votes repeat forever: a lasso of three timeouts, after three timeouts', () => {
    const v = violation('n3-fixed', 'leaderEventually');
    expect(v.trace.loopStart).toBe(3);
    expect(actions('n3-fixed', 'leaderEventually')).toEqual([
      'Timeout(n1)',
      'Timeout(n2)',
      'Timeout(n3)',
      'Timeout(n1)',
      'Timeout(n2)',
      'Timeout(n3)',
    ]);
    const states = v.trace.steps.map((s) => s.state as ElectionState);
    expect(states[6]).toEqual(states[3]);
    expect(states[3].role).toEqual({ n1: 'candidate', n2: 'candidate', n3: 'candidate' });
    expect(outcome('n3-fixed').witnesses.find((w) => w.property === 'splitVote')!.steps).toHaveLength(4);
  });

  it('with randomized timeouts a leader is always eventually elected, after crashes too', () => {
    for (const name of ['n3-randomized', 'n5-randomized', 'n3-randomized-crash1', 'n5-randomized-crash1', 'n3-randomized-crash2-window2']) {
      expect(outcome(name).violations, name).toEqual([]);
      expect(outcome(name).unchecked, name).toEqual([]);
    }
  });

  it('re-elects after the leader crashes: 6 steps with terms one apart, 5 with two', () => {
    const w = outcome('n3-randomized-crash1').witnesses.find((x) => x.property === 'reelectedAfterCrash')!;
    expect(w.steps.slice(1).map((s) => s.action)).toContain('Crash(n1)');
    expect(w.steps).toHaveLength(7);
    expect(outcome('n3-randomized-crash2-window2').witnesses.find((x) => x.property === 'reelectedAfterCrash')!.steps).toHaveLength(6);
  });

  it('catches a vote forgotten on restart in 6 steps: the leader forgets its own vote and votes for the other candidate', () => {
    expect(actions('n3-vote-not-durable', 'electionSafety')).toEqual([
      'Timeout(n1)',
      'Timeout(n2)',
      'GrantVote(n3→n1)',
      'Crash(n1)',
      'Restart(n1)',
      'GrantVote(n1→n2)',
    ]);
    expect(noShorterViolation(leaderElection, 'vote-not-durable', { n: 3, crashes: 1 }, 'electionSafety', 6)).toBe(true);
    expect(actions('n3-vote-not-durable-randomized', 'electionSafety')).toHaveLength(6);
    expect(noShorterViolation(leaderElection, 'vote-not-durable', { n: 3, crashes: 1, timeouts: 'randomized' }, 'electionSafety', 6)).toBe(
      true,
    );
  });

  it('the durable vote is what stops it: the same schedule in the correct variant cannot grant the second vote', () => {
    const m = machineFor({ n: 3, crashes: 1 });
    let s = m.init[0];
    for (const label of actions('n3-vote-not-durable', 'electionSafety').slice(0, 5))
      s = m.next(
        s,
        m.actions(s).find((a) => m.formatAction(a) === label)!,
      );
    expect(s.votedFor.n1).toBe('n1');
    expect(m.actions(s).map(m.formatAction)).not.toContain('GrantVote(n1→n2)');
  });

  it('catches a quorum of N/2 with four nodes in 4 steps: two candidates with two votes each', () => {
    expect(actions('n4-half-quorum', 'electionSafety')).toEqual(['Timeout(n1)', 'Timeout(n2)', 'GrantVote(n3→n1)', 'GrantVote(n4→n2)']);
    expect(noShorterViolation(leaderElection, 'half-quorum', { n: 4 }, 'electionSafety', 4)).toBe(true);
  });

  it('needs concurrent candidates for the N/2 bug: randomized timeouts hide it', () => {
    const o = run({ model: leaderElection, variant: 'half-quorum', params: { n: 4, timeouts: 'randomized' } });
    expect(o.violations).toEqual([]);
  });

  it('random walks catch both bugs at a larger scope', () => {
    for (const [variant, params] of [
      ['vote-not-durable', { n: 7, crashes: 3, window: 2 }],
      ['half-quorum', { n: 6, window: 2 }],
    ] as const) {
      const o = run({ model: leaderElection, variant, params, strategy: 'random', seed: 1, runs: 100, walkLength: 30 });
      expect(
        o.violations.map((v) => v.property),
        variant,
      ).toContain('electionSafety');
    }
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, leaderElection).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

describe('leader-election: relative terms', () => {
  const params = { ...DEFAULTS, n: 5, crashes: 2, window: 3 };
  const machine = machineFor(params);

  test.prop([pathArbitrary(machine, 60)], { numRuns: 200 })(
    'the lowest term is always 0, no node runs more than `window` ahead, and a leader leads the term it won',
    (path) => {
      runWalk(machine, path, undefined, (x) => {
        const s = x as ElectionState;
        const terms = Object.values(s.currentTerm);
        expect(Math.min(...terms)).toBe(0);
        expect(Math.max(...terms)).toBeLessThanOrEqual(params.window);
        for (const [node, role] of Object.entries(s.role)) if (role === 'leader') expect(s.won[s.currentTerm[node]].has(node)).toBe(true);
      });
    },
  );

  it('a node that restarts keeps its term and its vote', () => {
    const m = machineFor({ n: 3, crashes: 1 });
    let s = m.init[0];
    for (const label of ['Timeout(n1)', 'GrantVote(n2→n1)', 'Crash(n2)', 'Restart(n2)'])
      s = m.next(
        s,
        m.actions(s).find((a) => m.formatAction(a) === label)!,
      );
    expect(s.currentTerm.n2).toBe(s.currentTerm.n1);
    expect(s.votedFor.n2).toBe('n1');
    expect(s.role.n2).toBe('follower');
  });

  it.each([true, false])(
    'fast-check walks over 4 nodes and 2 crashes: election safety holds exactly when votes are durable (durable = %s)',
    (durable) => {
      const m = machineFor({ n: 4, crashes: 2, window: 2 }, durable ? 'correct' : 'vote-not-durable');
      const r = fc.check(
        fc.property(pathArbitrary(m, 40), (path) => runWalk(m, path).violation === undefined),
        { seed: 3, numRuns: 300 },
      );
      expect(r.failed).toBe(!durable);
    },
  );
});

import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { paxosCommit } from '../../models/commit/paxos-commit';
import { exploreModel, noShorterViolation, runConfigurations } from '../../src/run/testing';
import { pathArbitrary, runWalk } from '../../src/check/walk';
import { resolveParams } from '../../src/model/params';
import { replayTrace } from '../../src/trace/trace-file';

const outcomes = runConfigurations(paxosCommit);
/** The tla shape's machine at a scope; the published configuration's values for what is not given. */
const specMachine = (scope: { rms?: number; acceptors?: number; ballots?: number }) =>
  paxosCommit.machine({ rms: 2, acceptors: 3, ballots: 2, shape: 'tla', crashes: 0, ...scope }, 'correct');
const outcome = (name: string) => outcomes.find((o) => o.configuration === name)!;

describe('paxos-commit: TLC parity', () => {
  it('defaults to the published configuration: RM = {r1, r2}, Acceptor = {a1, a2, a3}, Ballot = {0, 1}', () => {
    expect(resolveParams(paxosCommit, {})).toMatchObject({ rms: 2, acceptors: 3, ballots: 2, shape: 'tla' });
  });

  // Tens of seconds of CPU, so it runs only on request: DISTCHECK_PUBLISHED=1 npx vitest run properties/commit/paxos-commit.test.ts
  it.runIf(process.env.DISTCHECK_PUBLISHED)(
    "has TLC's published figures: 1,321,761 distinct states, 16,959,159 generated, depth 28",
    () => {
      const r = exploreModel(paxosCommit, 'correct', {});
      expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual([1_321_761, 16_959_159, 28]);
      expect(r.violations).toEqual([]);
      expect(r.unreached).toEqual([]);
    },
    600_000,
  );

  // TLC 2.19 (../shared/tlc/tla2tools.jar) on PaxosCommit.tla with RM = {r1..}, Acceptor = {a1..}, Majority = the
  // majorities of Acceptor, Ballot = {0..}: distinct states, states generated, depth.
  it.each<[number, number, number, number[]]>([
    [1, 3, 2, [1461, 9936, 15]],
    [2, 1, 2, [1425, 9961, 16]],
    [2, 3, 1, [545, 4413, 12]],
    [1, 2, 3, [1159, 6302, 18]],
    [2, 2, 2, [10821, 85671, 22]],
  ])('has the counts TLC finds with %i RMs, %i acceptors, %i ballots', (rms, acceptors, ballots, tlc) => {
    const r = exploreModel(paxosCommit, 'correct', { rms, acceptors, ballots });
    expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual(tlc);
  });

  it("holds the spec's variables as plain data, fingerprinted by the engine (no hand-written key)", () => {
    const m = specMachine({ rms: 1, acceptors: 1 });
    expect(m.key).toBeUndefined();
    expect(m.init[0]).toEqual({
      rmState: { rm1: 'working' },
      aState: { rm1: { a1: { mbal: 0, bal: -1, val: 'none' } } },
      msgs: new Set(),
      faults: { net: [], partition: null, budget: { drops: 0, duplicates: 0, crashes: 0, partitions: 0 }, down: [] },
    });
    const s = m.next(m.init[0], { name: 'RMPrepare', rm: 'rm1' });
    expect([...s.msgs]).toEqual([{ type: 'phase2a', ins: 'rm1', bal: 0, val: 'prepared' }]);
  });
});

describe('paxos-commit: the correct protocol', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins the distinct states of every configuration', () => {
    expect(Object.fromEntries(outcomes.map((o) => [o.configuration, o.distinctStates]))).toEqual({
      'live-1-of-3': 116,
      rms1: 1461,
      'rms2-ballot0': 545,
      'rms2-acceptors1': 1425,
      'rms2-acceptors2': 10821,
      'rms1-acceptors5-ballot0': 113,
      'live-takeover-1-of-3': 5844,
      'live-takeover-2-of-3': 10227,
      'live-rms2-1-of-3': 2180,
      'live-rms2-2-of-3': 3815,
      'live-2-of-5': 1808,
      'live-3-of-5': 2938,
      'rms2-acceptors1-phase2a-own-value': 1622,
      'rms1-decide-one-vote': 1980,
      'rms2-acceptors2-disjoint-quorums': 97853,
      'live-1-of-3-unanimous-decide': 80,
    });
  });

  it('reaches a commit, an abort, a vote recovered by a ballot-1 leader, a commit and an abort after a takeover', () => {
    expect(outcome('rms1').witnesses.map((w) => [w.property, w.steps.length - 1])).toEqual([
      ['allCommitted', 5],
      ['abortDecided', 4],
      ['recoveredVote', 6],
      ['commitAfterTakeover', 10],
      ['abortAfterAllPrepared', 8],
    ]);
  });

  it('fires every action of the spec', () => {
    const r = exploreModel(paxosCommit, 'correct', { rms: 1 });
    expect(r.coverage.filter((c) => c.fired === 0 || c.distinctNew === 0)).toEqual([]);
  });

  const big = specMachine({ rms: 3 });
  test.prop([pathArbitrary(big, 60)], { numRuns: 200 })('never violates a safety property on random walks with 3 RMs', (path) => {
    expect(runWalk(big, path).violation).toBeUndefined();
  });
});

describe('paxos-commit: liveness with crash-stop acceptors', () => {
  it.each(['live-1-of-3', 'live-takeover-1-of-3', 'live-rms2-1-of-3', 'live-2-of-5'])(
    '%s: with at most F of 2F + 1 acceptors crashed every RM learns the outcome',
    (name) => {
      const o = outcome(name);
      expect(o.violations).toEqual([]);
      expect(o.unchecked).toEqual([]);
      expect(o.witnesses.map((w) => w.property)).toContain('decidedDespiteCrash');
    },
  );

  it.each([
    ['live-takeover-2-of-3', 5],
    ['live-rms2-2-of-3', 6],
    ['live-3-of-5', 6],
  ])('%s: with F + 1 crashed a prepared RM waits forever (stuck after %i steps), and safety still holds', (name, steps) => {
    const o = outcome(name);
    expect(o.violations.map((v) => v.property)).toEqual(['allLearn']);
    const trace = o.violations[0].trace;
    expect(trace.stutter).toBe(true);
    expect(trace.steps).toHaveLength(steps + 1);
    expect(trace.steps.filter((s) => s.action?.startsWith('Crash'))).toHaveLength(o.params.acceptors === 5 ? 3 : 2);
  });
});

describe('paxos-commit: bug variants, each caught with a shortest trace', () => {
  it.each([
    ['rms2-acceptors1-phase2a-own-value', 'phase2a-own-value', 'consistent', 12],
    ['rms1-decide-one-vote', 'decide-one-vote', 'refinesTransactionCommit', 11],
    ['rms2-acceptors2-disjoint-quorums', 'disjoint-quorums', 'consistent', 12],
  ])('%s (variant %s) breaks %s in %i steps, and no shorter run does', (config, variant, property, steps) => {
    const o = outcome(config);
    const v = o.violations.find((x) => x.property === property);
    expect(v?.trace.steps).toHaveLength(steps + 1);
    expect(noShorterViolation(paxosCommit, variant, o.params, property, steps)).toBe(true);
  });

  it.each([
    ['rms2-acceptors1-phase2a-own-value', 6],
    ['rms2-acceptors2-disjoint-quorums', 6],
  ])('%s already breaks Paxos consensus itself, two values chosen for one instance, in %i steps', (config, steps) => {
    const o = outcome(config);
    expect(o.violations.find((v) => v.property === 'oneValuePerInstance')?.trace.steps).toHaveLength(steps + 1);
    expect(noShorterViolation(paxosCommit, o.variant, o.params, 'oneValuePerInstance', steps)).toBe(true);
  });

  it('deciding on one vote keeps Paxos consensus among the acceptors: only the learner is wrong', () => {
    expect(outcome('rms1-decide-one-vote').violations.map((v) => v.property)).toEqual(['refinesTransactionCommit']);
  });

  it('a leader that ignores phase 1b gets a second value chosen: r1 is decided prepared at ballot 0 and aborted at ballot 1', () => {
    const steps = outcome('rms2-acceptors1-phase2a-own-value').violations[0].trace.steps.map((s) => s.action);
    expect(steps.filter((a) => a?.startsWith('Phase') || a?.startsWith('Decide'))).toEqual([
      'Phase1a(1, r1)',
      'Phase2b(a1) on 2a(r1, b0, prepared)',
      'Phase1b(a1) on 1a(r1, b1)',
      'Phase2a(1, r1) reading {a1}',
      'Phase2b(a1) on 2a(r1, b1, aborted)',
      'Decide(Abort) by r1: b1 {a1}',
      'Phase2b(a1) on 2a(r2, b0, prepared)',
      'Decide(Commit) by r1: b0 {a1}; r2: b0 {a1}',
    ]);
  });

  it('unanimous decisions block on a single acceptor crash, as 2PC blocks on its coordinator', () => {
    const v = outcome('live-1-of-3-unanimous-decide').violations.find((x) => x.property === 'allLearn')!;
    expect(v.trace.stutter).toBe(true);
    expect(v.trace.steps.map((s) => s.action)).toHaveLength(5);
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, paxosCommit).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

describe('paxos-commit: other acceptor counts', () => {
  it.each([
    [3, 3],
    [2, 4],
    [2, 5],
  ])('keeps every safety property on the first 7 steps with %i RMs and %i acceptors', (rms, acceptors) => {
    const r = exploreModel(paxosCommit, 'correct', { rms, acceptors }, { maxDepth: 7 });
    expect(r.violations).toEqual([]);
  });
});

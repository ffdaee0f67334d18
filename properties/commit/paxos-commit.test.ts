import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { paxosCommit, specView, type PCState } from '../../models/commit/paxos-commit';
import { exploreModel, noShorterViolation, reachableStates, runConfigurations } from '../../src/run/testing';
import { pathArbitrary, runWalk } from '../../src/check/walk';
import { resolveParams } from '../../src/model/params';
import { canonicalJson } from '../../src/shared/canonical';
import { replayTrace } from '../../src/trace/trace-file';

const outcomes = runConfigurations(paxosCommit);
/** The tla shape's machine at a scope; the published configuration's values for what is not given. */
const specMachine = (scope: { rms?: number; acceptors?: number; ballots?: number }) =>
  paxosCommit.machine({ rms: 2, acceptors: 3, ballots: 2, shape: 'tla', crashes: 0, ...scope }, 'correct');
const outcome = (name: string) => outcomes.find((o) => o.configuration === name)!;

/**
 * PaxosCommit.tla transcribed literally, for counting: states as records, messages as records in a set of
 * canonical JSON strings, and one successor per action and per witness of its existential quantifiers, which is
 * how TLC enumerates them (∀ over a set is a conjunction, so Decide(Commit) gets the product of each instance's
 * witnesses). Slow and simple: an independent check of the model's bit-packed messages, keys and counts.
 */
function tlcCount(rms: number, acceptors: number, ballots: number): { counts: [number, number, number]; states: Set<string> } {
  type Msg = Record<string, string | number>;
  interface S {
    rmState: string[];
    aState: { mbal: number; bal: number; val: string }[][];
    msgs: string[];
  }
  const RM = [...Array(rms).keys()];
  const Acc = [...Array(acceptors).keys()];
  const Ballot = [...Array(ballots).keys()];
  const size = Math.floor(acceptors / 2) + 1;
  const Majority = [...Array(2 ** acceptors).keys()].map((mask) => Acc.filter((a) => mask & (1 << a))).filter((ms) => ms.length === size);
  const enc = (m: Msg): string => canonicalJson(m);
  const send = (s: S, m: Msg): string[] => [...new Set([...s.msgs, enc(m)])].sort();
  const copy = (s: S): S => ({ rmState: s.rmState, aState: s.aState.map((row) => row.map((a) => ({ ...a }))), msgs: s.msgs });
  const successors = (s: S): S[] => {
    const out: S[] = [];
    const msgs = s.msgs.map((x) => JSON.parse(x) as Msg);
    const have = new Set(s.msgs);
    const sent = (_: S, m: Msg): boolean => have.has(enc(m));
    const withRM = (rm: number, v: string, m?: Msg): S => ({
      ...copy(s),
      rmState: s.rmState.map((r, i) => (i === rm ? v : r)),
      msgs: m ? send(s, m) : s.msgs,
    });
    for (const rm of RM) {
      if (s.rmState[rm] === 'working') out.push(withRM(rm, 'prepared', { type: 'phase2a', ins: rm, bal: 0, val: 'prepared' }));
      if (s.rmState[rm] === 'working') out.push(withRM(rm, 'aborted', { type: 'phase2a', ins: rm, bal: 0, val: 'aborted' }));
      if (sent(s, { type: 'Commit' })) out.push(withRM(rm, 'committed'));
      if (sent(s, { type: 'Abort' })) out.push(withRM(rm, 'aborted'));
    }
    for (const bal of Ballot.filter((b) => b > 0))
      for (const rm of RM) {
        out.push({ ...copy(s), msgs: send(s, { type: 'phase1a', ins: rm, bal }) });
        if (msgs.some((m) => m.type === 'phase2a' && m.bal === bal && m.ins === rm)) continue;
        for (const MS of Majority) {
          const mset = msgs.filter((m) => m.type === 'phase1b' && m.ins === rm && m.mbal === bal && MS.includes(m.acc as number));
          const witnesses = MS.reduce((n, ac) => n * mset.filter((m) => m.acc === ac).length, 1);
          const maxbal = Math.max(-1, ...mset.map((m) => m.bal as number));
          const val = maxbal === -1 ? 'aborted' : mset.find((m) => m.bal === maxbal)!.val;
          for (let w = 0; w < witnesses; w++) out.push({ ...copy(s), msgs: send(s, { type: 'phase2a', ins: rm, bal, val }) });
        }
      }
    const decided = (rm: number, val: string): number =>
      Ballot.reduce(
        (n, bal) => n + Majority.filter((MS) => MS.every((acc) => sent(s, { type: 'phase2b', ins: rm, bal, val, acc }))).length,
        0,
      );
    const commits = RM.reduce((n, rm) => n * decided(rm, 'prepared'), 1);
    const aborts = RM.reduce((n, rm) => n + decided(rm, 'aborted'), 0);
    for (let w = 0; w < commits; w++) out.push({ ...copy(s), msgs: send(s, { type: 'Commit' }) });
    for (let w = 0; w < aborts; w++) out.push({ ...copy(s), msgs: send(s, { type: 'Abort' }) });
    for (const acc of Acc) {
      for (const m of msgs.filter((x) => x.type === 'phase1a')) {
        const a = s.aState[m.ins as number][acc];
        if (!(a.mbal < (m.bal as number))) continue;
        const t = copy(s);
        t.aState[m.ins as number][acc].mbal = m.bal as number;
        t.msgs = send(s, { type: 'phase1b', ins: m.ins, mbal: m.bal, bal: a.bal, val: a.val, acc });
        out.push(t);
      }
      for (const m of msgs.filter((x) => x.type === 'phase2a')) {
        if (!(s.aState[m.ins as number][acc].mbal <= (m.bal as number))) continue;
        const t = copy(s);
        t.aState[m.ins as number][acc] = { mbal: m.bal as number, bal: m.bal as number, val: m.val as string };
        t.msgs = send(s, { type: 'phase2b', ins: m.ins, bal: m.bal, val: m.val, acc });
        out.push(t);
      }
    }
    return out;
  };
  const init: S = { rmState: RM.map(() => 'working'), aState: RM.map(() => Acc.map(() => ({ mbal: 0, bal: -1, val: 'none' }))), msgs: [] };
  const seen = new Set([canonicalJson(init)]);
  let level = [init];
  let generated = 1;
  let depth = 0;
  while (level.length > 0) {
    depth++;
    const next: S[] = [];
    for (const s of level)
      for (const t of successors(s)) {
        generated++;
        const k = canonicalJson(t);
        if (!seen.has(k)) {
          seen.add(k);
          next.push(t);
        }
      }
    level = next;
  }
  return { counts: [seen.size, generated, depth], states: seen };
}

describe('paxos-commit: TLC parity', () => {
  it('defaults to the published configuration: RM = {r1, r2}, Acceptor = {a1, a2, a3}, Ballot = {0, 1}', () => {
    expect(resolveParams(paxosCommit, {})).toMatchObject({ rms: 2, acceptors: 3, ballots: 2, shape: 'tla' });
  });

  // About 6 s of CPU, so it runs only on request: DISTCHECK_PUBLISHED=1 npx vitest run properties/commit/paxos-commit.test.ts
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

  it.each([
    [1, 3, 2],
    [2, 1, 2],
    [2, 3, 1],
    [1, 2, 3],
  ])(
    'has the same states and counts as a literal transcription of the spec with %i RMs, %i acceptors, %i ballots',
    (rms, acceptors, ballots) => {
      const literal = tlcCount(rms, acceptors, ballots);
      const r = exploreModel(paxosCommit, 'correct', { rms, acceptors, ballots });
      expect([r.distinctStates, r.statesGenerated, r.depth]).toEqual(literal.counts);
      // State for state: each packed state, unpacked into the spec's variables, is one the transcription reaches.
      const toSpec = specView({ rms, acceptors, ballots });
      const unpacked = reachableStates(specMachine({ rms, acceptors, ballots })).map((s) => {
        const v = toSpec(s);
        return canonicalJson({ ...v, msgs: v.msgs.map((m) => canonicalJson(m)).sort() });
      });
      expect(new Set(unpacked)).toEqual(literal.states);
    },
  );

  it.each([
    [1, 3, 2],
    [2, 3, 2],
    [2, 2, 2],
  ])(
    'keys agree with canonical JSON with %i RMs, %i acceptors, %i ballots (integer, published and general string keys)',
    (rms, acceptors, ballots) => {
      const m = specMachine({ rms, acceptors, ballots });
      const byKey = new Map<string | number, string>();
      const byJson = new Map<string, string | number>();
      const queue: PCState[] = [...m.init];
      for (let i = 0; i < queue.length && byKey.size < 2000; i++) {
        const k = m.key!(queue[i]);
        const j = canonicalJson(queue[i]);
        if (byKey.has(k)) {
          expect(byKey.get(k)).toBe(j);
          continue;
        }
        expect(byJson.has(j)).toBe(false);
        byKey.set(k, j);
        byJson.set(j, k);
        for (const a of m.actions(queue[i])) queue.push(m.next(queue[i], a));
      }
      expect(typeof m.key!(m.init[0])).toBe(rms === 1 ? 'number' : 'string');
    },
  );
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchRows, coverageRow, medianWalks, WALK_SCOPES } from '../../models/commit/walk-coverage';
import { twoPhaseCommit } from '../../models/commit/two-phase-commit';
import { checkRandom, DEFAULT_WALK_STYLE, GuidedWalks, pathArbitrary, runWalk, walkCoverage } from '../../src/check/walk';

const tp = (rms: number, variant = 'correct') => twoPhaseCommit.machine({ rms }, variant);

describe('walk-coverage: how much of the state space random walks see', () => {
  const rms4 = tp(4);

  it('the default walks see at least 95% of TwoPhase with 4 RMs (1,568 states) in 1,000 walks, for every seed tried', () => {
    const seen = [1, 2, 3, 14].map((seed) => walkCoverage(rms4, [1000], { seed, walkLength: 50, style: DEFAULT_WALK_STYLE })[0]);
    expect(seen).toEqual([1547, 1530, 1551, 1553]);
    for (const n of seen) expect(n / 1568).toBeGreaterThanOrEqual(0.95);
  });

  it('uniform and swarm walks fall well short of it: 59% and 55% with seed 14', () => {
    const options = { seed: 14, walkLength: 50 };
    expect(walkCoverage(rms4, [100, 1000], { ...options, style: { swarm: false } })).toEqual([322, 923]);
    expect(walkCoverage(rms4, [100, 1000], { ...options, style: { swarm: true } })).toEqual([284, 864]);
  });

  it('is deterministic: the same rows twice, the exhaustive count from the explorer', () => {
    const scope = WALK_SCOPES[3];
    const a = coverageRow(scope, [100]);
    expect(coverageRow(scope, [100])).toEqual(a);
    expect(a.reachable).toBe(1864);
    expect(catchRows(WALK_SCOPES[0])).toEqual(catchRows(WALK_SCOPES[0]));
  });

  it('takes the median with a walk that never caught the bug as the largest', () => {
    expect(medianWalks([5, 1, 3])).toBe(3);
    expect(medianWalks([5, undefined, 3, undefined, undefined])).toBeUndefined();
    expect(medianWalks([5, undefined, 3, 9, undefined])).toBe(9);
  });
});

describe('guided walks stay plain walks', () => {
  const machine = tp(4, 'majority-commit');

  it('replays a counterexample found after many walks from --seed and --path', () => {
    const options = { seed: 3, runs: 1000, walkLength: 50 };
    const first = checkRandom(machine, options).violations.find((v) => v.property === 'consistent')!;
    expect(Number(first.replayPath.split(':')[0])).toBeGreaterThan(10);
    const again = checkRandom(machine, { ...options, path: first.replayPath }).violations.find((v) => v.property === 'consistent')!;
    expect(again.path).toEqual(first.path);
  });

  it('generates walks that fast-check can shrink without context, and rewinds to replay them', () => {
    const walks = pathArbitrary(machine, 30, { guided: true, swarm: true });
    expect(walks).toBeInstanceOf(GuidedWalks);
    const sample = fc.sample(walks, { seed: 5, numRuns: 50 });
    for (const w of sample) {
      expect(walks.canShrinkWithoutContext(w)).toBe(true);
      expect(w.choices.length).toBeLessThanOrEqual(30);
    }
    (walks as GuidedWalks).rewind(0);
    expect(fc.sample(walks, { seed: 99, numRuns: 50 })).toEqual(sample);
  });

  it('every shrink of a guided walk is still a valid run', () => {
    const walks = pathArbitrary(machine, 30, { guided: true, swarm: true });
    const [w] = fc.sample(walks, { seed: 8, numRuns: 1 });
    let shrinks = 0;
    for (const s of walks.shrink(w, undefined).take(200)) {
      expect(runWalk(machine, s.value).steps).toBeLessThanOrEqual(s.value.choices.length);
      shrinks++;
    }
    expect(shrinks).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { checkLiveness } from '../src/check/liveness';
import { buildTrace, renderMermaid, renderTraceText } from '../src/trace/trace';
import { flipMachine, requestMachine } from './fixtures/tiny-models';

const ctx = { model: 'fixture', variant: 'correct', params: {} };

describe('eventually, under weak fairness', () => {
  it('holds when a fair action stays enabled around the only cycle', () => {
    expect(checkLiveness(flipMachine({ doneEverywhere: true, doneFair: true })).violations).toEqual([]);
  });

  it('fails with a lasso when the fair action is enabled only part of the cycle (weak, not strong, fairness)', () => {
    const [v] = checkLiveness(flipMachine({ doneEverywhere: false, doneFair: true })).violations;
    expect(v).toEqual({ property: 'finishes', kind: 'eventually', path: { init: 0, choices: [0, 0] }, loopStart: 0 });
  });

  it('fails with a lasso when the action that would finish is not fair', () => {
    const m = flipMachine({ doneEverywhere: true, doneFair: false });
    const [v] = checkLiveness(m).violations;
    expect(v.loopStart).toBe(0);
    const trace = buildTrace(m, ctx, v);
    expect(trace.steps.map((s) => s.state)).toEqual([0, 1, 0]);
    expect(renderTraceText(trace, m)).toContain('… then back to step 0, forever (a fair cycle)');
    expect(renderMermaid(trace, m)).toMatch(/loop forever\n(.*\n){2}  end/);
  });
});

describe('leadsTo, under weak fairness', () => {
  it('holds when the grant is fair', () => {
    expect(checkLiveness(requestMachine({ drop: false, grantFair: true })).violations).toEqual([]);
  });

  it('fails when an unfair drop can lead to a dead end, even though the grant is fair', () => {
    const m = requestMachine({ drop: true, grantFair: true });
    const [v] = checkLiveness(m).violations;
    expect(v).toMatchObject({ property: 'requestGranted', stutter: true });
    expect(buildTrace(m, ctx, v).steps.map((s) => s.action)).toEqual([null, 'Request', 'Drop']);
  });

  it('fails by stuttering when only unfair steps remain', () => {
    const [v] = checkLiveness(requestMachine({ drop: false, grantFair: false })).violations;
    expect(v).toEqual({ property: 'requestGranted', kind: 'leadsTo', path: { init: 0, choices: [0] }, stutter: true });
  });
});

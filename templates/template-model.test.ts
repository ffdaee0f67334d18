// Tests of the template-model model, written by `distcheck init template-model`. Run: `npx vitest run template-model.test.ts`.
import { describe, expect, it } from 'vitest';
import { checkModel } from 'distcheck/testing';
import templateModel from './template-model.js';

describe('template-model', () => {
  // Every configuration of the model, each judged against its variant: correct ones pass, bug ones are caught.
  const check = checkModel(templateModel);

  it('gives every configuration its expected result', () => {
    // On failure, check.message shows each unexpected result with its counterexample, step by step.
    expect(check.ok, check.message).toBe(true);
  });

  it('catches check-then-set with a shortest counterexample of 4 steps', () => {
    const bug = check.byConfiguration['two-clients-check-then-set'];
    expect(bug.violations.map((v) => v.property)).toEqual(['mutualExclusion']);
    // Check(C1), Check(C2), Set(C1), Set(C2): steps[0] is the initial state.
    expect(bug.violations[0].trace.steps.map((s) => s.action)).toEqual([null, 'Check(C1)', 'Check(C2)', 'Set(C1)', 'Set(C2)']);
  });

  it('explores 8 states with two clients and 20 with three', () => {
    expect(check.byConfiguration['two-clients'].distinctStates).toBe(8);
    expect(check.byConfiguration['three-clients'].distinctStates).toBe(20);
  });

  it('rolls v2 out over v1: safe when v2 takes both keys, caught when it takes only the new one', () => {
    expect(check.byConfiguration['rolling-upgrade'].result).toBe('pass');
    const mixed = check.byConfiguration['rolling-upgrade-new-key-only'];
    expect(mixed.violations.map((v) => v.property)).toEqual(['mutualExclusion', 'everyoneDone']);
    // C2 (v1) takes the old key, C1 restarts as v2 and takes the new key: both hold the lock.
    expect(mixed.violations[0].trace.steps.map((s) => s.action)).toEqual([null, 'Acquire(C2)', 'Upgrade(C1)', 'Acquire(C1)']);
    // A rollback: C2 takes both keys as v2 and releases only the old one as v1; the new key stays taken.
    const rollback = check.byConfiguration['rolling-upgrade-with-rollback'];
    expect(rollback.violations[0].trace.steps.map((s) => s.action)).toEqual([
      null,
      'Upgrade(C1)',
      'Upgrade(C2)',
      'Acquire(C2)',
      'Downgrade(C2)',
      'Release(C2)',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { seataAt, type SeataState } from '../../models/transactions/seata-at';
import { runConfigurations } from '../../src/run/testing';

const machine = seataAt.machine({}, 'correct');
const apply = (s: SeataState, label: string): SeataState => {
  const a = machine.actions(s).find((x) => machine.formatAction(x) === label);
  if (!a) throw new Error(`${label} is not enabled`);
  return machine.next(s, a);
};
const enabled = (s: SeataState) => machine.actions(s).map(machine.formatAction);

describe('seata-at', () => {
  it('gives every configuration its expected result', () => {
    for (const o of runConfigurations(seataAt)) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('runs the worked example: tx1 sets 900, tx2 waits for the global lock, tx1 rolls back to 1000, then tx2 writes 800', () => {
    let s = machine.init[0];
    expect(s.m).toBe(1000);
    s = apply(s, 'LocalCommit(T1)');
    expect(s.m).toBe(900);
    expect(enabled(s)).not.toContain('LocalCommit(T2)');
    s = apply(s, 'GlobalRollback(T1)');
    expect([s.m, s.lock]).toEqual([1000, null]);
    s = apply(s, 'LocalCommit(T2)');
    s = apply(s, 'GlobalCommit(T2)');
    expect(s.m).toBe(800);
    expect(machine.properties.filter((p) => p.kind === 'always').every((p) => (p.holds as (x: SeataState) => boolean)(s))).toBe(true);
  });

  it('without the global lock, T2 overwrites T1 and T1 rollback clobbers T2', () => {
    const bug = seataAt.machine({}, 'no-global-lock');
    let s = bug.init[0];
    for (const label of ['LocalCommit(T1)', 'LocalCommit(T2)', 'GlobalCommit(T2)', 'GlobalRollback(T1)']) {
      s = bug.next(
        s,
        bug.actions(s).find((x) => bug.formatAction(x) === label)!,
      );
    }
    expect([s.m, s.dirtyWrite, s.clobbered]).toEqual([1000, true, true]);
  });
});

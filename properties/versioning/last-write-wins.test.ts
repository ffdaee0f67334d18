import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { hlcLocal, hlcReceive, lastWriteWins, type LwwState } from '../../models/versioning/last-write-wins';
import { configurationOutcomes, exploreModel } from '../../src/run/testing';

const later = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
const small = fc.nat({ max: 6 });

describe('hybrid logical clocks (Kulkarni et al. 2014, Fig. 5)', () => {
  it('follows the paper on its cases', () => {
    expect(hlcLocal(5, 2, 3)).toEqual([5, 3]); // physical clock behind l: keep l, count up
    expect(hlcLocal(5, 2, 7)).toEqual([7, 0]); // physical clock ahead: take it, reset c
    expect(hlcReceive(5, 2, 5, 4, 3)).toEqual([5, 5]); // l = l_m: max(c, c_m) + 1
    expect(hlcReceive(5, 2, 4, 9, 3)).toEqual([5, 3]);
    expect(hlcReceive(4, 9, 5, 2, 3)).toEqual([5, 3]);
    expect(hlcReceive(4, 9, 5, 2, 8)).toEqual([8, 0]);
  });

  test.prop([small, small, small])('a local event is later than the clock and not behind physical time', (l, c, pt) => {
    const t = hlcLocal(l, c, pt);
    expect(later(t, [l, c])).toBe(true);
    expect(t[0]).toBeGreaterThanOrEqual(pt);
  });

  test.prop([small, small, small, small, small])('a receive is later than both the clock and the message', (l, c, ml, mc, pt) => {
    const t = hlcReceive(l, c, ml, mc, pt);
    expect(later(t, [l, c]) && later(t, [ml, mc])).toBe(true);
    expect(t[0]).toBe(Math.max(l, ml, pt));
  });
});

describe('last-write-wins model', () => {
  const { outcomes, outcome } = configurationOutcomes(lastWriteWins);
  const lengths = (name: string) => outcome(name).violations.map((v) => [v.property, v.trace.steps.length - 1]);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('pins the state counts', () => {
    expect(outcomes.map((o) => [o.configuration, o.distinctStates])).toEqual([
      ['hlc', 9795],
      ['physical-skew1', 4047],
      ['physical-perfect-clocks', 13004],
      ['physical-stall', 6148],
      ['hlc-stall', 14804],
      ['no-tie-break', 419],
      ['hlc-no-context', 9795],
      ['lamport-clock', 4527],
      ['hlc-3-replicas-random', 4965],
    ]);
  });

  it('loses an update with δ = 1 in 5 steps: a clock one tick ahead stamps the earlier write as late as the later one', () => {
    expect(lengths('physical-skew1')).toEqual([
      ['realTimeOrderWins', 5],
      ['causalWriteWins', 3],
    ]);
    const trace = outcome('physical-skew1').violations[0].trace;
    expect(trace.steps.map((s) => s.action)).toEqual([null, 'ClockSkew(R2)', 'Write(R2)', 'Replicate(w1, R1)', 'Tick', 'Write(R1)']);
    const s = trace.steps.at(-1)!.state as LwwState;
    expect(s.writes.map((w) => [w.rt, w.l])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(s.holds).toEqual([0, 0]);
  });

  it('loses an update in 5 steps when a clock stalls: the stalled replica stamps a later write no later than an earlier one', () => {
    expect(lengths('physical-stall')).toEqual([
      ['realTimeOrderWins', 5],
      ['causalWriteWins', 3],
    ]);
    const trace = outcome('physical-stall').violations[0].trace;
    expect(trace.steps.map((s) => s.action)).toEqual([null, 'Write(R2)', 'Replicate(w1, R1)', 'ClockStall(R1)', 'Tick', 'Write(R1)']);
    const s = trace.steps.at(-1)!.state as LwwState;
    // Real times 0 and 1, both stamped 0: the tie goes to R2's earlier write, so R1's later one is lost.
    expect(s.writes.map((w) => [w.rt, w.l])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(s.holds).toEqual([0, 0]);
  });

  it('with HLC, a stalled clock keeps causal order and l within ε = δ + β of it; real-time order is still not kept', () => {
    const o = outcome('hlc-stall');
    expect(o.violations.map((v) => v.property)).toEqual(['realTimeOrderWins']);
    expect(o.violations[0].trace.steps.map((s) => s.action)).toContain('ClockStall(R1)');
    expect(o.witnesses.map((w) => w.property)).toContain('causalWinsDespiteSkew');
  });

  it('keeps real-time order with perfect clocks and a tie-break, but not a read-then-write within one tick', () => {
    expect(lengths('physical-perfect-clocks')).toEqual([['causalWriteWins', 3]]);
  });

  it('diverges without a tie-break: two writes with the same timestamp arrive in different orders', () => {
    expect(lengths('no-tie-break')).toEqual([
      ['causalWriteWins', 2],
      ['converges', 4],
    ]);
  });

  it('with HLC, a write that read another wins even under skew, and the clock stays within δ of physical time', () => {
    // Only real-time order between writes that never communicated is lost (5 steps, as with physical clocks).
    expect(lengths('hlc')).toEqual([['realTimeOrderWins', 5]]);
    expect(outcome('hlc').witnesses.map((w) => [w.property, w.steps.length - 1])).toEqual([
      ['causalWinsDespiteSkew', 4],
      ['overwrittenEverywhere', 4],
    ]);
    const witness = outcome('hlc').witnesses[0].steps.at(-1)!.state as LwwState;
    const [first, second] = witness.writes;
    expect(first.pt > second.pt && (second.l > first.l || (second.l === first.l && second.c > first.c))).toBe(true);
  });

  it('with HLC and perfect clocks, keeps real-time order as well', () => {
    const r = exploreModel(lastWriteWins, 'correct', { skew: 0, clockFaults: 0 });
    expect([r.distinctStates, r.violations.length]).toEqual([739, 0]);
  });

  it('loses causal order when the client does not send the timestamp it read (3 steps)', () => {
    expect(lengths('hlc-no-context')).toEqual([
      ['realTimeOrderWins', 5],
      ['causalWriteWins', 3],
    ]);
  });

  it('with Lamport counters, keeps causal order but runs ahead of physical time after two writes', () => {
    expect(lengths('lamport-clock')).toEqual([
      ['realTimeOrderWins', 4],
      ['clockWithinSkew', 2],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import {
  applyClockAction,
  clockActions,
  clockParams,
  clockView,
  formatClockAction,
  formatClocks,
  initialClocks,
  now,
  offsetOf,
  withClocks,
  type ClockAction,
  type ClockConfig,
  type ClockState,
} from '../src/model/clocks';
import type { Machine } from '../src/model/model';

const names = (as: readonly ClockAction[]) => as.map(formatClockAction);
const sync = (c: Partial<ClockConfig> = {}): ClockConfig => ({
  nodes: ['A', 'B'],
  horizon: 2,
  ahead: 1,
  faults: 2,
  skew: true,
  jumps: [1],
  ...c,
});
const step = (cs: ClockState, config: ClockConfig, ...as: ClockAction[]) => as.reduce((s, a) => applyClockAction(s, a, config), cs);

describe('clocks: synchronized clocks within δ of true time', () => {
  it('start at true time and read it through now(state, node)', () => {
    const cs = initialClocks(sync({ start: 0 }));
    expect(cs).toEqual({ time: 0, reading: { A: 0, B: 0 }, stalled: [], faultsLeft: 2 });
    expect(now({ clocks: cs }, 'B')).toBe(0);
    expect(() => now({ clocks: cs }, 'Z')).toThrow(/unknown node 'Z'/);
  });

  it('skew ahead and jump back only within the band [time − behind, time + ahead]', () => {
    const c = sync();
    const s0 = initialClocks(c);
    expect(names(clockActions(s0, c))).toEqual(['Tick', 'ClockSkew(A)', 'ClockSkew(B)']);
    const skewed = step(s0, c, { name: 'ClockSkew', node: 'B' });
    expect([offsetOf(skewed, 'B'), skewed.faultsLeft]).toEqual([1, 1]);
    // B is δ ahead: no further skew, but it may step back; A, at the lower edge, may not.
    expect(names(clockActions(skewed, c))).toEqual(['Tick', 'ClockSkew(A)', 'ClockJumpBack(B, 1)']);
    const spent = step(skewed, c, { name: 'ClockJumpBack', node: 'B', by: 1 });
    expect([spent.reading.B, spent.faultsLeft]).toEqual([0, 0]);
    expect(names(clockActions(spent, c))).toEqual(['Tick']);
  });

  it('move every clock with true time, and stop at the horizon', () => {
    const c = sync({ horizon: 1 });
    const s = step(initialClocks(c), c, { name: 'ClockSkew', node: 'A' }, { name: 'Tick' });
    expect([s.time, s.reading]).toEqual([1, { A: 2, B: 1 }]);
    expect(names(clockActions(s, c))).not.toContain('Tick');
  });

  it('stall a clock while time goes on, dragging it along at the lower edge of the band, until it resumes', () => {
    const c = sync({ ahead: 0, behind: 1, skew: false, jumps: [], stall: true, horizon: 3 });
    const stalled = step(initialClocks(c), c, { name: 'ClockStall', node: 'A' });
    expect(names(clockActions(stalled, c))).toEqual(['Tick', 'ClockStall(B)', 'ClockResume(A)']);
    const t1 = step(stalled, c, { name: 'Tick' });
    expect([t1.reading.A, t1.reading.B]).toEqual([0, 1]);
    const t2 = step(t1, c, { name: 'Tick' });
    expect([t2.reading.A, offsetOf(t2, 'A')]).toEqual([1, -1]); // never more than `behind` behind
    const resumed = step(t2, c, { name: 'ClockResume', node: 'A' }, { name: 'Tick' });
    expect([resumed.stalled, resumed.reading]).toEqual([[], { A: 2, B: 3 }]);
  });
});

describe('clocks: free-running clocks', () => {
  const free: ClockConfig = { nodes: ['W1', 'W2'], mode: 'free', start: 10, horizon: 11, faults: 1, jumps: [2, 7] };

  it('tick on their own, with no true time, and jump back by the configured sizes (never below 0)', () => {
    const s0 = initialClocks(free);
    expect(s0.time).toBeUndefined();
    expect(names(clockActions(s0, free))).toEqual([
      'Tick(W1)',
      'Tick(W2)',
      'ClockJumpBack(W1, 2)',
      'ClockJumpBack(W1, 7)',
      'ClockJumpBack(W2, 2)',
      'ClockJumpBack(W2, 7)',
    ]);
    const s = step(s0, free, { name: 'Tick', node: 'W2' }, { name: 'ClockJumpBack', node: 'W1', by: 7 });
    expect([s.reading, s.faultsLeft]).toEqual([{ W1: 3, W2: 11 }, 0]);
    expect(names(clockActions(s, free))).toEqual(['Tick(W1)']);
    expect(
      names(clockActions(step(s0, { ...free, faults: 2 }, { name: 'ClockJumpBack', node: 'W1', by: 7 }), { ...free, faults: 2 })),
    ).not.toContain('ClockJumpBack(W1, 7)');
  });

  it('refuse a skew (there is no band) and a jump that is not a positive whole number', () => {
    expect(() => initialClocks({ ...free, skew: true })).toThrow(/no band/);
    expect(() => initialClocks({ ...free, jumps: [0] })).toThrow(/positive whole number/);
  });
});

// A toy protocol: each node stamps one event with its clock; the property says a later event (in true time) gets a
// larger stamp. Perfect clocks keep it; a clock one tick ahead stamps an earlier event as late as a later one.
interface Toy {
  readonly clocks: ClockState;
  readonly stamps: readonly { readonly node: string; readonly at: number; readonly clock: number }[];
}
type Stamp = { readonly name: 'Stamp'; readonly node: string };

function toy(config: ClockConfig): Machine<Toy, Stamp | ClockAction> {
  return withClocks<Toy, Stamp>(config, {
    init: [{ clocks: initialClocks(config), stamps: [] }],
    actions: (s) => config.nodes.filter((n) => !s.stamps.some((x) => x.node === n)).map((node) => ({ name: 'Stamp', node })),
    next: (s, a) => ({ ...s, stamps: [...s.stamps, { node: a.node, at: s.clocks.time ?? 0, clock: now(s, a.node) }] }),
    properties: [
      {
        kind: 'always',
        name: 'stampsFollowTime',
        description: 'a later event gets a larger stamp',
        holds: (s) => s.stamps.every((x, i) => s.stamps.slice(i + 1).every((y) => y.at === x.at || y.clock > x.clock)),
      },
    ],
    actionNames: ['Stamp'],
    formatAction: (a) => `Stamp(${a.node})`,
    view: (_f, a) => [{ type: 'note', over: a.node, text: 'stamps' }],
    display: (s) => ({ clocks: formatClocks(s.clocks) }),
  });
}

describe('clocks: withClocks', () => {
  it('adds time and the clock faults to the names, formats and draws them, and never makes a fault fair', () => {
    const m = toy(sync());
    expect(m.actionNames).toEqual(['Stamp', 'Tick', 'ClockSkew', 'ClockJumpBack']);
    expect(toy(sync({ faults: 0 })).actionNames).toEqual(['Stamp', 'Tick']);
    expect(toy(sync({ stall: true })).actionNames).toEqual(['Stamp', 'Tick', 'ClockSkew', 'ClockJumpBack', 'ClockStall', 'ClockResume']);
    expect(m.fair!({ name: 'Tick' })).toBe(true);
    expect(m.fair!({ name: 'ClockResume', node: 'A' })).toBe(true);
    expect(m.fair!({ name: 'ClockSkew', node: 'A' })).toBe(false);
    expect(m.fair!({ name: 'ClockJumpBack', node: 'A', by: 1 })).toBe(false);
    const s0 = m.init[0];
    const skewed = m.next(s0, { name: 'ClockSkew', node: 'A' });
    expect(m.view!(s0, { name: 'ClockSkew', node: 'A' }, skewed)).toEqual([
      { type: 'note', over: 'A', text: '⏩ clock skews ahead 0 → 1 at time 0' },
    ]);
    expect(clockView(s0.clocks, { name: 'Tick' }, s0.clocks)).toEqual([]);
    expect(formatClocks(skewed.clocks)).toBe('time 0: A 1, B 0');
    expect(m.actors).toEqual(['A', 'B']);
  });

  it('explores the clocks as part of the plain state: one tick ahead is enough to stamp out of order', () => {
    // Perfect clocks: per time T in 0..2, no stamp, one of 2 nodes at one of T+1 times, or both in 2 orders at
    // t1 ≤ t2 ≤ T: 5 + 11 + 19 states.
    const perfect = explore(toy(sync({ faults: 0 })), {});
    expect([perfect.distinctStates, perfect.violations.length]).toEqual([35, 0]);
    // ClockSkew(A), Stamp(A) (clock 1 at time 0), Tick, Stamp(B) (clock 1 at time 1).
    const skewed = explore(toy(sync()), {});
    expect(skewed.violations.map((v) => [v.property, v.path.choices.length])).toEqual([['stampsFollowTime', 4]]);
    const m = toy(sync());
    let s = m.init[0];
    const taken = skewed.violations[0].path.choices.map((i) => {
      const a = m.actions(s)[i];
      s = m.next(s, a);
      return m.formatAction(a);
    });
    expect(taken).toEqual(['ClockSkew(A)', 'Stamp(A)', 'Tick', 'Stamp(B)']);
    expect(skewed.distinctStates).toBeGreaterThan(perfect.distinctStates);
  });

  it('declares δ and the fault budget as parameters, the budget marked as one', () => {
    const p = clockParams({ skew: { max: 3, default: 1 }, clockFaults: { max: 4, default: 2 } });
    expect([p.skew.default, p.skew.budget, p.clockFaults.max, p.clockFaults.budget]).toEqual([1, undefined, 4, true]);
  });
});

import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import type { Machine } from '../src/model/model';
import {
  applyVersionAction,
  byVersion,
  initialVersions,
  isMixed,
  senderVersion,
  stamp,
  versionActions,
  versionLabel,
  versionOf,
  versionView,
  withVersions,
  type Rollout,
  type VersionAction,
  type VersionState,
} from '../src/model/versions';

const NODES = ['A', 'B', 'C'];
const rollout = (r: Partial<Rollout>): Rollout => ({ nodes: NODES, last: 2, order: 'any', ...r });
const names = (as: readonly VersionAction[]) => as.map((a) => `${a.name}(${a.node})`);
const at = (version: Record<string, number>, downgrades = 0): VersionState => ({ version, downgrades });

describe('versions: the rollout', () => {
  it('starts every node at one version, or at its own', () => {
    expect(initialVersions(rollout({})).version).toEqual({ A: 1, B: 1, C: 1 });
    expect(initialVersions(rollout({ start: { B: 2 } })).version).toEqual({ A: 1, B: 2, C: 1 });
    expect(initialVersions(rollout({ downgrades: 2 })).downgrades).toBe(2);
  });

  it('lets any node upgrade in any order, up to the last version', () => {
    expect(names(versionActions(at({ A: 1, B: 2, C: 1 }), rollout({})))).toEqual(['Upgrade(A)', 'Upgrade(C)']);
  });

  it('upgrades in the fixed order and rolls back in the reverse order', () => {
    const r = rollout({ order: 'rolling', downgrades: 1 });
    expect(names(versionActions(at({ A: 1, B: 1, C: 1 }, 1), r))).toEqual(['Upgrade(A)']);
    expect(names(versionActions(at({ A: 2, B: 1, C: 1 }, 1), r))).toEqual(['Upgrade(B)', 'Downgrade(A)']);
    expect(names(versionActions(at({ A: 2, B: 2, C: 1 }, 1), r))).toEqual(['Upgrade(C)', 'Downgrade(B)']);
    expect(names(versionActions(at({ A: 2, B: 2, C: 2 }, 1), r))).toEqual(['Downgrade(C)']);
  });

  it('keeps one deploy at a time when stepwise: no node two versions ahead of another', () => {
    const r = rollout({ last: 3, stepwise: true, downgrades: 1 });
    expect(names(versionActions(at({ A: 2, B: 1, C: 1 }, 1), r))).toEqual(['Upgrade(B)', 'Upgrade(C)', 'Downgrade(A)']);
    expect(names(versionActions(at({ A: 3, B: 2, C: 2 }, 1), r))).toEqual(['Upgrade(B)', 'Upgrade(C)', 'Downgrade(A)']);
    expect(names(versionActions(at({ A: 2, B: 2, C: 3 }, 1), r))).toEqual(['Upgrade(A)', 'Upgrade(B)', 'Downgrade(C)']);
    const free = rollout({ last: 3, stepwise: false });
    expect(names(versionActions(at({ A: 2, B: 1, C: 1 }), free))).toEqual(['Upgrade(A)', 'Upgrade(B)', 'Upgrade(C)']);
  });

  it('spends the rollback budget, and offers no rollback without one', () => {
    const s = applyVersionAction(at({ A: 2, B: 1, C: 1 }, 1), { name: 'Downgrade', node: 'A' });
    expect(s).toEqual(at({ A: 1, B: 1, C: 1 }, 0));
    expect(names(versionActions(at({ A: 2, B: 2, C: 2 }, 0), rollout({})))).toEqual([]);
    expect(applyVersionAction(s, { name: 'Upgrade', node: 'C' }).version).toEqual({ A: 1, B: 1, C: 2 });
  });

  it('labels nodes with their version only while the cluster is mixed', () => {
    expect(isMixed(at({ A: 1, B: 1, C: 1 }))).toBe(false);
    expect(versionLabel(at({ A: 1, B: 1, C: 1 }), 'B')).toBe('B');
    expect(versionLabel(at({ A: 1, B: 2, C: 1 }), 'B')).toBe('B (v2)');
    expect(() => versionOf(at({ A: 1 }), 'Z')).toThrow(/unknown node/);
  });

  it('notes an upgrade or a rollback in the diagram, in the model’s own words when it gives them', () => {
    const vs = at({ A: 1, B: 2, C: 1 });
    expect(versionView(vs, { name: 'Upgrade', node: 'A' })).toEqual([{ type: 'note', over: 'A', text: '⬆ restarts as v2' }]);
    expect(versionView(vs, { name: 'Downgrade', node: 'B' })).toEqual([{ type: 'note', over: 'B', text: '⬇ rolls back to v1' }]);
    const adopts = (_n: string, from: number, to: number) => `${to > from ? 'adopts' : 'drops'} list ${to}`;
    expect(versionView(vs, { name: 'Upgrade', node: 'A' }, adopts)).toEqual([{ type: 'note', over: 'A', text: 'adopts list 2' }]);
  });

  it('stamps a message with the version its sender runs now', () => {
    const m = stamp(at({ A: 2, B: 1, C: 1 }), 'Put', 'A', 'B', { value: 7 });
    expect(m).toEqual({ type: 'Put', from: 'A', to: 'B', payload: { value: 7, v: 2 } });
    expect(senderVersion(m)).toBe(2);
  });
});

// A toy protocol: each node counts its steps; v1 adds 1, v2 adds 10. Upgrades reset the volatile `tmp` only.
interface Toy {
  readonly versions: VersionState;
  readonly count: Readonly<Record<string, number>>;
  readonly tmp: Readonly<Record<string, number>>;
}
type Step = { readonly name: 'Step'; readonly node: string };

function toy(r: Rollout): Machine<Toy, Step | VersionAction> {
  const impl = (inc: number) => ({
    actions: (s: Toy, node: string): Step[] => (s.count[node] < 2 ? [{ name: 'Step', node }] : []),
    next: (s: Toy, a: Step): Toy => ({ ...s, count: { ...s.count, [a.node]: s.count[a.node] + inc }, tmp: { ...s.tmp, [a.node]: 1 } }),
  });
  const p = byVersion<Toy, Step>(r.nodes, { 1: impl(1), 2: impl(10) }, (a) => a.node);
  const zero = Object.fromEntries(r.nodes.map((n) => [n, 0]));
  return withVersions<Toy, Step>(
    r,
    { onRestart: (s, node) => ({ ...s, tmp: { ...s.tmp, [node]: 0 } }) },
    {
      init: [{ versions: initialVersions(r), count: zero, tmp: zero }],
      actions: p.actions,
      next: p.next,
      properties: [
        { kind: 'sometimes', name: 'v2Step', description: 'a v2 step', holds: (s) => Object.values(s.count).some((c) => c >= 10) },
      ],
      actionNames: ['Step'],
      formatAction: (a) => `Step(${a.node})`,
      view: (_f, a) => [{ type: 'note', over: a.node, text: 'steps' }],
    },
  );
}

describe('versions: withVersions and byVersion', () => {
  const r = rollout({ nodes: ['A', 'B'], downgrades: 1 });
  const m = toy(r);
  const s0 = m.init[0];

  it('dispatches a step on the version of the node that takes it', () => {
    const up = m.next(s0, { name: 'Upgrade', node: 'A' });
    expect(m.next(up, { name: 'Step', node: 'A' }).count).toEqual({ A: 10, B: 0 });
    expect(m.next(up, { name: 'Step', node: 'B' }).count).toEqual({ A: 0, B: 1 });
  });

  it('keeps durable state across a restart into another version and resets volatile state', () => {
    const stepped = m.next(s0, { name: 'Step', node: 'A' });
    expect(stepped.tmp.A).toBe(1);
    const up = m.next(stepped, { name: 'Upgrade', node: 'A' });
    expect(up.count.A).toBe(1);
    expect(up.tmp.A).toBe(0);
    const down = m.next(up, { name: 'Downgrade', node: 'A' });
    expect(versionOf(down.versions, 'A')).toBe(1);
    expect(down.versions.downgrades).toBe(0);
  });

  it('adds the version actions to the names, formats them, draws them and never makes them fair', () => {
    expect(m.actionNames).toEqual(['Step', 'Upgrade', 'Downgrade']);
    expect(toy(rollout({ nodes: ['A', 'B'] })).actionNames).toEqual(['Step', 'Upgrade']);
    expect(m.formatAction({ name: 'Upgrade', node: 'B' })).toBe('Upgrade(B)');
    expect(m.fair!({ name: 'Upgrade', node: 'B' })).toBe(false);
    expect(m.fair!({ name: 'Step', node: 'B' })).toBe(true);
    expect(m.view!(s0, { name: 'Upgrade', node: 'B' }, s0)).toEqual([{ type: 'note', over: 'B', text: '⬆ restarts as v2' }]);
    const up = m.next(s0, { name: 'Upgrade', node: 'B' });
    expect(m.view!(up, { name: 'Downgrade', node: 'B' }, s0)).toEqual([{ type: 'note', over: 'B', text: '⬇ rolls back to v1' }]);
    expect(m.actors).toEqual(['A', 'B']);
  });

  it('explores the versions as part of the plain state', () => {
    const without = explore(toy(rollout({ nodes: ['A', 'B'], last: 1 })), {});
    const withUpgrades = explore(m, {});
    expect(withUpgrades.distinctStates).toBeGreaterThan(without.distinctStates);
    expect(withUpgrades.violations).toEqual([]);
  });

  it('fails loudly on a version nobody implemented', () => {
    const broken = toy(rollout({ nodes: ['A', 'B'], last: 3 }));
    const s = broken.next(broken.next(s0, { name: 'Upgrade', node: 'A' }), { name: 'Upgrade', node: 'A' });
    expect(() => broken.actions(s)).toThrow(/v3, which has no implementation/);
  });
});

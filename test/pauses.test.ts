import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import type { Machine } from '../src/model/model';
import {
  applyPauseAction,
  formatPauseAction,
  formatPauses,
  initialPauses,
  isPaused,
  pauseActions,
  pauseParams,
  withPauses,
  type PauseAction,
  type PauseState,
} from '../src/model/pauses';

const names = (as: readonly PauseAction[]) => as.map(formatPauseAction);

describe('pauses: the budget and the state', () => {
  it('pauses any running node within the budget, and wakes a paused one', () => {
    const ps = initialPauses(1);
    expect(names(pauseActions(ps, null, { nodes: ['A', 'B'] }))).toEqual(['Pause(A)', 'Pause(B)']);
    const paused = applyPauseAction(ps, { name: 'Pause', node: 'B' });
    expect(paused).toEqual({ paused: ['B'], left: 0 });
    expect(isPaused(paused, 'B')).toBe(true);
    expect(names(pauseActions(paused, null, { nodes: ['A', 'B'] }))).toEqual(['Wake(B)']);
    expect(applyPauseAction(paused, { name: 'Wake', node: 'B' })).toEqual({ paused: [], left: 0 });
    expect(formatPauses(paused)).toBe('B (0 pauses left)');
  });

  it('asks the model where a pause may strike and when a node can wake', () => {
    const canPause = (n: number, node: string) => node === 'A' && n > 0;
    expect(names(pauseActions(initialPauses(2), 1, { nodes: ['A', 'B'], canPause }))).toEqual(['Pause(A)']);
    expect(names(pauseActions({ paused: ['A'], left: 1 }, 1, { nodes: ['A', 'B'], canWake: () => false }))).toEqual(['Pause(B)']);
  });

  it('declares the budget as a parameter marked as one', () => {
    expect(pauseParams({ max: 3 }).pauses).toMatchObject({ type: 'int', default: 0, max: 3, budget: true });
  });
});

// A toy lease: a client checks its lease (Check), then writes (Write); the lease may run out at any time (Expire,
// not the client's step). A pause between check and write lets the write land after the lease ran out.
interface Toy {
  readonly pauses: PauseState;
  readonly checked: boolean;
  readonly leaseLive: boolean;
  readonly staleWrite: boolean;
  readonly written: boolean;
}
type Step = { readonly name: 'Check' | 'Write' | 'Expire'; readonly node: string };

function toy(budget: number): Machine<Toy, Step | PauseAction> {
  const write = (s: Toy): Toy => ({ ...s, written: true, staleWrite: !s.leaseLive });
  return withPauses<Toy, Step>(
    budget,
    {
      nodes: ['C'],
      canPause: (s) => s.checked && !s.written,
      onWake: write,
      nodeOf: (a) => (a.name === 'Expire' ? undefined : a.node),
      where: () => 'after its lease check',
      believes: () => '(still holds its lease)',
      wakeView: () => [{ type: 'message', from: 'C', to: 'S', label: 'Write' }],
    },
    {
      init: [{ pauses: initialPauses(budget), checked: false, leaseLive: true, staleWrite: false, written: false }],
      actions: (s) => [
        ...(!s.checked ? [{ name: 'Check', node: 'C' } as const] : []),
        ...(s.checked && !s.written ? [{ name: 'Write', node: 'C' } as const] : []),
        ...(s.leaseLive ? [{ name: 'Expire', node: 'C' } as const] : []),
      ],
      // A running client sees its lease run out before it writes: it checks again and does not write.
      next: (s, a) =>
        a.name === 'Check'
          ? { ...s, checked: s.leaseLive }
          : a.name === 'Write'
            ? write(s)
            : { ...s, leaseLive: false, checked: s.checked && isPaused(s.pauses, 'C') },
      properties: [{ kind: 'always', name: 'noStaleWrite', description: 'no write after the lease ran out', holds: (s) => !s.staleWrite }],
      actionNames: ['Check', 'Write', 'Expire'],
      formatAction: (a) => `${a.name}(${a.node})`,
      view: (_f, a) => [{ type: 'note', over: a.node, text: a.name }],
    },
  );
}

describe('pauses: withPauses', () => {
  const m = toy(1);
  const s0 = m.init[0];

  it("holds back a paused node's own steps while time goes on, and takes up the interrupted step on waking", () => {
    const checked = m.next(s0, { name: 'Check', node: 'C' });
    expect(m.actions(checked).map(m.formatAction)).toEqual(['Write(C)', 'Expire(C)', 'Pause(C)']);
    const paused = m.next(checked, { name: 'Pause', node: 'C' });
    expect(m.actions(paused).map(m.formatAction)).toEqual(['Expire(C)', 'Wake(C)']);
    const expired = m.next(paused, { name: 'Expire', node: 'C' });
    const woke = m.next(expired, { name: 'Wake', node: 'C' });
    expect([woke.written, woke.staleWrite, woke.pauses]).toEqual([true, true, { paused: [], left: 0 }]);
  });

  it('adds Pause and Wake to the names, formats and draws them; a pause is never fair, a wake is', () => {
    expect(m.actionNames).toEqual(['Check', 'Write', 'Expire', 'Pause', 'Wake']);
    expect(toy(0).actionNames).toEqual(['Check', 'Write', 'Expire']);
    expect(m.fair!({ name: 'Pause', node: 'C' })).toBe(false);
    expect(m.fair!({ name: 'Wake', node: 'C' })).toBe(true);
    expect(m.fair!({ name: 'Expire', node: 'C' })).toBe(true);
    expect(m.view!(s0, { name: 'Pause', node: 'C' }, s0)).toEqual([{ type: 'note', over: 'C', text: '⏸ pauses after its lease check' }]);
    expect(m.view!(s0, { name: 'Wake', node: 'C' }, s0)).toEqual([
      { type: 'note', over: 'C', text: '▶ wakes (still holds its lease)' },
      { type: 'message', from: 'C', to: 'S', label: 'Write' },
    ]);
  });

  it('explores the pauses as part of the plain state: without a pause the lease check suffices, with one it does not', () => {
    const none = explore(toy(0), {});
    expect([none.distinctStates, none.violations.length]).toEqual([5, 0]);
    const one = explore(toy(1), {});
    // Check(C), Pause(C), Expire(C), Wake(C).
    expect(one.violations.map((v) => [v.property, v.path.choices.length])).toEqual([['noStaleWrite', 4]]);
  });
});

import { describe, expect, it } from 'vitest';
import { explore } from '../src/check/explore';
import {
  applyMembershipAction,
  formatMembership,
  formatMembershipAction,
  initialMembership,
  membersOf,
  membershipActions,
  membershipParams,
  withMembership,
  type MembershipAction,
  type MembershipConfig,
  type MembershipState,
} from '../src/model/membership';
import type { Machine } from '../src/model/model';

const names = (as: readonly MembershipAction[]) => as.map(formatMembershipAction);
const POOL = ['N1', 'N2', 'N3'];
const cluster = (c: Partial<MembershipConfig> = {}): MembershipConfig => ({ pool: POOL, initial: ['N1'], ...c });

describe('membership: joins and leaves', () => {
  it('joins a non-member empty or from a snapshot of a member, and leaves a member gracefully or by crash', () => {
    const c = cluster({ initial: ['N2', 'N1'], join: 'both', leave: 'both' });
    const ms = initialMembership(c);
    expect(ms).toEqual({ members: ['N1', 'N2'] });
    expect(names(membershipActions(ms, c))).toEqual([
      'Leave(N1)',
      'CrashLeave(N1)',
      'Leave(N2)',
      'CrashLeave(N2)',
      'Join(N3)',
      'Join(N3 from N1)',
      'Join(N3 from N2)',
    ]);
    expect(membersOf(applyMembershipAction(ms, { name: 'Join', node: 'N3', from: 'N1' }), c)).toEqual(POOL);
    expect(() => initialMembership(cluster({ initial: ['N9'] }))).toThrow(/not in the pool/);
  });

  it('spends the budgets, keeps minMembers and maxMembers, and asks the model', () => {
    const c = cluster({ joins: 1, leaves: 1, minMembers: 1, maxMembers: 2 });
    const ms = initialMembership(c);
    expect(names(membershipActions(ms, c))).toEqual(['Join(N2)', 'Join(N3)']);
    const two = applyMembershipAction(ms, { name: 'Join', node: 'N3' });
    expect(two).toEqual({ members: ['N1', 'N3'], joinsLeft: 0, leavesLeft: 1 });
    expect(names(membershipActions(two, c))).toEqual(['Leave(N1)', 'Leave(N3)']);
    expect(names(membershipActions(two, c, { canLeave: (n) => n === 'N3' }))).toEqual(['Leave(N3)']);
    const one = applyMembershipAction(two, { name: 'Leave', node: 'N1' });
    expect(names(membershipActions(one, c))).toEqual([]);
    expect(formatMembership(one)).toBe('N3 (0 joins left, 0 leaves left)');
  });

  it('declares the budgets as parameters marked as such', () => {
    const p = membershipParams({ joins: { max: 2 }, leaves: { max: 1, default: 1 } });
    expect([p.joins.budget, p.leaves.default, p.leaves.max]).toEqual([true, 1, 1]);
  });
});

// A toy replicated value: members hold a copy; a write goes to every member. A node joining empty has no copy; one
// joining from a snapshot has the snapshot's; a crash loses the copy. The property: some member holds the value.
interface Toy {
  readonly membership: MembershipState;
  readonly copy: Readonly<Record<string, boolean>>;
}
type Write = { readonly name: 'Write' };

function toy(config: MembershipConfig): Machine<Toy, Write | MembershipAction> {
  return withMembership<Toy, Write>(
    config,
    {
      onJoin: (s, node, from) => ({ ...s, copy: { ...s.copy, [node]: from !== undefined && s.copy[from] } }),
      onLeave: (s, node) => ({ ...s, copy: { ...s.copy, [node]: false } }),
      // A member hands its copy over before a graceful leave: it leaves only while another member holds one.
      canLeave: (s, node) => config.pool.some((n) => n !== node && s.copy[n] && s.membership.members.includes(n)),
    },
    {
      init: [{ membership: initialMembership(config), copy: Object.fromEntries(config.pool.map((n) => [n, config.initial.includes(n)])) }],
      actions: () => [],
      next: (s) => s,
      properties: [
        {
          kind: 'always',
          name: 'valueKept',
          description: 'some member holds the value',
          holds: (s) => s.membership.members.some((n) => s.copy[n]),
        },
      ],
      actionNames: [],
      formatAction: (a) => a.name,
    },
  );
}

describe('membership: withMembership', () => {
  it('adds the joins and leaves to the names, formats and draws them, and never makes them fair', () => {
    const m = toy(cluster({ leave: 'both', group: 'the ring' }));
    expect(m.actionNames).toEqual(['Join', 'Leave', 'CrashLeave']);
    expect(toy(cluster({ joins: 0 })).actionNames).toEqual(['Leave']);
    expect(m.fair!({ name: 'Join', node: 'N2' })).toBe(false);
    const s0 = m.init[0];
    expect(m.view!(s0, { name: 'Join', node: 'N2', from: 'N1' }, s0)).toEqual([
      { type: 'note', over: 'N2', text: 'joins the ring from a snapshot of N1' },
    ]);
    expect(m.view!(s0, { name: 'CrashLeave', node: 'N1' }, s0)).toEqual([
      { type: 'note', over: 'N1', text: '💥 crashes and leaves the ring' },
    ]);
    // A model may word the notes itself; a protocol step without a view keeps the default note naming it.
    const worded = withMembership<Toy, Write>(
      cluster(),
      { note: (_s, a) => `${a.name === 'Join' ? 'imports' : 'hands over'} the slot` },
      {
        init: [s0],
        actions: () => [{ name: 'Write' }],
        next: (s) => s,
        properties: [],
        actionNames: ['Write'],
        formatAction: (a) => a.name,
      },
    );
    expect(worded.view!(s0, { name: 'Join', node: 'N2' }, s0)).toEqual([{ type: 'note', over: 'N2', text: 'imports the slot' }]);
    expect(worded.view!(s0, { name: 'Write' }, s0)).toEqual([{ type: 'note', over: 'N1', text: 'Write' }]);
  });

  it('explores the membership as part of the plain state: empty joins and a crash lose the value, snapshots keep it', () => {
    // Graceful leaves only (a member leaves only while another holds a copy): the value always has a holder.
    const m = toy(cluster({ join: 'both' }));
    const s0 = m.init[0];
    expect(m.next(s0, { name: 'Join', node: 'N2', from: 'N1' }).copy.N2).toBe(true);
    expect(m.next(s0, { name: 'Join', node: 'N2' }).copy.N2).toBe(false);
    const safe = explore(m, {});
    expect(safe.violations).toEqual([]);
    // N2 joins empty; N1 could not leave gracefully (nobody else holds a copy), but a crash asks nobody.
    const crash = explore(toy(cluster({ leave: 'crash' })), {});
    expect(crash.violations.map((v) => [v.property, v.path.choices.length])).toEqual([['valueKept', 2]]);
  });
});

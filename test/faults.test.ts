import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  applyFault,
  canStillArrive,
  deliverableMessages,
  faultActions,
  initialFaults,
  messageKey,
  messagesAdded,
  remove,
  send,
  timeoutEnabled,
  twoWaySplits,
  type Message,
} from '../src/model/faults';

const m = (type: string, from: string, to: string): Message => ({ type, from, to });
const messageArb = fc.record({ type: fc.constantFrom('A', 'B'), from: fc.constantFrom('x', 'y'), to: fc.constantFrom('x', 'y') });

describe('network as a multiset', () => {
  test.prop([fc.array(messageArb, { maxLength: 8 })])('stays sorted and keeps duplicates, whatever the send order', (msgs) => {
    const net = send([], ...msgs);
    expect(net).toHaveLength(msgs.length);
    expect(net.map(messageKey)).toEqual(msgs.map(messageKey).sort());
    expect(send([], ...[...msgs].reverse())).toEqual(net);
  });

  test.prop([fc.array(messageArb, { minLength: 1, maxLength: 8 })])('remove takes away exactly one copy', (msgs) => {
    const net = send([], ...msgs);
    expect(remove(net, msgs[0])).toHaveLength(msgs.length - 1);
    expect(messagesAdded(remove(net, msgs[0]), net)).toBe(1);
  });
});

describe('faults within a budget', () => {
  const nodes = ['C', 'P1', 'P2'];
  it('offers drops and duplicates of each distinct message only while the budget lasts', () => {
    let fs = { ...initialFaults({ drops: 1, duplicates: 1 }), net: send([], m('A', 'C', 'P1'), m('A', 'C', 'P1')) };
    expect(faultActions(fs, { nodes, crashable: [], restart: false }).map((a) => a.name)).toEqual(['Drop', 'Duplicate']);
    fs = applyFault(fs, { name: 'Drop', msg: m('A', 'C', 'P1') });
    expect(fs.net).toHaveLength(1);
    expect(faultActions(fs, { nodes, crashable: [], restart: false }).map((a) => a.name)).toEqual(['Duplicate']);
  });

  it('enumerates every two-way split of the nodes once', () => {
    expect(twoWaySplits(nodes)).toEqual([
      [['C', 'P2'], ['P1']],
      [['C', 'P1'], ['P2']],
      [['C'], ['P1', 'P2']],
    ]);
  });

  it('blocks delivery across a partition and after a crash, and lets a heal restore it', () => {
    let fs = { ...initialFaults({ partitions: 1, crashes: 1 }), net: send([], m('A', 'C', 'P1'), m('B', 'C', 'P2')) };
    fs = applyFault(fs, { name: 'Partition', groups: [['C', 'P2'], ['P1']] });
    expect(deliverableMessages(fs).map((x) => x.to)).toEqual(['P2']);
    fs = applyFault(fs, { name: 'Crash', node: 'P2' });
    expect(deliverableMessages(fs)).toEqual([]);
    fs = applyFault(fs, { name: 'Heal' });
    expect(deliverableMessages(fs).map((x) => x.to)).toEqual(['P1']);
    expect(faultActions(fs, { nodes, crashable: ['P2'], restart: true }).map((a) => a.name)).toEqual(['Restart']);
  });
});

describe('timeouts', () => {
  it('fire at any time when asynchronous', () => {
    expect(timeoutEnabled('asynchronous', initialFaults({}), 'C', 'P1')).toBe(true);
  });

  it('fire only when the awaited message can no longer arrive when synchronous', () => {
    const alive = initialFaults({ crashes: 1 });
    expect(timeoutEnabled('synchronous', alive, 'C', 'P1')).toBe(false);
    const crashed = applyFault(alive, { name: 'Crash', node: 'C' });
    expect(timeoutEnabled('synchronous', crashed, 'C', 'P1')).toBe(true);
    const stillInFlight = { ...crashed, net: send([], m('PreCommit', 'C', 'P1')) };
    expect(canStillArrive(stillInFlight, 'C', 'P1')).toBe(true);
    expect(timeoutEnabled('synchronous', stillInFlight, 'C', 'P1')).toBe(false);
    const cutOff = applyFault(
      { ...initialFaults({ partitions: 1 }), net: stillInFlight.net },
      { name: 'Partition', groups: [['C'], ['P1']] },
    );
    expect(timeoutEnabled('synchronous', cutOff, 'C', 'P1')).toBe(true);
  });
});

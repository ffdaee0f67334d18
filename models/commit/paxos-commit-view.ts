// Paxos Commit's presentation: action labels, sequence-diagram events and the trace view of a state, apart from
// the protocol in paxos-commit.ts.
import type { ViewEvent } from '../../src/model/model';
import type { RM } from './transaction-commit';
import type { Acc, AcceptorValue, PCAction, PCMessage, PCState, Vote } from './paxos-commit';

const LEADER = 'Leader';
/** TLC's names: r1 for rm1. */
const r = (rm: RM): string => rm.replace('rm', 'r');
const TYPE_ORDER: Record<PCMessage['type'], number> = { phase1a: 0, phase1b: 1, phase2a: 2, phase2b: 3, Commit: 4, Abort: 5 };

/** The order messages are listed in: by type, instance, ballot, then contents. */
function compareMessages(x: PCMessage, y: PCMessage): number {
  const f = (m: PCMessage): (string | number)[] => {
    const vote = (v: AcceptorValue): number => (v === 'aborted' ? 1 : 0);
    switch (m.type) {
      case 'phase1a':
      case 'phase2a':
        return [m.ins, m.bal, 'val' in m ? vote(m.val) : 0];
      case 'phase1b':
        return [m.ins, m.mbal, m.acc, m.bal, vote(m.val)];
      case 'phase2b':
        return [m.ins, m.bal, vote(m.val), m.acc];
      default:
        return [];
    }
  };
  const a = [TYPE_ORDER[x.type], ...f(x)];
  const b = [TYPE_ORDER[y.type], ...f(y)];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

export function formatMessage(m: PCMessage): string {
  switch (m.type) {
    case 'phase1a':
      return `1a(${r(m.ins)}, b${m.bal})`;
    case 'phase1b':
      return `1b(${r(m.ins)}, b${m.mbal}, ${m.acc}: ${m.bal < 0 ? 'none' : `b${m.bal} ${m.val}`})`;
    case 'phase2a':
      return `2a(${r(m.ins)}, b${m.bal}, ${m.val})`;
    case 'phase2b':
      return `2b(${r(m.ins)}, b${m.bal}, ${m.val}, ${m.acc})`;
    default:
      return m.type;
  }
}

export function presentation(
  RM: readonly RM[],
  Acceptor: readonly Acc[],
  Majority: readonly (readonly Acc[])[],
  DecideQuorum: readonly (readonly Acc[])[],
  phase2aValue: (s: PCState, rm: RM, bal: number, MS: readonly Acc[]) => Vote,
  live: boolean,
) {
  const quorumName = (qs: readonly (readonly Acc[])[], q: number): string => `{${qs[q].join(',')}}`;
  const formatAction = (a: PCAction): string => {
    switch (a.name) {
      case 'Phase1a':
        return `Phase1a(${a.bal}, ${r(a.rm)})`;
      case 'Phase2a':
        return `Phase2a(${a.bal}, ${r(a.rm)}) reading ${quorumName(Majority, a.quorum)}`;
      case 'Decide':
        return `Decide(${a.decision}) by ${a.witness.map((w) => `${r(w.rm)}: b${w.bal} ${quorumName(DecideQuorum, w.quorum)}`).join('; ')}`;
      case 'Phase1b':
        return `Phase1b(${a.acc}) on 1a(${r(a.ins)}, b${a.bal})`;
      case 'Phase2b':
        return `Phase2b(${a.acc}) on 2a(${r(a.ins)}, b${a.bal}, ${a.val})`;
      case 'RMPrepare':
      case 'RMChooseToAbort':
      case 'RMRcvCommitMsg':
      case 'RMRcvAbortMsg':
        return `${a.name}(${r(a.rm)})`;
      default:
        return a.name;
    }
  };
  const view = (from: PCState, a: PCAction): ViewEvent[] => {
    switch (a.name) {
      case 'RMPrepare':
        return [{ type: 'note', over: r(a.rm), text: 'prepares: 2a(b0, prepared)' }];
      case 'RMChooseToAbort':
        return [{ type: 'note', over: r(a.rm), text: 'aborts: 2a(b0, aborted)' }];
      case 'RMRcvCommitMsg':
        return [{ type: 'message', from: LEADER, to: r(a.rm), label: 'Commit' }];
      case 'RMRcvAbortMsg':
        return [{ type: 'message', from: LEADER, to: r(a.rm), label: 'Abort' }];
      case 'Phase1a':
        return [{ type: 'note', over: LEADER, text: `starts ballot ${a.bal} for ${r(a.rm)}: 1a` }];
      case 'Phase2a': {
        const value = phase2aValue(from, a.rm, a.bal, Majority[a.quorum]);
        return [
          { type: 'note', over: LEADER, text: `2a(${r(a.rm)}, b${a.bal}, ${value}) after 1b from ${quorumName(Majority, a.quorum)}` },
        ];
      }
      case 'Decide':
        return [{ type: 'note', over: LEADER, text: `decides ${a.decision}` }];
      case 'Phase1b': {
        const x = from.aState[a.ins][a.acc];
        const report = x.bal < 0 ? 'none' : `b${x.bal} ${x.val}`;
        return [{ type: 'message', from: a.acc, to: LEADER, label: `1b(${r(a.ins)}, b${a.bal}: ${report})` }];
      }
      case 'Phase2b':
        return [{ type: 'message', from: a.bal === 0 ? r(a.ins) : LEADER, to: a.acc, label: `2a(b${a.bal}, ${a.val}) → votes` }];
      default:
        return [];
    }
  };
  const display = (s: PCState) => ({
    ...Object.fromEntries(RM.map((rm) => [r(rm), s.rmState[rm]])),
    ...Object.fromEntries(
      RM.flatMap((ins) =>
        Acceptor.map((acc) => {
          const x = s.aState[ins][acc];
          return [`aState[${r(ins)}][${acc}]`, `mbal ${x.mbal}, bal ${x.bal}, ${x.val}`];
        }),
      ),
    ),
    msgs: `{${[...s.msgs].sort(compareMessages).map(formatMessage).join(', ')}}`,
    ...(live ? { down: `{${s.faults.down.join(', ')}}` } : {}),
  });
  return { formatAction, actors: [...RM.map(r), LEADER, ...Acceptor], view, display } as const;
}

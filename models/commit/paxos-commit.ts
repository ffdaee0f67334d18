// Paxos Commit, faithful to Gray and Lamport's PaxosCommit.tla so that state counts equal TLC's.
// Source: Gray and Lamport, "Consensus on Transaction Commit" (2006), section 4; PaxosCommit.tla, TLA+ Examples.
// Scope, shape `tla` (the default): the spec as published, safety only. One Paxos consensus instance per RM
// decides prepared/aborted; ballot 0 is the RM's own phase 2a, higher ballots belong to any process that believes
// itself leader (leader selection is not modelled). `msgs` is the set of messages ever sent, so loss,
// duplication and reordering are implicit. Every step is checked to refine TransactionCommit.
// Shape `live` (beyond the spec): the same actions with crash-stop acceptors and weak fairness on every protocol
// step: with at most F of 2F+1 acceptors crashed every RM learns the outcome; with F+1 crashed it can block.
// Counting follows TLC: one generated state per action instance and per witness of its existential quantifiers
// (Phase1b/Phase2b per message, Phase2a per majority, Decide per ballot and majority of each instance).
import { budgetOf, faultParams, initialFaults, isUp, withFaults } from '../../src/model/faults';
import type { FaultAction, FaultBudget, FaultState } from '../../src/model/faults';
import { defineModel, type Machine, type Property, type Variant, type ViewEvent } from '../../src/model/model';
import { replaceAt } from '../../src/model/plain';
import { refinementProperty } from '../../src/model/refinement';
import { consistentRMs, transactionCommitMachine, type RMState, type TCAction, type TCState } from './transaction-commit';

export type Vote = 'prepared' | 'aborted';
export type AcceptorValue = Vote | 'none';

/** TLA+ aState[ins][ac]: the highest ballot the acceptor joined (mbal) and its last vote (bal, val). */
export interface AcceptorState {
  readonly mbal: number;
  readonly bal: number;
  readonly val: AcceptorValue;
}

export interface PCState {
  /** rmState[i] is the state of RM r(i+1). */
  readonly rmState: readonly RMState[];
  /** aState[ins][acc], as in the spec: acceptor a(acc+1)'s state in the instance of RM r(ins+1). */
  readonly aState: readonly (readonly AcceptorState[])[];
  /** msgs, the set of messages ever sent: a bitset over the message universe (see `messageUniverse`), 32 bits a word. */
  readonly msgs: readonly number[];
  /** Crashed acceptors and the crash budget (shape `live`); a constant with no budget in shape `tla`. */
  readonly faults: FaultState;
}

/** The spec's message records; `ins`, `acc` are 0-based indices of RMs and acceptors. */
export type PCMessage =
  | { readonly type: 'phase1a'; readonly ins: number; readonly bal: number }
  | {
      readonly type: 'phase1b';
      readonly ins: number;
      readonly mbal: number;
      readonly bal: number;
      readonly val: AcceptorValue;
      readonly acc: number;
    }
  | { readonly type: 'phase2a'; readonly ins: number; readonly bal: number; readonly val: Vote }
  | { readonly type: 'phase2b'; readonly acc: number; readonly ins: number; readonly bal: number; readonly val: Vote }
  | { readonly type: 'Commit' }
  | { readonly type: 'Abort' };

/** Decided(rm, v) holds by the phase 2b votes of `quorum` (an index into the majorities) at ballot `bal`. */
export interface DecideWitness {
  readonly rm: number;
  readonly bal: number;
  readonly quorum: number;
}

type RMActionName = 'RMPrepare' | 'RMChooseToAbort' | 'RMRcvCommitMsg' | 'RMRcvAbortMsg';
export type PCProtocolAction =
  | { readonly name: RMActionName; readonly rm: number }
  | { readonly name: 'Phase1a'; readonly bal: number; readonly rm: number }
  /** Phase2a(bal, rm) with the majority MS whose phase 1b messages it read. */
  | { readonly name: 'Phase2a'; readonly bal: number; readonly rm: number; readonly quorum: number }
  /** Decide: Commit with one witness per RM, or Abort with the witness of one instance that chose aborted. */
  | { readonly name: 'Decide'; readonly decision: 'Commit' | 'Abort'; readonly witness: readonly DecideWitness[] }
  /** Phase1b(acc) answering the phase 1a message of instance `ins`, ballot `bal`. */
  | { readonly name: 'Phase1b'; readonly acc: number; readonly ins: number; readonly bal: number }
  /** Phase2b(acc) voting for the phase 2a message (ins, bal, val). */
  | { readonly name: 'Phase2b'; readonly acc: number; readonly ins: number; readonly bal: number; readonly val: Vote };
export type PCAction = PCProtocolAction | FaultAction;

const VOTES: readonly Vote[] = ['prepared', 'aborted'];
const RM_CODE: Record<RMState, number> = { working: 0, prepared: 1, committed: 2, aborted: 3 };
const LEADER = 'Leader';
const rmName = (rm: number): string => `r${rm + 1}`;
const accName = (acc: number): string => `a${acc + 1}`;
/** Bits per bitset word; 30 keep every word a small integer (a V8 Smi). */
const WORD_BITS = 30;
const NO_FAULTS = initialFaults({});

const variants: readonly Variant[] = [
  { name: 'correct', description: "Gray and Lamport's PaxosCommit spec." },
  {
    name: 'phase2a-own-value',
    description: 'A leader of ballot > 0 proposes aborted in phase 2a, ignoring the votes its phase 1b messages report.',
    breaks: 'consistent',
  },
  {
    name: 'decide-one-vote',
    description: 'The leader decides an instance on a single acceptor’s phase 2b vote instead of a majority’s.',
    breaks: 'refinesTransactionCommit',
  },
  {
    name: 'unanimous-decide',
    description: 'The leader decides an instance only once every acceptor voted, as a 2PC coordinator waits for every RM.',
    breaks: 'allLearn',
  },
  {
    name: 'disjoint-quorums',
    description: 'Quorums of ⌊N/2⌋ acceptors instead of majorities, so two of them need not intersect.',
    breaks: 'consistent',
  },
];

/** Every subset of `n` acceptors of size `size`, as sorted index lists, in lexicographic order. */
function subsetsOfSize(n: number, size: number): number[][] {
  const out: number[][] = [];
  const pick = (from: number, chosen: number[]): void => {
    if (chosen.length === size) {
      out.push(chosen);
      return;
    }
    for (let a = from; a < n; a++) pick(a + 1, [...chosen, a]);
  };
  pick(0, []);
  return out;
}

/**
 * Where each message of the spec's `Message` set lives in the `msgs` bitset. Groups of bits that are tested
 * together (the phase 1b messages of one acceptor for one instance and ballot) never straddle two words.
 * A phase 1b message for ballot mbal reports bal < mbal (an acceptor joins a ballot only above the ones it
 * voted in), so it has 1 + 2·mbal possible contents: (-1, none) or (b, v) for b < mbal.
 */
function messageUniverse(rms: number, acceptors: number, ballots: number) {
  const decode: PCMessage[] = [];
  let word = 0;
  let used = 0;
  const place = (msgs: readonly PCMessage[]): number => {
    if (used + msgs.length > WORD_BITS) {
      word++;
      used = 0;
    }
    const bit = word * 32 + used;
    msgs.forEach((m, i) => (decode[bit + i] = m));
    used += msgs.length;
    return bit;
  };
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  const ins = range(rms);
  const accs = range(acceptors);
  const bals = range(ballots);
  /** p1a[ins][bal], for bal >= 1. */
  const p1a = ins.map((i) => bals.map((bal) => (bal === 0 ? -1 : place([{ type: 'phase1a', ins: i, bal }]))));
  /** p1b[ins][mbal][acc]: the first bit of the group; contents (-1, none), (0, prepared), (0, aborted), (1, prepared)… */
  const p1b = ins.map((i) =>
    bals.map((mbal) =>
      accs.map((acc) => {
        if (mbal === 0) return -1;
        const group: PCMessage[] = [{ type: 'phase1b', ins: i, mbal, bal: -1, val: 'none', acc }];
        for (let bal = 0; bal < mbal; bal++) for (const val of VOTES) group.push({ type: 'phase1b', ins: i, mbal, bal, val, acc });
        return place(group);
      }),
    ),
  );
  /** p2a[ins][bal]: prepared at that bit, aborted at the next. */
  const p2a = ins.map((i) =>
    bals.map((bal) =>
      place([
        { type: 'phase2a', ins: i, bal, val: 'prepared' },
        { type: 'phase2a', ins: i, bal, val: 'aborted' },
      ]),
    ),
  );
  /** p2b[acc][ins][bal]: prepared at that bit, aborted at the next. */
  const p2b = accs.map((acc) =>
    ins.map((i) =>
      bals.map((bal) =>
        place([
          { type: 'phase2b', acc, ins: i, bal, val: 'prepared' },
          { type: 'phase2b', acc, ins: i, bal, val: 'aborted' },
        ]),
      ),
    ),
  );
  const commit = place([{ type: 'Commit' }, { type: 'Abort' }]);
  /** The bits of each word that stand for a message: msgs ⊆ Message. */
  const wordMask = range(word + 1).map((w) => decode.slice(w * 32, w * 32 + 32).reduce((m, x, b) => (x ? m | (1 << b) : m), 0));
  return { decode, words: word + 1, wordMask, p1a, p1b, p2a, p2b, commit, abort: commit + 1 };
}

const has = (msgs: readonly number[], bit: number): boolean => (msgs[bit >>> 5] & (1 << (bit & 31))) !== 0;

function addBit(msgs: readonly number[], bit: number): readonly number[] {
  const w = bit >>> 5;
  const m = 1 << (bit & 31);
  if ((msgs[w] & m) !== 0) return msgs;
  const out = msgs.slice();
  out[w] |= m;
  return out;
}

/** A phase 1b content index (see messageUniverse) and back. */
const contentOf = (bal: number, val: AcceptorValue): number => (bal < 0 ? 0 : 1 + 2 * bal + (val === 'aborted' ? 1 : 0));
const contentBal = (c: number): number => (c === 0 ? -1 : (c - 1) >> 1);
const contentVal = (c: number): AcceptorValue => (c === 0 ? 'none' : (c - 1) & 1 ? 'aborted' : 'prepared');

export function formatMessage(m: PCMessage): string {
  switch (m.type) {
    case 'phase1a':
      return `1a(${rmName(m.ins)}, b${m.bal})`;
    case 'phase1b':
      return `1b(${rmName(m.ins)}, b${m.mbal}, ${accName(m.acc)}: ${m.bal < 0 ? 'none' : `b${m.bal} ${m.val}`})`;
    case 'phase2a':
      return `2a(${rmName(m.ins)}, b${m.bal}, ${m.val})`;
    case 'phase2b':
      return `2b(${rmName(m.ins)}, b${m.bal}, ${m.val}, ${accName(m.acc)})`;
    default:
      return m.type;
  }
}

export type Shape = 'tla' | 'live';

export interface PCScope {
  readonly rms: number;
  readonly acceptors: number;
  readonly ballots: number;
  readonly shape: Shape;
}

function pcMachine(scope: PCScope, variant: string, budget: FaultBudget): Machine<PCState, PCAction> {
  const { rms, acceptors, ballots, shape } = scope;
  const live = shape === 'live';
  const ids = Array.from({ length: rms }, (_, i) => i);
  const accs = Array.from({ length: acceptors }, (_, i) => i);
  const bals = Array.from({ length: ballots }, (_, i) => i);
  const higher = bals.filter((b) => b > 0);
  const accNames = accs.map(accName);
  const quorumSize = variant === 'disjoint-quorums' ? Math.max(1, Math.floor(acceptors / 2)) : Math.floor(acceptors / 2) + 1;
  const quorums = subsetsOfSize(acceptors, quorumSize);
  const quorumMask = quorums.map((q) => q.reduce((m, a) => m | (1 << a), 0));
  // The learner's quorums: the same as the leader's, or (decide-one-vote) any single acceptor, or
  // (unanimous-decide) all of them, as a 2PC coordinator would wait for every vote.
  const decideQuorums = variant === 'decide-one-vote' ? subsetsOfSize(acceptors, 1) : variant === 'unanimous-decide' ? [accs] : quorums;
  const decideMask = decideQuorums.map((q) => q.reduce((m, a) => m | (1 << a), 0));
  const ownValue = variant === 'phase2a-own-value';
  const U = messageUniverse(rms, acceptors, ballots);

  // Action instances, made once: actions() hands out the same objects again.
  const rmActs = (name: RMActionName) => ids.map((rm) => ({ name, rm }) as const);
  const prepare = rmActs('RMPrepare');
  const chooseToAbort = rmActs('RMChooseToAbort');
  const rcvCommit = rmActs('RMRcvCommitMsg');
  const rcvAbort = rmActs('RMRcvAbortMsg');
  const phase1a = bals.map((bal) => ids.map((rm) => ({ name: 'Phase1a', bal, rm }) as const));
  const phase2a = bals.map((bal) => ids.map((rm) => quorums.map((_, quorum) => ({ name: 'Phase2a', bal, rm, quorum }) as const)));
  const phase1b = accs.map((acc) => ids.map((ins) => bals.map((bal) => ({ name: 'Phase1b', acc, ins, bal }) as const)));
  const phase2b = accs.map((acc) =>
    ids.map((ins) => bals.map((bal) => VOTES.map((val) => ({ name: 'Phase2b', acc, ins, bal, val }) as const))),
  );
  const perInstance = ballots * decideQuorums.length;
  const abortActs = ids.map((rm) =>
    bals.map((bal) => decideQuorums.map((_, quorum) => ({ name: 'Decide', decision: 'Abort', witness: [{ rm, bal, quorum }] }) as const)),
  );
  // Commit witnesses: one (ballot, quorum) per RM, numbered in mixed radix; made on first use.
  const commitActs = new Map<number, PCProtocolAction>();
  const commitAct = (code: number): PCProtocolAction => {
    let a = commitActs.get(code);
    if (a === undefined) {
      const witness = ids.map((rm) => {
        const c = Math.floor(code / perInstance ** rm) % perInstance;
        return { rm, bal: Math.floor(c / decideQuorums.length), quorum: c % decideQuorums.length };
      });
      a = { name: 'Decide', decision: 'Commit', witness };
      commitActs.set(code, a);
    }
    return a;
  };

  // Acceptor states, interned: acceptorStates[mbal][content].
  const acceptorStates = bals.map((mbal) =>
    Array.from({ length: 1 + 2 * ballots }, (_, c) => ({ mbal, bal: contentBal(c), val: contentVal(c) }) as AcceptorState),
  );
  const acceptorState = (mbal: number, bal: number, val: AcceptorValue): AcceptorState => acceptorStates[mbal][contentOf(bal, val)];
  // Rows aState[ins] are interned too, by their code in radix ballots·(1 + 2·ballots): states share them, so
  // reading an acceptor's state touches memory that stays in cache.
  const acceptorCode = (x: AcceptorState): number => x.mbal * (1 + 2 * ballots) + contentOf(x.bal, x.val);
  const rows = new Map<number, readonly AcceptorState[]>();
  const internRow = (row: readonly AcceptorState[]): readonly AcceptorState[] => {
    let code = 0;
    for (let acc = acceptors - 1; acc >= 0; acc--) code = code * ballots * (1 + 2 * ballots) + acceptorCode(row[acc]);
    const known = rows.get(code);
    if (known !== undefined) return known;
    rows.set(code, row);
    return row;
  };

  const up = (s: PCState, acc: number): boolean => !live || s.faults.down.length === 0 || isUp(s.faults, accNames[acc]);

  /** Acceptors (bitmask) that sent a phase 2b message for (ins, bal, val). */
  const votersOf = (msgs: readonly number[], ins: number, bal: number, v: number): number => {
    let mask = 0;
    for (const acc of accs) if (has(msgs, U.p2b[acc][ins][bal] + v)) mask |= 1 << acc;
    return mask;
  };
  /** Acceptors (bitmask) that sent any phase 1b message for (ins, mbal). */
  const joinersOf = (msgs: readonly number[], ins: number, mbal: number): number => {
    let mask = 0;
    const width = 1 + 2 * mbal;
    for (const acc of accs) {
      const bit = U.p1b[ins][mbal][acc];
      if (((msgs[bit >>> 5] >>> (bit & 31)) & ((1 << width) - 1)) !== 0) mask |= 1 << acc;
    }
    return mask;
  };

  const commitChoices: number[][] = ids.map(() => []);
  const actions = (s: PCState): PCProtocolAction[] => {
    const out: PCProtocolAction[] = [];
    const msgs = s.msgs;
    const commitSent = has(msgs, U.commit);
    const abortSent = has(msgs, U.abort);
    for (const rm of ids) {
      if (s.rmState[rm] === 'working') out.push(prepare[rm], chooseToAbort[rm]);
      if (commitSent) out.push(rcvCommit[rm]);
      if (abortSent) out.push(rcvAbort[rm]);
    }
    for (const bal of higher) {
      for (const rm of ids) {
        out.push(phase1a[bal][rm]);
        const p2a = U.p2a[rm][bal];
        if (has(msgs, p2a) || has(msgs, p2a + 1)) continue;
        const joined = joinersOf(msgs, rm, bal);
        if (joined === 0) continue;
        for (let q = 0; q < quorums.length; q++) if ((joined & quorumMask[q]) === quorumMask[q]) out.push(phase2a[bal][rm][q]);
      }
    }
    // Decide: Commit once per choice of a witness for every instance, Abort once per witness of any instance.
    let commitCount = 1;
    for (const rm of ids) {
      const choices = commitChoices[rm];
      choices.length = 0;
      for (const bal of bals) {
        const prepared = votersOf(msgs, rm, bal, 0);
        if (prepared === 0) continue;
        for (let q = 0; q < decideMask.length; q++)
          if ((prepared & decideMask[q]) === decideMask[q]) choices.push(bal * decideMask.length + q);
      }
      commitCount *= choices.length;
    }
    if (commitCount > 0) {
      if (rms === 1) for (const c of commitChoices[0]) out.push(commitAct(c));
      else if (rms === 2) for (const c1 of commitChoices[1]) for (const c0 of commitChoices[0]) out.push(commitAct(c0 + perInstance * c1));
      else
        for (let i = 0; i < commitCount; i++) {
          let code = 0;
          let rest = i;
          for (let rm = 0, scale = 1; rm < rms; rm++, scale *= perInstance) {
            const choices = commitChoices[rm];
            code += choices[rest % choices.length] * scale;
            rest = Math.floor(rest / choices.length);
          }
          out.push(commitAct(code));
        }
    }
    for (const rm of ids) {
      for (const bal of bals) {
        const aborted = votersOf(msgs, rm, bal, 1);
        if (aborted === 0) continue;
        for (let q = 0; q < decideMask.length; q++) if ((aborted & decideMask[q]) === decideMask[q]) out.push(abortActs[rm][bal][q]);
      }
    }
    for (const acc of accs) {
      if (!up(s, acc)) continue;
      for (const ins of ids) {
        const mbal = s.aState[ins][acc].mbal;
        for (const bal of higher) if (mbal < bal && has(msgs, U.p1a[ins][bal])) out.push(phase1b[acc][ins][bal]);
      }
      for (const ins of ids) {
        const mbal = s.aState[ins][acc].mbal;
        for (const bal of bals) {
          if (mbal > bal) continue;
          const p2a = U.p2a[ins][bal];
          if (has(msgs, p2a)) out.push(phase2b[acc][ins][bal][0]);
          if (has(msgs, p2a + 1)) out.push(phase2b[acc][ins][bal][1]);
        }
      }
    }
    return out;
  };

  // Explicit literals keep one object shape for every state.
  const make = (rmState: PCState['rmState'], aState: PCState['aState'], msgs: PCState['msgs'], faults: FaultState): PCState => ({
    rmState,
    aState,
    msgs,
    faults,
  });
  const setRM = (s: PCState, rm: number, value: RMState, msgs = s.msgs): PCState =>
    s.rmState[rm] === value && msgs === s.msgs ? s : make(replaceAt(s.rmState, rm, value), s.aState, msgs, s.faults);
  const send = (s: PCState, bit: number): PCState => {
    const msgs = addBit(s.msgs, bit);
    return msgs === s.msgs ? s : make(s.rmState, s.aState, msgs, s.faults);
  };
  const setAcceptor = (s: PCState, ins: number, acc: number, a: AcceptorState, bit: number): PCState => {
    const msgs = addBit(s.msgs, bit);
    if (s.aState[ins][acc] === a && msgs === s.msgs) return s;
    return make(s.rmState, replaceAt(s.aState, ins, internRow(replaceAt(s.aState[ins], acc, a))), msgs, s.faults);
  };

  /** The value Phase2a(bal, rm) proposes after reading the phase 1b messages of majority q (spec: maxbal, CHOOSE). */
  const phase2aValue = (msgs: readonly number[], rm: number, bal: number, q: number): Vote => {
    if (ownValue) return 'aborted';
    let best = 0;
    for (const acc of quorums[q]) {
      const bit = U.p1b[rm][bal][acc];
      let c = 0;
      while (!has(msgs, bit + c)) c++;
      if (contentBal(c) > contentBal(best)) best = c;
    }
    return best === 0 ? 'aborted' : (contentVal(best) as Vote);
  };

  // Typed over every action so that shape tla needs no wrapper; withFaults handles the fault actions in shape live.
  const next = (s: PCState, a: PCAction): PCState => {
    switch (a.name) {
      case 'RMPrepare':
        return setRM(s, a.rm, 'prepared', addBit(s.msgs, U.p2a[a.rm][0]));
      case 'RMChooseToAbort':
        return setRM(s, a.rm, 'aborted', addBit(s.msgs, U.p2a[a.rm][0] + 1));
      case 'RMRcvCommitMsg':
        return setRM(s, a.rm, 'committed');
      case 'RMRcvAbortMsg':
        return setRM(s, a.rm, 'aborted');
      case 'Phase1a':
        return send(s, U.p1a[a.rm][a.bal]);
      case 'Phase2a': {
        const val = phase2aValue(s.msgs, a.rm, a.bal, a.quorum);
        return send(s, U.p2a[a.rm][a.bal] + (val === 'aborted' ? 1 : 0));
      }
      case 'Decide':
        return send(s, a.decision === 'Commit' ? U.commit : U.abort);
      case 'Phase1b': {
        const cur = s.aState[a.ins][a.acc];
        return setAcceptor(
          s,
          a.ins,
          a.acc,
          acceptorState(a.bal, cur.bal, cur.val),
          U.p1b[a.ins][a.bal][a.acc] + contentOf(cur.bal, cur.val),
        );
      }
      case 'Phase2b':
        return setAcceptor(s, a.ins, a.acc, acceptorState(a.bal, a.bal, a.val), U.p2b[a.acc][a.ins][a.bal] + (a.val === 'aborted' ? 1 : 0));
      default:
        return s;
    }
  };

  // The key: RM states (2 bits each) and acceptor states (mbal and content), then the message words. It is a safe
  // integer when everything fits in 53 bits (small scopes), else a string of 15-bit character codes.
  const contents = 1 + 2 * ballots;
  const acceptorRadix = ballots * contents;
  const headRadix = 4 ** rms * acceptorRadix ** (rms * acceptors);
  const msgBits = (U.words - 1) * WORD_BITS + (U.decode.length - (U.words - 1) * 32);
  const integerKey = headRadix * 2 ** msgBits <= Number.MAX_SAFE_INTEGER;
  const slotsPerWord = Math.max(1, Math.floor(WORD_BITS / Math.log2(acceptorRadix)));
  const headOf = (s: PCState): number[] => {
    const out: number[] = [];
    let h = 0;
    for (let rm = 0; rm < rms; rm++) h = h * 4 + RM_CODE[s.rmState[rm]];
    let n = 0;
    for (let ins = 0; ins < rms; ins++) {
      const row = s.aState[ins];
      for (let acc = 0; acc < acceptors; acc++) {
        if (n === slotsPerWord) {
          out.push(h);
          h = 0;
          n = 0;
        }
        const x = row[acc];
        h = h * acceptorRadix + x.mbal * contents + contentOf(x.bal, x.val);
        n++;
      }
    }
    out.push(h);
    return out;
  };
  const chars: number[] = [];
  const key = (s: PCState): string | number => {
    const msgs = s.msgs;
    if (integerKey) {
      let k = 0;
      for (let rm = 0; rm < rms; rm++) k = k * 4 + RM_CODE[s.rmState[rm]];
      for (let ins = 0; ins < rms; ins++) {
        const row = s.aState[ins];
        for (let acc = 0; acc < acceptors; acc++) {
          const x = row[acc];
          k = k * acceptorRadix + x.mbal * contents + contentOf(x.bal, x.val);
        }
      }
      let m = 0;
      for (let w = U.words - 1; w >= 0; w--) m = m * 2 ** WORD_BITS + msgs[w];
      return k * 2 ** msgBits + m;
    }
    if (rms === 2 && acceptors === 3 && ballots === 2) {
      // The published configuration: 4 + 6·log2(10) bits of head in one word, 54 message bits in two.
      let h = RM_CODE[s.rmState[0]] * 4 + RM_CODE[s.rmState[1]];
      for (let ins = 0; ins < 2; ins++) {
        const row = s.aState[ins];
        for (let acc = 0; acc < 3; acc++) {
          const x = row[acc];
          h = h * 10 + x.mbal * 5 + contentOf(x.bal, x.val);
        }
      }
      const m0 = msgs[0];
      const m1 = msgs[1];
      return String.fromCharCode(h & 0x7fff, h >>> 15, m0 & 0x7fff, m0 >>> 15, m1 & 0x7fff, m1 >>> 15);
    }
    chars.length = 0;
    for (const w of headOf(s)) chars.push(w % 0x8000, Math.floor(w / 0x8000));
    for (const w of msgs) chars.push(w & 0x7fff, w >>> 15);
    return String.fromCharCode(...chars);
  };

  const messagesOf = (msgs: readonly number[]): PCMessage[] => {
    const out: PCMessage[] = [];
    U.decode.forEach((m, bit) => {
      if (has(msgs, bit)) out.push(m);
    });
    return out;
  };
  /** Instance rm chose value v at ballot bal: a majority voted for it there (what Decided(rm, v) tests). */
  const chosenAt = (s: PCState, rm: number, bal: number, v: number): boolean => {
    const voters = votersOf(s.msgs, rm, bal, v);
    return quorumMask.some((q) => (voters & q) === q);
  };

  const refinesTCommit = refinementProperty<PCState, PCAction, TCState, TCAction>({
    name: 'refinesTransactionCommit',
    description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged (PCSpec ⇒ TC!TCSpec).',
    abstract: transactionCommitMachine(rms),
    mapping: (s) => ({ rmState: s.rmState }),
  });

  const validBallot = (b: number): boolean => Number.isInteger(b) && b >= 0 && b < ballots;
  const validAcceptorState = (x: AcceptorState): boolean =>
    validBallot(x.mbal) &&
    (x.bal === -1 || validBallot(x.bal)) &&
    (x.val === 'none' ? x.bal === -1 : x.val === 'prepared' || x.val === 'aborted');
  const properties: Property<PCState, PCAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every variable holds a value of its type (PCTypeOK).',
      holds: (s) =>
        s.rmState.length === rms &&
        s.rmState.every((r) => r in RM_CODE) &&
        s.aState.length === rms &&
        s.aState.every((row) => row.length === acceptors && row.every(validAcceptorState)) &&
        s.msgs.length === U.words &&
        s.msgs.every((w, i) => Number.isInteger(w) && (w & ~U.wordMask[i]) === 0),
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted (TCConsistent).',
      holds: (s) => consistentRMs(s.rmState),
    },
    refinesTCommit,
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every RM commits.',
      holds: (s) => s.rmState.every((r) => r === 'committed'),
    },
    {
      kind: 'sometimes',
      name: 'abortDecided',
      description: 'The leader announces Abort.',
      holds: (s) => has(s.msgs, U.abort),
    },
  ];
  if (ballots > 1) {
    properties.push(
      {
        kind: 'sometimes',
        name: 'recoveredVote',
        description: 'A leader of ballot 1 proposes prepared: it carries an RM’s vote, learned in phase 1, into its own ballot.',
        holds: (s) => ids.some((rm) => has(s.msgs, U.p2a[rm][1])),
      },
      {
        kind: 'sometimes',
        name: 'commitAfterTakeover',
        description: 'Every RM commits although an instance was chosen at ballot 1, after a leader took over from its RM.',
        holds: (s) => s.rmState.every((r) => r === 'committed') && ids.some((rm) => chosenAt(s, rm, 1, 0)),
      },
      {
        kind: 'sometimes',
        name: 'abortAfterAllPrepared',
        description: 'Every RM prepared, yet Abort is announced: a ballot-1 leader saw no vote in its majority’s phase 1b messages.',
        holds: (s) => has(s.msgs, U.abort) && s.rmState.every((r) => r === 'prepared'),
      },
    );
  }
  if (live) {
    properties.push(
      {
        kind: 'eventually',
        name: 'allLearn',
        description: 'Every RM eventually learns the outcome: it ends committed or aborted.',
        holds: (s) => s.rmState.every((r) => r === 'committed' || r === 'aborted'),
      },
      {
        kind: 'sometimes',
        name: 'decidedDespiteCrash',
        description: 'An acceptor has crashed and every RM still committed.',
        holds: (s) => s.faults.down.length > 0 && s.rmState.every((r) => r === 'committed'),
      },
    );
  }

  const actionNames = ['RMPrepare', 'RMChooseToAbort', 'RMRcvCommitMsg', 'RMRcvAbortMsg'];
  if (ballots > 1) actionNames.push('Phase1a', 'Phase2a');
  actionNames.push('Decide');
  if (ballots > 1) actionNames.push('Phase1b');
  actionNames.push('Phase2b');

  const quorumName = (qs: number[][], q: number): string => `{${qs[q].map(accName).join(',')}}`;
  const formatAction = (a: PCAction): string => {
    switch (a.name) {
      case 'RMPrepare':
      case 'RMChooseToAbort':
      case 'RMRcvCommitMsg':
      case 'RMRcvAbortMsg':
        return `${a.name}(${rmName(a.rm)})`;
      case 'Phase1a':
        return `Phase1a(${a.bal}, ${rmName(a.rm)})`;
      case 'Phase2a':
        return `Phase2a(${a.bal}, ${rmName(a.rm)}) reading ${quorumName(quorums, a.quorum)}`;
      case 'Decide':
        return `Decide(${a.decision}) by ${a.witness.map((w) => `${rmName(w.rm)}: b${w.bal} ${quorumName(decideQuorums, w.quorum)}`).join('; ')}`;
      case 'Phase1b':
        return `Phase1b(${accName(a.acc)}) on 1a(${rmName(a.ins)}, b${a.bal})`;
      case 'Phase2b':
        return `Phase2b(${accName(a.acc)}) on 2a(${rmName(a.ins)}, b${a.bal}, ${a.val})`;
      default:
        return a.name;
    }
  };
  const view = (from: PCState, a: PCAction, to: PCState): ViewEvent[] => {
    switch (a.name) {
      case 'RMPrepare':
        return [{ type: 'note', over: rmName(a.rm), text: 'prepares: 2a(b0, prepared)' }];
      case 'RMChooseToAbort':
        return [{ type: 'note', over: rmName(a.rm), text: 'aborts: 2a(b0, aborted)' }];
      case 'RMRcvCommitMsg':
        return [{ type: 'message', from: LEADER, to: rmName(a.rm), label: 'Commit' }];
      case 'RMRcvAbortMsg':
        return [{ type: 'message', from: LEADER, to: rmName(a.rm), label: 'Abort' }];
      case 'Phase1a':
        return [{ type: 'note', over: LEADER, text: `starts ballot ${a.bal} for ${rmName(a.rm)}: 1a` }];
      case 'Phase2a': {
        const sent = messagesOf(to.msgs).find((m) => m.type === 'phase2a' && m.ins === a.rm && m.bal === a.bal);
        return [
          { type: 'note', over: LEADER, text: `${sent ? formatMessage(sent) : 'phase 2a'} after 1b from ${quorumName(quorums, a.quorum)}` },
        ];
      }
      case 'Decide':
        return [{ type: 'note', over: LEADER, text: `decides ${a.decision}` }];
      case 'Phase1b': {
        const cur = from.aState[a.ins][a.acc];
        return [
          {
            type: 'message',
            from: accName(a.acc),
            to: LEADER,
            label: `1b(${rmName(a.ins)}, b${a.bal}: ${cur.bal < 0 ? 'none' : `b${cur.bal} ${cur.val}`})`,
          },
        ];
      }
      case 'Phase2b':
        return [
          {
            type: 'message',
            from: a.bal === 0 ? rmName(a.ins) : LEADER,
            to: accName(a.acc),
            label: `2a(b${a.bal}, ${a.val}) → votes`,
          },
        ];
      default:
        return [];
    }
  };
  const display = (s: PCState) => ({
    ...Object.fromEntries(ids.map((rm) => [rmName(rm), s.rmState[rm]])),
    ...Object.fromEntries(
      ids.flatMap((ins) =>
        accs.map((acc) => {
          const x = s.aState[ins][acc];
          return [`aState[${rmName(ins)}][${accName(acc)}]`, `mbal ${x.mbal}, bal ${x.bal}, ${x.val}`];
        }),
      ),
    ),
    msgs: `{${messagesOf(s.msgs).map(formatMessage).join(', ')}}`,
    ...(live ? { down: `{${s.faults.down.join(', ')}}` } : {}),
  });

  const init: PCState = make(
    ids.map(() => 'working' as const),
    ids.map(() => internRow(accs.map(() => acceptorState(0, -1, 'none')))),
    Array.from({ length: U.words }, () => 0),
    live ? initialFaults(budget) : NO_FAULTS,
  );
  const actors = [...ids.map(rmName), LEADER, ...accNames];

  if (!live) {
    return {
      init: [init],
      actions,
      next,
      key,
      properties,
      actionNames,
      formatAction,
      actors,
      view,
      display,
    };
  }
  return withFaults(
    budget,
    { nodes: actors, crashable: accNames },
    {
      init: [init],
      actions,
      next,
      key: (s) => String(key(s)),
      properties,
      actionNames,
      formatAction,
      actors,
      view,
      display,
      fairness:
        'Shape live: weak fairness on every protocol step (RM, leader and acceptor); none on acceptor crashes (crash-stop). Shape tla, the published spec, has no liveness property.',
    },
  );
}

export const paxosCommit = defineModel({
  id: 'paxos-commit',
  title: 'Paxos Commit (PaxosCommit)',
  source: 'Gray & Lamport, "Consensus on Transaction Commit" (2006); PaxosCommit.tla, TLA+ Examples',
  scope:
    'Shape tla: the published spec, safety only (PCTypeOK, consistency, refinement of TransactionCommit); messages are a growing set. Shape live: the same protocol with crash-stop acceptors, liveness under weak fairness.',
  params: {
    rms: { type: 'int', default: 2, min: 1, max: 3, description: 'number of resource managers' },
    acceptors: { type: 'int', default: 3, min: 1, max: 5, description: 'number of acceptors (2F+1 tolerates F crashes)' },
    ballots: { type: 'int', default: 2, min: 1, max: 3, description: 'Ballot = {0, …, ballots − 1}' },
    shape: {
      type: 'enum',
      default: 'tla',
      values: ['tla', 'live'],
      description: 'tla: the published spec; live: crash-stop acceptors and weak fairness, for liveness',
    },
    ...faultParams({ crashes: { max: 3, description: 'at most this many acceptor crashes (crash-stop; shape live only)' } }),
  },
  variants,
  // The published configuration (rms=2, acceptors=3, ballots=2: TLC's 1,321,761 states) is the default of
  // `distcheck check paxos-commit`, not a configuration: at about 6 s it is too slow for every `npm test`.
  configurations: [
    {
      name: 'live-1-of-3',
      description: 'One RM, ballot 0 only, one of three acceptors may crash: the RM still learns the outcome.',
      variant: 'correct',
      params: { rms: 1, ballots: 1, shape: 'live', crashes: 1 },
    },
    { name: 'rms1', variant: 'correct', params: { rms: 1 } },
    { name: 'rms2-ballot0', variant: 'correct', params: { rms: 2, ballots: 1 } },
    { name: 'rms2-acceptors1', variant: 'correct', params: { rms: 2, acceptors: 1 } },
    { name: 'rms2-acceptors2', variant: 'correct', params: { rms: 2, acceptors: 2 } },
    { name: 'rms1-acceptors5-ballot0', variant: 'correct', params: { rms: 1, acceptors: 5, ballots: 1 } },
    {
      name: 'live-takeover-1-of-3',
      description: 'Ballots 0 and 1, one acceptor may crash: a leader may take over any instance at ballot 1, and the RM still learns.',
      variant: 'correct',
      params: { rms: 1, shape: 'live', crashes: 1 },
    },
    {
      name: 'live-takeover-2-of-3',
      description: 'Two of three acceptors crash before a majority voted: no leader can decide, the prepared RM waits forever.',
      variant: 'correct',
      params: { rms: 1, shape: 'live', crashes: 2 },
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'refinesTransactionCommit'] },
    },
    {
      name: 'live-rms2-1-of-3',
      description: 'Two RMs, ballot 0, one acceptor may crash: both RMs learn the outcome.',
      variant: 'correct',
      params: { rms: 2, ballots: 1, shape: 'live', crashes: 1 },
    },
    {
      name: 'live-rms2-2-of-3',
      description: 'Two RMs, two of three acceptors crash: the RMs block, as under a crashed 2PC coordinator.',
      variant: 'correct',
      params: { rms: 2, ballots: 1, shape: 'live', crashes: 2 },
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'refinesTransactionCommit'] },
    },
    {
      name: 'live-2-of-5',
      description: 'Five acceptors (F = 2), two may crash: the RM still learns the outcome.',
      variant: 'correct',
      params: { rms: 1, acceptors: 5, ballots: 1, shape: 'live', crashes: 2 },
    },
    {
      name: 'live-3-of-5',
      description: 'Five acceptors, three crash (F + 1): the RM blocks.',
      variant: 'correct',
      params: { rms: 1, acceptors: 5, ballots: 1, shape: 'live', crashes: 3 },
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'refinesTransactionCommit'] },
    },
    { name: 'rms2-acceptors1-phase2a-own-value', variant: 'phase2a-own-value', params: { rms: 2, acceptors: 1 } },
    { name: 'rms1-decide-one-vote', variant: 'decide-one-vote', params: { rms: 1 } },
    { name: 'rms2-acceptors2-disjoint-quorums', variant: 'disjoint-quorums', params: { rms: 2, acceptors: 2 } },
    {
      name: 'live-1-of-3-unanimous-decide',
      variant: 'unanimous-decide',
      params: { rms: 1, ballots: 1, shape: 'live', crashes: 1 },
    },
  ],
  machine: (params, variant) =>
    pcMachine({ rms: params.rms, acceptors: params.acceptors, ballots: params.ballots, shape: params.shape }, variant, budgetOf(params)),
});

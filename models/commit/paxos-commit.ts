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
import { fail } from '../../src/shared/errors';
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

/**
 * The spec's three variables, packed into small integers: every state is one flat object of numbers, which keeps
 * the 1.3 million states of the published configuration cheap to build, compare and key. `specView` unpacks a
 * state into the spec's own shapes, and traces show that view.
 */
export interface PCState {
  /** rmState: RM r(i+1) in bits 2i and 2i+1, coded as in RM_STATES (working 0, prepared 1, committed 2, aborted 3). */
  readonly rmState: number;
  /**
   * aState: one field per (ins, acc), field ins·acceptors + acc counted from the least significant bits (see
   * `aStateLayout`). A field is mbal·(1 + 2·ballots) + vote, where vote 0 is (bal −1, none) and
   * 1 + 2·bal + (0 for prepared, 1 for aborted) is a vote cast at ballot bal.
   */
  readonly aState: number;
  /** msgs, the set of messages ever sent: a bitset over `messageUniverse`, in words of 30 bits (unused words 0). */
  readonly msgs0: number;
  readonly msgs1: number;
  readonly msgs2: number;
  readonly msgs3: number;
  /** Crashed acceptors and what is left of the crash budget (shape `live`); a constant with no budget in shape `tla`. */
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
/** RM state codes in PCState.rmState. */
export const RM_STATES: readonly RMState[] = ['working', 'prepared', 'committed', 'aborted'];
const WORKING = 0;
const PREPARED = 1;
const COMMITTED = 2;
const ABORTED = 3;
const LEADER = 'Leader';
const rmName = (rm: number): string => `r${rm + 1}`;
const accName = (acc: number): string => `a${acc + 1}`;
/** Bits per bitset word; 30 keep every word a small integer (a V8 Smi). */
const WORD_BITS = 30;
/** Words of msgs in PCState. */
const MAX_WORDS = 4;
const NO_FAULTS = initialFaults({});
const UNUSED = { name: '', rm: -1, bal: -1, quorum: -1, acc: -1, ins: -1, val: 'prepared', decision: 'Commit', witness: [] } as const;

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
 * together never straddle two words: the phase 1b messages of one acceptor for one instance and ballot, and the
 * phase 2b votes of all acceptors for one instance, ballot and value.
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
  /** p2b[ins][bal][v]: the votes of every acceptor for (ins, bal, prepared | aborted), acceptor acc at bit + acc. */
  const p2b = ins.map((i) =>
    bals.map((bal) => VOTES.map((val) => place(accs.map((acc): PCMessage => ({ type: 'phase2b', acc, ins: i, bal, val }))))),
  );
  const commit = place([{ type: 'Commit' }, { type: 'Abort' }]);
  if (word >= MAX_WORDS)
    fail(`paxos-commit: ${rms} RMs, ${acceptors} acceptors and ${ballots} ballots need more than ${MAX_WORDS * WORD_BITS} message bits`);
  /** The bits of each word that stand for a message: msgs ⊆ Message. */
  const wordMask = range(word + 1).map((w) => decode.slice(w * 32, w * 32 + 32).reduce((m, x, b) => (x ? m | (1 << b) : m), 0));
  return { decode, words: word + 1, wordMask, p1a, p1b, p2a, p2b, commit, abort: commit + 1 };
}

/** A vote code back to (bal, val): 0 is (-1, none), 1 + 2·bal + (0 prepared | 1 aborted) a vote cast at bal. */
const voteBal = (v: number): number => (v === 0 ? -1 : (v - 1) >> 1);
const voteVal = (v: number): AcceptorValue => (v === 0 ? 'none' : (v - 1) & 1 ? 'aborted' : 'prepared');

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
}

/** The spec's variables, as PaxosCommit.tla writes them (ins, acc are 0-based; msgs in a fixed order). */
export interface PCSpecState {
  readonly rmState: readonly RMState[];
  readonly aState: readonly (readonly AcceptorState[])[];
  readonly msgs: readonly PCMessage[];
}

/** One word of msgs. */
function word(s: PCState, w: number): number {
  switch (w) {
    case 0:
      return s.msgs0;
    case 1:
      return s.msgs1;
    case 2:
      return s.msgs2;
    default:
      return s.msgs3;
  }
}

/** Whether the message at `bit` of the universe is in msgs. */
const sent = (s: PCState, bit: number): boolean => (word(s, bit >>> 5) & (1 << (bit & 31))) !== 0;

/** Every word of msgs, in order. */
const words = (s: PCState): number[] => [s.msgs0, s.msgs1, s.msgs2, s.msgs3];

/**
 * Where each acceptor's state lives in PCState.aState: `bits` bits per (ins, acc), read with a shift while the whole
 * fits in 30 bits (24 in the published configuration), else with a division (at most 53 bits).
 */
function aStateLayout(rms: number, acceptors: number, ballots: number) {
  const votes = 1 + 2 * ballots;
  const bits = Math.ceil(Math.log2(ballots * votes));
  const slots = rms * acceptors;
  if (slots * bits > 53) fail(`paxos-commit: ${rms} RMs and ${acceptors} acceptors with ${ballots} ballots do not fit the packed aState`);
  const place = Array.from({ length: slots }, (_, k) => 2 ** (k * bits));
  const mask = (1 << bits) - 1;
  const narrow = slots * bits <= 30;
  /** Field k: mbal·votes + vote. */
  const field = (aState: number, k: number): number => (narrow ? aState >>> (k * bits) : Math.floor(aState / place[k])) & mask;
  return { votes, place, field, range: 2 ** (slots * bits) };
}

/** Unpacks states of a scope into the spec's variables. */
export function specView(scope: PCScope): (s: PCState) => PCSpecState {
  const { rms, acceptors, ballots } = scope;
  const U = messageUniverse(rms, acceptors, ballots);
  const A = aStateLayout(rms, acceptors, ballots);
  return (s) => ({
    rmState: Array.from({ length: rms }, (_, rm) => RM_STATES[(s.rmState >> (2 * rm)) & 3]),
    aState: Array.from({ length: rms }, (_, ins) =>
      Array.from({ length: acceptors }, (_, acc) => {
        const f = A.field(s.aState, ins * acceptors + acc);
        const v = f % A.votes;
        return { mbal: Math.floor(f / A.votes), bal: voteBal(v), val: voteVal(v) };
      }),
    ),
    msgs: U.decode.filter((_, bit) => sent(s, bit)),
  });
}

function pcMachine(scope: PCScope, shape: Shape, variant: string, budget: FaultBudget): Machine<PCState, PCAction> {
  const { rms, acceptors, ballots } = scope;
  const live = shape === 'live';
  if (!live && budget.crashes > 0) fail('paxos-commit: crashes apply to shape=live only (the published spec has no faults)');
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

  // aState fields (see PCState): the field of one acceptor in one instance, and its mbal.
  const A = aStateLayout(rms, acceptors, ballots);
  const votes = A.votes;
  const aStateRange = A.range;
  const fieldOf = (s: PCState, ins: number, acc: number): number => A.field(s.aState, ins * acceptors + acc);
  const mbalOf = (s: PCState, ins: number, acc: number): number => Math.floor(fieldOf(s, ins, acc) / votes);
  const rmAt = (s: PCState, rm: number): number => (s.rmState >> (2 * rm)) & 3;

  // Action instances, made once: actions() hands out the same objects again. Every instance has every field (the
  // ones its kind does not use are -1), so the engine and next() see a single object shape.
  const act = <T extends PCProtocolAction>(a: T): T => ({ ...UNUSED, ...a });
  const rmActs = (name: RMActionName) => ids.map((rm) => act({ name, rm }));
  const prepare = rmActs('RMPrepare');
  const chooseToAbort = rmActs('RMChooseToAbort');
  const rcvCommit = rmActs('RMRcvCommitMsg');
  const rcvAbort = rmActs('RMRcvAbortMsg');
  const phase1a = bals.map((bal) => ids.map((rm) => act({ name: 'Phase1a', bal, rm } as const)));
  const phase2a = bals.map((bal) => ids.map((rm) => quorums.map((_, quorum) => act({ name: 'Phase2a', bal, rm, quorum } as const))));
  const phase1b = accs.map((acc) => ids.map((ins) => bals.map((bal) => act({ name: 'Phase1b', acc, ins, bal } as const))));
  const phase2b = accs.map((acc) =>
    ids.map((ins) => bals.map((bal) => VOTES.map((val) => act({ name: 'Phase2b', acc, ins, bal, val } as const)))),
  );
  const perInstance = ballots * decideQuorums.length;
  const abortActs = ids.map((rm) =>
    bals.map((bal) =>
      decideQuorums.map((_, quorum) => act({ name: 'Decide', decision: 'Abort', witness: [{ rm, bal, quorum }] } as const)),
    ),
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
      a = act({ name: 'Decide', decision: 'Commit', witness } as const);
      commitActs.set(code, a);
    }
    return a;
  };

  const up = (s: PCState, acc: number): boolean => !live || s.faults.down.length === 0 || isUp(s.faults, accNames[acc]);

  /** Acceptors (bitmask) that sent a phase 2b message for (ins, bal, val), val 0 prepared or 1 aborted. */
  const allAcceptors = (1 << acceptors) - 1;
  const votersOf = (s: PCState, ins: number, bal: number, v: number): number => {
    const bit = U.p2b[ins][bal][v];
    return (word(s, bit >>> 5) >>> (bit & 31)) & allAcceptors;
  };
  /** Acceptors (bitmask) that sent a phase 1b message for (ins, mbal), whatever it reports. */
  const joinersOf = (s: PCState, ins: number, mbal: number): number => {
    let mask = 0;
    const group = (1 << (1 + 2 * mbal)) - 1;
    for (let acc = 0; acc < acceptors; acc++) {
      const bit = U.p1b[ins][mbal][acc];
      if (((word(s, bit >>> 5) >>> (bit & 31)) & group) !== 0) mask |= 1 << acc;
    }
    return mask;
  };

  // Scratch for Decide's witnesses (per RM: how many, and which), reused by every call of actions().
  const choices = new Int32Array(rms * perInstance);
  const choiceCount = new Int32Array(rms);
  const actions = (s: PCState): PCProtocolAction[] => {
    const out: PCProtocolAction[] = [];
    const commitSent = sent(s, U.commit);
    const abortSent = sent(s, U.abort);
    for (let rm = 0; rm < rms; rm++) {
      if (rmAt(s, rm) === WORKING) out.push(prepare[rm], chooseToAbort[rm]);
      if (commitSent) out.push(rcvCommit[rm]);
      if (abortSent) out.push(rcvAbort[rm]);
    }
    for (const bal of higher) {
      for (let rm = 0; rm < rms; rm++) {
        out.push(phase1a[bal][rm]);
        const p2a = U.p2a[rm][bal];
        if (sent(s, p2a) || sent(s, p2a + 1)) continue;
        const joined = joinersOf(s, rm, bal);
        if (joined === 0) continue;
        for (let q = 0; q < quorums.length; q++) if ((joined & quorumMask[q]) === quorumMask[q]) out.push(phase2a[bal][rm][q]);
      }
    }
    // Decide: Commit once per choice of a witness for every instance, Abort once per witness of any instance.
    let commitCount = 1;
    for (let rm = 0; rm < rms; rm++) {
      let n = 0;
      for (let bal = 0; bal < ballots; bal++) {
        const prepared = votersOf(s, rm, bal, 0);
        if (prepared === 0) continue;
        for (let q = 0; q < decideMask.length; q++)
          if ((prepared & decideMask[q]) === decideMask[q]) choices[rm * perInstance + n++] = bal * decideMask.length + q;
      }
      choiceCount[rm] = n;
      commitCount *= n;
    }
    for (let i = 0; i < commitCount; i++) {
      let code = 0;
      let rest = i;
      for (let rm = 0, scale = 1; rm < rms; rm++, scale *= perInstance) {
        code += choices[rm * perInstance + (rest % choiceCount[rm])] * scale;
        rest = Math.floor(rest / choiceCount[rm]);
      }
      out.push(commitAct(code));
    }
    for (let rm = 0; rm < rms; rm++) {
      for (let bal = 0; bal < ballots; bal++) {
        const aborted = votersOf(s, rm, bal, 1);
        if (aborted === 0) continue;
        for (let q = 0; q < decideMask.length; q++) if ((aborted & decideMask[q]) === decideMask[q]) out.push(abortActs[rm][bal][q]);
      }
    }
    for (let acc = 0; acc < acceptors; acc++) {
      if (!up(s, acc)) continue;
      for (let ins = 0; ins < rms; ins++) {
        const mbal = mbalOf(s, ins, acc);
        for (const bal of higher) if (mbal < bal && sent(s, U.p1a[ins][bal])) out.push(phase1b[acc][ins][bal]);
      }
      for (let ins = 0; ins < rms; ins++) {
        const mbal = mbalOf(s, ins, acc);
        for (let bal = mbal; bal < ballots; bal++) {
          const p2a = U.p2a[ins][bal];
          if (sent(s, p2a)) out.push(phase2b[acc][ins][bal][0]);
          if (sent(s, p2a + 1)) out.push(phase2b[acc][ins][bal][1]);
        }
      }
    }
    return out;
  };

  // One literal for every state keeps one object shape, which keeps the explorer's call sites fast.
  const make = (
    rmState: number,
    aState: number,
    msgs0: number,
    msgs1: number,
    msgs2: number,
    msgs3: number,
    faults: FaultState,
  ): PCState => ({ rmState, aState, msgs0, msgs1, msgs2, msgs3, faults });
  /** The state with rmState, aState replaced and the message at `bit` (if any) sent; `s` itself when nothing changes. */
  const update = (s: PCState, rmState: number, aState: number, bit: number): PCState => {
    const w = bit < 0 ? -1 : bit >>> 5;
    const m = bit < 0 ? 0 : 1 << (bit & 31);
    if (rmState === s.rmState && aState === s.aState && (m === 0 || (word(s, w) & m) !== 0)) return s;
    return make(
      rmState,
      aState,
      w === 0 ? s.msgs0 | m : s.msgs0,
      w === 1 ? s.msgs1 | m : s.msgs1,
      w === 2 ? s.msgs2 | m : s.msgs2,
      w === 3 ? s.msgs3 | m : s.msgs3,
      s.faults,
    );
  };
  const setRM = (s: PCState, rm: number, code: number, bit = -1): PCState =>
    update(s, (s.rmState & ~(3 << (2 * rm))) | (code << (2 * rm)), s.aState, bit);
  const send = (s: PCState, bit: number): PCState => update(s, s.rmState, s.aState, bit);
  /** Acceptor acc of instance ins joins ballot mbal with vote v, and sends the message at `bit`. */
  const setAcceptor = (s: PCState, ins: number, acc: number, mbal: number, v: number, bit: number): PCState =>
    update(s, s.rmState, s.aState + (mbal * votes + v - fieldOf(s, ins, acc)) * A.place[ins * acceptors + acc], bit);

  /** The value Phase2a(bal, rm) proposes after reading the phase 1b messages of majority q (spec: maxbal, CHOOSE). */
  const phase2aValue = (s: PCState, rm: number, bal: number, q: number): number => {
    if (ownValue) return 1;
    let best = 0;
    for (const acc of quorums[q]) {
      // The one phase 1b message acc sent for (rm, bal): an acceptor joins a ballot once.
      const bit = U.p1b[rm][bal][acc];
      let v = 0;
      while (v < 2 * bal && !sent(s, bit + v)) v++;
      if (voteBal(v) > voteBal(best)) best = v;
    }
    return best === 0 ? 1 : (best - 1) & 1;
  };

  // Typed over every action so that shape tla needs no wrapper; withFaults handles the fault actions in shape live.
  const next = (s: PCState, a: PCAction): PCState => {
    switch (a.name) {
      case 'RMPrepare':
        return setRM(s, a.rm, PREPARED, U.p2a[a.rm][0]);
      case 'RMChooseToAbort':
        return setRM(s, a.rm, ABORTED, U.p2a[a.rm][0] + 1);
      case 'RMRcvCommitMsg':
        return setRM(s, a.rm, COMMITTED);
      case 'RMRcvAbortMsg':
        return setRM(s, a.rm, ABORTED);
      case 'Phase1a':
        return send(s, U.p1a[a.rm][a.bal]);
      case 'Phase2a':
        return send(s, U.p2a[a.rm][a.bal] + phase2aValue(s, a.rm, a.bal, a.quorum));
      case 'Decide':
        return send(s, a.decision === 'Commit' ? U.commit : U.abort);
      case 'Phase1b': {
        const v = fieldOf(s, a.ins, a.acc) % votes;
        return setAcceptor(s, a.ins, a.acc, a.bal, v, U.p1b[a.ins][a.bal][a.acc] + v);
      }
      case 'Phase2b': {
        const v = a.val === 'aborted' ? 1 : 0;
        return setAcceptor(s, a.ins, a.acc, a.bal, 1 + 2 * a.bal + v, U.p2b[a.ins][a.bal][v] + a.acc);
      }
      default:
        return s;
    }
  };

  // The key: rmState and aState as one number, then the message words. A safe integer when everything fits in
  // 53 bits (small scopes), else a string of 15-bit character codes: six of them in the published configuration.
  const msgBits = (U.words - 1) * WORD_BITS + (U.decode.length - (U.words - 1) * 32);
  const headRange = 4 ** rms * aStateRange;
  const integerKey = headRange * 2 ** msgBits <= Number.MAX_SAFE_INTEGER;
  const headChars = Math.max(1, Math.ceil(Math.log2(headRange) / 15));
  const key = (s: PCState): string | number => {
    const head = s.rmState * aStateRange + s.aState;
    if (integerKey) {
      let m = 0;
      for (let w = U.words - 1; w >= 0; w--) m = m * 2 ** WORD_BITS + word(s, w);
      return head * 2 ** msgBits + m;
    }
    if (headChars === 2 && U.words === 2) {
      const m0 = s.msgs0;
      const m1 = s.msgs1;
      return String.fromCharCode(head & 0x7fff, head >>> 15, m0 & 0x7fff, m0 >>> 15, m1 & 0x7fff, m1 >>> 15);
    }
    const chars: number[] = [];
    for (let h = head, i = 0; i < headChars; i++, h = Math.floor(h / 0x8000)) chars.push(h % 0x8000);
    for (let w = 0; w < U.words; w++) chars.push(word(s, w) & 0x7fff, word(s, w) >>> 15);
    return String.fromCharCode(...chars);
  };

  /** Instance rm chose value v (0 prepared, 1 aborted) at ballot bal: a quorum voted for it there. */
  const chosenAt = (s: PCState, rm: number, bal: number, v: number): boolean => {
    const voters = votersOf(s, rm, bal, v);
    return quorumMask.some((q) => (voters & q) === q);
  };
  const chosen = (s: PCState, rm: number, v: number): boolean => bals.some((bal) => chosenAt(s, rm, bal, v));
  const allRMs = (s: PCState, code: number): boolean => ids.every((rm) => rmAt(s, rm) === code);
  // Interned RM state arrays and TransactionCommit states: the refinement mapping allocates nothing.
  const rmArrays = Array.from({ length: 4 ** rms }, (_, code) => ids.map((rm) => RM_STATES[(code >> (2 * rm)) & 3]));
  const tcStates: TCState[] = rmArrays.map((rmState) => ({ rmState: Object.fromEntries(rmState.map((r, i) => [`rm${i + 1}`, r])) }));

  const refinesTCommit = refinementProperty<PCState, PCAction, TCState, TCAction>({
    name: 'refinesTransactionCommit',
    description: 'Every step maps to a TransactionCommit step on rmState, or leaves rmState unchanged (PCSpec ⇒ TC!TCSpec).',
    abstract: transactionCommitMachine(rms),
    mapping: (s) => tcStates[s.rmState],
  });

  const toSpec = specView(scope);
  const properties: Property<PCState, PCAction>[] = [
    {
      kind: 'always',
      name: 'typeOK',
      description: 'Every variable holds a value of its type (PCTypeOK), read back from the packed state.',
      holds: (s) => {
        if (!Number.isInteger(s.rmState) || s.rmState < 0 || s.rmState >= 4 ** rms) return false;
        if (!Number.isInteger(s.aState) || s.aState < 0 || s.aState >= aStateRange) return false;
        // aState ∈ [RM → [Acceptor → [mbal: Ballot, bal: Ballot ∪ {-1}, val: {prepared, aborted, none}]]]: every
        // field decodes to such a record (mbal < ballots; a vote is none or one cast at a ballot). msgs ⊆ Message:
        // no bit outside the universe.
        for (let k = 0; k < rms * acceptors; k++) if (A.field(s.aState, k) >= ballots * votes) return false;
        return words(s).every((w, i) => Number.isInteger(w) && (w & ~(U.wordMask[i] ?? 0)) === 0);
      },
    },
    {
      kind: 'always',
      name: 'consistent',
      description: 'No RM has committed while another has aborted (TCConsistent).',
      holds: (s) => consistentRMs(rmArrays[s.rmState]),
    },
    {
      kind: 'always',
      name: 'oneValuePerInstance',
      description: 'Paxos consensus: no instance has a majority voting prepared and a majority voting aborted, at any ballots.',
      holds: (s) => ids.every((rm) => !(chosen(s, rm, 0) && chosen(s, rm, 1))),
    },
    refinesTCommit,
    {
      kind: 'sometimes',
      name: 'allCommitted',
      description: 'Every RM commits.',
      holds: (s) => allRMs(s, COMMITTED),
    },
    {
      kind: 'sometimes',
      name: 'abortDecided',
      description: 'The leader announces Abort.',
      holds: (s) => sent(s, U.abort),
    },
  ];
  if (ballots > 1) {
    properties.push(
      {
        kind: 'sometimes',
        name: 'recoveredVote',
        description: 'A leader of ballot 1 proposes prepared: it carries an RM’s vote, learned in phase 1, into its own ballot.',
        holds: (s) => ids.some((rm) => sent(s, U.p2a[rm][1])),
      },
      {
        kind: 'sometimes',
        name: 'commitAfterTakeover',
        description: 'Every RM commits although an instance was chosen at ballot 1, after a leader took over from its RM.',
        holds: (s) => allRMs(s, COMMITTED) && ids.some((rm) => chosenAt(s, rm, 1, 0)),
      },
      {
        kind: 'sometimes',
        name: 'abortAfterAllPrepared',
        description: 'Every RM prepared, yet Abort is announced: a ballot-1 leader saw no vote in its majority’s phase 1b messages.',
        holds: (s) => sent(s, U.abort) && allRMs(s, PREPARED),
      },
    );
  }
  if (live) {
    properties.push(
      {
        kind: 'eventually',
        name: 'allLearn',
        description: 'Every RM eventually learns the outcome: it ends committed or aborted.',
        holds: (s) => ids.every((rm) => rmAt(s, rm) >= COMMITTED),
      },
      {
        kind: 'sometimes',
        name: 'decidedDespiteCrash',
        description: 'An acceptor has crashed and every RM still committed.',
        holds: (s) => s.faults.down.length > 0 && allRMs(s, COMMITTED),
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
        const value = VOTES[phase2aValue(from, a.rm, a.bal, a.quorum)];
        return [
          { type: 'note', over: LEADER, text: `2a(${rmName(a.rm)}, b${a.bal}, ${value}) after 1b from ${quorumName(quorums, a.quorum)}` },
        ];
      }
      case 'Decide':
        return [{ type: 'note', over: LEADER, text: `decides ${a.decision}` }];
      case 'Phase1b': {
        const v = fieldOf(from, a.ins, a.acc) % votes;
        const report = v === 0 ? 'none' : `b${voteBal(v)} ${voteVal(v)}`;
        return [{ type: 'message', from: accName(a.acc), to: LEADER, label: `1b(${rmName(a.ins)}, b${a.bal}: ${report})` }];
      }
      case 'Phase2b':
        return [
          { type: 'message', from: a.bal === 0 ? rmName(a.ins) : LEADER, to: accName(a.acc), label: `2a(b${a.bal}, ${a.val}) → votes` },
        ];
      default:
        return [];
    }
  };
  const display = (s: PCState) => {
    const spec = toSpec(s);
    return {
      ...Object.fromEntries(ids.map((rm) => [rmName(rm), spec.rmState[rm]])),
      ...Object.fromEntries(
        ids.flatMap((ins) =>
          accs.map((acc) => {
            const x = spec.aState[ins][acc];
            return [`aState[${rmName(ins)}][${accName(acc)}]`, `mbal ${x.mbal}, bal ${x.bal}, ${x.val}`];
          }),
        ),
      ),
      msgs: `{${spec.msgs.map(formatMessage).join(', ')}}`,
      ...(live ? { down: `{${s.faults.down.join(', ')}}` } : {}),
    };
  };

  const init = make(0, 0, 0, 0, 0, 0, live ? initialFaults(budget) : NO_FAULTS);
  const actors = [...ids.map(rmName), LEADER, ...accNames];
  if (!live) return { init: [init], actions, next, key, properties, actionNames, formatAction, actors, view, display };
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
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'oneValuePerInstance', 'refinesTransactionCommit'] },
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
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'oneValuePerInstance', 'refinesTransactionCommit'] },
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
      expect: { violates: 'allLearn', holds: ['typeOK', 'consistent', 'oneValuePerInstance', 'refinesTransactionCommit'] },
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
    pcMachine({ rms: params.rms, acceptors: params.acceptors, ballots: params.ballots }, params.shape, variant, budgetOf(params)),
});

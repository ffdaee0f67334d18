// The configurations of Paxos Commit (paxos-commit.ts), kept apart from the protocol as PaxosCommit.cfg is from
// PaxosCommit.tla: its parameters, its bug variants, and the configurations `npm run check` explores.
import { faultParams } from '../../src/model/faults';
import type { Configuration, Variant } from '../../src/model/model';

export const params = {
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
} as const;

export const variants: readonly Variant[] = [
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

export const configurations: readonly Configuration<typeof params>[] = [
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
];

// The catalog: the one place that lists models, comparisons and figures. To add a model, import it and add
// one line to MODELS. Only the command line (src/cli/main.ts) imports this file; the engine takes models as
// arguments.
import type { AnyModel, Catalog, Comparison, Figure } from '../src/model/model';
import { transactionCommit } from './commit/transaction-commit';
import { twoPhaseCommit } from './commit/two-phase-commit';
import { twoPhaseCommitFaults } from './commit/two-phase-commit-faults';
import { threePhaseCommit } from './commit/three-phase-commit';
import { paxosCommit } from './commit/paxos-commit';
import { commitComparison } from './commit/comparison';
import { walkCoverageFigure } from './commit/walk-coverage';
import { tcc } from './transactions/tcc';
import { seataAt } from './transactions/seata-at';
import { outbox } from './transactions/outbox';
import { statusTable } from './transactions/status-table';
import { snowflake } from './ids/snowflake';
import { segment } from './ids/segment';
import { randomIdsFigure } from './ids/random-ids';
import { loadBalancer } from './routing/load-balancer';
import { consistentHash, consistentHashFigure } from './routing/consistent-hash';
import { redisResharding } from './routing/redis-resharding';
import { redisSlotsFigure } from './routing/redis-cluster';
import { hashFunctionsFigure } from './routing/hash-functions';
import { sharding } from './routing/sharding';
import { antiEntropy, antiEntropyFigure } from './replication/anti-entropy';
import { gossip, gossipFigure } from './replication/gossip';
import { distributedLock } from './governance/distributed-lock';
import { majorityQuorum, majorityQuorumFigure } from './replication/majority-quorum';
import { leaderElection } from './replication/leader-election';
import { lastWriteWins } from './versioning/last-write-wins';
import { optimisticLock } from './versioning/optimistic-lock';
import { vectorClock } from './versioning/vector-clock';
import { circuitBreaker } from './governance/circuit-breaker';
import { rateLimiter } from './governance/rate-limiter';
import { governanceLibrariesFigure } from './governance/governance-libraries';
import { primaryBackup } from './replication/primary-backup';
import { sentinelFailover } from './replication/sentinel-failover';
import { nwrRegister } from './replication/nwr-register';
import { cap, capComparison } from './replication/cap';

export const MODELS: readonly AnyModel[] = [
  // 1. Commit protocols and flexible transactions
  transactionCommit,
  twoPhaseCommit,
  twoPhaseCommitFaults,
  threePhaseCommit,
  paxosCommit,
  tcc,
  statusTable,
  outbox,
  seataAt,
  // 2. Replication and availability
  majorityQuorum,
  nwrRegister,
  leaderElection,
  primaryBackup,
  sentinelFailover,
  cap,
  antiEntropy,
  gossip,
  // 3. Versioning of data
  lastWriteWins,
  optimisticLock,
  vectorClock,
  // 4. Partitioning and routing
  loadBalancer,
  consistentHash,
  redisResharding,
  sharding,
  // 5. Distributed ids
  snowflake,
  segment,
  // 6. Service governance
  circuitBreaker,
  rateLimiter,
  distributedLock,
];

export const COMPARISONS: readonly Comparison[] = [commitComparison, capComparison];

export const FIGURES: readonly Figure[] = [
  randomIdsFigure,
  consistentHashFigure,
  redisSlotsFigure,
  hashFunctionsFigure,
  antiEntropyFigure,
  gossipFigure,
  majorityQuorumFigure,
  governanceLibrariesFigure,
  walkCoverageFigure,
];

export const CATALOG: Catalog = { models: MODELS, comparisons: COMPARISONS, figures: FIGURES };

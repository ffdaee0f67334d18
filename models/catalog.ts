// The shipped catalog: the one place that lists the models, comparisons and figures of `distcheck`, as ids,
// titles and loaders, so that the command line loads only what a command needs. To add a model, add one line
// to `models` (and one row to the README's table). The repository's lab (models/lab.ts) adds the figures that
// drive npm libraries. Only the command line's entry points import this file; the engine takes models as arguments.
import type { LazyCatalog } from '../src/model/catalog';

export const SHIPPED: LazyCatalog = {
  models: [
    // 1. Commit protocols and flexible transactions
    {
      id: 'transaction-commit',
      title: 'Transaction Commit (TCommit)',
      load: async () => (await import('./commit/transaction-commit')).transactionCommit,
    },
    {
      id: 'two-phase-commit',
      title: 'Two-phase commit (TwoPhase)',
      load: async () => (await import('./commit/two-phase-commit')).twoPhaseCommit,
    },
    {
      id: 'two-phase-commit-faults',
      title: 'Two-phase commit with crashes, message loss and retransmission',
      load: async () => (await import('./commit/two-phase-commit-faults')).twoPhaseCommitFaults,
    },
    {
      id: 'three-phase-commit',
      title: 'Three-phase commit (CanCommit / PreCommit / DoCommit) with timeouts',
      load: async () => (await import('./commit/three-phase-commit')).threePhaseCommit,
    },
    { id: 'paxos-commit', title: 'Paxos Commit (PaxosCommit)', load: async () => (await import('./commit/paxos-commit')).paxosCommit },
    {
      id: 'tcc',
      title: 'TCC (Try / Confirm / Cancel) transfer with a fence log',
      load: async () => (await import('./transactions/tcc')).tcc,
    },
    {
      id: 'status-table',
      title: 'Transaction status table with a retrying scanner',
      load: async () => (await import('./transactions/status-table')).statusTable,
    },
    {
      id: 'outbox',
      title: 'Outbox and RocketMQ transactional messages: eventual consistency through a broker',
      load: async () => (await import('./transactions/outbox')).outbox,
    },
    {
      id: 'seata-at',
      title: 'Seata AT mode: global lock, undo log and rollback from the before-image',
      load: async () => (await import('./transactions/seata-at')).seataAt,
    },
    // 2. Replication and availability
    {
      id: 'majority-quorum',
      title: 'Majority and flexible quorums: intersection and availability',
      load: async () => (await import('./replication/majority-quorum')).majorityQuorum,
    },
    {
      id: 'nwr-register',
      title: 'NWR quorum register, with ABD read write-back and a sloppy quorum',
      load: async () => (await import('./replication/nwr-register')).nwrRegister,
    },
    {
      id: 'leader-election',
      title: 'Leader election with terms and durable votes (Raft §5.2)',
      load: async () => (await import('./replication/leader-election')).leaderElection,
    },
    {
      id: 'primary-backup',
      title: 'Primary-backup replication with failover: synchronous, semi-synchronous and asynchronous acknowledgement',
      load: async () => (await import('./replication/primary-backup')).primaryBackup,
    },
    {
      id: 'sentinel-failover',
      title: 'Redis Sentinel failover: SDOWN, ODOWN by quorum, leader election per epoch, min-replicas-to-write',
      load: async () => (await import('./replication/sentinel-failover')).sentinelFailover,
    },
    {
      id: 'cap',
      title: 'CAP: a register on two replicas, CP and AP under a partition',
      load: async () => (await import('./replication/cap')).cap,
    },
    {
      id: 'anti-entropy',
      title: 'Anti-entropy: last-write-wins replicas reconciled by pairwise push-pull exchange (BASE)',
      load: async () => (await import('./replication/anti-entropy')).antiEntropy,
    },
    {
      id: 'gossip',
      title: 'Gossip: rumor spreading to random peers, with crashes',
      load: async () => (await import('./replication/gossip')).gossip,
    },
    // 3. Versioning of data
    {
      id: 'last-write-wins',
      title: 'Last-write-wins under clock skew, and hybrid logical clocks',
      load: async () => (await import('./versioning/last-write-wins')).lastWriteWins,
    },
    {
      id: 'optimistic-lock',
      title: 'Optimistic locking: read-modify-write with a version compare-and-set',
      load: async () => (await import('./versioning/optimistic-lock')).optimisticLock,
    },
    {
      id: 'vector-clock',
      title: 'Vector clocks and Dynamo-style siblings',
      load: async () => (await import('./versioning/vector-clock')).vectorClock,
    },
    // 4. Partitioning and routing
    {
      id: 'load-balancer',
      title: 'Load balancing: round-robin, smooth weighted (nginx) and hash-mod, with failures',
      load: async () => (await import('./routing/load-balancer')).loadBalancer,
    },
    {
      id: 'consistent-hash',
      title: 'Consistent hashing with virtual nodes',
      load: async () => (await import('./routing/consistent-hash')).consistentHash,
    },
    {
      id: 'redis-resharding',
      title: 'Redis Cluster live resharding with MOVED / ASK redirections',
      load: async () => (await import('./routing/redis-resharding')).redisResharding,
    },
    {
      id: 'sharding',
      title: 'Sharding: redundancy by a second dimension',
      load: async () => (await import('./routing/sharding')).sharding,
    },
    // 5. Distributed ids
    { id: 'snowflake', title: 'Snowflake ids under clock faults', load: async () => (await import('./ids/snowflake')).snowflake },
    { id: 'segment', title: 'Leaf segment allocation with double buffering', load: async () => (await import('./ids/segment')).segment },
    // 6. Service governance
    {
      id: 'circuit-breaker',
      title: 'Circuit breaker: consecutive failures or a failure percentage over a rolling window',
      load: async () => (await import('./governance/circuit-breaker')).circuitBreaker,
    },
    {
      id: 'rate-limiter',
      title: 'Rate limiting: token bucket, fixed window and sliding log against the sliding bound',
      load: async () => (await import('./governance/rate-limiter')).rateLimiter,
    },
    {
      id: 'distributed-lock',
      title: 'Lease lock with fencing tokens (and the exactly-once job trigger)',
      load: async () => (await import('./governance/distributed-lock')).distributedLock,
    },
    // 7. Rolling upgrades (mixed protocol versions)
    {
      id: 'nwr-reconfigure',
      title: 'Changing R and W of an NWR store while it serves (rolling upgrade)',
      load: async () => (await import('./upgrades/nwr-reconfigure')).nwrReconfigure,
    },
    {
      id: 'snowflake-layout',
      title: 'A Snowflake layout change in a rolling deploy (more worker bits, fewer sequence bits)',
      load: async () => (await import('./upgrades/snowflake-layout')).snowflakeLayout,
    },
    {
      id: 'outbox-format',
      title: 'An idempotency key added to outbox messages in a rolling deploy',
      load: async () => (await import('./upgrades/outbox-format')).outboxFormat,
    },
    {
      id: 'raft-membership',
      title: 'Growing a Raft cluster from 3 to 5 servers by rolling configuration changes',
      load: async () => (await import('./upgrades/raft-membership')).raftMembership,
    },
  ],
  comparisons: async () => [(await import('./commit/comparison')).commitComparison, (await import('./replication/cap')).capComparison],
  figures: [
    {
      id: 'random-ids',
      title: 'Timestamp + user code + random bits: collision rate against the birthday bound',
      load: async () => (await import('./ids/random-ids')).randomIdsFigure,
    },
    {
      id: 'consistent-hash-figures',
      title: 'Consistent hashing: load spread against virtual nodes, and keys moved when a node joins',
      load: async () => (await import('./routing/consistent-hash')).consistentHashFigure,
    },
    {
      id: 'redis-cluster-slots',
      title: 'Redis Cluster: slots and keys per master',
      load: async () => (await import('./routing/redis-cluster')).redisSlotsFigure,
    },
    {
      id: 'hash-functions',
      title: 'Classic hash methods: collisions and chi-square on sequential and random keys',
      load: async () => (await import('./routing/hash-functions')).hashFunctionsFigure,
    },
    {
      id: 'anti-entropy-rounds',
      title: 'Anti-entropy: rounds of random push-pull exchanges until all replicas agree, by number of replicas',
      load: async () => (await import('./replication/anti-entropy')).antiEntropyFigure,
    },
    {
      id: 'gossip-rounds',
      title: 'Gossip: rounds until every node knows the rumor, against N, for fanout 1, 2, 3 (push), and pull and push-pull',
      load: async () => (await import('./replication/gossip')).gossipFigure,
    },
    {
      id: 'gossip-bounded-links',
      title: 'Gossip on bounded links: rounds until every node knows every rumor, unbounded against one rumor per message',
      load: async () => (await import('./replication/gossip')).boundedGossipFigure,
    },
    {
      id: 'majority-quorum-sizes',
      title: 'Quorum sizes: failures tolerated and whether quorums intersect',
      load: async () => (await import('./replication/majority-quorum')).majorityQuorumFigure,
    },
  ],
};

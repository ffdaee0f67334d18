// The one place that lists models. The engine reaches models only through here.
import type { AnyModel, Comparison, Figure } from './model';
import { fail } from './errors';
import { transactionCommit } from '../models/commit/transaction-commit';
import { twoPhaseCommit } from '../models/commit/two-phase-commit';
import { twoPhaseCommitFaults } from '../models/commit/two-phase-commit-faults';
import { threePhaseCommit } from '../models/commit/three-phase-commit';
import { commitComparison } from '../models/commit/comparison';
import { tcc } from '../models/transactions/tcc';
import { seataAt } from '../models/transactions/seata-at';
import { outbox } from '../models/transactions/outbox';
import { statusTable } from '../models/transactions/status-table';
import { snowflake } from '../models/ids/snowflake';
import { segment } from '../models/ids/segment';
import { randomIdsFigure } from '../models/ids/random-ids';
import { loadBalancer } from '../models/routing/load-balancer';
import { consistentHash, consistentHashFigure } from '../models/routing/consistent-hash';
import { redisResharding } from '../models/routing/redis-resharding';
import { redisSlotsFigure } from '../models/routing/redis-cluster';
import { hashFunctionsFigure } from '../models/routing/hash-functions';
import { sharding } from '../models/routing/sharding';

export const MODELS: readonly AnyModel[] = [
  transactionCommit,
  twoPhaseCommit,
  twoPhaseCommitFaults,
  threePhaseCommit,
  tcc,
  statusTable,
  outbox,
  seataAt,
  snowflake,
  segment,
  loadBalancer,
  consistentHash,
  redisResharding,
  sharding,
];

export const COMPARISONS: readonly Comparison[] = [commitComparison];

export const FIGURES: readonly Figure[] = [randomIdsFigure, consistentHashFigure, redisSlotsFigure, hashFunctionsFigure];

export function findModel(id: string): AnyModel {
  const model = MODELS.find((m) => m.id === id);
  if (!model) fail(`unknown model '${id}' (known: ${MODELS.map((m) => m.id).join(', ')})`);
  return model;
}

export function checkVariant(model: AnyModel, variant: string): void {
  if (!model.variants.some((v) => v.name === variant)) {
    fail(`unknown variant '${variant}' for ${model.id} (known: ${model.variants.map((v) => v.name).join(', ')})`);
  }
}

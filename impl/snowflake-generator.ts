// A real, mutable Snowflake generator with an injected clock, written the way a service would hold one.
// It is tested against the pure model in models/ids/snowflake.ts with fc.commands (properties/ids).
import { TWITTER_EPOCH, decide, encodeSnowflake, type Policy } from '../models/ids/snowflake';

export class ClockMovedBackwardsError extends Error {
  override readonly name = 'ClockMovedBackwardsError';
}

export interface GeneratorOptions {
  readonly workerId: number;
  readonly datacenterId?: number;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly now: () => number;
  readonly policy: Policy;
  readonly sequenceBits?: number;
  readonly epoch?: bigint;
  /** The last timestamp persisted before a restart (Leaf keeps it in ZooKeeper). */
  readonly persistedLastTs?: number;
}

export class SnowflakeGenerator {
  private lastTs: number;
  private seq: number;
  private readonly seqMax: number;

  constructor(private readonly options: GeneratorOptions) {
    this.seqMax = (1 << (options.sequenceBits ?? 12)) - 1;
    this.lastTs = options.persistedLastTs ?? -1;
    // After a restart the sequence used within lastTs is unknown: that millisecond counts as exhausted.
    this.seq = options.persistedLastTs === undefined ? 0 : this.seqMax;
  }

  get lastTimestamp(): number {
    return this.lastTs;
  }

  /** The next id, or null when the generator must wait (sequence exhausted, or Leaf's small rollback). */
  nextId(): bigint | null {
    const d = decide(this.options.now(), this.lastTs, this.seq, this.seqMax, this.options.policy);
    if (d.kind === 'refuse') throw new ClockMovedBackwardsError(`clock is behind the last timestamp ${this.lastTs}`);
    if (d.kind === 'wait') return null;
    this.lastTs = d.ts;
    this.seq = d.seq;
    const epoch = this.options.epoch ?? TWITTER_EPOCH;
    return encodeSnowflake(
      { timestamp: Number(epoch) + d.ts, datacenterId: this.options.datacenterId ?? 0, workerId: this.options.workerId, sequence: d.seq },
      epoch,
    );
  }
}

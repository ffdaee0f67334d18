// A storage stub that checks fencing tokens, as in Kleppmann's "How to do distributed locking": it remembers
// the highest token it has accepted and refuses a write that is not newer. The check is a parameter so that
// the real-redis tests can feed one run's writes to the correct check, to no check, and to the `≤` bug.
// The model of the same storage is the `accepts` function in models/governance/distributed-lock.ts.

export type FenceCheck = 'strict' | 'none' | 'leq';

export interface StoredWrite {
  readonly client: string;
  readonly token: number;
  readonly value: string;
  readonly accepted: boolean;
}

export class FencedStorage {
  /** The highest token accepted so far (0 before any write). */
  private last = 0;
  private current: string | undefined;
  private readonly log: StoredWrite[] = [];

  constructor(readonly check: FenceCheck = 'strict') {}

  /** Applies the write if its token passes the check; returns whether it landed. */
  write(client: string, token: number, value: string): boolean {
    if (!Number.isSafeInteger(token) || token < 1) throw new Error(`not a fencing token: ${token}`);
    const accepted = this.check === 'none' || (this.check === 'leq' ? this.last <= token : this.last < token);
    if (accepted) {
      this.last = Math.max(this.last, token);
      this.current = value;
    }
    this.log.push({ client, token, value, accepted });
    return accepted;
  }

  get value(): string | undefined {
    return this.current;
  }

  get lastToken(): number {
    return this.last;
  }

  /** Every write received, in arrival order, with whether it landed. */
  get writes(): readonly StoredWrite[] {
    return this.log;
  }
}

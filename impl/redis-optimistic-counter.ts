// An optimistic-lock counter on Redis, the way the Redis documentation writes it: WATCH the key, GET it,
// then MULTI / SET value + 1 / EXEC; EXEC answers nil when another client modified the key after the WATCH.
// WATCH is the version check of models/versioning/optimistic-lock.ts (any write to a watched key, even of the
// same value, aborts the EXEC). With `watch: false` it is that model's no-version-check variant.
// Each client needs a connection of its own: WATCH state belongs to the connection.
import { RespConnection, RespError, type RespValue } from './resp-client';

export interface OptimisticCounterOptions {
  readonly key: string;
  /** Watch the key between the read and the write (the version check). */
  readonly watch: boolean;
}

function asCount(v: RespValue): number {
  if (v === null) return 0;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isSafeInteger(n)) throw new Error(`counter holds ${JSON.stringify(v)}, not an integer`);
  return n;
}

export class OptimisticCounterClient {
  private read_: number | null = null;

  constructor(
    private readonly conn: RespConnection,
    private readonly options: OptimisticCounterOptions,
  ) {}

  /** The value this client read and will increment, or null before a read. */
  get readValue(): number | null {
    return this.read_;
  }

  /** WATCH (unless disabled) and GET: the first half of the read-modify-write. */
  async read(): Promise<number> {
    if (this.options.watch) await this.conn.command('WATCH', this.options.key);
    this.read_ = asCount(await this.conn.command('GET', this.options.key));
    return this.read_;
  }

  /** MULTI, SET read + 1, EXEC: true when the write was stored, false when EXEC aborted. */
  async commit(): Promise<boolean> {
    if (this.read_ === null) throw new Error('commit without a read');
    const value = this.read_ + 1;
    this.read_ = null;
    await this.conn.command('MULTI');
    await this.conn.command('SET', this.options.key, String(value));
    const replies = await this.conn.command('EXEC');
    if (replies === null) return false;
    if (!Array.isArray(replies) || replies[0] !== 'OK') throw new Error(`EXEC answered ${JSON.stringify(replies)}`);
    return true;
  }

  /** The usual retry loop: read and commit until a commit succeeds or the attempts run out. */
  async increment(maxAttempts: number): Promise<boolean> {
    for (let i = 0; i < maxAttempts; i++) {
      await this.read();
      if (await this.commit()) return true;
    }
    return false;
  }

  /** Drops any WATCH or open MULTI left on the connection, so the connection can be reused (RESET needs Redis 6.2). */
  async reset(): Promise<void> {
    this.read_ = null;
    await this.conn.command('DISCARD').catch((e: unknown) => {
      if (!(e instanceof RespError) || !/without MULTI/.test(e.message)) throw e;
    });
    await this.conn.command('UNWATCH');
  }
}

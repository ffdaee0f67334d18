// redlock with fencing tokens: the acquire script also takes a token from a Redis INCR, in the same Lua call
// that sets the lock key, so the token is ordered exactly as the grants are. Redlock's acquire script must
// return the number of keys it set, so the token is stored under a key named by the lock's random value (with
// the lock's TTL) and read back once the lock is held. A client whose lease ran out before it read its token
// finds nothing and must not write.
// Versions: redlock 5.0.0-beta.2 (the TypeScript rewrite; `latest` on npm is still 4.2.0, callbacks and
// bluebird) with ioredis 5, on Node 20.
import type Redis from 'ioredis';
// redlock 5.0.0-beta.2's package.json "exports" has no "types" condition, so TypeScript with
// moduleResolution Bundler cannot see its types (mike-marcacci/node-redlock#307, fixed upstream, not released):
// import the value untyped and its declaration file by path.
// @ts-expect-error: see above
import RedlockUntyped from 'redlock';
import type RedlockTyped from '../node_modules/redlock/dist/index';
import type { Lock, Settings } from '../node_modules/redlock/dist/index';

export type Redlock = RedlockTyped;
export type { Lock };
export const Redlock = RedlockUntyped as typeof RedlockTyped;

/** The counter every grant of `resource` increments. */
export const fenceCounterKey = (resource: string): string => `${resource}:fence`;
const tokenKey = (resource: string, value: string): string => `${resource}:token:${value}`;

const MARK = '  -- Return the number of entries added.';
const FENCE = `  -- Fencing: one token per grant, from a counter that only grows (while Redis keeps it).
  redis.call("set", KEYS[1] .. ":token:" .. ARGV[1], redis.call("incr", KEYS[1] .. ":fence"), "PX", ARGV[2])
`;

/** redlock's acquire script with the INCR added; fails loudly if a redlock release changed the script. */
export function fencedAcquireScript(script: string): string {
  if (!script.includes(MARK)) throw new Error('redlock acquire script changed: cannot add the fencing token');
  return script.replace(MARK, `${FENCE}${MARK}`);
}

/** A redlock over the given clients whose grants also hand out fencing tokens. */
export function fencedRedlock(clients: readonly Redis[], settings: Partial<Settings> = {}): Redlock {
  return new Redlock(clients, settings, { acquireScript: fencedAcquireScript });
}

export interface FencedLock {
  readonly lock: Lock;
  readonly token: number;
}

/** Acquires `resource` for `ttlMs` and reads the token handed out with this grant (single-instance redlock). */
export async function acquireFenced(redlock: Redlock, client: Redis, resource: string, ttlMs: number): Promise<FencedLock> {
  const lock = await redlock.acquire([resource], ttlMs);
  const token = await client.get(tokenKey(resource, lock.value));
  if (token === null) throw new Error(`lease on ${resource} ran out before its fencing token was read`);
  return { lock, token: Number(token) };
}

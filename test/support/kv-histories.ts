// Key-value histories shaped like Porcupine's kv test data (`c50-ok`, `c50-bad`): 50 clients over 10 keys
// named "0".."9", get/put/append, every written value unique ("x CLIENT N y"), so that appended strings grow
// and a stale value can never come back. Each operation takes effect atomically at a random moment between
// its invoke and its ok, so a history is linearizable unless a fault is asked for. The fault is one stale
// get on a chosen key: it returns the value the key held before a write that had completed before the get
// was invoked, which no linearization allows. Written as EDN, one map per line, as Porcupine's files are.
import { seededRandom } from '../../src/shared/random';

export interface KvHistoryOptions {
  readonly seed: number;
  readonly clients?: number;
  readonly keys?: number;
  readonly operationsPerClient?: number;
  /** A key whose stale get makes the history not linearizable, and how far through the history it happens (0..1). */
  readonly staleGet?: { readonly key: string; readonly at: number };
}

interface Event {
  readonly process: number;
  readonly type: 'invoke' | 'ok';
  readonly f: 'get' | 'put' | 'append';
  readonly key: string;
  readonly value: string | null;
}

interface Client {
  op?: { f: Event['f']; key: string; value: string | null; applied: boolean; output?: string; stale: boolean };
  done: number;
}

/** The events of a kv history (see the header). */
export function kvHistoryEvents(o: KvHistoryOptions): Event[] {
  const rand = seededRandom(o.seed);
  const int = (n: number): number => Math.min(n - 1, Math.floor(rand() * n));
  const clients = o.clients ?? 50;
  const keys = o.keys ?? 10;
  const perClient = o.operationsPerClient ?? 35;
  const total = clients * perClient;
  const store = new Map<string, string>();
  /** Per key, the value before the latest write whose ok has been emitted. */
  const beforeCompleted = new Map<string, string>();
  const beforeApplied = new WeakMap<object, string>();
  const state: Client[] = Array.from({ length: clients }, () => ({ done: 0 }));
  const events: Event[] = [];
  let invoked = 0;
  let staleDone = o.staleGet === undefined;
  for (;;) {
    const ready = state.map((c, p) => ({ c, p })).filter(({ c }) => c.op !== undefined || c.done < perClient);
    if (ready.length === 0) break;
    const { c, p } = ready[int(ready.length)];
    if (c.op === undefined) {
      const wantStale = !staleDone && invoked >= (o.staleGet?.at ?? 1) * total;
      const key = wantStale ? o.staleGet!.key : String(int(keys));
      const roll = rand();
      const f = wantStale || roll < 0.45 ? 'get' : roll < 0.9 ? 'append' : 'put';
      const value = f === 'get' ? null : `x ${p} ${c.done} y`;
      const stale = wantStale && beforeCompleted.has(key);
      if (stale) staleDone = true;
      c.op = { f, key, value, applied: false, stale };
      invoked++;
      events.push({ process: p, type: 'invoke', f, key, value });
    } else if (!c.op.applied) {
      const op = c.op;
      const now = store.get(op.key) ?? '';
      op.applied = true;
      if (op.f === 'get') op.output = op.stale ? beforeCompleted.get(op.key)! : now;
      else {
        beforeApplied.set(op, now);
        store.set(op.key, op.f === 'put' ? op.value! : now + op.value!);
      }
    } else {
      const op = c.op;
      if (op.f !== 'get') beforeCompleted.set(op.key, beforeApplied.get(op)!);
      events.push({ process: p, type: 'ok', f: op.f, key: op.key, value: op.f === 'get' ? op.output! : op.value });
      c.op = undefined;
      c.done++;
    }
  }
  return events;
}

const ednString = (s: string): string => JSON.stringify(s);

/** The history as EDN, one map per line, in Porcupine's layout. */
export function kvHistoryEdn(o: KvHistoryOptions): string {
  return kvHistoryEvents(o)
    .map(
      (e) =>
        `{:process ${e.process}, :type :${e.type}, :f :${e.f}, :key ${ednString(e.key)}, :value ${e.value === null ? 'nil' : ednString(e.value)}}\n`,
    )
    .join('');
}

/** The history as JSON Lines. */
export function kvHistoryJsonl(o: KvHistoryOptions): string {
  return kvHistoryEvents(o)
    .map((e) => `${JSON.stringify(e)}\n`)
    .join('');
}

// The client history a replicated-register model records in its state, and the properties judged on it.
// Writers write once (writer i writes i + 1), readers read once. The history is kept canonical: consecutive
// invokes (or consecutive oks) commute, since real-time order only relates an ok to a later invoke, so each
// run of them is sorted by client; states that differ only in such an order are one state.
import { historyOf, type HistoryEvent, type Operation } from '../../src/check/history';
import { SPECS, memoisedVerdict } from '../../src/check/linearizability';
import { explainOperations } from '../../src/trace/history-render';

/** One history event: client index, what happened, and for an ok of a read the value returned. */
export interface ClientEvent {
  readonly c: number;
  readonly t: 'invoke' | 'ok' | 'fail';
  readonly v: number | null;
}

/** Appends an event, keeping each run of invokes, oks or fails sorted by client. */
export function recordEvent(history: readonly ClientEvent[], e: ClientEvent): ClientEvent[] {
  const h = [...history, e];
  for (let i = h.length - 1; i > 0 && h[i - 1].t === e.t && h[i - 1].c > h[i].c; i--) [h[i - 1], h[i]] = [h[i], h[i - 1]];
  return h;
}

export const historyKey = (h: readonly ClientEvent[]): string =>
  h.map((e) => `${e.c}${e.t === 'invoke' ? '+' : e.t === 'fail' ? '!' : `=${e.v}`}`).join(',');

/**
 * Regularity, for several writers: a read returns the value of a write that began before the read ended and
 * that no write completed before the read began has overwritten, i.e. no write w' with w before w' before the
 * read in real time; a read returns null only when no write completed before it began.
 */
export function regularViolation(ops: readonly Operation[]): Operation | undefined {
  const writes = ops.filter((o) => o.f === 'write');
  return ops.find((read) => {
    if (read.f !== 'read' || read.outcome !== 'ok') return false;
    const before = writes.filter((w) => w.outcome === 'ok' && w.ret < read.call);
    if (read.output === null) return before.length > 0;
    const source = writes.find((w) => w.input === read.output);
    if (!source || source.call > read.ret) return true;
    return before.some((later) => later !== source && source.ret < later.call);
  });
}

/** The judges of one machine's histories, each computed once per distinct history. */
export interface RegisterHistory {
  readonly operations: (h: readonly ClientEvent[]) => readonly Operation[];
  readonly linearizable: (h: readonly ClientEvent[]) => boolean;
  readonly regular: (h: readonly ClientEvent[]) => boolean;
  /** The checker's explanation (Markdown) when the history is not linearizable. */
  readonly explain: (h: readonly ClientEvent[]) => string | undefined;
}

export function registerHistory(writers: number, clientName: (c: number) => string): RegisterHistory {
  const verdict = memoisedVerdict(SPECS.register);
  const opsByHistory = new Map<string, readonly Operation[]>();
  const regularByHistory = new Map<string, boolean>();
  const operations = (h: readonly ClientEvent[]): readonly Operation[] => {
    const key = historyKey(h);
    let found = opsByHistory.get(key);
    if (!found) {
      const events: HistoryEvent[] = h.map((e) => {
        const write = e.c < writers;
        const f = write ? 'write' : 'read';
        if (e.t === 'invoke') return { process: clientName(e.c), type: 'invoke', f, value: write ? e.c + 1 : null };
        return { process: clientName(e.c), type: e.t, f, value: e.t === 'fail' ? null : write ? e.c + 1 : e.v };
      });
      found = historyOf(events, SPECS.register).operations;
      opsByHistory.set(key, found);
    }
    return found;
  };
  return {
    operations,
    linearizable: (h) => verdict(historyKey(h), () => operations(h)),
    regular: (h) => {
      const key = historyKey(h);
      let v = regularByHistory.get(key);
      if (v === undefined) {
        v = regularViolation(operations(h)) === undefined;
        regularByHistory.set(key, v);
      }
      return v;
    },
    explain: (h) => explainOperations(SPECS.register, operations(h)),
  };
}

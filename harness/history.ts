// The workload's record: every client operation as invoke, then ok, fail or info, in real-time order, in the
// JSON Lines format `distcheck linearizable` reads (src/check/history.ts), plus the nemesis's own events. A
// timeout is `info`: the operation may or may not have taken effect. After an `info` the client continues as a new
// process (Jepsen's rule), as the old one may still have a request in flight.
import { writeFileSync } from 'node:fs';
import type { HistoryEvent, OpKey } from '../src/check/history';

export interface Recorded extends HistoryEvent {
  /** Milliseconds since the run started (for the log; the checker uses the order of events only). */
  readonly time: number;
}

export class Recorder {
  readonly events: Recorded[] = [];
  private readonly started = performance.now();

  now(): number {
    return Math.round(performance.now() - this.started);
  }

  invoke(process: number, f: string, key: OpKey | undefined, value: unknown): void {
    this.push({ process, type: 'invoke', f, ...(key !== undefined ? { key } : {}), value });
  }

  complete(process: number, type: 'ok' | 'fail' | 'info', f: string, key: OpKey | undefined, value?: unknown): void {
    this.push({ process, type, f, ...(key !== undefined ? { key } : {}), ...(value !== undefined ? { value } : {}) });
  }

  private push(e: Omit<Recorded, 'time'>): void {
    this.events.push({ ...e, time: this.now() });
  }

  count(type: Recorded['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }

  write(file: string): void {
    writeFileSync(file, this.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}

/** A client's loop: run operations until `stop` says so. Each client is one process id at a time. */
export interface ClientSlot {
  process: number;
}

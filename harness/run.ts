// What every run shares: its options, its result, where it saves the history, the nemesis log and the servers'
// logs, and the life cycle that always cleans up (finally, and a process-wide hook for signals).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultKind, NemesisEvent } from './nemesis';
import { ProcessGroup } from './processes';

export interface RunOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly clients: number;
  readonly nemesis: readonly FaultKind[];
  /** Folder for history.jsonl, nemesis.jsonl, result.json and logs/ (those are replaced). */
  readonly out: string;
  readonly basePort: number;
  /** Called about once a second while the clients run. */
  readonly onProgress?: (p: Progress) => void;
  /** Called with the process group as soon as it exists (the CLI's signal handler and the cleanup test use it). */
  readonly onGroup?: (g: ProcessGroup) => void;
}

export interface Progress {
  readonly elapsed: number;
  readonly seconds: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly fault?: string;
  readonly phase?: string;
}

export interface RunResult {
  readonly system: 'etcd' | 'redis-sentinel';
  readonly seed: number;
  /** One line per option that shaped the run. */
  readonly settings: Readonly<Record<string, string | number>>;
  readonly operations: { readonly invoked: number; readonly ok: number; readonly fail: number; readonly info: number };
  readonly nemesis: readonly NemesisEvent[];
  /** valid: no anomaly; anomaly: the checker found one; unknown: the checker ran out of time. */
  readonly verdict: 'valid' | 'anomaly' | 'unknown';
  /** One line: what the checker decided. */
  readonly summary: string;
  /** The explanation, several lines (a timeline, or the lost writes). */
  readonly anomaly?: string;
  readonly checkSeconds: number;
  /** Counts particular to the system, for the report page. */
  readonly figures: Readonly<Record<string, number>>;
  readonly out: string;
}

/** The run's folder with an empty logs/ inside; only the files a run writes are removed, never the folder. */
export function prepareOut(out: string): string {
  for (const f of ['history.jsonl', 'nemesis.jsonl', 'result.json', 'logs']) rmSync(join(out, f), { recursive: true, force: true });
  mkdirSync(join(out, 'logs'), { recursive: true });
  return join(out, 'logs');
}

export function saveResult(r: RunResult): void {
  writeFileSync(join(r.out, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
}

/** Runs `body` with a fresh process group, always cleaned up afterwards. */
export async function withProcesses<T>(logDir: string, o: RunOptions, body: (g: ProcessGroup) => Promise<T>): Promise<T> {
  const g = new ProcessGroup(logDir);
  o.onGroup?.(g);
  try {
    return await body(g);
  } finally {
    await g.cleanup();
  }
}

/** Reports progress every second until the returned stop function is called. */
export function progressTicker(
  o: RunOptions,
  rec: { count: (type: 'ok' | 'fail' | 'info') => number },
  what: () => { fault?: string; phase?: string },
): () => void {
  const started = Date.now();
  const t = setInterval(
    () =>
      o.onProgress?.({
        elapsed: Math.round((Date.now() - started) / 1000),
        seconds: o.seconds,
        ok: rec.count('ok'),
        fail: rec.count('fail'),
        info: rec.count('info'),
        ...what(),
      }),
    1000,
  );
  return () => clearInterval(t);
}

// Checks started from the browser. Each runs in a worker thread (the explorer is synchronous), reports progress
// every 250 ms and can be cancelled. One check runs at a time: the machine is shared, and a second run would only
// slow the first. A spare worker is started ahead of time and has the models loaded when a check is asked for,
// so that a small check answers at once. Finished jobs are summarised with a link per counterexample and witness.
import { Worker } from 'node:worker_threads';
import type { Progress } from '../check/explore';
import type { RunOutcome } from '../run/run';
import { findModel, type AnyModel } from '../model/model';
import { appliedParams, formatParams, resolveParams } from '../model/params';
import { fail } from '../shared/errors';
import type { Trace } from '../trace/trace';
import { stateQuery, tracePath, traceQuery } from './views';
import {
  CHECK_WORKER_URL,
  JOB_KEY,
  runRequest,
  sourceList,
  type CatalogSources,
  type CheckWorkerData,
  type RunMessage,
  type JobRequest,
  type WorkerMessage,
} from './check-worker';

export type { CatalogSource, CatalogSources, JobRequest } from './check-worker';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a request body (any JSON) into a JobRequest; every problem is a UsageError. */
export function parseJobRequest(body: unknown): JobRequest {
  if (!isRecord(body)) fail('expected a JSON object such as {"model": "two-phase-commit", "config": "rms3"}');
  const { model, config, variant, params } = body;
  if (typeof model !== 'string') fail(`'model' must be a string`);
  if (config !== undefined && typeof config !== 'string') fail(`'config' must be a string`);
  if (variant !== undefined && typeof variant !== 'string') fail(`'variant' must be a string`);
  if (config !== undefined && (variant !== undefined || params !== undefined))
    fail(`give either 'config' or 'variant' and 'params', not both`);
  if (params !== undefined) {
    if (!isRecord(params)) fail(`'params' must be an object`);
    for (const [k, v] of Object.entries(params))
      if (!['string', 'number', 'boolean'].includes(typeof v)) fail(`parameter '${k}' must be a string, number or boolean`);
  }
  return {
    model,
    ...(config !== undefined ? { config } : {}),
    ...(variant !== undefined ? { variant } : {}),
    ...(params !== undefined ? { params: params as Record<string, string | number | boolean> } : {}),
  };
}

export interface TraceLink {
  readonly property: string;
  readonly kind: Trace['kind'];
  readonly steps: number;
  /** Query string of the trace page (see traceQuery). */
  readonly query: string;
  readonly lasso: boolean;
  readonly stuck: boolean;
}

export interface JobView {
  readonly id: number;
  readonly model: string;
  readonly label: string;
  readonly status: 'running' | 'done' | 'failed' | 'cancelled';
  readonly seconds: number;
  readonly progress?: Progress;
  readonly error?: string;
  readonly result?: {
    readonly verdict: string;
    readonly result: RunOutcome['result'];
    readonly asExpected: boolean;
    readonly strategy: string;
    readonly distinctStates: number;
    readonly statesGenerated: number;
    readonly depth: number;
    readonly limit?: string;
    readonly violations: readonly TraceLink[];
    readonly witnesses: readonly TraceLink[];
    readonly unreached: readonly string[];
    readonly neverFired: readonly string[];
    /** Query string of the exploration page at the initial state of this scope. */
    readonly exploreQuery: string;
  };
}

interface Job {
  readonly id: number;
  readonly model: AnyModel;
  readonly label: string;
  readonly started: number;
  status: JobView['status'];
  ended?: number;
  progress?: Progress;
  error?: string;
  result?: JobView['result'];
  worker?: Worker;
}

/** A worker running check-worker.ts: directly in the bundle, through worker-boot.mjs (tsx) from the sources. */
function checkWorker(data: CheckWorkerData): Worker {
  const job = { [JOB_KEY]: data };
  // A user's TypeScript model file needs tsx in the worker too (the packaged build ships worker-boot.mjs beside its chunks).
  const typescript = CHECK_WORKER_URL.endsWith('.ts') || sourceList(data.catalog).some((s) => /\.[cm]?tsx?$/.test(s.module));
  const worker = typescript
    ? new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { ...job, entry: CHECK_WORKER_URL } })
    : new Worker(new URL(CHECK_WORKER_URL), { workerData: job });
  worker.unref();
  return worker;
}

const KEEP_FINISHED = 50;

function link(models: readonly AnyModel[], trace: Trace): TraceLink {
  const model = findModel(models, trace.model);
  const machine = model.machine(resolveParams(model, trace.params), trace.variant);
  return {
    property: trace.property,
    kind: trace.kind,
    steps: trace.steps.length - 1,
    query: traceQuery(trace, tracePath(machine, trace)),
    lasso: trace.loopStart !== undefined,
    stuck: trace.stutter === true,
  };
}

export class JobManager {
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private spare?: Worker;
  private closed = false;

  constructor(
    private readonly models: readonly AnyModel[],
    private readonly catalog: CatalogSources,
  ) {}

  /** Starts the spare worker, which loads the models and waits for a request. */
  warm(): void {
    if (this.spare || this.closed) return;
    const worker = checkWorker({ catalog: this.catalog });
    const forget = (): void => {
      if (this.spare === worker) this.spare = undefined;
    };
    worker.on('error', forget);
    worker.on('exit', forget);
    this.spare = worker;
  }

  private takeWorker(): Worker {
    this.warm();
    const worker = this.spare!;
    this.spare = undefined;
    worker.removeAllListeners();
    return worker;
  }

  /** Starts a check; a UsageError for a bad request or while another check runs. */
  start(request: JobRequest): JobView {
    const run = runRequest(this.models, request);
    const running = [...this.jobs.values()].find((j) => j.status === 'running');
    if (running) fail(`a check is already running (job ${running.id}, ${running.label}); wait for it or cancel it`);
    const label = `${run.model.id} ${request.config ?? `[${run.variant}; ${formatParams(appliedParams(run.model, resolveParams(run.model, run.params)))}]`}`;
    const job: Job = { id: this.nextId++, model: run.model, label, started: performance.now(), status: 'running' };
    this.jobs.set(job.id, job);
    this.prune();
    const worker = this.takeWorker();
    job.worker = worker;
    const finish = (status: Job['status']): void => {
      if (job.status !== 'running') return;
      job.status = status;
      job.ended = performance.now();
      job.worker = undefined;
      void worker.terminate();
      setImmediate(() => this.warm());
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') job.progress = m.progress;
      else if (m.type === 'error') {
        job.error = m.message;
        finish('failed');
      } else {
        try {
          job.result = this.summarise(m.outcome);
          finish('done');
        } catch (e) {
          job.error = `internal error: ${(e as Error).message}`;
          finish('failed');
        }
      }
    });
    worker.on('error', (e) => {
      job.error = `internal error: ${e.message}`;
      finish('failed');
    });
    worker.on('exit', () => {
      if (job.status === 'running') {
        job.error = 'the check stopped without a result';
        finish('failed');
      }
    });
    worker.postMessage({ type: 'run', request } satisfies RunMessage);
    return this.view(job);
  }

  has(id: number): boolean {
    return this.jobs.has(id);
  }

  get(id: number): JobView {
    const job = this.jobs.get(id);
    if (!job) fail(`no job ${id}`);
    return this.view(job);
  }

  list(): JobView[] {
    return [...this.jobs.values()].reverse().map((j) => this.view(j));
  }

  cancel(id: number): JobView {
    const job = this.jobs.get(id);
    if (!job) fail(`no job ${id}`);
    if (job.status === 'running') {
      job.status = 'cancelled';
      job.ended = performance.now();
      void job.worker?.terminate();
      job.worker = undefined;
      setImmediate(() => this.warm());
    }
    return this.view(job);
  }

  /** Stops every running check and the spare worker (when the server stops). */
  close(): void {
    this.closed = true;
    for (const j of this.jobs.values()) if (j.status === 'running') this.cancel(j.id);
    void this.spare?.terminate();
    this.spare = undefined;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }

  private summarise(o: RunOutcome): NonNullable<JobView['result']> {
    return {
      verdict: o.verdict,
      result: o.result,
      asExpected: o.asExpected,
      strategy: o.strategy,
      distinctStates: o.distinctStates,
      statesGenerated: o.statesGenerated,
      depth: o.depth,
      ...(o.limit ? { limit: o.limit.message } : {}),
      violations: o.violations.map((v) => link(this.models, v.trace)),
      witnesses: o.witnesses.map((w) => link(this.models, w)),
      unreached: o.unreached,
      neverFired: o.neverFired,
      exploreQuery: stateQuery(o, { init: 0, choices: [] }),
    };
  }

  private view(job: Job): JobView {
    return {
      id: job.id,
      model: job.model.id,
      label: job.label,
      status: job.status,
      seconds: ((job.ended ?? performance.now()) - job.started) / 1000,
      ...(job.progress ? { progress: job.progress } : {}),
      ...(job.error ? { error: job.error } : {}),
      ...(job.result ? { result: job.result } : {}),
    };
  }
}

// One worker thread of a parallel exploration (the design is in parallel.ts): it rebuilds the machine from a
// module URL, then answers the main thread's requests with its LevelWorker (level.ts): adopt a share of a
// level, then per level expand, merge (as the owner of a partition) and commit.
import { parentPort } from 'node:worker_threads';
import { LevelWorker, summary, type Accepted, type Inbox, type Setup, type Share } from './level';
import { onlyProperties, type AnyMachine, type AnyModel, type Catalog, type Params } from '../model/model';

/** A module a worker imports, and the export there that holds a model or a catalog (`{ models }`) listing it. */
export interface ModuleRef {
  /** URL of the module, as `import()` takes it. */
  readonly module: string;
  readonly exportName: string;
}

/** Where a worker finds the machine: the model's module and export, its id, and the scope to build. */
export interface MachineSource extends ModuleRef {
  readonly model: string;
  /** Resolved parameters. */
  readonly params: Params;
  readonly variant: string;
  /** Only these properties (`--property`), if given. */
  readonly properties?: readonly string[];
}

function loadMachine(source: MachineSource, value: unknown): AnyMachine {
  if (value === undefined) throw new Error(`${source.module} has no export '${source.exportName}'`);
  const model = 'machine' in (value as object) ? (value as AnyModel) : (value as Catalog).models.find((m) => m.id === source.model);
  if (!model) throw new Error(`no model '${source.model}' in ${source.module}#${source.exportName}`);
  return onlyProperties(model.machine(source.params, source.variant), source.properties);
}

/** The main thread's requests to a worker thread, one at a time; each gets one reply (see parallel.ts). */
export type Request =
  | { readonly type: 'init'; readonly setup: Setup; readonly source: MachineSource }
  | { readonly type: 'adopt'; readonly share: Share; readonly parent: SharedArrayBuffer; readonly choice: SharedArrayBuffer }
  | { readonly type: 'expand' }
  | { readonly type: 'merge'; readonly inboxes: readonly Inbox[] }
  | {
      readonly type: 'commit';
      readonly accepted: readonly Accepted[];
      readonly levelStart: number;
      readonly cutoff: number;
      readonly parent: SharedArrayBuffer;
      readonly choice: SharedArrayBuffer;
    }
  | { readonly type: 'finish' };

/** One request to a worker, on the thread that runs it (the main thread answers its own directly). */
export function answer(w: LevelWorker, msg: Exclude<Request, { type: 'init' }>): unknown {
  switch (msg.type) {
    case 'adopt':
      w.columns(msg.parent, msg.choice);
      w.adopt(msg.share);
      return { type: 'adopted' };
    case 'expand':
      return { type: 'expanded', stop: w.expand(), outboxes: w.sent, generated: w.generated };
    case 'merge':
      return { type: 'merged', accepted: w.merge(msg.inboxes) };
    case 'commit':
      w.columns(msg.parent, msg.choice);
      return { type: 'committed', frontier: w.commit(msg.accepted, msg.levelStart, msg.cutoff) };
    case 'finish':
      return { type: 'summary', summary: summary(w) };
  }
}

/**
 * Answers the main thread's requests on this worker thread. Called by the worker's entry (worker.mjs) only, never
 * on import: other worker threads (the explorer UI's check workers) import this module too, through the CLI.
 */
export function serveExplorationRequests(): void {
  if (!parentPort) throw new Error('serveExplorationRequests runs on an exploration worker thread only');
  const port = parentPort;
  let worker: LevelWorker | undefined;
  const handle = async (msg: Request): Promise<unknown> => {
    if (msg.type === 'init') {
      const { source } = msg;
      const module = (await import(source.module)) as Record<string, unknown>;
      worker = new LevelWorker(loadMachine(source, module[source.exportName]), msg.setup);
      return { type: 'ready' };
    }
    if (!worker) throw new Error(`'${msg.type}' before 'init'`);
    const reply = answer(worker, msg);
    if (msg.type === 'finish') worker = undefined;
    return reply;
  };
  port.on('message', (msg: Request) => {
    handle(msg).then(
      (reply) => port.postMessage(reply),
      (e: Error) => port.postMessage({ type: 'error', message: e.message }),
    );
  });
}

// Runs one check off the server's event loop, so that progress can be polled and the run cancelled. The models
// are imported from the module the command line named (the catalog), since functions cannot cross threads.
import { parentPort, workerData } from 'node:worker_threads';
import type { AnyModel } from '../model/model';
import { run } from '../check/run';
import { UsageError } from '../shared/errors';
import { runRequest, type CheckJobData, type WorkerMessage } from './jobs';

const data = workerData as CheckJobData;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
try {
  const loaded = (await import(data.catalog.module)) as Record<string, unknown>;
  const models = loaded[data.catalog.exportName] as readonly AnyModel[];
  const request = runRequest(models, data.request);
  const outcome = run({
    ...request,
    explore: { ...request.explore, onProgress: (progress) => post({ type: 'progress', progress }), progressIntervalMs: 250 },
  });
  post({ type: 'done', outcome });
} catch (e) {
  post({ type: 'error', message: e instanceof UsageError ? e.message : `internal error: ${(e as Error).message ?? String(e)}` });
}

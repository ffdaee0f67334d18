// A check run off the server's event loop, so that progress can be polled and the run cancelled. Functions
// cannot cross threads, so the worker imports the models itself, from the module the command line named.
//
// The worker's entry is this very module (import.meta.url), which starts the run when it is loaded in a worker
// with a job in its workerData. That holds in the repository (TypeScript, through worker-boot.mjs, which
// registers tsx) and in the package's bundle (dist/, where this code sits in some .js file that the worker loads).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Progress } from '../check/explore';
import { requestFromConfiguration, run, type RunOutcome, type RunRequest } from '../run/run';
import { checkVariant, findModel, type AnyModel, type Catalog } from '../model/model';
import { resolveParams } from '../model/params';
import { ModelError, UsageError, fail } from '../shared/errors';
import { guardModel } from '../model/guard';

/** Where a worker finds the models: a module URL and the name of its export (an array of models, or a Catalog). */
export interface CatalogSource {
  readonly module: string;
  readonly exportName: string;
}

/** What the browser asks for: one of the model's configurations, or a variant at given parameters. */
export interface JobRequest {
  readonly model: string;
  readonly config?: string;
  readonly variant?: string;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

/** Several sources: the catalog's module and users' model files (each export a model, an array of them, or a Catalog). */
export type CatalogSources = CatalogSource | readonly CatalogSource[];

/** What a worker is started with; the request follows as a message, so a worker can be started ahead of time. */
export interface CheckWorkerData {
  readonly catalog: CatalogSources;
}

export interface RunMessage {
  readonly type: 'run';
  readonly request: JobRequest;
}

export type WorkerMessage =
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly outcome: RunOutcome }
  | { readonly type: 'error'; readonly message: string };

/** The key of a check worker's data in workerData. */
export const JOB_KEY = 'distcheckCheckJob';
export const CHECK_WORKER_URL = import.meta.url;

/** The run a request stands for, validated against the models (unknown names are UsageErrors). */
export function runRequest(models: readonly AnyModel[], request: JobRequest): RunRequest {
  const model = findModel(models, request.model);
  if (request.config !== undefined) {
    const config = model.configurations.find((c) => c.name === request.config);
    if (!config)
      fail(`unknown configuration '${request.config}' for ${model.id} (known: ${model.configurations.map((c) => c.name).join(', ')})`);
    return requestFromConfiguration(model, config);
  }
  const variant = request.variant ?? 'correct';
  checkVariant(model, variant);
  resolveParams(model, request.params ?? {});
  return { model, variant, params: request.params ?? {} };
}

export const sourceList = (c: CatalogSources): readonly CatalogSource[] => (Array.isArray(c) ? c : [c as CatalogSource]);

async function loadModels(sources: CatalogSources): Promise<readonly AnyModel[]> {
  const lists = await Promise.all(
    sourceList(sources).map(async (catalog) => {
      const loaded = ((await import(catalog.module)) as Record<string, unknown>)[catalog.exportName];
      const models = (
        Array.isArray(loaded)
          ? loaded
          : loaded && typeof loaded === 'object' && 'machine' in loaded
            ? [loaded]
            : (loaded as Catalog | undefined)?.models
      ) as readonly AnyModel[] | undefined;
      if (!models) throw new Error(`${catalog.module} exports no models as ${catalog.exportName}`);
      return models.map(guardModel);
    }),
  );
  return lists.flat();
}

/** Loads the models at once, then runs the one request it is sent. */
function serve(data: CheckWorkerData): void {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  const models = loadModels(data.catalog);
  models.catch(() => undefined); // reported when a request arrives
  parentPort!.once('message', async (m: RunMessage) => {
    try {
      const request = runRequest(await models, m.request);
      const outcome = run({
        ...request,
        explore: { ...request.explore, onProgress: (progress) => post({ type: 'progress', progress }), progressIntervalMs: 250 },
      });
      post({ type: 'done', outcome });
    } catch (e) {
      const message =
        e instanceof UsageError
          ? e.message
          : e instanceof ModelError
            ? `model error in ${e.phase === 'property' ? `property ${e.property}` : e.phase}${e.action ? ` (action ${e.action})` : ''}: ${e.message}`
            : `internal error: ${(e as Error).message ?? String(e)}`;
      post({ type: 'error', message });
    }
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[JOB_KEY])
  serve((workerData as Record<string, CheckWorkerData>)[JOB_KEY]);

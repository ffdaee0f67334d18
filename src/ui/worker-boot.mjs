// Entry of a check worker thread when distcheck runs from its TypeScript sources: loader hooks registered on
// the main thread do not reach a worker in Node 20, so tsx is registered here before the entry is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);

// Entry of a check worker thread. Loader hooks registered on the main thread do not reach a worker in Node 20,
// so a TypeScript entry registers tsx here before it is imported.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);

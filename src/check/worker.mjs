// Entry point of an exploration worker thread. Workers do not inherit the main thread's loader, so this
// registers tsx's (as bin/distcheck.mjs does) before importing the TypeScript worker and, later, the model.
import { register } from 'tsx/esm/api';

register();
const { serveExplorationRequests } = await import('./parallel-worker.ts');
serveExplorationRequests();

// Entry of a data-plane worker (piscina): one DataPlane per thread, each task one call. The
// on-disk compile cache is on before the data plane's modules load: it halves a worker's start.
import { enableCompileCache } from 'node:module';
import { threadId, workerData } from 'node:worker_threads';
import type { CallTask, DataPlaneWorkerData } from '../src/runtime/protocol.ts';

enableCompileCache();
const { DataPlane } = await import('../src/runtime/data-plane.ts');
const plane = new DataPlane(workerData as DataPlaneWorkerData, threadId);

export default function handle(task: CallTask): ReturnType<InstanceType<typeof DataPlane>['handle']> {
  return plane.handle(task);
}

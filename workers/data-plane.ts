// Entry of a data-plane worker (piscina): one DataPlane per thread, each task one call.
import { threadId, workerData } from 'node:worker_threads';
import { DataPlane } from '../src/runtime/data-plane.ts';
import type { CallTask, DataPlaneWorkerData } from '../src/runtime/protocol.ts';

const plane = new DataPlane(workerData as DataPlaneWorkerData, threadId);

export default function handle(task: CallTask): ReturnType<DataPlane['handle']> {
  return plane.handle(task);
}

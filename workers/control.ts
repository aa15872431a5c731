// Entry of worker mode's control thread: the ControlThread talks to the main thread over
// parentPort. The on-disk compile cache is on before its modules load.
import { enableCompileCache } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { ControlWorkerData } from '../src/runtime/protocol.ts';

enableCompileCache();
const { ControlThread } = await import('../src/runtime/control-thread.ts');
new ControlThread(workerData as ControlWorkerData, parentPort!);

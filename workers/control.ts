// Entry of worker mode's control thread: the ControlThread talks to the main thread over parentPort.
import { parentPort, workerData } from 'node:worker_threads';
import { ControlThread } from '../src/runtime/control-thread.ts';
import type { ControlWorkerData } from '../src/runtime/protocol.ts';

new ControlThread(workerData as ControlWorkerData, parentPort!);

// Worker mode, the app thread's side: starts the control thread and the data-plane pool, sends
// each call to the pool as one piscina task (bodies transferred, long ones streamed over a port),
// and rebuilds the reply as the same PipelineResult inline mode gives. A worker that dies fails
// its calls with a retriable SIDELET_RUNTIME_FAILURE; piscina starts a new one.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BroadcastChannel, MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Bootstrap } from '../config/bootstrap.ts';
import type { CallSignal } from '../core/call-signal.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import { MeshError } from '../core/errors.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { SnapshotParts } from '../core/model/snapshot-store.ts';
import { CLUSTER_RESOURCE_SLOTS } from '../core/policy/circuit-breaker-resources.ts';
import { ACTIVE_FAULTS_BYTES } from '../core/policy/fault-active.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import { type BodySource, HttpResponseBody } from '../protocols/http/response-body.ts';
import type { ResourceDump } from '../xds/config-dump.ts';
import { ownChunk, PortReadable, pumpToPort } from './port-body.ts';
import {
  type CallReply,
  type CallTask,
  type CancelMessage,
  cancelChannel,
  type ControlToMain,
  type ControlWorkerData,
  type DataPlaneWorkerData,
  kBreakerTrialSlots,
  kCancelSlots,
  kCounterClusters,
  type MainToControl,
  type SharedBuffers,
  type WireBody,
} from './protocol.ts';
import { replayStats } from './stats-relay.ts';
import { within } from './within.ts';
import { fromWireError } from './wire-error.ts';

export interface WorkerHostOptions {
  readonly bootstrap: Bootstrap;
  readonly staticResources: SnapshotParts;
  readonly callerOverrides: ReadonlyMap<string, PolicyOverrides>;
  readonly cacheDir?: string;
  readonly stats?: MeshStats;
  /** Data-plane threads; default 2. */
  readonly workers?: number;
  /** Stop waiting for a listener once the control plane is found unreachable. */
  readonly failOpen?: boolean;
}

/** The entry files sit beside src/ in workers/, as .ts from source and .js once built. */
const entry = (name: string): string => new URL(`../../workers/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * The app's Node flags a worker keeps: language and diagnostics switches. Not its preloads or
 * entry (`--import sidelet/register` in a worker would build a mesh of its own, `-e` would run the
 * app again), which a worker would otherwise inherit.
 */
function workerExecArgv(): string[] {
  return process.execArgv.filter((flag) => /^--(no-)?(experimental-[\w-]+|enable-source-maps|warnings|disable-warning=.*)(=.*)?$/.test(flag));
}

/** Owned by the app's thread. */
export class WorkerHost {
  readonly #meshId: string;
  readonly #cancelled: Int32Array;
  readonly #pool: Piscina;
  readonly #control: Worker;
  readonly #cancels: BroadcastChannel;
  readonly #stats: { readonly close: () => void } | undefined;
  readonly #replies = new Map<number, (message: ControlToMain) => void>();
  #snapshot: Snapshot;
  #nextId = 1;
  #closing = false;

  /** Starts the control thread, then (once it listens for them) the data-plane workers. */
  static async start(options: WorkerHostOptions): Promise<WorkerHost> {
    const shared: SharedBuffers = {
      counters: new SharedArrayBuffer(kCounterClusters * CLUSTER_RESOURCE_SLOTS * Int32Array.BYTES_PER_ELEMENT),
      activeFaults: new SharedArrayBuffer(ACTIVE_FAULTS_BYTES),
      cancelled: new SharedArrayBuffer(kCancelSlots * Int32Array.BYTES_PER_ELEMENT),
      breakerTrials: new SharedArrayBuffer(kBreakerTrialSlots * Int32Array.BYTES_PER_ELEMENT),
    };
    const meshId = randomUUID();
    const controlData: ControlWorkerData = {
      meshId,
      shared,
      bootstrap: options.bootstrap,
      staticResources: options.staticResources,
      cacheDir: options.cacheDir,
      statsEnabled: options.stats !== undefined,
      failOpen: options.failOpen === true,
    };
    const control = new Worker(new URL(entry('control')), { workerData: controlData, name: 'sidelet-control', execArgv: workerExecArgv() });
    const threads = options.workers ?? 2;
    // Ready once the control thread holds the config and every worker has greeted it.
    const started = new Promise<Snapshot>((resolve, reject) => {
      let latest: Snapshot | undefined;
      let controlReady = false;
      const greeted = new Set<number>();
      const onMessage = (message: ControlToMain) => {
        if (message.type === 'snapshot') latest = message.snapshot;
        else if (message.type === 'ready') controlReady = true;
        else if (message.type === 'worker-ready') greeted.add(message.threadId);
        if (!controlReady || greeted.size < threads) return;
        control.off('message', onMessage);
        control.off('error', reject);
        resolve(latest ?? { ...options.staticResources, version: 0 });
      };
      control.on('message', onMessage);
      control.once('error', reject);
    });
    // The workers start beside the control thread; they repeat hello until it answers.
    const host = new WorkerHost(options, meshId, shared, control);
    try {
      host.#snapshot = await started;
      // Ref'd until now, so the process waits for a mesh being built (a preload's createMesh).
      control.unref();
    } catch (error) {
      await host.close(0);
      throw error;
    }
    return host;
  }

  private constructor(options: WorkerHostOptions, meshId: string, shared: SharedBuffers, control: Worker) {
    this.#meshId = meshId;
    this.#cancelled = new Int32Array(shared.cancelled);
    this.#control = control;
    this.#snapshot = { ...options.staticResources, version: 0 };
    this.#control.on('message', (message: ControlToMain) => {
      if (message.type === 'snapshot') this.#snapshot = message.snapshot;
      else if (message.type === 'cluster-status' || message.type === 'config-dump') this.#replies.get(message.id)?.(message);
    });
    this.#stats = options.stats === undefined ? undefined : replayStats(this.#meshId, options.stats);
    const workerData: DataPlaneWorkerData = {
      meshId: this.#meshId,
      shared,
      callerOverrides: [...options.callerOverrides],
      statsEnabled: options.stats !== undefined,
    };
    const threads = options.workers ?? 2;
    this.#pool = new Piscina({
      filename: entry('data-plane'),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1024,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Waits for tasks with Atomics.waitAsync: a worker's event loop keeps running between tasks
      // (timers, health, control messages), and wakes faster than on a message alone ('disabled').
      atomics: 'async',
      workerData,
      execArgv: workerExecArgv(),
      name: 'default',
    });
    this.#pool.on('workerDestroy', (worker: { id: number }) => this.#toControl({ type: 'worker-gone', threadId: worker.id }));
    this.#cancels = new BroadcastChannel(cancelChannel(this.#meshId));
    this.#cancels.unref();
  }

  /** The config in force, as the control thread last published it. */
  snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The control thread and the data-plane workers (for diagnostics: heap snapshots, resource use). */
  threads(): { readonly control: Worker; readonly dataPlane: readonly Worker[] } {
    return { control: this.#control, dataPlane: this.#pool.threads };
  }

  async handle(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult> {
    if (this.#closing) throw new MeshError('SIDELET_OVERLOADED', 'the mesh is closed');
    // Call ids stay within Int32 (the cancelled-calls ring stores them).
    const id = this.#nextId;
    this.#nextId = id >= 0x7fff_ffff ? 1 : id + 1;
    const transferList: (ArrayBuffer | MessagePort)[] = [];
    let inline: Uint8Array | undefined;
    let bodyPort: CallTask['bodyPort'];
    if (typeof body === 'string' || body instanceof Uint8Array) {
      inline = ownChunk(typeof body === 'string' ? Buffer.from(body) : body);
      if (inline === body) inline = new Uint8Array(inline);
      transferList.push(inline.buffer as ArrayBuffer);
    } else if (body instanceof Readable) {
      const { port1, port2 } = new MessageChannel();
      pumpToPort(body, port1);
      bodyPort = port2;
      transferList.push(port2);
    }
    const task: CallTask = {
      id,
      request: {
        listenerName: request.listenerName,
        authority: request.authority,
        path: request.path,
        method: request.method,
        headers: [...request.headers],
        bodyReplayable: request.bodyReplayable,
        overrides: request.overrides,
        rpc: request.rpc,
      },
      body: inline,
      bodyPort,
    };
    const signal = request.signal;
    if (signal?.aborted) throw signal.reason;
    const onAbort = () => {
      Atomics.store(this.#cancelled, id % kCancelSlots, id);
      this.#cancels.postMessage({ id, reason: String(signal?.reason ?? 'aborted') } satisfies CancelMessage);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let reply: CallReply;
    try {
      reply = (await this.#pool.run(task, { transferList })) as CallReply;
    } catch (error) {
      throw new MeshError('SIDELET_RUNTIME_FAILURE', `the data-plane worker serving the call failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const result = fromReply(reply, signal);
    if (signal !== undefined && result.kind === 'upstream') abortBodyWith(signal, result.call.response.body);
    return result;
  }

  /** Each cluster's hosts with outlier ejection and active-health verdicts, from the control thread. */
  clusterStatus(): Promise<ClusterStatus[]> {
    return this.#ask({ type: 'cluster-status', id: this.#nextId++ }).then((reply) => (reply.type === 'cluster-status' ? reply.clusters : []));
  }

  configDump(): Promise<ResourceDump[]> {
    return this.#ask({ type: 'config-dump', id: this.#nextId++ }).then((reply) => (reply.type === 'config-dump' ? reply.dump : []));
  }

  /** Lets calls in flight finish within `deadlineMs`, then stops every thread. */
  async close(deadlineMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await within(this.#pool.close(), deadlineMs);
    await this.#pool.destroy();
    this.#cancels.close();
    // Ref'd while it stops: an app awaiting close() at the end of its work has nothing else keeping it alive.
    this.#control.ref();
    const closed = new Promise<void>((resolve) => this.#control.once('exit', () => resolve()));
    this.#toControl({ type: 'close' });
    if ((await within(closed, 1000)) === 'expired') await this.#control.terminate();
    this.#stats?.close();
  }

  #ask(message: Extract<MainToControl, { id: number }>): Promise<ControlToMain> {
    return new Promise((resolve) => {
      this.#replies.set(message.id, (reply) => {
        this.#replies.delete(message.id);
        resolve(reply);
      });
      this.#toControl(message);
    });
  }

  #toControl(message: MainToControl): void {
    this.#control.postMessage(message);
  }
}

function fromReply(reply: CallReply, signal: CallSignal | undefined): PipelineResult {
  if (reply.kind === 'local') {
    return { kind: 'local', status: reply.status, body: reply.body, responseFlag: reply.responseFlag, ...(reply.grpcStatus === undefined ? {} : { grpcStatus: reply.grpcStatus }) };
  }
  if (reply.kind === 'error') throw fromWireError(reply.error, signal?.reason);
  return {
    kind: 'upstream',
    cluster: reply.cluster,
    call: {
      response: { status: reply.status, headers: new Map(reply.headers), ...(reply.grpcStatus === undefined ? {} : { grpcStatus: reply.grpcStatus }), body: bodyOf(reply.body) },
      endpoint: reply.endpoint,
      attempts: reply.attempts,
      winner: reply.winner,
      elapsedMs: reply.elapsedMs,
    },
  };
}

/** After the head, the call's signal still ends a body that is arriving (the worker then cancels the upstream). */
function abortBodyWith(signal: CallSignal, body: unknown): void {
  if (!(body instanceof Readable) || body.destroyed) return;
  if (signal.aborted) return void body.destroy(signal.reason as Error);
  const onAbort = () => body.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  body.once('close', () => signal.removeEventListener('abort', onAbort));
}

/** The reply's body as the Readable-with-trailers the API layer reads; an RPC answer frame as bytes. */
function bodyOf(body: WireBody): Readable | Buffer | undefined {
  if (body.kind === 'none') return undefined;
  if (body.kind === 'frame') return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (body.kind === 'stream') return new PortReadable(body.port, body.chunks);
  // A body with readWith: mesh.dispatcher() hands its chunks on without stream events.
  const whole = new HttpResponseBody(COMPLETE);
  whole.trailers = new Map(body.trailers);
  for (const c of body.chunks) whole.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  whole.push(null);
  return whole;
}

/** The source of a body that came whole with its head: nothing to resume, nothing left to abort. */
const COMPLETE: BodySource = { resume() {}, abort() {} };

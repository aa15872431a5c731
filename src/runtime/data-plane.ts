// One data-plane worker: runs calls (piscina tasks) through the core with its own copy of the
// control thread's snapshot, its own upstream connections, and process-wide state through shared
// memory and the control link. Replies carry the head and, when it is short, the whole body.
import { BroadcastChannel } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { Readable } from 'node:stream';
import { systemClock } from '../core/clock.ts';
import { handleRequest, type MeshRequest, type PipelineResult } from '../core/call/request-pipeline.ts';
import { MeshError } from '../core/errors.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { BreakerState } from '../core/policy/error-rate-breaker.ts';
import { ActiveFaults } from '../core/policy/fault-active.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import { HttpTransport, type RequestBody } from '../protocols/http/http-transport.ts';
import { ControlLink } from './control-link.ts';
import { PortReadable } from './port-body.ts';
import { type CallReply, type CallTask, type CancelMessage, cancelChannel, type DataPlaneWorkerData, type ToWorker, type WireError } from './protocol.ts';
import { replyBody } from './reply-body.ts';
import { statsRecorder } from './stats-relay.ts';
import { WorkerPipelineState } from './worker-pipeline-state.ts';

/** A piscina result whose buffers and ports are transferred, not copied. */
type Moved = ReturnType<typeof move>;

/** Owned by one worker thread; piscina calls `handle` once per task, many at a time. */
export class DataPlane {
  readonly #transport = new HttpTransport();
  readonly #link: ControlLink;
  readonly #cancels: BroadcastChannel;
  readonly #calls = new Map<number, AbortController>();
  readonly #callerOverrides: ReadonlyMap<string, PolicyOverrides>;
  readonly #counters: Int32Array;
  readonly #activeFaults: ActiveFaults;
  readonly #layout = new Map<string, number>();
  readonly #hostsDown = new Map<string, ReadonlySet<string>>();
  readonly #breakerStates = new Map<string, BreakerState>();
  readonly #stats: MeshStats | undefined;
  readonly ready: Promise<void>;
  #markReady: () => void = () => {};
  #snapshot: Snapshot | undefined;
  #state: WorkerPipelineState | undefined;

  constructor(data: DataPlaneWorkerData, threadId: number) {
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#callerOverrides = new Map(data.callerOverrides);
    this.#counters = new Int32Array(data.shared.counters);
    this.#activeFaults = new ActiveFaults(data.shared.activeFaults);
    this.#stats = data.statsEnabled ? statsRecorder(data.meshId).stats : undefined;
    this.#cancels = new BroadcastChannel(cancelChannel(data.meshId));
    this.#cancels.unref();
    this.#cancels.onmessage = (event) => {
      const { id, reason } = (event as { readonly data: CancelMessage }).data;
      this.#calls.get(id)?.abort(new DOMException(reason, 'AbortError'));
    };
    this.#link = new ControlLink(data.meshId, threadId, (message) => this.#onState(message));
  }

  async handle(task: CallTask): Promise<Moved | CallReply> {
    const abort = new AbortController();
    this.#calls.set(task.id, abort);
    try {
      await this.ready;
      const wire = task.request;
      const request: MeshRequest = {
        listenerName: wire.listenerName,
        authority: wire.authority,
        path: wire.path,
        method: wire.method,
        headers: new Map(wire.headers),
        bodyReplayable: wire.bodyReplayable,
        signal: abort.signal,
        ...(wire.overrides === undefined ? {} : { overrides: wire.overrides }),
      };
      if (!this.#snapshot?.listeners.has(request.listenerName)) await this.#link.ensureListener(request.listenerName);
      const body: RequestBody | undefined = task.bodyPort !== undefined ? new PortReadable(task.bodyPort) : task.body;
      const result = await handleRequest(request, {
        clock: systemClock,
        random: Math.random,
        wallNow: Date.now,
        transport: this.#transport.withBody(body),
        state: this.#state!,
        callerOverrides: this.#callerOverrides.get(request.listenerName),
        ...(this.#stats === undefined ? {} : { stats: this.#stats }),
      });
      return await toReply(result);
    } catch (error) {
      return { kind: 'error', error: wireError(error) };
    } finally {
      this.#calls.delete(task.id);
    }
  }

  #onState(message: ToWorker): void {
    if (message.type === 'snapshot') {
      for (const [name, index] of message.layout) this.#layout.set(name, index);
      this.#apply(message.snapshot);
    } else if (message.type === 'hosts-down') {
      this.#hostsDown.set(message.cluster, new Set(message.down));
      this.#state?.refreshHealth(message.cluster);
    } else if (message.type === 'breaker') {
      this.#breakerStates.set(message.name, message.state);
    }
  }

  #apply(snapshot: Snapshot): void {
    const previous = this.#snapshot;
    // The control thread's breakers start closed with each snapshot; it reports them anew.
    this.#breakerStates.clear();
    for (const name of previous?.clusters.keys() ?? []) if (!snapshot.clusters.has(name)) this.#transport.removeCluster(name);
    for (const [name, cluster] of snapshot.clusters) {
      const assignment = snapshot.endpoints.get(name);
      if (assignment !== undefined) this.#transport.setCluster(cluster, assignment);
    }
    const state = new WorkerPipelineState(snapshot, systemClock, Math.random, {
      counters: this.#counters,
      counterIndex: (cluster) => this.#layout.get(cluster),
      activeFaults: this.#activeFaults,
      hostsDown: (cluster) => this.#hostsDown.get(cluster),
      breakerState: (name) => this.#breakerStates.get(name),
      link: this.#link,
    });
    this.#state?.close();
    this.#snapshot = snapshot;
    this.#state = state;
    this.#markReady();
  }
}

async function toReply(result: PipelineResult): Promise<Moved | CallReply> {
  if (result.kind === 'local') {
    return { kind: 'local', status: result.status, body: result.body, responseFlag: result.responseFlag, grpcStatus: result.grpcStatus };
  }
  const { call } = result;
  const { body, transfer } = await replyBody(call.response.body as (Readable & { trailers?: ReadonlyMap<string, string> }) | undefined);
  const reply: CallReply = {
    kind: 'upstream',
    cluster: result.cluster,
    status: call.response.status,
    headers: [...call.response.headers],
    grpcStatus: call.response.grpcStatus,
    endpoint: call.endpoint,
    attempts: call.attempts,
    winner: call.winner,
    elapsedMs: call.elapsedMs,
    body,
  };
  if (transfer.length === 0) return reply;
  return move({ [transferableSymbol]: transfer, [valueSymbol]: reply } as unknown as Parameters<typeof move>[0]);
}

function wireError(error: unknown): WireError {
  if (error instanceof MeshError) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'AbortError') return { code: 'ABORTED', message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

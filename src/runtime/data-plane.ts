// One data-plane worker: runs calls (piscina tasks) through the core with its own copy of the
// control thread's snapshot, its own upstream connections, and process-wide state through shared
// memory and the control link. Replies carry the head and, when it is short, the whole body.
import { BroadcastChannel } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { Readable } from 'node:stream';
import { CallAbort } from '../core/call-signal.ts';
import { systemClock } from '../core/clock.ts';
import { handleRequest, type MeshRequest, type PipelineResult } from '../core/call/request-pipeline.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { BreakerState } from '../core/policy/error-rate-breaker.ts';
import { ActiveFaults } from '../core/policy/fault-active.ts';
import { HealthySince } from '../core/lb/healthy-since.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import { HttpTransport, type RequestBody } from '../protocols/http/http-transport.ts';
import { XProtocolTransport } from '../protocols/xprotocol/xprotocol-transport.ts';
import { ControlLink } from './control-link.ts';
import { abortable } from './await-listener.ts';
import { ownChunk, PortReadable } from './port-body.ts';
import { takeTrial } from './breaker-trials.ts';
import { type BreakerTrial, type CallReply, type CallTask, type CancelMessage, cancelChannel, type DataPlaneWorkerData, kCancelSlots, type ToWorker } from './protocol.ts';
import { type ReplyBody, replyBody } from './reply-body.ts';
import { statsRecorder } from './stats-relay.ts';
import { toWireError } from './wire-error.ts';
import { WorkerPipelineState } from './worker-pipeline-state.ts';

/** A piscina result whose buffers and ports are transferred, not copied. */
type Moved = ReturnType<typeof move>;

/** Owned by one worker thread; piscina calls `handle` once per task, many at a time. */
export class DataPlane {
  readonly #transport = new HttpTransport();
  /** RPC calls (Dubbo, Bolt): the request frame is the body. */
  readonly #xprotocol = new XProtocolTransport();
  readonly #link: ControlLink;
  readonly #cancels: BroadcastChannel;
  readonly #calls = new Map<number, CallAbort>();
  readonly #callerOverrides: ReadonlyMap<string, PolicyOverrides>;
  readonly #counters: Int32Array;
  readonly #cancelled: Int32Array;
  readonly #activeFaults: ActiveFaults;
  readonly #layout = new Map<string, number>();
  readonly #ejected = new Map<string, ReadonlySet<string>>();
  readonly #unhealthy = new Map<string, ReadonlySet<string>>();
  /** When hosts became healthy, kept across snapshots so a host a later snapshot adds warms up alone. */
  readonly #healthySince = new HealthySince(systemClock);
  readonly #breakerStates = new Map<string, BreakerState>();
  /** Half-open breakers' trial tokens, in `#trialSlots`. */
  readonly #trials = new Map<string, BreakerTrial>();
  readonly #trialSlots: Int32Array;
  readonly #stats: MeshStats | undefined;
  readonly ready: Promise<void>;
  #markReady: () => void = () => {};
  #snapshot: Snapshot | undefined;
  #state: WorkerPipelineState | undefined;

  constructor(data: DataPlaneWorkerData, threadId: number) {
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#callerOverrides = new Map(data.callerOverrides);
    this.#counters = new Int32Array(data.shared.counters);
    this.#cancelled = new Int32Array(data.shared.cancelled);
    this.#activeFaults = new ActiveFaults(data.shared.activeFaults);
    this.#trialSlots = new Int32Array(data.shared.breakerTrials);
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
    const abort = new CallAbort();
    this.#calls.set(task.id, abort);
    if (Atomics.load(this.#cancelled, task.id % kCancelSlots) === task.id) abort.abort(new DOMException('cancelled before it started', 'AbortError'));
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
        signal: abort,
        ...(wire.overrides === undefined ? {} : { overrides: wire.overrides }),
        ...(wire.rpc === undefined ? {} : { rpc: wire.rpc }),
      };
      if (!this.#snapshot?.listeners.has(request.listenerName)) await abortable(this.#link.ensureListener(request.listenerName), abort);
      const body: RequestBody | undefined = task.bodyPort !== undefined ? new PortReadable(task.bodyPort) : task.body;
      const result = await handleRequest(request, {
        clock: systemClock,
        random: Math.random,
        wallNow: Date.now,
        transport: request.rpc === undefined ? this.#transport.withBody(body) : this.#xprotocol.forFrame(task.body, request.rpc),
        state: this.#state!,
        callerOverrides: this.#callerOverrides.get(request.listenerName),
        ...(this.#stats === undefined ? {} : { stats: this.#stats }),
      });
      await this.#link.recorded();
      return await toReply(result);
    } catch (error) {
      await this.#link.recorded();
      return { kind: 'error', error: toWireError(error) };
    } finally {
      this.#calls.delete(task.id);
    }
  }

  #onState(message: ToWorker): void {
    if (message.type === 'snapshot') {
      for (const [name, index] of message.layout) this.#layout.set(name, index);
      this.#apply(message.snapshot);
    } else if (message.type === 'hosts-down') {
      this.#ejected.set(message.cluster, new Set(message.ejected));
      this.#unhealthy.set(message.cluster, new Set(message.unhealthy));
      this.#state?.refreshHealth(message.cluster);
    } else if (message.type === 'breaker') {
      this.#breakerStates.set(message.name, message.state);
      if (message.trial === undefined) this.#trials.delete(message.name);
      else this.#trials.set(message.name, message.trial);
    }
  }

  #apply(snapshot: Snapshot): void {
    const previous = this.#snapshot;
    // The control thread's breakers start closed with each snapshot; it reports them anew.
    this.#breakerStates.clear();
    this.#trials.clear();
    for (const name of previous?.clusters.keys() ?? []) {
      if (snapshot.clusters.has(name)) continue;
      this.#transport.removeCluster(name);
      this.#xprotocol.removeCluster(name);
    }
    for (const [name, cluster] of snapshot.clusters) {
      const assignment = snapshot.endpoints.get(name);
      if (assignment === undefined) continue;
      this.#transport.setCluster(cluster, assignment);
      this.#xprotocol.setCluster(cluster, assignment);
    }
    const state = new WorkerPipelineState(snapshot, systemClock, Math.random, {
      counters: this.#counters,
      counterIndex: (cluster) => this.#layout.get(cluster),
      activeFaults: this.#activeFaults,
      ejected: (cluster) => this.#ejected.get(cluster),
      unhealthy: (cluster) => this.#unhealthy.get(cluster),
      healthySince: this.#healthySince,
      breakerState: (name) => this.#breakerStates.get(name),
      takeTrial: (name) => {
        const trial = this.#trials.get(name);
        return trial === undefined || takeTrial(this.#trialSlots, trial);
      },
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
  const answer = call.response.body;
  // An RPC answer frame is a view of the socket's chunk: copied once into a buffer of its own to transfer.
  const { body, transfer } =
    answer instanceof Uint8Array
      ? frameBody(ownChunk(answer))
      : await replyBody(answer as (Readable & { trailers?: ReadonlyMap<string, string> }) | undefined);
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

function frameBody(bytes: Uint8Array): ReplyBody {
  return { body: { kind: 'frame', bytes }, transfer: [bytes.buffer as ArrayBuffer] };
}

// Worker mode's thread protocol: every message and shared-memory slot that crosses a thread
// boundary is defined here and nowhere else. Threads: the app's thread (main), one control
// thread (xDS, health checks, process-wide policy state) and the data-plane workers (a piscina pool).
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import type { RateLimitConfig } from '../core/model/policy-rate-limit.ts';
import type { Endpoint } from '../core/model/endpoint.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { SnapshotParts } from '../core/model/snapshot-store.ts';
import type { Bootstrap } from '../config/bootstrap.ts';
import type { BreakerState } from '../core/policy/error-rate-breaker.ts';
import type { OutlierInput } from '../core/call/cluster-services.ts';
import type { MeshFailureCode } from '../core/errors.ts';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import type { AttemptKind } from '../core/call/attempt-loop.ts';
import type { RpcCall } from '../core/call/rpc-call.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { ResourceDump } from '../xds/config-dump.ts';
import type { MessagePort } from 'node:worker_threads';

// ---- Shared memory ----------------------------------------------------------------------------

/** Clusters whose circuit-breaker counters live in shared memory; more fall back to per-thread counters. */
export const kCounterClusters = 4096;
/** Int32 slots of the fault filter's active-faults counter (one for the process). */
export const kActiveFaultsSlots = 1;

/** Int32 slots of the cancelled-calls ring: slot `id % kCancelSlots` holds the last cancelled id there. */
export const kCancelSlots = 65_536;

/** Int32 slots for half-open breakers' trial tokens: breakers half-open at once beyond this admit every call. */
export const kBreakerTrialSlots = 1024;

/** Buffers every thread of one mesh sees; allocated once by the main thread. */
export interface SharedBuffers {
  /**
   * Calls the app cancelled, for a worker that gets a call only after its cancel message went by:
   * the main thread stores the id before it broadcasts the cancel, the worker checks when it starts the call.
   */
  readonly cancelled: SharedArrayBuffer;
  /** Circuit-breaker counters: cluster `i` of the layout uses slots from `i × CLUSTER_RESOURCE_SLOTS`. */
  readonly counters: SharedArrayBuffer;
  readonly activeFaults: SharedArrayBuffer;
  /**
   * A half-open breaker's one trial, process-wide: the control thread stores a token in the
   * breaker's slot, and the worker whose call swaps it for 0 sends the trial (src/runtime/breaker-trials.ts).
   */
  readonly breakerTrials: SharedArrayBuffer;
}

/** Where a half-open breaker's trial token is: `slot` of SharedBuffers.breakerTrials holds `token` until a call takes it. */
export interface BreakerTrial {
  readonly slot: number;
  readonly token: number;
}

// ---- Channel names (BroadcastChannel, scoped by mesh id) --------------------------------------

/** Workers → control thread. */
export const controlChannel = (meshId: string): string => `sidelet:${meshId}:control`;
/** Control thread → one worker: ordered, so a reply never overtakes the snapshot it depends on. */
export const workerChannel = (meshId: string, threadId: number): string => `sidelet:${meshId}:worker:${threadId}`;
/** Main thread → every worker: calls the app cancelled. */
export const cancelChannel = (meshId: string): string => `sidelet:${meshId}:cancel`;
/** Workers and control thread → main thread: stats events for the app's MeshStats sink. */
export const statsChannel = (meshId: string): string => `sidelet:${meshId}:stats`;

// ---- Start-up data ----------------------------------------------------------------------------

export interface DataPlaneWorkerData {
  readonly meshId: string;
  readonly shared: SharedBuffers;
  /** Caller overrides by listener name (createMesh options over the bootstrap's). */
  readonly callerOverrides: readonly (readonly [string, PolicyOverrides])[];
  readonly statsEnabled: boolean;
}

export interface ControlWorkerData {
  readonly meshId: string;
  readonly shared: SharedBuffers;
  readonly bootstrap: Bootstrap;
  readonly staticResources: SnapshotParts;
  readonly cacheDir: string | undefined;
  readonly statsEnabled: boolean;
  /** Stop waiting for a listener once the control plane is found unreachable (SIDELET_RUNTIME_FAILURE). */
  readonly failOpen: boolean;
}

// ---- Workers → control ------------------------------------------------------------------------

/** An attempt's outcome as outlier detection reads it (no header lookup, which cannot be cloned). */
export type WireOutcome = OutlierInput;

/** One attempt's outcome for outlier detection: [cluster, host id, outcome]. */
export type OutcomeReport = readonly [string, string, WireOutcome];
/** One call's outcome for the error-rate breaker: [cluster, method key, failed]. */
export type BreakerReport = readonly [string, string, boolean];

export type ToControl =
  | { readonly type: 'hello'; readonly threadId: number }
  | { readonly type: 'outcomes'; readonly outcomes: readonly OutcomeReport[]; readonly breakers: readonly BreakerReport[] }
  /** Admission by the route's rate limiter; `key` names the route and config, same on every thread. */
  | {
      readonly type: 'admit';
      readonly threadId: number;
      readonly id: number;
      readonly key: string;
      readonly config: RateLimitConfig;
      readonly caller: string | undefined;
      readonly priority: number | undefined;
      readonly shadow: boolean;
    }
  | { readonly type: 'admit-cancel'; readonly id: number; readonly threadId: number }
  /**
   * An outcome for the cluster's error-rate breaker that may change its state, acknowledged once
   * recorded: a failure, or a half-open trial's outcome. The worker answers the call only then,
   * so the app's next call already sees the breaker this outcome opened or closed.
   */
  | { readonly type: 'breaker-report'; readonly threadId: number; readonly id: number; readonly cluster: string; readonly method: string; readonly failed: boolean }
  | { readonly type: 'ensure-listener'; readonly threadId: number; readonly id: number; readonly name: string };

// ---- Control → one worker ---------------------------------------------------------------------

export type ToWorker =
  /** `layout`: the shared counters' index of each cluster name (stable for the mesh's life). */
  | { readonly type: 'snapshot'; readonly version: number; readonly snapshot: Snapshot; readonly layout: readonly (readonly [string, number])[] }
  /** The hosts of a cluster out of rotation: outlier-ejected, or failing active health checks (which restarts slow start). */
  | { readonly type: 'hosts-down'; readonly cluster: string; readonly ejected: readonly string[]; readonly unhealthy: readonly string[] }
  /**
   * An error-rate breaker changed state; `name` is the cluster, or `cluster method` per method.
   * Half-open comes with the slot and token of its one trial (none when every slot is taken).
   */
  | { readonly type: 'breaker'; readonly name: string; readonly state: BreakerState; readonly trial?: BreakerTrial }
  | { readonly type: 'admitted'; readonly id: number; readonly error: WireError | undefined }
  | { readonly type: 'listener-ready'; readonly id: number; readonly error: WireError | undefined }
  | { readonly type: 'breaker-recorded'; readonly id: number };

// ---- Main ↔ control (the control Worker's own port) -------------------------------------------

export type MainToControl =
  | { readonly type: 'cluster-status'; readonly id: number }
  | { readonly type: 'config-dump'; readonly id: number }
  | { readonly type: 'worker-gone'; readonly threadId: number }
  | { readonly type: 'close' };

export type ControlToMain =
  | { readonly type: 'ready' }
  /** A data-plane worker said hello and has the config: it can serve calls. */
  | { readonly type: 'worker-ready'; readonly threadId: number }
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly type: 'cluster-status'; readonly id: number; readonly clusters: ClusterStatus[] }
  | { readonly type: 'config-dump'; readonly id: number; readonly dump: ResourceDump[] }
  | { readonly type: 'closed' };

// ---- Main → workers: cancellation -------------------------------------------------------------

export interface CancelMessage {
  readonly id: number;
  readonly reason: string;
}

// ---- Stats (workers and control → main) -------------------------------------------------------

/** One MeshStats call: the method's name and its arguments. */
export type StatsEvent = { readonly [K in keyof MeshStats]: readonly [K, ...Parameters<MeshStats[K]>] }[keyof MeshStats];

// ---- One call: a piscina task and its result --------------------------------------------------

export interface WireRequest {
  readonly listenerName: string;
  readonly authority: string;
  readonly path: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly bodyReplayable: boolean;
  readonly overrides: PolicyOverrides | undefined;
  /** An x-protocol RPC call: `body` is its request frame. */
  readonly rpc: RpcCall | undefined;
}

export interface CallTask {
  /** Unique per mesh; names the call in cancel messages. */
  readonly id: number;
  readonly request: WireRequest;
  /** A body already in memory, its buffer transferred. */
  readonly body: Uint8Array | undefined;
  /** A streamed request body: BodyMessages from the main thread, credits back. */
  readonly bodyPort: MessagePortLike | undefined;
}

/** A mesh failure as it crosses threads; rebuilt as a MeshError on the other side. */
export interface WireError {
  readonly code: MeshFailureCode | 'ABORTED' | 'INTERNAL';
  readonly message: string;
}

export type WireBody =
  | { readonly kind: 'none' }
  /** The whole body arrived with the head: its chunks (buffers transferred) and trailers. */
  | { readonly kind: 'buffered'; readonly chunks: readonly Uint8Array[]; readonly trailers: readonly (readonly [string, string])[] }
  /** The rest streams over `port` as BodyMessages; the main thread grants credit in bytes. */
  | { readonly kind: 'stream'; readonly chunks: readonly Uint8Array[]; readonly port: MessagePortLike }
  /** An RPC call's answer: the upstream's response frame (buffer transferred), handed on as bytes. */
  | { readonly kind: 'frame'; readonly bytes: Uint8Array };

export type CallReply =
  | { readonly kind: 'local'; readonly status: number; readonly body: string | undefined; readonly responseFlag: string | undefined; readonly grpcStatus: number | undefined }
  | {
      readonly kind: 'upstream';
      readonly cluster: string;
      readonly status: number;
      readonly headers: readonly (readonly [string, string])[];
      readonly grpcStatus: number | undefined;
      readonly endpoint: Endpoint;
      readonly attempts: number;
      readonly winner: AttemptKind;
      readonly elapsedMs: number;
      readonly body: WireBody;
    }
  | { readonly kind: 'error'; readonly error: WireError };

/** Body streaming over a per-call port, both directions. */
export type BodyMessage =
  | { readonly type: 'data'; readonly chunk: Uint8Array }
  | { readonly type: 'end'; readonly trailers: readonly (readonly [string, string])[] }
  | { readonly type: 'error'; readonly message: string }
  /** The reader consumed `bytes`: the writer may send that much more. */
  | { readonly type: 'credit'; readonly bytes: number }
  /** The reader gave up: stop sending. */
  | { readonly type: 'cancel' };

/** Bytes a body writer may have in flight before it waits for credit. */
export const kBodyWindowBytes = 256 * 1024;

/** The part of MessagePort the protocol uses (node:worker_threads' MessagePort). */
export type MessagePortLike = MessagePort;

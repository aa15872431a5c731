// createMesh() and the Mesh an app talks to: fetch(), dispatcher(), invoke() and relay() of RPC calls, configDump() and close().
// Config comes from static_resources and, with xds_servers, on demand from the control plane.
// Worker mode (default) runs the core on worker threads; inline mode on the calling thread.
import type { Bootstrap } from '../config/bootstrap.ts';
import { decodeCallerOverrides } from '../config/decode-caller-overrides.ts';
import { type BootstrapInput, loadBootstrap } from '../config/load-bootstrap.ts';
import { ConfigError, MeshError } from '../core/errors.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import { SnapshotStore } from '../core/model/snapshot-store.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { SnapshotParts } from '../core/model/snapshot-store.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import { InlineHost } from '../runtime/inline-host.ts';
import { WorkerHost } from '../runtime/worker-host.ts';
import type { MeshRequest, PipelineResult } from '../core/call/request-pipeline.ts';
import type { RequestBody } from '../protocols/http/http-transport.ts';
import type { Worker } from 'node:worker_threads';
import { FailOpen } from './fail-open.ts';
import { systemClock } from '../core/clock.ts';
import type { ResourceDump } from '../xds/config-dump.ts';
import { startXds, type XdsHandle } from '../xds/start-xds.ts';
import { applyListenerTemplate } from '../config/listener-name.ts';
import type { XFrame } from '../protocols/xprotocol/frame.ts';
import { builtinProtocols } from '../protocols/xprotocol/builtin-protocols.ts';
import { relayFrame } from '../protocols/xprotocol/relay.ts';
import { serviceName } from '../protocols/xprotocol/route-context.ts';
import type { RpcRequestOptions } from '../protocols/xprotocol/rpc-request.ts';
import { errorResponse, type MeshRequestInit, toMeshRequest, toResponse } from './fetch-adapter.ts';
import { MeshDispatcher } from './mesh-dispatcher.ts';
import { invoke as invokeRpc, type InvokeOptions } from './invoke.ts';

export interface MeshOptions {
  /** A bootstrap file path or object; absent: SIDELET_BOOTSTRAP, else GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG. */
  readonly bootstrap?: BootstrapInput;
  /** `worker` (default): the core on worker threads with a control thread; `inline`: on the calling thread. */
  readonly mode?: 'worker' | 'inline';
  /** Worker mode: data-plane threads (default 2). */
  readonly workers?: number;
  /**
   * When the runtime cannot serve a call — its worker died, or the control plane is unreachable and
   * has not delivered the call's listener — send it direct to its original authority instead.
   */
  readonly failOpen?: boolean;
  /** The app's own settings per service (listener name → overrides), over the bootstrap's sidelet.caller_overrides. */
  readonly overrides?: Readonly<Record<string, object>>;
  /** With xds_servers: where the last-known-good config is kept, to start from when the control plane is down. */
  readonly cacheDir?: string;
  /** A stats sink told of requests, attempts, retries, overflows, ejections (e.g. a MeshMetrics). */
  readonly stats?: MeshStats;
}

export interface RelayOptions extends RpcRequestOptions {
  /**
   * Route by this listener's table (a dedicated Dubbo or Bolt listener). Absent: the listener named
   * by the frame's service through the bootstrap's listener name template (`%s` → the service).
   */
  readonly listenerName?: string;
}

/** What a mode provides the Mesh: calls through the core, host status, config, and shutdown. */
export interface RuntimeHost {
  handle(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult>;
  clusterStatus(): ClusterStatus[] | Promise<ClusterStatus[]>;
  configDump(): ResourceDump[] | Promise<ResourceDump[]>;
  snapshot(): Snapshot;
  close(deadlineMs: number): Promise<void>;
  /** Replaces the static resources in force (a reload); absent where the host cannot (worker mode, xDS). */
  replaceStaticResources?(parts: SnapshotParts): void;
}

export class Mesh {
  readonly bootstrap: Bootstrap;
  readonly mode: 'worker' | 'inline';
  readonly #host: RuntimeHost;
  readonly #failOpen: FailOpen | undefined;
  /** The codecs relay() answers in; the built-in ones, the same the runtime's transports use. */
  readonly #protocols = builtinProtocols();
  #closed = false;
  #dispatcher: MeshDispatcher | undefined;

  constructor(bootstrap: Bootstrap, host: RuntimeHost, mode: 'worker' | 'inline', failOpen: boolean) {
    this.bootstrap = bootstrap;
    this.mode = mode;
    this.#host = host;
    this.#failOpen = failOpen ? new FailOpen() : undefined;
  }

  /**
   * WHATWG fetch through the mesh. Mesh failures reject with a MeshError (stable `code`), or come
   * back as Envoy-style responses with `init.mesh.errorsAsResponses`.
   */
  async fetch(input: string | URL | Request, init?: MeshRequestInit): Promise<Response> {
    if (this.#closed) throw new MeshError('SIDELET_OVERLOADED', 'the mesh is closed');
    const { request, body } = await toMeshRequest(input, init, this.bootstrap);
    try {
      return toResponse(await this.#call(request, body), request.method);
    } catch (error) {
      if (error instanceof MeshError && init?.mesh?.errorsAsResponses) return errorResponse(error);
      throw error;
    }
  }

  /**
   * The mesh as an undici Dispatcher, one per mesh: `setGlobalDispatcher(mesh.dispatcher())` sends
   * global fetch() and undici.request() through it (docs/dispatcher.md). Its close() ends only its own calls.
   */
  dispatcher(): MeshDispatcher {
    this.#dispatcher ??= new MeshDispatcher({
      bootstrap: this.bootstrap,
      call: (request, body) => (this.#closed ? Promise.reject(new MeshError('SIDELET_OVERLOADED', 'the mesh is closed')) : this.#call(request, body)),
    });
    return this.#dispatcher;
  }

  /**
   * One x-protocol request frame (Dubbo, Bolt) through the mesh (docs/xprotocol-relay.md): routed by
   * its service, method and metas, governed like any call, sent upstream with a request id of the
   * upstream connection's own. Resolves with the answer frame carrying the caller's request id —
   * the upstream's, or the protocol's own error response for a mesh failure (no route, timeout,
   * breaker open, ...); undefined for a oneway request. A heartbeat request gets its reply.
   * Rejects only with the signal's reason, or for a frame of an unknown protocol or that is not a
   * request. failOpen does not apply: an RPC service name is not an address to fall back to.
   */
  relay(frame: XFrame, options: RelayOptions = {}): Promise<Buffer | undefined> {
    const codec = this.#protocols.get(frame.protocol);
    if (codec === undefined) return Promise.reject(new TypeError(`x-protocol "${frame.protocol}" is not registered (known: ${this.#protocols.names().join(', ')})`));
    const listenerName = options.listenerName ?? applyListenerTemplate(this.bootstrap.clientDefaultListenerResourceNameTemplate, serviceName(frame));
    return relayFrame(frame, codec, listenerName, options, (request, body) =>
      this.#closed ? Promise.reject(new MeshError('SIDELET_OVERLOADED', 'the mesh is closed')) : this.#host.handle(request, body),
    );
  }
  /**
   * An RPC call through the mesh (docs/invoke.md): the request frame built from `options` (hessian2
   * arguments), relayed like any call, and the answer decoded. Resolves with the returned value;
   * rejects with RpcError (the remote exception), RpcServerError (a failed call's status) or
   * MeshError (no route, timeout, ...).
   */
  invoke(options: InvokeOptions & Omit<RelayOptions, 'signal'>): Promise<unknown> {
    const { listenerName, overrides } = options;
    return invokeRpc(
      (frame, signal) => this.relay(frame, { signal, ...(listenerName === undefined ? {} : { listenerName }), ...(overrides === undefined ? {} : { overrides }) }),
      this.#protocols,
      options,
    );
  }


  /** One call through the runtime; with failOpen, direct to its authority when the runtime failed it. */
  #call(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult> {
    const answer = this.#host.handle(request, body);
    const failOpen = this.#failOpen;
    // Without failOpen the runtime's promise is the call's: no extra turn.
    if (failOpen === undefined) return answer;
    return answer.catch((error: unknown) => {
      if (failOpen.applies(error, request)) return failOpen.call(request, body);
      throw error;
    });
  }

  /** The config in force: every listener, route configuration, cluster and endpoint set, static and from xDS. */
  snapshot(): Snapshot {
    return this.#host.snapshot();
  }

  /** Each cluster's hosts with health and outlier ejection (and, inline, active requests). */
  async clusterStatus(): Promise<ClusterStatus[]> {
    return this.#host.clusterStatus();
  }

  /** CSDS-like: every xDS resource this mesh watches, with version, status (REQUESTED, ACKED, NACKED with the error, DOES_NOT_EXIST) and last update. */
  async configDump(): Promise<ResourceDump[]> {
    return this.#host.configDump();
  }

  /**
   * Replaces the static resources in force with `parts` from loadBootstrap (validated whole), as
   * `sidelet run` does on SIGHUP; calls in flight keep the snapshot they started with. Inline mode
   * without xds_servers only: the xDS config is built over the static resources it started with.
   */
  replaceStaticResources(parts: SnapshotParts): void {
    if (this.#host.replaceStaticResources === undefined) {
      throw new ConfigError(['static_resources'], `cannot be replaced ${this.mode === 'worker' ? 'in worker mode' : 'while xds_servers drive the config'}; restart to change them`);
    }
    this.#host.replaceStaticResources(parts);
  }

  /** Worker mode: the control thread and the data-plane workers (diagnostics); undefined inline. */
  threads(): { readonly control: Worker; readonly dataPlane: readonly Worker[] } | undefined {
    return this.#host instanceof WorkerHost ? this.#host.threads() : undefined;
  }

  /**
   * Refuses new calls, lets calls in flight finish within `deadlineMs` (default 5 s) and aborts
   * the rest, then releases every connection, timer and thread so the process can exit by itself.
   */
  async close(options: { readonly deadlineMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#host.close(options.deadlineMs ?? 5000);
    await this.#failOpen?.close();
  }
}

export async function createMesh(options: MeshOptions = {}): Promise<Mesh> {
  const mode = options.mode ?? 'worker';
  if (mode !== 'inline' && mode !== 'worker') throw new ConfigError(['mode'], `unknown mode ${JSON.stringify(mode)}: "worker" or "inline"`, 'createMesh options');
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new ConfigError(['workers'], `must be a positive integer, got ${JSON.stringify(options.workers)}`, 'createMesh options');
  }
  const { bootstrap, staticResources } = await loadBootstrap(options.bootstrap);
  let overrides: ReadonlyMap<string, PolicyOverrides> = bootstrap.callerOverrides;
  if (options.overrides !== undefined) {
    try {
      overrides = new Map([...overrides, ...decodeCallerOverrides(options.overrides, ['overrides'])]);
    } catch (error) {
      throw error instanceof ConfigError ? error.withSource('createMesh options') : error;
    }
  }
  const failOpen = options.failOpen === true;
  if (mode === 'worker') {
    const host = await WorkerHost.start({
      bootstrap,
      staticResources,
      callerOverrides: overrides,
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.stats === undefined ? {} : { stats: options.stats }),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      failOpen,
    });
    return new Mesh(bootstrap, host, mode, failOpen);
  }
  return new Mesh(bootstrap, inlineHost(bootstrap, staticResources, overrides, options), mode, failOpen);
}

function inlineHost(bootstrap: Bootstrap, staticResources: SnapshotParts, overrides: ReadonlyMap<string, PolicyOverrides>, options: MeshOptions): RuntimeHost {
  const store = new SnapshotStore();
  store.replace(staticResources);
  const xds: XdsHandle | undefined =
    bootstrap.xdsServers.length > 0
      ? startXds(bootstrap, { store, clock: systemClock, random: Math.random, base: staticResources, ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }) })
      : undefined;
  const host = new InlineHost({
    store,
    callerOverrides: overrides,
    ...(xds === undefined ? {} : { xds, staticListeners: new Set(staticResources.listeners.keys()) }),
    failOpen: options.failOpen === true,
    ...(options.stats === undefined ? {} : { stats: options.stats }),
  });
  return {
    handle: (request, body) => host.handle(request, body),
    clusterStatus: () => host.clusterStatus(),
    configDump: () => xds?.dump() ?? [],
    snapshot: () => store.current,
    ...(xds === undefined ? { replaceStaticResources: (parts: SnapshotParts) => void store.replace(parts) } : {}),
    close: async (deadlineMs) => {
      xds?.close();
      await host.close(deadlineMs);
    },
  };
}

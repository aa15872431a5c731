// createMesh() and the Mesh an app talks to: fetch(), dispatcher(), configDump() and close().
// Config comes from static_resources and, with xds_servers, on demand from the control plane.
// Inline mode runs the core on the calling thread; worker mode comes later.
import type { Bootstrap } from '../config/bootstrap.ts';
import { decodeCallerOverrides } from '../config/decode-caller-overrides.ts';
import { type BootstrapInput, loadBootstrap } from '../config/load-bootstrap.ts';
import { ConfigError, MeshError } from '../core/errors.ts';
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import { SnapshotStore } from '../core/model/snapshot-store.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import { InlineHost } from '../runtime/inline-host.ts';
import { systemClock } from '../core/clock.ts';
import type { ResourceDump } from '../xds/config-dump.ts';
import { startXds, type XdsHandle } from '../xds/start-xds.ts';
import { errorResponse, type MeshRequestInit, toMeshRequest, toResponse } from './fetch-adapter.ts';
import { MeshDispatcher } from './mesh-dispatcher.ts';

export interface MeshOptions {
  /** A bootstrap file path or object; absent: SIDELET_BOOTSTRAP, else GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG. */
  readonly bootstrap?: BootstrapInput;
  /** Only `inline` exists so far. */
  readonly mode?: 'inline';
  /** The app's own settings per service (listener name → overrides), over the bootstrap's sidelet.caller_overrides. */
  readonly overrides?: Readonly<Record<string, object>>;
  /** With xds_servers: where the last-known-good config is kept, to start from when the control plane is down. */
  readonly cacheDir?: string;
  /** A stats sink told of requests, attempts, retries, overflows, ejections (e.g. a MeshMetrics). */
  readonly stats?: MeshStats;
}

export class Mesh {
  readonly bootstrap: Bootstrap;
  readonly #host: InlineHost;
  #closed = false;
  #dispatcher: MeshDispatcher | undefined;

  readonly #xds: XdsHandle | undefined;
  readonly #store: SnapshotStore;

  constructor(bootstrap: Bootstrap, host: InlineHost, store: SnapshotStore, xds?: XdsHandle) {
    this.#xds = xds;
    this.#store = store;
    this.bootstrap = bootstrap;
    this.#host = host;
  }

  /**
   * WHATWG fetch through the mesh. Mesh failures reject with a MeshError (stable `code`), or come
   * back as Envoy-style responses with `init.mesh.errorsAsResponses`.
   */
  async fetch(input: string | URL | Request, init?: MeshRequestInit): Promise<Response> {
    if (this.#closed) throw new MeshError('SIDELET_OVERLOADED', 'the mesh is closed');
    const { request, body } = await toMeshRequest(input, init, this.bootstrap);
    try {
      return toResponse(await this.#host.handle(request, body), request.method);
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
      call: (request, body) => (this.#closed ? Promise.reject(new MeshError('SIDELET_OVERLOADED', 'the mesh is closed')) : this.#host.handle(request, body)),
    });
    return this.#dispatcher;
  }

  /**
   * Refuses new calls, lets calls in flight finish within `deadlineMs` (default 5 s) and aborts
   * the rest, then releases every connection and timer so the process can exit by itself.
   */
  /** The config in force: every listener, route configuration, cluster and endpoint set, static and from xDS. */
  snapshot(): Snapshot {
    return this.#store.current;
  }

  /** Each cluster a call has used: its hosts with health, outlier ejection and active requests. */
  clusterStatus(): ClusterStatus[] {
    return this.#host.clusterStatus();
  }

  /** CSDS-like: every xDS resource this mesh watches, with version, status (REQUESTED, ACKED, NACKED with the error, DOES_NOT_EXIST) and last update. */
  configDump(): ResourceDump[] {
    return this.#xds?.dump() ?? [];
  }

  async close(options: { readonly deadlineMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#xds?.close();
    await this.#host.close(options.deadlineMs ?? 5000);
  }
}

export async function createMesh(options: MeshOptions = {}): Promise<Mesh> {
  const mode = options.mode ?? 'inline';
  if (mode !== 'inline') throw new ConfigError(['mode'], `unknown mode ${JSON.stringify(mode)}; only "inline" exists so far`, 'createMesh options');
  const { bootstrap, staticResources } = await loadBootstrap(options.bootstrap);
  let overrides: ReadonlyMap<string, PolicyOverrides> = bootstrap.callerOverrides;
  if (options.overrides !== undefined) {
    try {
      overrides = new Map([...overrides, ...decodeCallerOverrides(options.overrides, ['overrides'])]);
    } catch (error) {
      throw error instanceof ConfigError ? error.withSource('createMesh options') : error;
    }
  }
  const store = new SnapshotStore();
  store.replace(staticResources);
  const xds =
    bootstrap.xdsServers.length > 0
      ? startXds(bootstrap, { store, clock: systemClock, random: Math.random, base: staticResources, ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }) })
      : undefined;
  const host = new InlineHost({
    store,
    callerOverrides: overrides,
    ...(xds === undefined ? {} : { ensureListener: xds.ensureListener, staticListeners: new Set(staticResources.listeners.keys()) }),
    ...(options.stats === undefined ? {} : { stats: options.stats }),
  });
  return new Mesh(bootstrap, host, store, xds);
}

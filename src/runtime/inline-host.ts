// Inline mode: the core on the calling thread. Holds the current snapshot's state and the HTTP
// and x-protocol transports, rebuilds the state when the snapshot changes, and runs each request through the
// pipeline. Owned by the thread that created it.
import type { PolicyOverrides } from '../core/model/caller-overrides.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { handleRequest, type MeshRequest, type PipelineResult } from '../core/call/request-pipeline.ts';
import type { MeshStats } from '../core/call/mesh-stats.ts';
import type { Transport } from '../core/call/transport.ts';
import { type ClusterStatus, SnapshotState } from '../core/call/snapshot-state.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { SnapshotStore } from '../core/model/snapshot-store.ts';
import { HttpTransport, type RequestBody } from '../protocols/http/http-transport.ts';
import { XProtocolTransport } from '../protocols/xprotocol/xprotocol-transport.ts';
import { HealthCheckers } from './health-checkers.ts';
import { awaitListener } from './await-listener.ts';
import type { XdsHandle } from '../xds/start-xds.ts';
import { within } from './within.ts';
import { HealthySince } from '../core/lb/healthy-since.ts';

export interface InlineHostOptions {
  readonly store: SnapshotStore;
  /** The app's own overrides per service, keyed by listener name (`reviews:80`). */
  readonly callerOverrides: ReadonlyMap<string, PolicyOverrides>;
  readonly clock?: Clock;
  readonly random?: () => number;
  /**
   * With a control plane: makes sure a call's listener (and what it names) is in the store,
   * subscribing on demand (the xDS client's ensureListener). Static listeners skip it.
   */
  readonly xds?: Pick<XdsHandle, 'ensureListener' | 'unreachable'>;
  /** Stop waiting for a listener once the control plane is found unreachable (SIDELET_RUNTIME_FAILURE). */
  readonly failOpen?: boolean;
  readonly staticListeners?: ReadonlySet<string>;
  /** Told of requests, attempts, retries, overflows, ejections... (the admin server's metrics). */
  readonly stats?: MeshStats;
}

export class InlineHost {
  readonly #options: InlineHostOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #transport = new HttpTransport();
  /** RPC calls (Dubbo, Bolt): the request frame is the body. */
  readonly #xprotocol = new XProtocolTransport();
  readonly #unsubscribe: () => void;
  #state: SnapshotState;
  #clusters = new Set<string>();
  /** Active health checkers by cluster; they outlive snapshots while the cluster's checks stay the same. */
  readonly #checkers = new HealthCheckers((cluster) => this.#state.refreshHealth(cluster));
  /** When hosts became healthy (slow start), kept across snapshots so a host a later snapshot adds warms up alone. */
  readonly #healthySince: HealthySince;

  constructor(options: InlineHostOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#healthySince = new HealthySince(this.#clock);
    this.#state = this.#build(options.store.current);
    this.#checkers.update(options.store.current);
    this.#unsubscribe = options.store.subscribe((snapshot) => {
      const previous = this.#state;
      this.#state = this.#build(snapshot);
      this.#checkers.update(snapshot);
      previous.close();
    });
  }

  handle(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult> {
    const { xds, staticListeners, store } = this.#options;
    const name = request.listenerName;
    // A listener from the config in hand: the pipeline's own promise, with no extra turn.
    if (xds === undefined || staticListeners?.has(name) === true) return this.#run(request, body);
    return this.#runOnceKnown(xds, request, body, this.#options.failOpen === true && !store.current.listeners.has(name));
  }

  /** An xDS listener: the call waits until the control plane has sent it (or fails fast for failOpen). */
  async #runOnceKnown(xds: Pick<XdsHandle, 'ensureListener' | 'unreachable'>, request: MeshRequest, body: RequestBody | undefined, failFast: boolean): Promise<PipelineResult> {
    await awaitListener(xds, request.listenerName, failFast, request.signal);
    return this.#run(request, body);
  }

  /** The call through the pipeline; a body the transport refuses (an RPC frame that is not one) rejects, as every failure does. */
  #run(request: MeshRequest, body: RequestBody | undefined): Promise<PipelineResult> {
    let transport: Transport;
    try {
      // A call without a body needs no transport of its own: every attempt sends none.
      transport = request.rpc !== undefined ? this.#xprotocol.forFrame(body, request.rpc) : body === undefined ? this.#transport : this.#transport.withBody(body);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return handleRequest(request, {
      clock: this.#clock,
      random: this.#random,
      wallNow: Date.now,
      transport,
      state: this.#state,
      callerOverrides: this.#options.callerOverrides.get(request.listenerName),
      stats: this.#options.stats,
    });
  }

  /** Each cluster's hosts with their health, ejection and active requests (the admin server's /clusters). */
  clusterStatus(): ClusterStatus[] {
    return this.#state.clusterStatus();
  }

  /**
   * Stops policy timers and closes upstream connections. Calls in flight may finish within
   * `deadlineMs`; after it they are aborted, so close() always ends.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#unsubscribe();
    this.#state.close();
    this.#checkers.close();
    const outcome = await within(Promise.all([this.#transport.close(), this.#xprotocol.close()]), deadlineMs);
    if (outcome === 'expired') await Promise.all([this.#transport.destroy(), this.#xprotocol.destroy()]);
  }

  #build(snapshot: Snapshot): SnapshotState {
    for (const name of this.#clusters) {
      if (snapshot.clusters.has(name)) continue;
      this.#transport.removeCluster(name);
      this.#xprotocol.removeCluster(name);
    }
    this.#clusters = new Set(snapshot.clusters.keys());
    for (const [name, cluster] of snapshot.clusters) {
      const assignment = snapshot.endpoints.get(name);
      if (assignment === undefined) continue;
      this.#transport.setCluster(cluster, assignment);
      this.#xprotocol.setCluster(cluster, assignment);
    }
    return new SnapshotState(snapshot, this.#clock, this.#random, (name) => this.#checkers.unhealthy(name), this.#options.stats, this.#healthySince);
  }
}

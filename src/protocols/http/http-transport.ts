// The core's Transport over real HTTP/1.1 and HTTP/2 upstreams, cleartext (h2c) or TLS, through
// undici: one pool per endpoint, made when first used and reused, sized by the cluster's
// circuit-breaker thresholds (Envoy CircuitBreakers.Thresholds max_connections and max_pending_requests).
import { type Readable, Transform, pipeline } from 'node:stream';
import type { AttemptControl, AttemptHandler, Transport, UpstreamRequest } from '../../core/call/transport.ts';
import type { Cluster } from '../../core/model/cluster.ts';
import type { ClusterLoadAssignment, Endpoint } from '../../core/model/endpoint.ts';
import type { RoutingPriority } from '../../core/model/policy-circuit-breakers.ts';
import { EndpointPool, type PoolSettings, samePoolSettings } from './endpoint-pool.ts';
import { requestHeaders } from './headers.ts';
import { HttpAttempt } from './http-attempt.ts';
import { type TlsClient, tlsClient } from './tls-client.ts';

/**
 * A request body. Bytes and strings are replayable: every attempt (retry, hedge) sends them again.
 * A Readable is streamed once; a call with one must plan `bodyReplayable: false`.
 */
export type RequestBody = string | Uint8Array | Readable;

export interface HttpTransportOptions {
  /** Which thresholds of the cluster's circuit_breakers apply; default DEFAULT. */
  readonly priority?: RoutingPriority;
  /** HTTP/2 streams counted per connection before requests queue; default 100 (undici's and Node's default). */
  readonly maxConcurrentStreams?: number;
}

/** Slot of a cluster's counters: requests waiting for a connection, across every thread that shares the array. */
const kPending = 0;
/** Int32 slots a cluster's counters take. */
export const HTTP_CLUSTER_COUNTER_SLOTS = 1;

interface ClusterState {
  readonly cluster: Cluster;
  readonly settings: PoolSettings;
  /** Built once per TLS config; an Error when its certificates do not load (sends then fail to connect). */
  readonly tls: TlsClient | Error | undefined;
  readonly maxPending: number;
  readonly counters: Int32Array;
  readonly offset: number;
  readonly pools: Map<string, EndpointPool>;
}

const NOTHING_TO_CANCEL: AttemptControl = { cancel() {} };

/**
 * Owned by one thread (each worker has its own pools); `send`, `setCluster`, `removeCluster` and
 * `close` are called on that thread only. The pending counters may be a SharedArrayBuffer view
 * shared with other threads, so max_pending_requests holds per process.
 */
export class HttpTransport implements Transport {
  readonly #priority: RoutingPriority;
  readonly #streams: number;
  readonly #clusters = new Map<string, ClusterState>();
  /** Pools closed (endpoint left, cluster changed or removed) whose requests in flight have not finished yet. */
  readonly #draining = new Map<EndpointPool, Promise<void>>();

  constructor(options: HttpTransportOptions = {}) {
    this.#priority = options.priority ?? 'DEFAULT';
    this.#streams = options.maxConcurrentStreams ?? 100;
  }

  /**
   * Adds or updates a cluster. Pools of endpoints no longer in `assignment` are closed (their
   * requests in flight finish first); a change of protocol, TLS settings, connect timeout or
   * max_connections closes every pool of the cluster, and new ones are made on the next sends. `counters` (at
   * `countersOffset`, HTTP_CLUSTER_COUNTER_SLOTS slots) hold the cluster's pending requests; pass
   * a SharedArrayBuffer view to hold max_pending_requests across threads.
   */
  setCluster(cluster: Cluster, assignment: ClusterLoadAssignment, counters?: Int32Array, countersOffset = 0): void {
    const thresholds = cluster.circuitBreakers.thresholds[this.#priority];
    const perHost = cluster.circuitBreakers.perHostMaxConnections[this.#priority];
    const settings: PoolSettings = {
      http2: cluster.http2,
      connectTimeoutMs: cluster.connectTimeoutMs,
      connections: Math.max(1, Math.min(thresholds.maxConnections, perHost ?? Number.POSITIVE_INFINITY)),
      streamsPerConnection: this.#streams,
      tls: cluster.tls,
    };
    const previous = this.#clusters.get(cluster.name);
    const same = previous !== undefined && samePoolSettings(previous.settings, settings);
    const pools = same ? previous.pools : new Map<string, EndpointPool>();
    if (previous !== undefined && !same) this.#closePools(previous.pools.keys(), previous.pools);
    const present = new Set(assignment.localities.flatMap((l) => l.endpoints.map((e) => e.id)));
    this.#closePools([...pools.keys()].filter((id) => !present.has(id)), pools);
    this.#clusters.set(cluster.name, {
      cluster,
      settings,
      tls: same ? previous.tls : loadTls(cluster),
      maxPending: thresholds.maxPendingRequests,
      counters: counters ?? previous?.counters ?? new Int32Array(HTTP_CLUSTER_COUNTER_SLOTS),
      offset: counters !== undefined ? countersOffset : (previous?.offset ?? 0),
      pools,
    });
  }

  /** The cluster left the snapshot: its pools close once their requests in flight finish. */
  removeCluster(name: string): void {
    const state = this.#clusters.get(name);
    if (state === undefined) return;
    this.#clusters.delete(name);
    this.#closePools(state.pools.keys(), state.pools);
  }

  send(request: UpstreamRequest, handler: AttemptHandler, body?: RequestBody): AttemptControl {
    const state = this.#clusters.get(request.cluster);
    if (state === undefined) {
      handler.onFailure('connect-failure', `cluster "${request.cluster}" is not known to the HTTP transport`);
      return NOTHING_TO_CANCEL;
    }
    const tls = state.tls;
    if (tls instanceof Error) {
      handler.onFailure('connect-failure', `cluster "${request.cluster}": its TLS certificates do not load: ${tls.message}`);
      return NOTHING_TO_CANCEL;
    }
    const pool = this.#poolFor(state, request.endpoint, tls);
    // Envoy: a request that finds no free connection waits as pending, up to max_pending_requests;
    // beyond that it overflows (UO) and is never retried.
    const queued = pool.inFlight >= pool.capacity;
    if (queued && Atomics.add(state.counters, state.offset + kPending, 1) >= state.maxPending) {
      Atomics.sub(state.counters, state.offset + kPending, 1);
      handler.onFailure('overflow', `max_pending_requests (${state.maxPending}) reached in cluster "${request.cluster}"`);
      return NOTHING_TO_CANCEL;
    }
    pool.inFlight++;
    const attempt = new HttpAttempt(handler, () => {
      pool.inFlight--;
      // One request that was queued is now running (or the one that ended was itself still queued).
      if (pool.inFlight >= pool.capacity) Atomics.sub(state.counters, state.offset + kPending, 1);
    }, !speaksHttp2(state.settings.http2, tls));
    const sent = body === undefined || typeof body === 'string' || body instanceof Uint8Array ? body : tapped(body, attempt);
    pool.dispatch({ method: request.method, path: request.path, headers: requestHeaders(request.headers, request.authority), body: sent ?? null }, attempt);
    return attempt;
  }

  /** A Transport for one call that sends `body` with every attempt; a streamed body goes out once. */
  withBody(body: RequestBody | undefined): Transport {
    if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return { send: (request, handler) => this.send(request, handler, body) };
    let sent = false;
    return {
      send: (request, handler) => {
        if (sent) {
          handler.onFailure('reset', 'the streamed request body was already sent by an earlier attempt');
          return NOTHING_TO_CANCEL;
        }
        sent = true;
        return this.send(request, handler, body);
      },
    };
  }

  /**
   * Closes every pool, letting requests in flight finish, so the process can exit. A body nobody
   * reads or destroys holds its request, and so `close()`, open: use `destroy()` then.
   */
  async close(): Promise<void> {
    for (const name of [...this.#clusters.keys()]) this.removeCluster(name);
    await Promise.all(this.#draining.values());
  }

  /** Aborts every request in flight (including those whose pools are closing) and closes every connection now. */
  async destroy(): Promise<void> {
    const pools = [...this.#clusters.values()].flatMap((state) => [...state.pools.values()]);
    this.#clusters.clear();
    await Promise.all([...pools, ...this.#draining.keys()].map((pool) => pool.destroy()));
  }

  #poolFor(state: ClusterState, endpoint: Endpoint, tls: TlsClient | undefined): EndpointPool {
    let pool = state.pools.get(endpoint.id);
    if (pool === undefined) {
      pool = new EndpointPool(endpoint, state.settings, tls);
      state.pools.set(endpoint.id, pool);
    }
    return pool;
  }

  #closePools(ids: Iterable<string>, pools: Map<string, EndpointPool>): void {
    for (const id of [...ids]) {
      const pool = pools.get(id);
      pools.delete(id);
      if (pool === undefined) continue;
      // Settled either way: a pool destroyed while it drains ends its close with an error.
      const drained = (): void => void this.#draining.delete(pool);
      this.#draining.set(pool, pool.close().then(drained, drained));
    }
  }
}

/** HTTP/2 may carry the request: h2c, HTTP/2 over TLS, or a TLS pool that negotiates it per connection. */
function speaksHttp2(http2: boolean, tls: TlsClient | undefined): boolean {
  return tls === undefined ? http2 : tls.version !== 'http/1.1';
}

function loadTls(cluster: Cluster): TlsClient | Error | undefined {
  if (cluster.tls === undefined) return undefined;
  try {
    return tlsClient(cluster.tls, cluster.http2);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** A streamed request body that reports each chunk going out as progress (the idle timeouts count it). */
function tapped(body: Readable, attempt: HttpAttempt): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      attempt.requestProgress();
      callback(null, chunk);
    },
  });
  // The tap fails with the body, and undici destroying the tap (an abort) destroys the body.
  return pipeline(body, tap, () => {});
}

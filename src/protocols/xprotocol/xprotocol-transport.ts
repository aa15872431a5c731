// The core's Transport for x-protocol RPC calls (Dubbo, Bolt): each attempt sends a copy of the
// call's request frame over the one multiplexed connection to the picked endpoint (per cluster,
// endpoint and protocol), and the answer frame comes back as the response, classified by the codec.
import type { RpcCall } from '../../core/call/rpc-call.ts';
import type { AttemptControl, AttemptHandler, Transport, UpstreamRequest, UpstreamResponse } from '../../core/call/transport.ts';
import type { Cluster } from '../../core/model/cluster.ts';
import type { ClusterLoadAssignment } from '../../core/model/endpoint.ts';
import { builtinProtocols } from './builtin-protocols.ts';
import type { XProtocolCodec } from './codec.ts';
import type { ProtocolRegistry } from './registry.ts';
import { UpstreamConnection, type UpstreamConnectionOptions } from './upstream-connection.ts';

export interface XProtocolTransportOptions {
  /** Codecs by name; default the built-in Dubbo and Bolt ones. */
  readonly registry?: ProtocolRegistry;
  /** A heartbeat after this long without a frame from the upstream; default 15 s, 0 for none. */
  readonly heartbeatIntervalMs?: number;
  /** Silent heartbeat intervals before a connection counts as dead; default 3. */
  readonly heartbeatMisses?: number;
  readonly maxPayloadBytes?: number;
  /** Upstream connections closed for bad frames or silence; default stderr. */
  readonly log?: (line: string) => void;
}

interface ClusterState {
  connectTimeoutMs: number;
  /** circuit_breakers max_pending_requests (DEFAULT priority): calls that may wait for connections to come up. */
  maxPending: number;
  /** The cluster asks for TLS, which RPC connections do not speak yet: calls fail rather than go out in plaintext. */
  tls: boolean;
  /** By `<endpoint id> <protocol>`. */
  readonly connections: Map<string, UpstreamConnection>;
}

const NO_HEADERS: ReadonlyMap<string, string> = new Map();
/** What a oneway call's attempt answers once its frame is written: nothing comes back. */
const ONEWAY_SENT: UpstreamResponse = Object.freeze({ status: 200, headers: NO_HEADERS });
const NOTHING_TO_CANCEL: AttemptControl = { cancel() {} };

/**
 * Owned by one thread (each data-plane worker has its own connections); every method is called
 * on that thread, and answers arrive on it.
 */
export class XProtocolTransport {
  readonly #registry: ProtocolRegistry;
  readonly #connection: Omit<UpstreamConnectionOptions, 'connectTimeoutMs'>;
  readonly #clusters = new Map<string, ClusterState>();
  /** Connections closing once their calls in flight are answered. */
  readonly #draining = new Set<UpstreamConnection>();

  constructor(options: XProtocolTransportOptions = {}) {
    this.#registry = options.registry ?? builtinProtocols();
    this.#connection = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
      heartbeatMisses: options.heartbeatMisses ?? 3,
      log: options.log ?? ((line) => console.error(`sidelet: ${line}`)),
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    };
  }

  /** Adds or updates a cluster; connections to endpoints no longer in `assignment` close once their calls are answered. */
  setCluster(cluster: Cluster, assignment: ClusterLoadAssignment): void {
    const state = this.#clusters.get(cluster.name);
    const maxPending = cluster.circuitBreakers.thresholds.DEFAULT.maxPendingRequests;
    if (state === undefined) {
      this.#clusters.set(cluster.name, { connectTimeoutMs: cluster.connectTimeoutMs, maxPending, tls: cluster.tls !== undefined, connections: new Map() });
      return;
    }
    state.connectTimeoutMs = cluster.connectTimeoutMs;
    state.maxPending = maxPending;
    state.tls = cluster.tls !== undefined;
    const present = new Set(assignment.localities.flatMap((l) => l.endpoints.map((e) => e.id)));
    for (const [key, connection] of state.connections) {
      if (present.has(connection.endpointId)) continue;
      state.connections.delete(key);
      this.#drain(connection);
    }
  }

  /** The cluster left the snapshot: its connections close once their calls are answered. */
  removeCluster(name: string): void {
    const state = this.#clusters.get(name);
    if (state === undefined) return;
    this.#clusters.delete(name);
    for (const connection of state.connections.values()) this.#drain(connection);
  }

  /**
   * The Transport for one call whose body is its request frame: each attempt sends a copy with an
   * id of its connection's own. Throws for a body that is not bytes or a protocol not registered.
   */
  forFrame(frame: unknown, call: RpcCall): Transport {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`an RPC call's body must be its request frame as bytes, got ${typeof frame}`);
    const codec = this.#registry.get(call.protocol);
    if (codec === undefined) throw new TypeError(`x-protocol "${call.protocol}" is not registered (known: ${this.#registry.names().join(', ')})`);
    return { send: (request, handler) => this.#send(request, handler, frame, codec, call.oneway) };
  }

  /** Closes every connection once its calls are answered. */
  async close(): Promise<void> {
    for (const name of [...this.#clusters.keys()]) this.removeCluster(name);
    await Promise.all([...this.#draining].map((connection) => connection.closed()));
  }

  /** Closes every connection now; calls in flight fail with `reset`. */
  async destroy(): Promise<void> {
    const all = [...this.#draining, ...[...this.#clusters.values()].flatMap((state) => [...state.connections.values()])];
    this.#clusters.clear();
    for (const connection of all) connection.destroy('the mesh is closing');
    await Promise.all(all.map((connection) => connection.closed()));
  }

  #send(request: UpstreamRequest, handler: AttemptHandler, frame: Uint8Array, codec: XProtocolCodec, oneway: boolean): AttemptControl {
    const state = this.#clusters.get(request.cluster);
    if (state === undefined) {
      handler.onFailure('connect-failure', `cluster "${request.cluster}" is not known to the x-protocol transport`);
      return NOTHING_TO_CANCEL;
    }
    if (state.tls) {
      handler.onFailure('connect-failure', `cluster "${request.cluster}" has a TLS transport_socket; ${codec.name} upstream connections are plaintext only`);
      return NOTHING_TO_CANCEL;
    }
    const key = `${request.endpoint.id} ${codec.name}`;
    let connection = state.connections.get(key);
    if (connection === undefined || !connection.usable) {
      if (connection !== undefined) this.#drain(connection);
      connection = new UpstreamConnection(request.endpoint, codec, { ...this.#connection, connectTimeoutMs: state.connectTimeoutMs });
      state.connections.set(key, connection);
      const made = connection;
      void made.closed().then(() => {
        if (state.connections.get(key) === made) state.connections.delete(key);
      });
    }
    // As Envoy's pools: a call that must wait for a connection is pending, up to
    // max_pending_requests; beyond that it overflows (UO) without being sent.
    if (!connection.connected) {
      let waiting = 0;
      for (const each of state.connections.values()) waiting += each.waitingCalls;
      if (waiting >= state.maxPending) {
        handler.onFailure('overflow', `max_pending_requests (${state.maxPending}) reached in cluster "${request.cluster}": calls are waiting for connections to come up`);
        return NOTHING_TO_CANCEL;
      }
    }
    const cancel = connection.send(Buffer.from(frame), oneway, {
      onAnswer: (answer) => handler.onResponse(answer === undefined ? ONEWAY_SENT : { status: codec.httpStatus(answer), headers: answer.headers, body: answer.bytes }),
      onFailure: (failure, detail) => handler.onFailure(failure, detail),
    });
    return { cancel };
  }

  #drain(connection: UpstreamConnection): void {
    this.#draining.add(connection);
    void connection.closed().then(() => this.#draining.delete(connection));
    connection.drain();
  }
}

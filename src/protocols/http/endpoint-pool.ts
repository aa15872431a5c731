// The connection pool to one endpoint: sidelet's own HTTP/1.1 pool (src/protocols/http1/) for a
// plaintext HTTP/1.1 cluster, else an undici Pool of h2c clients (HTTP/2 with prior knowledge,
// RFC 9113 §3.3) when the cluster speaks HTTP/2, or of TLS clients when the cluster has an
// UpstreamTlsContext; plus the count of requests in flight on it, from which the transport tells
// a queued (pending) request.
import { isDeepStrictEqual } from 'node:util';
import type { Client, Dispatcher } from 'undici';
import type { UpstreamTlsConfig } from '../../core/model/cluster.ts';
import type { Endpoint } from '../../core/model/endpoint.ts';
import { Http1Pool } from '../http1/http1-pool.ts';
import type { Http1Handler } from '../http1/http1-request.ts';
import type { TlsClient } from './tls-client.ts';
import { tlsConnector } from './tls-connector.ts';
import { undici } from './undici-on-demand.ts';

/** How a cluster's pools are built; pools are rebuilt when these change. */
export interface PoolSettings {
  readonly http2: boolean;
  /** Cluster connect_timeout. */
  readonly connectTimeoutMs: number;
  /** Connections to this endpoint at most: the cluster's max_connections (per_host_thresholds when lower). */
  readonly connections: number;
  /** HTTP/2 streams the transport counts on per connection (undici's maxConcurrentStreams). */
  readonly streamsPerConnection: number;
  /** The cluster's TLS config; undefined: plaintext. */
  readonly tls: UpstreamTlsConfig | undefined;
}

export function samePoolSettings(a: PoolSettings, b: PoolSettings): boolean {
  return (
    a.http2 === b.http2 &&
    a.connectTimeoutMs === b.connectTimeoutMs &&
    a.connections === b.connections &&
    a.streamsPerConnection === b.streamsPerConnection &&
    isDeepStrictEqual(a.tls, b.tls)
  );
}

/** A handler either pool kind can call: undici's (header objects) and sidelet's HTTP/1.1 client's (header maps). */
export type PoolHandler = Dispatcher.DispatchHandler & Http1Handler;

/** What the endpoint pool needs of either pool kind. */
interface Connections {
  dispatch(options: Dispatcher.DispatchOptions, handler: PoolHandler): unknown;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** Owned by the thread whose transport created it; only that transport calls it. */
export class EndpointPool {
  readonly #pool: Connections;
  /**
   * undici would take each request's TLS server name from its Host header and reconnect when it
   * changes; the connector sends the cluster's SNI whatever the Host, so one name per pool stops that.
   */
  readonly #servername: string | undefined;
  /** Requests this pool can run at once; more wait in undici's queue (Envoy: pending requests). */
  readonly capacity: number;
  /** Dispatched and not yet finished (answered in full, failed or aborted). */
  inFlight = 0;

  constructor(endpoint: Endpoint, settings: PoolSettings, tls: TlsClient | undefined) {
    const connections = settings.connections;
    this.#pool =
      tls === undefined && !settings.http2
        ? new Http1Pool({ host: endpoint.address, port: endpoint.port, connections, connectTimeoutMs: settings.connectTimeoutMs })
        : undiciPool(endpoint, settings, tls);
    this.#servername = tls === undefined ? undefined : (tls.servername ?? endpoint.address);
    // A negotiated pool counts one request per connection: it cannot know the protocol before connecting.
    const h2 = tls === undefined ? settings.http2 : tls.version === 'h2';
    this.capacity = connections * (h2 ? settings.streamsPerConnection : 1);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    const withName = this.#servername === undefined ? options : { ...options, servername: this.#servername };
    this.#pool.dispatch(withName, handler);
  }

  /** Lets requests already dispatched finish, then closes the connections. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Aborts every request on the pool (their handlers or bodies see the error) and closes its connections now. */
  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}

/** An undici Pool of TLS clients, or of h2c clients (undici loads on the first such pool). */
function undiciPool(endpoint: Endpoint, settings: PoolSettings, tls: TlsClient | undefined): Connections {
  const { Pool, H2CClient } = undici();
  const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  const origin = `${tls === undefined ? 'http' : 'https'}://${host}:${endpoint.port}`;
  const connections = settings.connections;
  if (tls !== undefined) return new Pool(origin, { connections, factory: (url) => tlsClientFor(url, settings, tls) });
  const streams = settings.streamsPerConnection;
  // The attempt loop owns every timeout (per try, route, idle), so undici's own are off.
  const timeouts = { connectTimeout: settings.connectTimeoutMs, headersTimeout: 0, bodyTimeout: 0 };
  return new Pool(origin, { connections, factory: (url) => new H2CClient(url, { ...timeouts, maxConcurrentStreams: streams, pipelining: streams }) });
}

/**
 * One TLS connection's client. HTTP/2 connections carry `streamsPerConnection` requests at once,
 * HTTP/1.1 connections one; a negotiated client learns which on each connect.
 */
function tlsClientFor(url: URL, settings: PoolSettings, tls: TlsClient): Client {
  const streams = settings.streamsPerConnection;
  let h2 = tls.version === 'h2';
  const client = new (undici().Client)(url, {
    headersTimeout: 0,
    bodyTimeout: 0,
    maxConcurrentStreams: streams,
    pipelining: h2 ? streams : 1,
    connect: tlsConnector(tls, settings.connectTimeoutMs, (isH2) => (h2 = isH2)),
  });
  if (tls.version === 'negotiated') client.on('connect', () => (client.pipelining = h2 ? streams : 1));
  return client;
}

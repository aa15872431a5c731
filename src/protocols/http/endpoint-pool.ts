// The connection pool to one endpoint: an undici Pool of HTTP/1.1 clients, or of h2c clients
// (HTTP/2 with prior knowledge, RFC 9113 §3.3) when the cluster speaks HTTP/2, plus the count of
// requests in flight on it, from which the transport tells a queued (pending) request.
import { type Dispatcher, H2CClient, Pool } from 'undici';
import type { Endpoint } from '../../core/model/endpoint.ts';

/** How a cluster's pools are built; pools are rebuilt when these change. */
export interface PoolSettings {
  readonly http2: boolean;
  /** Cluster connect_timeout. */
  readonly connectTimeoutMs: number;
  /** Connections to this endpoint at most: the cluster's max_connections (per_host_thresholds when lower). */
  readonly connections: number;
  /** HTTP/2 streams the transport counts on per connection (undici's maxConcurrentStreams). */
  readonly streamsPerConnection: number;
}

export function samePoolSettings(a: PoolSettings, b: PoolSettings): boolean {
  return a.http2 === b.http2 && a.connectTimeoutMs === b.connectTimeoutMs && a.connections === b.connections && a.streamsPerConnection === b.streamsPerConnection;
}

/** Owned by the thread whose transport created it; only that transport calls it. */
export class EndpointPool {
  readonly #pool: Pool;
  /** Requests this pool can run at once; more wait in undici's queue (Envoy: pending requests). */
  readonly capacity: number;
  /** Dispatched and not yet finished (answered in full, failed or aborted). */
  inFlight = 0;

  constructor(endpoint: Endpoint, settings: PoolSettings) {
    const origin = `http://${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`;
    // The attempt loop owns every timeout (per try, route, idle), so undici's own are off.
    const timeouts = { connectTimeout: settings.connectTimeoutMs, headersTimeout: 0, bodyTimeout: 0 };
    const streams = settings.streamsPerConnection;
    this.#pool = settings.http2
      ? new Pool(origin, {
          connections: settings.connections,
          factory: (url) => new H2CClient(url, { ...timeouts, maxConcurrentStreams: streams, pipelining: streams }),
        })
      : new Pool(origin, { ...timeouts, connections: settings.connections, pipelining: 1 });
    this.capacity = settings.connections * (settings.http2 ? streams : 1);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.#pool.dispatch(options, handler);
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

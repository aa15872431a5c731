// The admin server of `sidelet run`, after Envoy's admin interface: /ready, /stats (plain or
// Prometheus), /config_dump and /clusters on node:http. It only reads what it is handed; it
// binds 127.0.0.1 unless told otherwise, as its pages show the whole config.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterStatus } from '../core/call/snapshot-state.ts';
import type { Snapshot } from '../core/model/snapshot.ts';

/** What /stats renders: MeshMetrics (src/observability/mesh-metrics.ts) is one. */
export interface AdminStats {
  prometheus(): Promise<string>;
  plainText(): Promise<string>;
}

export interface AdminServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port; read it from the result). */
  readonly port?: number;
  /** A listening handle a previous generation handed over (hot restart): served on instead of host and port. */
  readonly handle?: object;
  readonly stats: AdminStats;
  /** The JSON /config_dump returns (or a promise of it), e.g. `{ xds: await mesh.configDump(), static: snapshotResourceNames(snapshot) }`. */
  readonly configDump: () => unknown;
  readonly clusters: () => readonly ClusterStatus[] | Promise<readonly ClusterStatus[]>;
  /** True once the mesh serves (its config is loaded): /ready answers 200 LIVE, else 503. */
  readonly ready: () => boolean;
}

export interface AdminServer {
  readonly port: number;
  /** The listening server, for a hot restart to hand over. */
  readonly server: Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const PAGES = ['/ready', '/stats', '/stats/prometheus', '/config_dump', '/clusters'];

/** Threads: runs on the thread that owns the mesh state it reads (the main thread of `sidelet run`). */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    answer(req, options).then(
      ({ status, type, body }) => send(res, status, type, body),
      (error: unknown) => send(res, 500, 'text/plain', `${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  if (options.handle === undefined) server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  else server.listen(options.handle);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

interface Page {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

async function answer(req: IncomingMessage, options: AdminServerOptions): Promise<Page> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
  const url = new URL(req.url ?? '/', 'http://admin');
  const format = url.searchParams.get('format');
  switch (url.pathname) {
    case '/ready':
      // Envoy answers with the server state; only LIVE is 200.
      return options.ready() ? { status: 200, type: 'text/plain', body: 'LIVE\n' } : { status: 503, type: 'text/plain', body: 'INITIALIZING\n' };
    case '/stats':
    case '/stats/prometheus':
      return format === 'prometheus' || url.pathname === '/stats/prometheus'
        ? { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: await options.stats.prometheus() }
        : { status: 200, type: 'text/plain', body: await options.stats.plainText() };
    case '/config_dump':
      return { status: 200, type: 'application/json', body: `${JSON.stringify(await options.configDump(), null, 2)}\n` };
    case '/clusters': {
      const clusters = await options.clusters();
      return format === 'json'
        ? { status: 200, type: 'application/json', body: `${JSON.stringify({ clusters }, null, 2)}\n` }
        : { status: 200, type: 'text/plain', body: clustersText(clusters) };
    }
    default:
      return { status: 404, type: 'text/plain', body: `not found; pages: ${PAGES.join(' ')}\n` };
  }
}

/** Envoy's /clusters text: `cluster::host::stat::value` lines, health_flags `healthy` or the reasons joined by `/`. */
function clustersText(clusters: readonly ClusterStatus[]): string {
  const lines: string[] = [];
  for (const cluster of clusters) {
    for (const host of cluster.hosts) {
      const prefix = `${cluster.name}::${host.id}`;
      const flags = [
        ...(host.outlierEjected ? ['failed_outlier_check'] : []),
        ...(host.activeHealthFailed ? ['failed_active_hc'] : []),
        ...(host.health === 'HEALTHY' || host.health === 'UNKNOWN' ? [] : [`failed_eds_health(${host.health})`]),
      ];
      lines.push(
        `${prefix}::rq_active::${host.activeRequests}`,
        `${prefix}::health_flags::${flags.length === 0 ? 'healthy' : flags.join('/')}`,
        `${prefix}::weight::${host.weight}`,
        `${prefix}::locality::${host.locality}`,
        `${prefix}::priority::${host.priority}`,
      );
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** The static snapshot's resources by name, for /config_dump beside the xDS dump. */
export function snapshotResourceNames(snapshot: Snapshot): Record<'listeners' | 'routeConfigurations' | 'clusters' | 'endpoints', string[]> {
  return {
    listeners: [...snapshot.listeners.keys()],
    routeConfigurations: [...snapshot.routeConfigurations.keys()],
    clusters: [...snapshot.clusters.keys()],
    endpoints: [...snapshot.endpoints.keys()],
  };
}

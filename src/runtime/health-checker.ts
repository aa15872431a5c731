// Runs one cluster's active health checks (Envoy health_checks) with real I/O: HTTP requests
// through node:http (node:https with the cluster's UpstreamTlsContext, as Envoy checks over the
// cluster's transport socket) and connect-only TCP checks through node:net, on unref'd timers and
// sockets, and reports the hosts failing them so the balancers leave them out.
import { Agent, request } from 'node:http';
import { Agent as TlsAgent, type RequestOptions as HttpsRequestOptions, request as tlsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { type TlsClient, tlsClient } from '../protocols/http/tls-client.ts';
import { connect } from 'node:net';
import { type Clock, systemClock } from '../core/clock.ts';
import type { Cluster } from '../core/model/cluster.ts';
import type { ClusterLoadAssignment, Endpoint } from '../core/model/endpoint.ts';
import type { HealthCheckConfig, HttpHealthCheck } from '../core/model/policy-health-check.ts';
import { ClusterHealthChecks, type HealthCheckEvent } from '../core/policy/health-check-cluster.ts';
import { type CheckResult, httpStatusResult } from '../core/policy/health-check-result.ts';
import type { ProbeHandle } from '../core/policy/health-check-session.ts';
import { applyHeaderMutations } from '../core/router/header-mutation.ts';

export interface HealthCheckerOptions {
  /** The hosts failing active checks (never checked ones included), each time the set changes. */
  readonly onChange: (unhealthy: ReadonlySet<string>) => void;
  readonly onEvent?: (event: HealthCheckEvent) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** Envoy sends "Envoy/HC"; request_headers_to_add may replace it. */
const USER_AGENT = 'sidelet/HC';

/**
 * Owned by the thread that owns the cluster's host set (the control thread in worker mode, the
 * calling thread inline); only that thread calls it. Timers and sockets are unref'd, so a checker
 * never holds the process open; `close` stops everything.
 */
export class HealthChecker {
  /** Settles once every host has had a first result from every check, or when closed first (Envoy's cluster warming). */
  readonly ready: Promise<void>;
  readonly #cluster: Cluster;
  readonly #checks: ClusterHealthChecks;
  /** One kept-alive connection per host when reuse_connection is on (Envoy's default). */
  readonly #agent: Agent;
  /** The cluster's TLS settings, when it has any; checks speak HTTP/1.1 over them. */
  readonly #tls: TlsClient | undefined;
  #settleReady: () => void = () => {};

  constructor(cluster: Cluster, options: HealthCheckerOptions) {
    this.#cluster = cluster;
    this.#tls = cluster.tls === undefined ? undefined : tlsClient(cluster.tls, false);
    this.#agent = this.#tls === undefined ? new Agent({ keepAlive: true, maxSockets: 1 }) : new TlsAgent({ keepAlive: true, maxSockets: 1 });
    this.ready = new Promise((resolve) => (this.#settleReady = resolve));
    this.#checks = new ClusterHealthChecks(cluster.name, cluster.healthChecks, {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      probe: (host, check, done) => (check.checker.kind === 'http' ? this.#http(host, check, check.checker, done) : tcpProbe(host, done)),
      onChange: options.onChange,
      onEvent: options.onEvent,
      onInitialized: () => this.#settleReady(),
    });
  }

  /** Hosts failing any check now. */
  get unhealthy(): ReadonlySet<string> {
    return this.#checks.unhealthy;
  }

  /** The cluster's endpoints now (EDS update or a new snapshot); known hosts keep their standing. */
  setAssignment(assignment: ClusterLoadAssignment): void {
    this.#checks.setHosts(assignment.localities.flatMap((l) => l.endpoints));
  }

  /** The cluster has carried traffic: a configured no_traffic_interval no longer applies. */
  noteTraffic(): void {
    this.#checks.noteTraffic();
  }

  /** Stops every check and closes the checker's connections. */
  close(): void {
    this.#checks.close();
    this.#agent.destroy();
    this.#settleReady();
  }

  #http(host: Endpoint, check: HealthCheckConfig, http: HttpHealthCheck, done: (result: CheckResult) => void): ProbeHandle {
    let cancelled = false;
    const base = new Map([
      ['host', http.host ?? this.#cluster.name],
      ['user-agent', USER_AGENT],
    ]);
    const headers = Object.fromEntries(applyHeaderMutations(base, [http.headers]));
    const target: HttpsRequestOptions = {
      host: host.address,
      port: host.port,
      method: http.method,
      path: http.path,
      headers: check.reuseConnection ? headers : { ...headers, connection: 'close' },
      agent: check.reuseConnection ? this.#agent : false,
    };
    const tls = this.#tls;
    const req =
      tls === undefined
        ? request(target)
        : tlsRequest(tlsOptions(target, tls));
    req.on('socket', (socket) => socket.unref());
    req.on('response', (res) => {
      res.resume();
      res.on('error', () => {});
      if (!cancelled) done(httpStatusResult(http, res.statusCode ?? 0));
    });
    req.on('error', () => {
      if (!cancelled) done('failure');
    });
    req.end();
    return {
      cancel: () => {
        cancelled = true;
        req.destroy();
      },
    };
  }
}

/** node:https hands these to tls.connect, whose `secureContext` its RequestOptions type leaves out. */
function tlsOptions(target: HttpsRequestOptions, tls: TlsClient): HttpsRequestOptions {
  const secure: Pick<ConnectionOptions, 'secureContext' | 'servername' | 'rejectUnauthorized' | 'checkServerIdentity'> = {
    secureContext: tls.context,
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.verifyChain,
    checkServerIdentity: tls.checkIdentity,
  };
  return { ...target, ...secure };
}

/** Connect-only: the check passes once the connection is made, which is then closed. */
function tcpProbe(host: Endpoint, done: (result: CheckResult) => void): ProbeHandle {
  let cancelled = false;
  const socket = connect({ host: host.address, port: host.port });
  socket.unref();
  socket.on('connect', () => {
    socket.destroy();
    if (!cancelled) done('success');
  });
  socket.on('error', () => {
    if (!cancelled) done('failure');
  });
  return {
    cancel: () => {
      cancelled = true;
      socket.destroy();
    },
  };
}

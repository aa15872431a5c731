// The standard ClusterRuntime: a load balancer over the cluster's endpoints that leaves out
// hosts outlier detection ejected or active health checks failed (rebuilt on each change), Envoy thresholds
// for requests and retries, and active-request counts for least-request balancing.
import type { Clock } from '../clock.ts';
import type { MeshError } from '../errors.ts';
import { createClusterLoadBalancer } from '../lb/cluster-load-balancer.ts';
import type { HealthySince } from '../lb/healthy-since.ts';
import type { LoadBalancer, PickRequest } from '../lb/load-balancer.ts';
import type { Cluster } from '../model/cluster.ts';
import { type ClusterLoadAssignment, type Endpoint, isHealthy, localityKey } from '../model/endpoint.ts';
import type { RoutingPriority } from '../model/policy-circuit-breakers.ts';
import { ClusterResources } from '../policy/circuit-breaker-resources.ts';
import { type OutlierDetector, type OutlierOutcome } from '../policy/outlier-detector.ts';
import type { ResourceManager } from '../policy/resource-manager.ts';
import type { AttemptOutcome } from '../policy/retry-classifier.ts';
import type { ClusterRuntime, Release } from './cluster-runtime.ts';

export interface ClusterServicesOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly priority?: RoutingPriority;
  /** Shared counters (a SharedArrayBuffer view in worker mode) so limits hold per process. */
  readonly counters?: Int32Array;
  readonly countersOffset?: number;
  /** The cluster's outlier detector, owned by whoever owns the cluster's state. */
  readonly outlier?: OutlierDetector;
  /** Hosts ejected by an outlier detector another thread owns (worker mode's control thread). */
  readonly ejected?: () => ReadonlySet<string> | undefined;
  /** Hosts failing active health checks (the checker lives longer than a snapshot). */
  readonly activeHealthFailures?: () => ReadonlySet<string> | undefined;
  /** When each host was first seen, for slow start; `healthySince` takes precedence. */
  readonly hostAddedAt?: (host: Endpoint) => number | undefined;
  /** When each host last became healthy, for slow start: updated each time the balancer is built. */
  readonly healthySince?: HealthySince;
  /** Latency and outcome of every attempt, for stats. */
  readonly onOutcome?: (endpoint: Endpoint, outcome: AttemptOutcome, latencyMs: number) => void;
}

/** One host as the admin /clusters page shows it (Envoy's /clusters: health flags, rq_active). */
export interface HostStatus {
  readonly id: string;
  readonly locality: string;
  readonly priority: number;
  readonly weight: number;
  /** The health EDS or the static config gave. */
  readonly health: string;
  readonly outlierEjected: boolean;
  readonly activeHealthFailed: boolean;
  /** Attempts in flight on this host from this thread. */
  readonly activeRequests: number;
}

/** Called only by the thread that owns it; the counters may be shared with other threads. */
export class ClusterServices implements ClusterRuntime {
  readonly name: string;
  readonly #cluster: Cluster;
  readonly #assignment: ClusterLoadAssignment;
  readonly #options: ClusterServicesOptions;
  readonly #resources: ResourceManager;
  readonly #active = new Map<string, number>();
  #lb: LoadBalancer;

  constructor(cluster: Cluster, assignment: ClusterLoadAssignment, options: ClusterServicesOptions) {
    this.name = cluster.name;
    this.#cluster = cluster;
    this.#assignment = assignment;
    this.#options = options;
    this.#resources = new ClusterResources(cluster.name, cluster.circuitBreakers, options.counters, options.countersOffset).forPriority(options.priority ?? 'DEFAULT');
    options.outlier?.setHosts(assignment.localities.flatMap((l) => l.endpoints.map((e) => e.id)));
    this.#lb = this.#buildBalancer();
  }

  /** Rebuilds the balancer after an ejection or a return (an outlier event). */
  refreshHealth(): void {
    this.#lb = this.#buildBalancer();
  }

  pick(request: PickRequest): Endpoint | undefined {
    return this.#lb.pick(request);
  }

  acquireRequest(endpoint: Endpoint): Release | MeshError {
    const release = this.#resources.tryAcquire('requests');
    if (typeof release !== 'function') return release;
    const id = endpoint.id;
    this.#active.set(id, (this.#active.get(id) ?? 0) + 1);
    return () => {
      release();
      this.#active.set(id, (this.#active.get(id) ?? 1) - 1);
    };
  }

  acquireRetry(): Release | undefined {
    const release = this.#resources.tryAcquire('retries');
    return typeof release === 'function' ? release : undefined;
  }

  reportOutcome(endpoint: Endpoint, outcome: AttemptOutcome, latencyMs: number): void {
    const detector = this.#options.outlier;
    if (detector !== undefined) {
      const result = outlierOutcome(outcome);
      if (result !== undefined) detector.reportResult(endpoint.id, result);
    }
    this.#options.onOutcome?.(endpoint, outcome, latencyMs);
  }

  /** Every host with its health, ejection and active requests, for the admin server. */
  hosts(): HostStatus[] {
    const failing = this.#options.activeHealthFailures?.();
    return describeHosts(this.#assignment, (e) => ({
      outlierEjected: this.#options.outlier?.isEjected(e.id) === true || this.#options.ejected?.()?.has(e.id) === true,
      activeHealthFailed: failing?.has(e.id) === true,
      activeRequests: this.#active.get(e.id) ?? 0,
    }));
  }

  #buildBalancer(): LoadBalancer {
    const detector = this.#options.outlier;
    const failing = this.#options.activeHealthFailures?.();
    const ejected = this.#options.ejected?.();
    const down = (id: string) => detector?.isEjected(id) === true || ejected?.has(id) === true || failing?.has(id) === true;
    const since = this.#options.healthySince;
    since?.update(this.name, this.#assignment.localities.flatMap((l) => l.endpoints.map((e) => [e.id, isHealthy(e) && failing?.has(e.id) !== true] as const)));
    const assignment: ClusterLoadAssignment =
      detector === undefined && !failing?.size && !ejected?.size
        ? this.#assignment
        : {
            ...this.#assignment,
            localities: this.#assignment.localities.map((l) => ({
              ...l,
              endpoints: l.endpoints.map((e) => (down(e.id) ? { ...e, health: 'UNHEALTHY' as const } : e)),
            })),
          };
    return createClusterLoadBalancer(this.#cluster, assignment, {
      random: this.#options.random,
      now: () => this.#options.clock.now(),
      activeRequests: (host) => this.#active.get(host.id) ?? 0,
      hostAddedAt: (host) => (since === undefined ? this.#options.hostAddedAt?.(host) : since.get(this.name, host.id)),
    });
  }
}

/** The hosts of `assignment`, with the runtime state `state` tells for each. */
export function describeHosts(assignment: ClusterLoadAssignment, state: (e: Endpoint) => Pick<HostStatus, 'outlierEjected' | 'activeHealthFailed' | 'activeRequests'>): HostStatus[] {
  return assignment.localities.flatMap((l) =>
    l.endpoints.map((e) => ({ id: e.id, locality: localityKey(e.locality), priority: e.priority, weight: e.weight, health: e.health, ...state(e) })),
  );
}

/** Outlier detection counts HTTP statuses and local-origin failures; a local overflow is not the host's fault. */
/** What outlier detection reads of an attempt's outcome (plain data: it may cross threads). */
export type OutlierInput =
  | { readonly kind: 'response'; readonly status: number; readonly grpcStatus?: number }
  | { readonly kind: 'failure'; readonly failure: Extract<AttemptOutcome, { kind: 'failure' }>['failure'] };

export function outlierOutcome(outcome: OutlierInput): OutlierOutcome | undefined {
  if (outcome.kind === 'response') return outcome.grpcStatus !== undefined && outcome.status === 200 ? grpcAsHttp(outcome.grpcStatus) : outcome.status;
  if (outcome.failure === 'overflow') return undefined;
  return outcome.failure === 'connect-failure' ? 'connect-failure' : outcome.failure === 'timeout' ? 'timeout' : 'reset';
}

/** gRPC statuses counted as server errors by outlier detection (UNAVAILABLE, INTERNAL, ...) map to 5xx. */
function grpcAsHttp(status: number): number {
  return status === 0 ? 200 : status === 14 ? 503 : status === 13 || status === 2 || status === 15 ? 500 : status === 4 ? 504 : 200;
}

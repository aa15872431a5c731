// PipelineState for one snapshot on a data-plane worker: routes, balancers and backup state are
// the worker's own; what must hold per process comes from elsewhere — circuit-breaker counters and
// active faults in shared memory, admission and breakers owned by the control thread, hosts out of
// rotation as the control thread reports them.
import type { Clock } from '../core/clock.ts';
import { ClusterServices } from '../core/call/cluster-services.ts';
import type { ClusterBreakers, ListenerRoutes, PipelineState, RouteRateLimiter } from '../core/call/pipeline-state.ts';
import { SnapshotState } from '../core/call/snapshot-state.ts';
import { MeshError } from '../core/errors.ts';
import type { DynamicBackupConfig, StaticBackupConfig } from '../core/model/policy-hedge.ts';
import type { RateLimitConfig } from '../core/model/policy-rate-limit.ts';
import type { Route } from '../core/model/route.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import type { BreakerState, ErrorRatePermit } from '../core/policy/error-rate-breaker.ts';
import type { ActiveFaults } from '../core/policy/fault-active.ts';
import type { BackupRequests } from '../core/policy/hedge-backup.ts';
import { priorityFor } from '../core/policy/rate-limit-callers.ts';
import { CLUSTER_RESOURCE_SLOTS } from '../core/policy/circuit-breaker-resources.ts';
import type { HealthySince } from '../core/lb/healthy-since.ts';
import type { ControlLink } from './control-link.ts';
import { routeKeys } from './route-keys.ts';

/** What outlives one snapshot on a worker: process-wide state views kept by the DataPlane. */
export interface WorkerSharedViews {
  readonly counters: Int32Array;
  /** Index of a cluster's block in `counters`, from the control thread's layout. */
  readonly counterIndex: (cluster: string) => number | undefined;
  readonly activeFaults: ActiveFaults;
  /** Hosts the control thread's outlier detection ejected. */
  readonly ejected: (cluster: string) => ReadonlySet<string> | undefined;
  /** Hosts failing the control thread's active health checks. */
  readonly unhealthy: (cluster: string) => ReadonlySet<string> | undefined;
  readonly healthySince: HealthySince;
  readonly breakerState: (name: string) => BreakerState | undefined;
  /** A half-open breaker's one trial: true for the call that takes it (or when the breaker has no trial slot). */
  readonly takeTrial: (name: string) => boolean;
  readonly link: ControlLink;
}

/** Owned by one data-plane worker; built per snapshot. */
export class WorkerPipelineState implements PipelineState {
  readonly activeFaults: ActiveFaults;
  readonly #snapshot: Snapshot;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #views: WorkerSharedViews;
  /** Routes and backup state come from the single-thread state, whose own cluster services are never built. */
  readonly #local: SnapshotState;
  readonly #clusters = new Map<string, ClusterServices | undefined>();
  readonly #routeKeys: WeakMap<Route, string>;
  readonly #configKeys = new WeakMap<RateLimitConfig, string>();

  constructor(snapshot: Snapshot, clock: Clock, random: () => number, views: WorkerSharedViews) {
    this.#snapshot = snapshot;
    this.#clock = clock;
    this.#random = random;
    this.#views = views;
    this.activeFaults = views.activeFaults;
    this.#local = new SnapshotState(snapshot, clock, random);
    this.#routeKeys = routeKeys(snapshot);
  }

  routes(listenerName: string): ListenerRoutes | undefined {
    return this.#local.routes(listenerName);
  }

  backups(route: Route, config: StaticBackupConfig | DynamicBackupConfig): BackupRequests {
    return this.#local.backups(route, config);
  }

  cluster(name: string): ClusterServices | undefined {
    if (!this.#clusters.has(name)) this.#clusters.set(name, this.#buildCluster(name));
    return this.#clusters.get(name);
  }

  /** The control thread moved hosts of `cluster` in or out of rotation. */
  refreshHealth(cluster: string): void {
    this.#clusters.get(cluster)?.refreshHealth();
  }

  rateLimiter(route: Route, config: RateLimitConfig): RouteRateLimiter {
    const key = `${this.#routeKeys.get(route) ?? '?'}|${this.#configKey(config)}`;
    const link = this.#views.link;
    return {
      acquire: (options) => link.admit(key, config, options.caller, options.priority, options.signal),
      tryTake: (caller) => {
        link.shadowTake(key, config, caller);
        return true;
      },
      priorityFor: (caller, callPriority) => priorityFor(config, caller, callPriority),
    };
  }

  breakers(cluster: string): ClusterBreakers | undefined {
    const config = this.#snapshot.clusters.get(cluster)?.errorRateBreaker;
    if (config === undefined) return undefined;
    const { breakerState, takeTrial, link } = this.#views;
    return {
      tryAcquire: (method: string): ErrorRatePermit | MeshError => {
        const name = config.perMethod ? `${cluster} ${method}` : cluster;
        const state = breakerState(name);
        if (state === 'open') return new MeshError('SIDELET_BREAKER_OPEN', `${name}: error-rate breaker open`);
        if (state === 'half-open' && !takeTrial(name)) return new MeshError('SIDELET_BREAKER_OPEN', `${name}: error-rate breaker half-open and its one trial request is in flight`);
        const trial = state === 'half-open';
        return { success: () => link.reportBreaker(cluster, method, false, trial), failure: () => link.reportBreaker(cluster, method, true, trial) };
      },
    };
  }

  close(): void {
    this.#local.close();
  }

  #configKey(config: RateLimitConfig): string {
    let key = this.#configKeys.get(config);
    if (key === undefined) this.#configKeys.set(config, (key = JSON.stringify(config)));
    return key;
  }

  #buildCluster(name: string): ClusterServices | undefined {
    const cluster = this.#snapshot.clusters.get(name);
    const assignment = this.#snapshot.endpoints.get(name);
    if (cluster === undefined || assignment === undefined) return undefined;
    const index = this.#views.counterIndex(name);
    const link = this.#views.link;
    return new ClusterServices(cluster, assignment, {
      clock: this.#clock,
      random: this.#random,
      ...(index === undefined ? {} : { counters: this.#views.counters, countersOffset: index * CLUSTER_RESOURCE_SLOTS }),
      ejected: () => this.#views.ejected(name),
      activeHealthFailures: () => this.#views.unhealthy(name),
      healthySince: this.#views.healthySince,
      ...(cluster.outlierDetection === undefined ? {} : { onOutcome: (endpoint, outcome) => link.reportOutcome(name, endpoint.id, outcome) }),
    });
  }
}

// PipelineState for one snapshot on one thread: compiles route tables and builds cluster
// runtimes and policy state lazily, the first time a request needs them, and keeps them for
// the snapshot's life. Inline mode and tests use it as is.
import type { Clock } from '../clock.ts';
import type { ClusterLoadAssignment } from '../model/endpoint.ts';
import type { DynamicBackupConfig, StaticBackupConfig } from '../model/policy-hedge.ts';
import type { RateLimitConfig } from '../model/policy-rate-limit.ts';
import type { Route } from '../model/route.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { HealthySince } from '../lb/healthy-since.ts';
import { BucketRotation } from '../policy/error-rate-breaker-rotation.ts';
import { ClusterErrorRateBreakers } from '../policy/error-rate-breakers.ts';
import { ActiveFaults } from '../policy/fault-active.ts';
import { BackupRequests } from '../policy/hedge-backup.ts';
import { OutlierDetector } from '../policy/outlier-detector.ts';
import { CallerRateLimiter } from '../policy/rate-limit-callers.ts';
import { compileRouteTable } from '../router/router.ts';
import { ClusterServices, describeHosts, type HostStatus } from './cluster-services.ts';
import type { MeshStats } from './mesh-stats.ts';
import type { ListenerRoutes, PipelineState } from './pipeline-state.ts';

/** One cluster of the snapshot as the admin /clusters page shows it. */
export interface ClusterStatus {
  readonly name: string;
  /** False until a request built the cluster's runtime: its hosts then show no ejections or active requests yet. */
  readonly built: boolean;
  readonly hosts: readonly HostStatus[];
}

export class SnapshotState implements PipelineState {
  readonly activeFaults = new ActiveFaults();
  readonly #snapshot: Snapshot;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #routes = new Map<string, ListenerRoutes | undefined>();
  readonly #clusters = new Map<string, ClusterServices | undefined>();
  readonly #outliers: OutlierDetector[] = [];
  readonly #breakers = new Map<string, ClusterErrorRateBreakers | undefined>();
  readonly #limiters = new WeakMap<Route, Map<RateLimitConfig, CallerRateLimiter>>();
  readonly #backups = new WeakMap<Route, Map<object, BackupRequests>>();
  #rotation: BucketRotation | undefined;

  readonly #activeHealth: ((cluster: string) => ReadonlySet<string> | undefined) | undefined;
  readonly #stats: MeshStats | undefined;
  readonly #healthySince: HealthySince;

  /**
   * `activeHealth`: the hosts of a cluster that fail active health checks, from checkers that outlive snapshots.
   * `stats`: an optional sink told of outlier ejections.
   * `healthySince`: when hosts became healthy (slow start); pass the runtime's own, kept across
   * snapshots, so a host added by a later snapshot warms up alone. Without it, every host's window starts with this state.
   */
  constructor(
    snapshot: Snapshot,
    clock: Clock,
    random: () => number,
    activeHealth?: (cluster: string) => ReadonlySet<string> | undefined,
    stats?: MeshStats,
    healthySince: HealthySince = new HealthySince(clock),
  ) {
    this.#snapshot = snapshot;
    this.#clock = clock;
    this.#random = random;
    this.#activeHealth = activeHealth;
    this.#stats = stats;
    this.#healthySince = healthySince;
  }

  /** Every cluster with endpoints, and its hosts; reads state without building any. */
  clusterStatus(): ClusterStatus[] {
    const out: ClusterStatus[] = [];
    for (const [name, assignment] of this.#snapshot.endpoints) {
      if (!this.#snapshot.clusters.has(name)) continue;
      const services = this.#clusters.get(name);
      const failing = this.#activeHealth?.(name);
      const hosts =
        services?.hosts() ?? describeHosts(assignment, (e) => ({ outlierEjected: false, activeHealthFailed: failing?.has(e.id) === true, activeRequests: 0 }));
      out.push({ name, built: services !== undefined, hosts });
    }
    return out;
  }

  /** A cluster's host health changed (an active check): rebuild its balancer if it was built. */
  refreshHealth(cluster: string): void {
    this.#clusters.get(cluster)?.refreshHealth();
  }

  routes(listenerName: string): ListenerRoutes | undefined {
    if (!this.#routes.has(listenerName)) this.#routes.set(listenerName, this.#compile(listenerName));
    return this.#routes.get(listenerName);
  }

  cluster(name: string): ClusterServices | undefined {
    if (!this.#clusters.has(name)) this.#clusters.set(name, this.#buildCluster(name));
    return this.#clusters.get(name);
  }

  rateLimiter(route: Route, config: RateLimitConfig): CallerRateLimiter {
    return memo(this.#limiters, route, config, () => new CallerRateLimiter(config, this.#clock));
  }

  breakers(cluster: string): ClusterErrorRateBreakers | undefined {
    if (!this.#breakers.has(cluster)) {
      const config = this.#snapshot.clusters.get(cluster)?.errorRateBreaker;
      this.#rotation ??= config && new BucketRotation(this.#clock);
      this.#breakers.set(cluster, config && new ClusterErrorRateBreakers(cluster, config, this.#rotation!));
    }
    return this.#breakers.get(cluster);
  }

  backups(route: Route, config: StaticBackupConfig | DynamicBackupConfig): BackupRequests {
    return memo(this.#backups, route, config, () => new BackupRequests(config, this.#clock));
  }

  /** Stops the timers this state owns (outlier intervals, breaker rotation) when the snapshot is replaced. */
  close(): void {
    for (const detector of this.#outliers) detector.close();
    for (const breakers of this.#breakers.values()) breakers?.close();
  }

  #compile(listenerName: string): ListenerRoutes | undefined {
    const listener = this.#snapshot.listeners.get(listenerName);
    if (listener === undefined) return undefined;
    const config = listener.routeSource.kind === 'inline' ? listener.routeSource.routeConfig : this.#snapshot.routeConfigurations.get(listener.routeSource.routeConfigName);
    return config === undefined ? undefined : { listener, table: compileRouteTable(config) };
  }

  #buildCluster(name: string): ClusterServices | undefined {
    const cluster = this.#snapshot.clusters.get(name);
    const assignment: ClusterLoadAssignment | undefined = this.#snapshot.endpoints.get(name);
    if (cluster === undefined || assignment === undefined) return undefined;
    // The detector's events rebuild the balancer of the services built right after it.
    const built: { services?: ClusterServices } = {};
    const outlier =
      cluster.outlierDetection &&
      new OutlierDetector(name, cluster.outlierDetection, {
        clock: this.#clock,
        random: this.#random,
        onEvent: (event) => {
          if (event.type === 'ejected') this.#stats?.ejected(name, event.kind);
          built.services?.refreshHealth();
        },
      });
    if (outlier !== undefined) this.#outliers.push(outlier);
    built.services = new ClusterServices(cluster, assignment, {
      clock: this.#clock,
      random: this.#random,
      outlier,
      activeHealthFailures: () => this.#activeHealth?.(name),
      healthySince: this.#healthySince,
    });
    return built.services;
  }
}

function memo<K extends object, C extends object, V>(cache: WeakMap<K, Map<C, V>>, key: K, config: C, build: () => V): V {
  let byConfig = cache.get(key);
  if (byConfig === undefined) cache.set(key, (byConfig = new Map()));
  let value = byConfig.get(config);
  if (value === undefined) byConfig.set(config, (value = build()));
  return value;
}

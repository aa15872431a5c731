// What the request pipeline needs from the state built around one snapshot: route tables by
// listener, cluster runtimes, and the stateful policies keyed by route or cluster. The
// runtime decides where that state lives (one thread, or shared memory); SnapshotState is the
// single-thread implementation.
import type { Listener } from '../model/listener.ts';
import type { DynamicBackupConfig, StaticBackupConfig } from '../model/policy-hedge.ts';
import type { RateLimitConfig } from '../model/policy-rate-limit.ts';
import type { Route } from '../model/route.ts';
import type { ErrorRatePermit } from '../policy/error-rate-breaker.ts';
import type { MeshError } from '../errors.ts';
import type { ActiveFaults } from '../policy/fault-active.ts';
import type { BackupRequests } from '../policy/hedge-backup.ts';
import type { AcquireOptions } from '../policy/rate-limit-limiter.ts';
import type { RouteTable } from '../router/router.ts';
import type { ClusterRuntime } from './cluster-runtime.ts';

export interface ListenerRoutes {
  readonly listener: Listener;
  readonly table: RouteTable;
}

/** A route's rate limiter: CallerRateLimiter on the owning thread, a proxy to it elsewhere. */
export interface RouteRateLimiter {
  acquire(options: AcquireOptions): Promise<void>;
  tryTake(caller: string | undefined): boolean;
  priorityFor(caller: string | undefined, callPriority?: number): number;
}

/** A cluster's error-rate breakers: ClusterErrorRateBreakers on the owning thread, a view of them elsewhere. */
export interface ClusterBreakers {
  tryAcquire(method: string): ErrorRatePermit | MeshError;
}

export interface PipelineState {
  /** The listener's compiled routes, or undefined when the snapshot has no such listener (or its route configuration). */
  routes(listenerName: string): ListenerRoutes | undefined;
  /** The cluster's runtime, or undefined while the cluster (or its endpoints) is unknown. */
  cluster(name: string): ClusterRuntime | undefined;
  /** One limiter per route and config, so every call on the route draws on the same buckets. */
  rateLimiter(route: Route, config: RateLimitConfig): RouteRateLimiter;
  /** The cluster's error-rate breakers, when the cluster configures one. */
  breakers(cluster: string): ClusterBreakers | undefined;
  /** One backup-request state (histogram, budget) per route and config. */
  backups(route: Route, config: StaticBackupConfig | DynamicBackupConfig): BackupRequests;
  readonly activeFaults: ActiveFaults;
}

// On-demand xDS config: subscribes to a call's Listener when it first needs it, follows its RDS
// name, the clusters its routes name and EDS for EDS clusters, and publishes what is complete
// into the SnapshotStore in a safe order (a cluster only with its endpoints; a route
// configuration only once every cluster it names is known, else the previous one stays).
import type { Clock, TimerHandle } from '../core/clock.ts';
import { MeshError } from '../core/errors.ts';
import type { Cluster } from '../core/model/cluster.ts';
import type { ClusterLoadAssignment } from '../core/model/endpoint.ts';
import type { Listener } from '../core/model/listener.ts';
import type { RouteConfiguration } from '../core/model/route.ts';
import { EMPTY_SNAPSHOT } from '../core/model/snapshot.ts';
import type { SnapshotParts, SnapshotStore } from '../core/model/snapshot-store.ts';
import type { AdsClient } from './ads-client.ts';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION, type XdsResourceType } from './resource-types.ts';

export interface XdsConfigOptions {
  readonly client: AdsClient;
  readonly store: SnapshotStore;
  readonly clock: Clock;
  /** A listener no call has asked for in this long is unsubscribed, with what only it needed; default 10 min. */
  readonly idleTimeoutMs?: number;
  /** Static resources merged under the dynamic ones (the bootstrap's static_resources). */
  readonly base?: SnapshotParts;
}

interface Watched<T> {
  value: T | undefined;
  missing: string | undefined;
  /** NACKed with no version ever accepted: unusable until the server sends a valid one. */
  rejected: string | undefined;
  readonly cancel: () => void;
}

/** Why a call cannot use the resource: it does not exist, or it was only ever sent invalid. */
function unusable(watched: Watched<unknown> | undefined): string | undefined {
  if (watched === undefined) return undefined;
  return watched.missing ?? (watched.value === undefined ? watched.rejected : undefined);
}

interface Waiter {
  readonly listener: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const EMPTY_PARTS: SnapshotParts = EMPTY_SNAPSHOT;

/** Owned by the thread that runs the ADS client; `ensureListener` and `close` are called there. */
export class XdsConfig {
  readonly #options: XdsConfigOptions;
  readonly #listeners = new Map<string, Watched<Listener> & { lastUsed: number }>();
  readonly #routes = new Map<string, Watched<RouteConfiguration>>();
  readonly #clusters = new Map<string, Watched<Cluster>>();
  readonly #endpoints = new Map<string, Watched<ClusterLoadAssignment>>();
  readonly #waiters = new Set<Waiter>();
  #sweep: TimerHandle | undefined;
  #applied: SnapshotParts;

  #updateQueued = false;
  #closed = false;

  constructor(options: XdsConfigOptions) {
    this.#options = options;
    this.#applied = options.base ?? EMPTY_PARTS;
  }

  /**
   * Resolves once the listener, its route configuration and the clusters it names are in the
   * snapshot; rejects when one of them does not exist (the error names it). Marks the listener used.
   */
  ensureListener(name: string): Promise<void> {
    let entry = this.#listeners.get(name);
    if (entry === undefined) {
      entry = Object.assign(this.#watch(LISTENER, name), { lastUsed: 0 });
      this.#listeners.set(name, entry);
      this.#scheduleSweep();
      this.#update();
    }
    entry.lastUsed = this.#options.clock.now();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.add({ listener: name, resolve, reject });
      this.#settleWaiters();
    });
  }

  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    for (const map of [this.#listeners, this.#routes, this.#clusters, this.#endpoints] as Map<string, Watched<unknown>>[]) {
      for (const w of map.values()) w.cancel();
      map.clear();
    }
    for (const w of this.#waiters) w.reject(new MeshError('SIDELET_NO_ROUTE', 'the xDS client was closed'));
    this.#waiters.clear();
  }

  #watch<T>(type: XdsResourceType<T>, name: string): Watched<T> {
    const watched: Watched<T> = { value: undefined, missing: undefined, rejected: undefined, cancel: () => {} };
    let ready = false;
    const cancel = this.#options.client.watch(type, name, {
      onResource: (value) => {
        watched.value = value;
        watched.missing = undefined;
        watched.rejected = undefined;
        if (ready) this.#updateSoon();
      },
      onDoesNotExist: (reason) => {
        watched.value = undefined;
        watched.missing = reason;
        watched.rejected = undefined;
        if (ready) this.#updateSoon();
      },
      onRejected: (reason) => {
        watched.rejected = reason;
        if (ready) this.#updateSoon();
      },
    });
    ready = true;
    return Object.assign(watched, { cancel });
  }

  /** One update for all the resources a response changed (its watchers are told one by one, in one task). */
  #updateSoon(): void {
    if (this.#updateQueued) return;
    this.#updateQueued = true;
    queueMicrotask(() => {
      this.#updateQueued = false;
      if (!this.#closed) this.#update();
    });
  }

  /** Follows references to the resources now needed, drops the rest, then applies. */
  #update(): void {
    const routeNames = new Set<string>();
    const clusterNames = new Set<string>();
    for (const l of this.#listeners.values()) {
      const source = l.value?.routeSource;
      if (source?.kind === 'rds') routeNames.add(source.routeConfigName);
      else if (source?.kind === 'inline') clustersOf(source.routeConfig, clusterNames);
    }
    reconcile(this.#routes, routeNames, (n) => this.#watch(ROUTE_CONFIGURATION, n));
    for (const r of this.#routes.values()) if (r.value) clustersOf(r.value, clusterNames);
    reconcile(this.#clusters, clusterNames, (n) => this.#watch(CLUSTER, n));
    const edsNames = new Set<string>();
    for (const c of this.#clusters.values()) if (c.value?.type === 'EDS') edsNames.add(c.value.edsServiceName);
    reconcile(this.#endpoints, edsNames, (n) => this.#watch(CLUSTER_LOAD_ASSIGNMENT, n));
    this.#apply();
    this.#settleWaiters();
  }

  #apply(): void {
    const base = this.#options.base ?? EMPTY_PARTS;
    const clusters = new Map(base.clusters);
    const endpoints = new Map(base.endpoints);
    for (const [name, c] of this.#clusters) {
      const cluster = c.value;
      if (cluster === undefined) continue;
      const assignment = cluster.type === 'EDS' ? this.#endpoints.get(cluster.edsServiceName)?.value : cluster.loadAssignment;
      if (assignment === undefined) continue;
      clusters.set(name, cluster);
      endpoints.set(name, assignment);
    }
    const complete = (config: RouteConfiguration): boolean => [...clustersOf(config, new Set())].every((n) => clusters.has(n));
    const routeConfigurations = new Map(base.routeConfigurations);
    for (const [name, r] of this.#routes) {
      const previous = this.#applied.routeConfigurations.get(name);
      if (r.value !== undefined && complete(r.value)) routeConfigurations.set(name, r.value);
      else if (r.missing === undefined && previous !== undefined) routeConfigurations.set(name, previous);
    }
    const listeners = new Map(base.listeners);
    for (const [name, l] of this.#listeners) {
      const previous = this.#applied.listeners.get(name);
      const value = l.value;
      if (value !== undefined && (value.routeSource.kind === 'rds' || complete(value.routeSource.routeConfig))) listeners.set(name, value);
      else if (l.missing === undefined && previous !== undefined) listeners.set(name, previous);
    }
    const next: SnapshotParts = { listeners, routeConfigurations, clusters, endpoints };
    if (sameParts(next, this.#applied)) return;
    this.#applied = next;
    this.#options.store.replace(next);
  }

  #settleWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      const outcome = this.#readiness(waiter.listener);
      if (outcome === 'pending') continue;
      this.#waiters.delete(waiter);
      if (outcome === 'ready') waiter.resolve();
      else waiter.reject(new MeshError('SIDELET_NO_ROUTE', outcome.missing));
    }
  }

  #readiness(name: string): 'ready' | 'pending' | { missing: string } {
    const l = this.#listeners.get(name);
    const listenerUnusable = unusable(l);
    if (listenerUnusable !== undefined) return { missing: listenerUnusable };
    const listener = this.#applied.listeners.get(name);
    if (listener === undefined) return 'pending';
    let config: RouteConfiguration | undefined;
    /** The route configuration as received: applied only once its clusters are, but they may be the ones that cannot be. */
    let received: RouteConfiguration | undefined;
    if (listener.routeSource.kind === 'inline') config = received = listener.routeSource.routeConfig;
    else {
      const r = this.#routes.get(listener.routeSource.routeConfigName);
      const routesUnusable = unusable(r);
      if (routesUnusable !== undefined) return { missing: routesUnusable };
      config = this.#applied.routeConfigurations.get(listener.routeSource.routeConfigName);
      received = r?.value ?? config;
    }
    for (const cluster of received === undefined ? [] : clustersOf(received, new Set())) {
      const c = this.#clusters.get(cluster);
      const eds = c?.value?.type === 'EDS' ? this.#endpoints.get(c.value.edsServiceName) : undefined;
      const why = unusable(c) ?? unusable(eds);
      if (why !== undefined) return { missing: why };
    }
    return config === undefined ? 'pending' : 'ready';
  }

  #scheduleSweep(): void {
    if (this.#sweep !== undefined) return;
    const idle = this.#options.idleTimeoutMs ?? 600_000;
    this.#sweep = this.#options.clock.schedule(idle, () => {
      this.#sweep = undefined;
      const now = this.#options.clock.now();
      for (const [name, l] of this.#listeners) {
        if (now - l.lastUsed < idle || [...this.#waiters].some((w) => w.listener === name)) continue;
        l.cancel();
        this.#listeners.delete(name);
      }
      this.#update();
      if (this.#listeners.size > 0) this.#scheduleSweep();
    });
  }
}

function clustersOf(config: RouteConfiguration, into: Set<string>): Set<string> {
  for (const host of config.virtualHosts) {
    for (const route of host.routes) {
      if (route.action.kind !== 'route') continue;
      const spec = route.action.cluster;
      if (spec.kind === 'cluster') into.add(spec.name);
      else if (spec.kind === 'weighted_clusters') for (const c of spec.clusters) into.add(c.name);
      for (const mirror of route.action.requestMirrorPolicies) if (mirror.cluster.kind === 'cluster') into.add(mirror.cluster.name);
    }
  }
  return into;
}

function reconcile<T>(map: Map<string, Watched<T>>, wanted: ReadonlySet<string>, watch: (name: string) => Watched<T>): void {
  for (const [name, w] of map) {
    if (wanted.has(name)) continue;
    w.cancel();
    map.delete(name);
  }
  for (const name of wanted) if (!map.has(name)) map.set(name, watch(name));
}

function sameParts(a: SnapshotParts, b: SnapshotParts): boolean {
  const same = <V>(x: ReadonlyMap<string, V>, y: ReadonlyMap<string, V>): boolean => x.size === y.size && [...x].every(([k, v]) => y.get(k) === v);
  return same(a.listeners, b.listeners) && same(a.routeConfigurations, b.routeConfigurations) && same(a.clusters, b.clusters) && same(a.endpoints, b.endpoints);
}

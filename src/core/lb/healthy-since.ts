// When each host of a cluster became healthy, the start of its slow-start window. As Envoy's
// EdfLoadBalancerBase: from the host's last pass of active health checks, else from when the
// balancer first saw it healthy; outlier ejections do not restart it.
import type { Clock } from '../clock.ts';

/**
 * Owned by the thread that builds the cluster's balancers. To give a host that joins in a later
 * snapshot its own window, the runtime keeps one instance across snapshots; a fresh one per
 * snapshot starts every host's window with that snapshot.
 */
export class HealthySince {
  readonly #clock: Clock;
  readonly #clusters = new Map<string, Map<string, number>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * The cluster's hosts as its balancer is built, each with whether it may take traffic (its EDS
   * health and active health checks, not outlier ejection). A host healthy for the first time, or
   * again after failing, starts its window now; a failing or removed host is forgotten.
   */
  update(cluster: string, hosts: Iterable<readonly [id: string, healthy: boolean]>): void {
    const known = this.#clusters.get(cluster);
    const now = this.#clock.now();
    const next = new Map<string, number>();
    for (const [id, healthy] of hosts) if (healthy) next.set(id, known?.get(id) ?? now);
    this.#clusters.set(cluster, next);
  }

  /** When the host's window started, in the clock's ms; undefined while it is not healthy. */
  get(cluster: string, host: string): number | undefined {
    return this.#clusters.get(cluster)?.get(host);
  }

  /** The cluster left the config. */
  forget(cluster: string): void {
    this.#clusters.delete(cluster);
  }
}

// The active health checkers of every cluster with health_checks, kept across snapshots: a
// checker lives while its cluster and checks stay the same, so a config update does not reset
// host health. Used by whichever thread owns health checking (inline host, control thread).
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../core/model/cluster.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import { HealthChecker } from './health-checker.ts';

/** Owned by one thread; `onChange` runs when a cluster's set of failing hosts changes. */
export class HealthCheckers {
  readonly #onChange: (cluster: string) => void;
  readonly #checkers = new Map<string, { readonly checker: HealthChecker; readonly checks: Cluster['healthChecks'] }>();

  constructor(onChange: (cluster: string) => void) {
    this.#onChange = onChange;
  }

  /** Hosts of `cluster` failing active checks; undefined when the cluster has no checker. */
  unhealthy(cluster: string): ReadonlySet<string> | undefined {
    return this.#checkers.get(cluster)?.checker.unhealthy;
  }

  /** Reuses checkers whose checks are unchanged, closes those whose checks changed or whose cluster went. */
  update(snapshot: Snapshot): void {
    for (const [name, entry] of this.#checkers) {
      const cluster = snapshot.clusters.get(name);
      if (cluster === undefined || !snapshot.endpoints.has(name) || !isDeepStrictEqual(cluster.healthChecks, entry.checks)) {
        entry.checker.close();
        this.#checkers.delete(name);
      }
    }
    for (const [name, cluster] of snapshot.clusters) {
      const assignment = snapshot.endpoints.get(name);
      if (cluster.healthChecks.length === 0 || assignment === undefined) continue;
      let entry = this.#checkers.get(name);
      if (entry === undefined) {
        entry = { checker: new HealthChecker(cluster, { onChange: () => this.#onChange(name) }), checks: cluster.healthChecks };
        this.#checkers.set(name, entry);
      }
      entry.checker.setAssignment(assignment);
    }
  }

  close(): void {
    for (const { checker } of this.#checkers.values()) checker.close();
    this.#checkers.clear();
  }
}

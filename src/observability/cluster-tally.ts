// The counts every request updates (attempts, status classes, the attempt-latency histogram),
// kept per cluster as plain numbers so the hot path does no label hashing; MeshMetrics folds
// them into its prom-client metrics when they are scraped.

/** One cluster's per-attempt counts; histogram buckets are per bucket (not cumulative), the last one past every bound. */
export class ClusterTally {
  total = 0;
  retry = 0;
  backupSent = 0;
  /** Responses by status class: [1xx, 2xx, 3xx, 4xx, 5xx]. */
  readonly byClass = new Float64Array(5);
  readonly buckets: Float64Array;
  latencySum = 0;
  latencyCount = 0;

  constructor(bounds: number) {
    this.buckets = new Float64Array(bounds + 1);
  }
}

/** Owned by one thread, as its MeshMetrics is. */
export class ClusterTallies {
  readonly #bounds: readonly number[];
  readonly #byCluster = new Map<string, ClusterTally>();

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
  }

  get(cluster: string): ClusterTally {
    let tally = this.#byCluster.get(cluster);
    if (tally === undefined) {
      tally = new ClusterTally(this.#bounds.length);
      this.#byCluster.set(cluster, tally);
    }
    return tally;
  }

  entries(): IterableIterator<[string, ClusterTally]> {
    return this.#byCluster.entries();
  }

  /** An attempt's response head after `latencyMs`: its status class and its latency bucket (le: the first bound it does not exceed). */
  response(cluster: string, status: number, latencyMs: number): void {
    const tally = this.get(cluster);
    const statusClass = Math.floor(status / 100);
    if (statusClass >= 1 && statusClass <= 5) tally.byClass[statusClass - 1]! += 1;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && latencyMs > bounds[i]!) i++;
    tally.buckets[i]! += 1;
    tally.latencySum += latencyMs;
    tally.latencyCount += 1;
  }
}

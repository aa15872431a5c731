// A histogram read from ClusterTallies for prom-client's Registry: the same values prom-client's
// own Histogram reports (cumulative `_bucket` series with `le`, `_sum`, `_count`, labelled by
// cluster_name), built at scrape time instead of on every observation.
import type { ClusterTallies } from './cluster-tally.ts';

interface HistogramValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName: string;
}

/** What prom-client's Registry asks of a metric: its name, help, type and aggregator, and get(). */
export class TalliedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  /** Worker registries' histograms merge by adding (prom-client's AggregatorRegistry). */
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #tallies: ClusterTallies;

  constructor(name: string, help: string, bounds: readonly number[], tallies: ClusterTallies) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#tallies = tallies;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramValue[] }> {
    const values: HistogramValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [cluster, tally] of this.#tallies.entries()) {
      if (tally.latencyCount === 0) continue;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += tally.buckets[i]!;
        values.push({ labels: { le, cluster_name: cluster }, value: cumulative, metricName: bucket });
      });
      values.push(
        { labels: { le: '+Inf', cluster_name: cluster }, value: tally.latencyCount, metricName: bucket },
        { labels: { cluster_name: cluster }, value: tally.latencySum, metricName: `${this.name}_sum` },
        { labels: { cluster_name: cluster }, value: tally.latencyCount, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

// The MeshStats sink as prom-client metrics with Envoy's cluster statistic names (Envoy docs,
// "Cluster manager → Statistics": upstream_rq_total, upstream_rq_<xx>, upstream_rq_retry, ...),
// labelled by `cluster_name`, in a Registry of its own; exposed as Prometheus text or Envoy's plain /stats lines.
// What every attempt updates is tallied in plain numbers and folded into the metrics when they are scraped.
import { Counter, type Metric, Registry } from 'prom-client';
import type { AttemptKind } from '../core/call/attempt-loop.ts';
import type { MeshStats, OverflowKind, TimeoutScope } from '../core/call/mesh-stats.ts';
import type { EjectionKind } from '../core/policy/outlier-detector.ts';
import { type ClusterTally, ClusterTallies } from './cluster-tally.ts';
import { envoyPlainText } from './envoy-plain-text.ts';
import { TalliedHistogram } from './tallied-histogram.ts';

type ClusterLabel = 'cluster_name';

/** Envoy's default histogram bucket bounds (config.metrics.v3.HistogramBucketSettings), in ms. */
export const LATENCY_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * Threads: owned by the thread that runs the core it is handed to, which calls the MeshStats
 * methods; the admin server reads it on the same thread. In worker mode each worker has its own
 * whose `getMetricsAsJSON()` the control thread can merge (prom-client's AggregatorRegistry).
 */
export class MeshMetrics implements MeshStats {
  readonly registry = new Registry();
  readonly #tallies = new ClusterTallies(LATENCY_BUCKETS_MS);
  readonly #retryOverflow: Counter<ClusterLabel>;
  readonly #pendingOverflow: Counter<ClusterLabel>;
  readonly #timeout: Counter<ClusterLabel>;
  readonly #perTryTimeout: Counter<ClusterLabel>;
  readonly #ejections: Counter<ClusterLabel | 'kind'>;
  readonly #backupWon: Counter<ClusterLabel>;
  readonly #rateLimited: Counter<ClusterLabel | 'priority'>;
  readonly #breakerOpen: Counter<ClusterLabel>;
  readonly #noRoute: Counter;
  readonly #delays: Counter<ClusterLabel>;
  readonly #aborts: Counter<ClusterLabel>;

  constructor() {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['cluster_name'] as const, registers });
    const tallied = (name: string, help: string, count: (tally: ClusterTally) => number) => {
      const tallies = this.#tallies;
      return new Counter({
        name,
        help,
        labelNames: ['cluster_name'] as const,
        registers,
        collect() {
          this.reset();
          for (const [cluster, tally] of tallies.entries()) {
            const value = count(tally);
            if (value > 0) this.inc({ cluster_name: cluster }, value);
          }
        },
      });
    };
    tallied('upstream_rq_total', 'Upstream requests sent, each retry, hedge and backup included', (t) => t.total);
    STATUS_CLASSES.forEach((c, i) => tallied(`upstream_rq_${c}`, `Upstream responses with a ${c} status`, (t) => t.byClass[i]!));
    tallied('upstream_rq_retry', 'Retries sent, hedges on per-try timeout included', (t) => t.retry);
    this.#retryOverflow = counter('upstream_rq_retry_overflow', 'Retries not sent because of max_retries or the retry budget');
    this.#pendingOverflow = counter('upstream_rq_pending_overflow', 'Attempts refused by the max_requests circuit breaker');
    this.#timeout = counter('upstream_rq_timeout', 'Calls that reached the route timeout');
    this.#perTryTimeout = counter('upstream_rq_per_try_timeout', 'Attempts that reached the per-try timeout');
    // prom-client's Registry takes any metric that answers get(); this one reads the tallies.
    this.registry.registerMetric(new TalliedHistogram('upstream_rq_time', 'Time from an attempt start to its response head, ms', LATENCY_BUCKETS_MS, this.#tallies) as unknown as Metric);
    this.#ejections = new Counter({ name: 'outlier_detection_ejections_total', help: 'Hosts ejected by outlier detection, by ejection type', labelNames: ['cluster_name', 'kind'] as const, registers });
    tallied('sidelet_backup_requests_sent', 'Backup requests sent', (t) => t.backupSent);
    this.#backupWon = counter('sidelet_backup_requests_won', 'Backup requests whose answer won the call');
    this.#rateLimited = new Counter({ name: 'sidelet_rate_limited', help: 'Calls refused by the local rate limit, by priority', labelNames: ['cluster_name', 'priority'] as const, registers });
    this.#breakerOpen = counter('sidelet_breaker_open', 'Calls refused by an open error-rate breaker');
    this.#noRoute = new Counter({ name: 'no_route', help: 'Calls that matched no listener, virtual host or route', registers });
    this.#delays = counter('fault_delays_injected', 'Calls delayed by the fault filter');
    this.#aborts = counter('fault_aborts_injected', 'Calls aborted by the fault filter');
  }

  attemptStarted(cluster: string, kind: AttemptKind): void {
    const tally = this.#tallies.get(cluster);
    tally.total += 1;
    if (kind === 'retry' || kind === 'hedge') tally.retry += 1;
    else if (kind === 'backup') tally.backupSent += 1;
  }

  attemptResponse(cluster: string, status: number, latencyMs: number): void {
    this.#tallies.response(cluster, status, latencyMs);
  }

  backupWon(cluster: string): void {
    this.#backupWon.inc({ cluster_name: cluster });
  }

  overflow(cluster: string, kind: OverflowKind): void {
    (kind === 'requests' ? this.#pendingOverflow : this.#retryOverflow).inc({ cluster_name: cluster });
  }

  timeout(cluster: string, scope: TimeoutScope): void {
    (scope === 'route' ? this.#timeout : this.#perTryTimeout).inc({ cluster_name: cluster });
  }

  rateLimited(cluster: string, priority: number): void {
    this.#rateLimited.inc({ cluster_name: cluster, priority: String(priority) });
  }

  breakerOpen(cluster: string): void {
    this.#breakerOpen.inc({ cluster_name: cluster });
  }

  noRoute(): void {
    this.#noRoute.inc();
  }

  faultInjected(cluster: string, kind: 'delay' | 'abort'): void {
    (kind === 'delay' ? this.#delays : this.#aborts).inc({ cluster_name: cluster });
  }

  ejected(cluster: string, kind: EjectionKind): void {
    this.#ejections.inc({ cluster_name: cluster, kind });
  }

  /** Prometheus text exposition (version 0.0.4); its content type is `registry.contentType`. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  /** Envoy's plain /stats format: `cluster.<name>.<stat>: <value>` lines, sorted. */
  async plainText(): Promise<string> {
    return envoyPlainText(await this.registry.getMetricsAsJSON());
  }
}

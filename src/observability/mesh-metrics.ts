// The MeshStats sink as prom-client metrics with Envoy's cluster statistic names (Envoy docs,
// "Cluster manager → Statistics": upstream_rq_total, upstream_rq_<xx>, upstream_rq_retry, ...),
// labelled by `cluster_name`, in a Registry of its own; exposed as Prometheus text or Envoy's plain /stats lines.
import { Counter, Histogram, Registry } from 'prom-client';
import type { AttemptKind } from '../core/call/attempt-loop.ts';
import type { MeshStats, OverflowKind, TimeoutScope } from '../core/call/mesh-stats.ts';
import type { EjectionKind } from '../core/policy/outlier-detector.ts';
import { envoyPlainText } from './envoy-plain-text.ts';

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
  readonly #total: Counter<ClusterLabel>;
  readonly #byClass: ReadonlyMap<number, Counter<ClusterLabel>>;
  readonly #retry: Counter<ClusterLabel>;
  readonly #retryOverflow: Counter<ClusterLabel>;
  readonly #pendingOverflow: Counter<ClusterLabel>;
  readonly #timeout: Counter<ClusterLabel>;
  readonly #perTryTimeout: Counter<ClusterLabel>;
  readonly #time: Histogram<ClusterLabel>;
  readonly #ejections: Counter<ClusterLabel | 'kind'>;
  readonly #backupSent: Counter<ClusterLabel>;
  readonly #backupWon: Counter<ClusterLabel>;
  readonly #rateLimited: Counter<ClusterLabel | 'priority'>;
  readonly #breakerOpen: Counter<ClusterLabel>;
  readonly #noRoute: Counter;
  readonly #delays: Counter<ClusterLabel>;
  readonly #aborts: Counter<ClusterLabel>;

  constructor() {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['cluster_name'] as const, registers });
    this.#total = counter('upstream_rq_total', 'Upstream requests sent, each retry, hedge and backup included');
    this.#byClass = new Map(STATUS_CLASSES.map((c, i) => [i + 1, counter(`upstream_rq_${c}`, `Upstream responses with a ${c} status`)]));
    this.#retry = counter('upstream_rq_retry', 'Retries sent, hedges on per-try timeout included');
    this.#retryOverflow = counter('upstream_rq_retry_overflow', 'Retries not sent because of max_retries or the retry budget');
    this.#pendingOverflow = counter('upstream_rq_pending_overflow', 'Attempts refused by the max_requests circuit breaker');
    this.#timeout = counter('upstream_rq_timeout', 'Calls that reached the route timeout');
    this.#perTryTimeout = counter('upstream_rq_per_try_timeout', 'Attempts that reached the per-try timeout');
    this.#time = new Histogram({ name: 'upstream_rq_time', help: 'Time from an attempt start to its response head, ms', labelNames: ['cluster_name'] as const, buckets: [...LATENCY_BUCKETS_MS], registers });
    this.#ejections = new Counter({ name: 'outlier_detection_ejections_total', help: 'Hosts ejected by outlier detection, by ejection type', labelNames: ['cluster_name', 'kind'] as const, registers });
    this.#backupSent = counter('sidelet_backup_requests_sent', 'Backup requests sent');
    this.#backupWon = counter('sidelet_backup_requests_won', 'Backup requests whose answer won the call');
    this.#rateLimited = new Counter({ name: 'sidelet_rate_limited', help: 'Calls refused by the local rate limit, by priority', labelNames: ['cluster_name', 'priority'] as const, registers });
    this.#breakerOpen = counter('sidelet_breaker_open', 'Calls refused by an open error-rate breaker');
    this.#noRoute = new Counter({ name: 'no_route', help: 'Calls that matched no listener, virtual host or route', registers });
    this.#delays = counter('fault_delays_injected', 'Calls delayed by the fault filter');
    this.#aborts = counter('fault_aborts_injected', 'Calls aborted by the fault filter');
  }

  attemptStarted(cluster: string, kind: AttemptKind): void {
    const labels = { cluster_name: cluster };
    this.#total.inc(labels);
    if (kind === 'retry' || kind === 'hedge') this.#retry.inc(labels);
    else if (kind === 'backup') this.#backupSent.inc(labels);
  }

  attemptResponse(cluster: string, status: number, latencyMs: number): void {
    const labels = { cluster_name: cluster };
    this.#byClass.get(Math.floor(status / 100))?.inc(labels);
    this.#time.observe(labels, latencyMs);
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

// MeshMetrics' exposition: Envoy stat names, the cluster_name and other labels, counts, the
// latency histogram, its own registry per instance, and the Envoy-style plain /stats lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register } from 'prom-client';
import { MeshMetrics } from '../../src/observability/mesh-metrics.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function feed(metrics: MeshMetrics): void {
  metrics.attemptStarted('reviews', 'initial');
  metrics.attemptResponse('reviews', 503, 3);
  metrics.attemptStarted('reviews', 'retry');
  metrics.attemptResponse('reviews', 200, 40);
  metrics.attemptStarted('reviews', 'backup');
  metrics.attemptStarted('reviews', 'hedge');
  metrics.backupWon('reviews');
  metrics.attemptStarted('ratings', 'initial');
  metrics.attemptResponse('ratings', 404, 2);
  metrics.overflow('ratings', 'requests');
  metrics.overflow('ratings', 'retries');
  metrics.timeout('reviews', 'route');
  metrics.timeout('reviews', 'per-try');
  metrics.timeout('reviews', 'per-try');
  metrics.rateLimited('reviews', 1);
  metrics.rateLimited('reviews', 1);
  metrics.rateLimited('reviews', 3);
  metrics.breakerOpen('ratings');
  metrics.noRoute();
  metrics.faultInjected('reviews', 'abort');
  metrics.ejected('reviews', 'CONSECUTIVE_5XX');
}

test('Prometheus exposition carries Envoy names, cluster_name labels and the counts fed in', async () => {
  const metrics = new MeshMetrics();
  feed(metrics);
  const text = await metrics.prometheus();
  const expected: Record<string, number> = {
    'upstream_rq_total{cluster_name="reviews"}': 4,
    'upstream_rq_total{cluster_name="ratings"}': 1,
    'upstream_rq_5xx{cluster_name="reviews"}': 1,
    'upstream_rq_2xx{cluster_name="reviews"}': 1,
    'upstream_rq_4xx{cluster_name="ratings"}': 1,
    'upstream_rq_retry{cluster_name="reviews"}': 2,
    'upstream_rq_pending_overflow{cluster_name="ratings"}': 1,
    'upstream_rq_retry_overflow{cluster_name="ratings"}': 1,
    'upstream_rq_timeout{cluster_name="reviews"}': 1,
    'upstream_rq_per_try_timeout{cluster_name="reviews"}': 2,
    'sidelet_backup_requests_sent{cluster_name="reviews"}': 1,
    'sidelet_backup_requests_won{cluster_name="reviews"}': 1,
    'sidelet_rate_limited{cluster_name="reviews",priority="1"}': 2,
    'sidelet_rate_limited{cluster_name="reviews",priority="3"}': 1,
    'sidelet_breaker_open{cluster_name="ratings"}': 1,
    no_route: 1,
    'fault_aborts_injected{cluster_name="reviews"}': 1,
    'outlier_detection_ejections_total{cluster_name="reviews",kind="CONSECUTIVE_5XX"}': 1,
    'upstream_rq_time_count{cluster_name="reviews"}': 2,
    'upstream_rq_time_sum{cluster_name="reviews"}': 43,
    'upstream_rq_time_bucket{le="5",cluster_name="reviews"}': 1,
    'upstream_rq_time_bucket{le="50",cluster_name="reviews"}': 2,
  };
  for (const [series, value] of Object.entries(expected)) assert.equal(sample(text, series), value, series);
  assert.equal(sample(text, 'upstream_rq_5xx{cluster_name="ratings"}'), undefined, 'no series for a class a cluster never answered');
  assert.match(text, /# TYPE upstream_rq_total counter/);
  assert.match(text, /# TYPE upstream_rq_time histogram/);
  assert.match(metrics.registry.contentType, /^text\/plain; version=0\.0\.4/);
});

test('each MeshMetrics has a registry of its own, apart from the global one', async () => {
  const a = new MeshMetrics();
  const b = new MeshMetrics();
  a.attemptStarted('reviews', 'initial');
  assert.equal(sample(await a.prometheus(), 'upstream_rq_total{cluster_name="reviews"}'), 1);
  assert.equal(sample(await b.prometheus(), 'upstream_rq_total{cluster_name="reviews"}'), undefined);
  assert.equal(register.getSingleMetric('upstream_rq_total'), undefined);
});

test('plain /stats lines put the cluster first, as Envoy does, and keep other labels', async () => {
  const metrics = new MeshMetrics();
  feed(metrics);
  const lines = (await metrics.plainText()).trimEnd().split('\n');
  assert.deepEqual([...lines].sort(), lines, 'sorted');
  for (const line of [
    'cluster.reviews.upstream_rq_total: 4',
    'cluster.reviews.upstream_rq_retry: 2',
    'cluster.reviews.sidelet_rate_limited{priority="1"}: 2',
    'cluster.reviews.outlier_detection_ejections_total{kind="CONSECUTIVE_5XX"}: 1',
    'cluster.reviews.upstream_rq_time_count: 2',
    'no_route: 1',
  ]) {
    assert.ok(lines.includes(line), line);
  }
  assert.ok(!lines.some((l) => l.includes('_bucket')), 'histogram buckets stay out of the plain form');
});

test('the latency histogram is cumulative: a latency past every bound counts only in le="+Inf", one on a bound in that bucket', async () => {
  const metrics = new MeshMetrics();
  metrics.attemptResponse('reviews', 200, 4_000_000);
  metrics.attemptResponse('reviews', 200, 5);
  const text = await metrics.prometheus();
  assert.equal(sample(text, 'upstream_rq_time_bucket{le="1",cluster_name="reviews"}'), 0);
  assert.equal(sample(text, 'upstream_rq_time_bucket{le="5",cluster_name="reviews"}'), 1);
  assert.equal(sample(text, 'upstream_rq_time_bucket{le="3600000",cluster_name="reviews"}'), 1);
  assert.equal(sample(text, 'upstream_rq_time_bucket{le="+Inf",cluster_name="reviews"}'), 2);
  assert.equal(sample(text, 'upstream_rq_time_sum{cluster_name="reviews"}'), 4_000_005);
  assert.equal(sample(text, 'upstream_rq_2xx{cluster_name="reviews"}'), 2);
  assert.equal(sample(text, 'upstream_rq_total{cluster_name="reviews"}'), undefined, 'no attempt was started');
});

// The optional stats sink the core reports to: what happened to calls, attempts and hosts, in
// the terms of Envoy's cluster and filter statistics. The core only calls it; a metrics
// registry (src/observability/) implements it. Without a sink the core behaves the same.
import type { EjectionKind } from '../policy/outlier-detector.ts';
import type { AttemptKind } from './attempt-loop.ts';

/** Which of Envoy's circuit-breaker thresholds refused: max_requests or max_retries / the retry budget. */
export type OverflowKind = 'requests' | 'retries';

/** Envoy's upstream_rq_timeout (the route timeout) and upstream_rq_per_try_timeout. */
export type TimeoutScope = 'route' | 'per-try';

/**
 * Threads: called on the thread that runs the core (the calling thread inline, each worker in
 * worker mode); an implementation that aggregates across threads does so itself. Every method
 * must return quickly and never throw.
 */
export interface MeshStats {
  /** An attempt was sent to a host of `cluster` (Envoy upstream_rq_total); retries, hedges and backups each count. */
  attemptStarted(cluster: string, kind: AttemptKind): void;
  /** An attempt's response head arrived after `latencyMs` (Envoy upstream_rq_<xx> and upstream_rq_time). */
  attemptResponse(cluster: string, status: number, latencyMs: number): void;
  /** A sidelet backup request won the call. */
  backupWon(cluster: string): void;
  /** A circuit-breaker threshold refused an attempt or a retry (Envoy upstream_rq_pending_overflow, upstream_rq_retry_overflow). */
  overflow(cluster: string, kind: OverflowKind): void;
  timeout(cluster: string, scope: TimeoutScope): void;
  /** The route's local rate limit refused a call of this priority (rejected at once or timed out queueing). */
  rateLimited(cluster: string, priority: number): void;
  /** The cluster's error-rate breaker refused a call. */
  breakerOpen(cluster: string): void;
  /** No listener, virtual host or route matched the call. */
  noRoute(): void;
  /** The fault filter delayed or aborted a call routed to `cluster`. */
  faultInjected(cluster: string, kind: 'delay' | 'abort'): void;
  /** Outlier detection ejected a host of `cluster`. */
  ejected(cluster: string, kind: EjectionKind): void;
}

// Active health checking settings of a cluster: Envoy config.core.v3.HealthCheck (HTTP and
// connect-only TCP checkers) with its documented defaults resolved, durations in ms.
import type { HeaderMutations } from './route.ts';

/** type.v3.Int64Range over HTTP statuses: half-open, [start, end). */
export interface StatusRange {
  readonly start: number;
  readonly end: number;
}

export type HealthCheckMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'TRACE' | 'PATCH';

/** HealthCheck.HttpHealthCheck: a request to `path`, judged by its status. */
export interface HttpHealthCheck {
  readonly kind: 'http';
  readonly path: string;
  /** The Host header; undefined sends the cluster's name, as Envoy does. */
  readonly host: string | undefined;
  readonly method: HealthCheckMethod;
  /** Statuses that pass; Envoy's default is 200 only. */
  readonly expectedStatuses: readonly StatusRange[];
  /** Statuses that count toward unhealthy_threshold; any other unexpected status fails the host at once. */
  readonly retriableStatuses: readonly StatusRange[];
  /** request_headers_to_add / request_headers_to_remove. */
  readonly headers: HeaderMutations;
}

/** HealthCheck.TcpHealthCheck with empty send/receive: passes when a connection is made. */
export interface TcpHealthCheck {
  readonly kind: 'tcp';
}

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** The first check waits a random 0..initial_jitter; 0 checks at once. */
  readonly initialJitterMs: number;
  /** A random 0..interval_jitter added to every wait. */
  readonly intervalJitterMs: number;
  /** A random 0..(wait × percent / 100) added to every wait. */
  readonly intervalJitterPercent: number;
  /** Consecutive failures (network errors, timeouts, retriable statuses) before a healthy host is marked unhealthy. */
  readonly unhealthyThreshold: number;
  /** Consecutive successes before an unhealthy host is marked healthy (one, for a host never checked). */
  readonly healthyThreshold: number;
  /** Keep the checker's connection between checks; Envoy's default is true. */
  readonly reuseConnection: boolean;
  /** Wait while the cluster has carried no traffic; undefined when not configured (see docs/health-checks.md). */
  readonly noTrafficIntervalMs: number | undefined;
  /** The same for hosts passing checks; defaults to noTrafficIntervalMs. */
  readonly noTrafficHealthyIntervalMs: number | undefined;
  /** Wait after a failure that leaves the host unhealthy; defaults to intervalMs. */
  readonly unhealthyIntervalMs: number;
  /** Wait after a failure while a healthy host is on its way to unhealthy; defaults to unhealthyIntervalMs. */
  readonly unhealthyEdgeIntervalMs: number;
  /** Wait after a success while an unhealthy host is on its way to healthy; defaults to intervalMs. */
  readonly healthyEdgeIntervalMs: number;
  readonly checker: HttpHealthCheck | TcpHealthCheck;
}

/** Envoy's default expected_statuses: 200 only. */
export const DEFAULT_EXPECTED_STATUSES: readonly StatusRange[] = Object.freeze([Object.freeze({ start: 200, end: 201 })]);

export function statusIn(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.start && status < range.end);
}

// Circuit-breaking settings of a cluster: Envoy's per-priority thresholds and retry budget
// (config.cluster.v3.CircuitBreakers), and sidelet's error-rate breaker extension.

/** Envoy config.core.v3.RoutingPriority. */
export type RoutingPriority = 'DEFAULT' | 'HIGH';
export const ROUTING_PRIORITIES: readonly RoutingPriority[] = ['DEFAULT', 'HIGH'];

/** Envoy CircuitBreakers.Thresholds.RetryBudget. */
export interface RetryBudgetConfig {
  /** Concurrent retries allowed, as a percentage of active + pending requests; default 20. */
  readonly budgetPercent: number;
  /** The retry limit never goes below this; default 3. */
  readonly minRetryConcurrency: number;
}

/** Envoy CircuitBreakers.Thresholds for one priority. */
export interface ThresholdsConfig {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  /** Ignored when `retryBudget` is set: the budget replaces it. */
  readonly maxRetries: number;
  readonly maxConnectionPools: number;
  readonly retryBudget: RetryBudgetConfig | undefined;
}

/** UInt32 max: Envoy's "unlimited" (max_connection_pools has no default limit). */
export const UNLIMITED = 4_294_967_295;

/** Envoy's documented defaults for a priority with no Thresholds entry. */
export const DEFAULT_THRESHOLDS: ThresholdsConfig = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  maxConnectionPools: UNLIMITED,
  retryBudget: undefined,
});

export const DEFAULT_RETRY_BUDGET: RetryBudgetConfig = Object.freeze({ budgetPercent: 20, minRetryConcurrency: 3 });

export interface CircuitBreakersConfig {
  readonly thresholds: { readonly [P in RoutingPriority]: ThresholdsConfig };
  /** per_host_thresholds: Envoy honours only max_connections per host; undefined means no per-host limit. */
  readonly perHostMaxConnections: { readonly [P in RoutingPriority]: number | undefined };
}

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakersConfig = Object.freeze({
  thresholds: Object.freeze({ DEFAULT: DEFAULT_THRESHOLDS, HIGH: DEFAULT_THRESHOLDS }),
  perHostMaxConnections: Object.freeze({ DEFAULT: undefined, HIGH: undefined }),
});

/**
 * sidelet extension (Envoy has no error-rate breaker): cluster metadata
 * `filter_metadata.sidelet.error_rate_breaker`. Opens when the error percentage over the
 * rolling window exceeds `errorPercent`, once `minRequestVolume` requests were seen in it.
 */
export interface ErrorRateBreakerConfig {
  /** Open when errors / requests × 100 is above this (0–100); default 50. */
  readonly errorPercent: number;
  /** Requests the window must hold before the breaker may open; default 20. */
  readonly minRequestVolume: number;
  /** Rolling window length; default 10 s. */
  readonly windowMs: number;
  /** Buckets the window is divided into; default 10. */
  readonly buckets: number;
  /** Time open before one half-open trial is let through; default 30 s. */
  readonly resetTimeoutMs: number;
  /** One breaker per method (created when first used) instead of one per cluster; default false. */
  readonly perMethod: boolean;
  /** Per-method breakers kept at most (least recently used are dropped); default 1000. */
  readonly maxMethods: number;
}

export const DEFAULT_ERROR_RATE_BREAKER: ErrorRateBreakerConfig = Object.freeze({
  errorPercent: 50,
  minRequestVolume: 20,
  windowMs: 10_000,
  buckets: 10,
  resetTimeoutMs: 30_000,
  perMethod: false,
  maxMethods: 1000,
});

/** Where the extension sits in a cluster's metadata: filter_metadata.<filter>.<key>. */
export const ERROR_RATE_BREAKER_FILTER = 'sidelet';
export const ERROR_RATE_BREAKER_KEY = 'error_rate_breaker';

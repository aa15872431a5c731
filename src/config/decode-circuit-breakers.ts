// Decodes config.cluster.v3.CircuitBreakers (per-priority thresholds, retry budget, per-host
// max_connections) and sidelet's error-rate breaker extension in cluster metadata.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Metadata } from '../core/model/metadata.ts';
import {
  type CircuitBreakersConfig,
  DEFAULT_ERROR_RATE_BREAKER,
  DEFAULT_RETRY_BUDGET,
  DEFAULT_THRESHOLDS,
  ERROR_RATE_BREAKER_FILTER,
  ERROR_RATE_BREAKER_KEY,
  type ErrorRateBreakerConfig,
  ROUTING_PRIORITIES,
  type RetryBudgetConfig,
  type RoutingPriority,
  type ThresholdsConfig,
  UNLIMITED,
} from '../core/model/policy-circuit-breakers.ts';
import { durationMs } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const UINT32 = { integer: true, min: 0, max: UNLIMITED } as const;
/** Thresholds fields Envoy does not honour per host. */
const NOT_PER_HOST = ['max_pending_requests', 'max_requests', 'max_retries', 'retry_budget', 'max_connection_pools'] as const;

export function decodeCircuitBreakers(value: unknown, path: ConfigPath, options: DecodeOptions): CircuitBreakersConfig {
  const f = new Fields(value, path, options);
  const thresholds = byPriority(f, 'thresholds', decodeThresholds);
  const perHost = byPriority(f, 'per_host_thresholds', decodePerHostThresholds);
  f.end();
  return {
    thresholds: { DEFAULT: thresholds.get('DEFAULT') ?? DEFAULT_THRESHOLDS, HIGH: thresholds.get('HIGH') ?? DEFAULT_THRESHOLDS },
    perHostMaxConnections: { DEFAULT: perHost.get('DEFAULT'), HIGH: perHost.get('HIGH') },
  };
}

/**
 * Envoy: "If multiple Thresholds are defined with the same RoutingPriority, the first one in the
 * list is used." Strict (hand-written) config refuses the second one as the mistake it is.
 */
function byPriority<T>(f: Fields, name: string, decode: (entry: Fields) => T): Map<RoutingPriority, T> {
  const out = new Map<RoutingPriority, T>();
  const firstAt = new Map<RoutingPriority, number>();
  f.list(name, (item, itemPath) => {
    const entry = new Fields(item, itemPath, f.options);
    const priority = entry.enumOf('priority', ROUTING_PRIORITIES, 'DEFAULT');
    const decoded = decode(entry);
    const first = firstAt.get(priority);
    if (first === undefined) {
      firstAt.set(priority, itemPath.at(-1) as number);
      out.set(priority, decoded);
    } else if (f.options.strict) {
      throw new ConfigError([...itemPath, 'priority'], `priority ${priority} is already set by ${name}[${first}]; Envoy would use only the first`);
    }
  });
  return out;
}

function decodeThresholds(t: Fields): ThresholdsConfig {
  const thresholds: ThresholdsConfig = {
    maxConnections: t.number('max_connections', UINT32) ?? DEFAULT_THRESHOLDS.maxConnections,
    maxPendingRequests: t.number('max_pending_requests', UINT32) ?? DEFAULT_THRESHOLDS.maxPendingRequests,
    maxRequests: t.number('max_requests', UINT32) ?? DEFAULT_THRESHOLDS.maxRequests,
    maxRetries: t.number('max_retries', UINT32) ?? DEFAULT_THRESHOLDS.maxRetries,
    maxConnectionPools: t.number('max_connection_pools', UINT32) ?? DEFAULT_THRESHOLDS.maxConnectionPools,
    retryBudget: retryBudget(t.message('retry_budget')),
  };
  // track_remaining: the remaining() gauges are always kept.
  t.end(['track_remaining']);
  return thresholds;
}

function retryBudget(b: Fields | undefined): RetryBudgetConfig | undefined {
  if (b === undefined) return undefined;
  const budget = {
    // type.v3.Percent: {"value": 25.0}, or the bare number.
    budgetPercent: b.number('budget_percent', { min: 0, max: 100 }) ?? DEFAULT_RETRY_BUDGET.budgetPercent,
    minRetryConcurrency: b.number('min_retry_concurrency', UINT32) ?? DEFAULT_RETRY_BUDGET.minRetryConcurrency,
  };
  b.end();
  return budget;
}

function decodePerHostThresholds(t: Fields): number | undefined {
  for (const name of NOT_PER_HOST) {
    if (t.has(name)) t.fail(name, 'per-host thresholds support only max_connections, as in Envoy');
  }
  const maxConnections = t.number('max_connections', UINT32);
  t.end(['track_remaining']);
  return maxConnections;
}

/** The sidelet error-rate breaker object (see docs/policy-circuit-breaking.md). */
export function decodeErrorRateBreaker(value: unknown, path: ConfigPath, options: DecodeOptions): ErrorRateBreakerConfig {
  const f = new Fields(value, path, options);
  const d = DEFAULT_ERROR_RATE_BREAKER;
  const windowMs = durationMs(f, 'window') ?? d.windowMs;
  if (windowMs <= 0) f.fail('window', 'must be a positive duration');
  const buckets = f.number('buckets', { integer: true, min: 1, max: 1000 }) ?? d.buckets;
  if (Math.floor(windowMs / buckets) < 1) f.fail('buckets', `${buckets} buckets in a ${windowMs} ms window are shorter than 1 ms`);
  const resetTimeoutMs = durationMs(f, 'reset_timeout') ?? d.resetTimeoutMs;
  if (resetTimeoutMs <= 0) f.fail('reset_timeout', 'must be a positive duration');
  const config: ErrorRateBreakerConfig = {
    errorPercent: f.number('error_percent', { min: 0, max: 100 }) ?? d.errorPercent,
    minRequestVolume: f.number('min_request_volume', UINT32) ?? d.minRequestVolume,
    windowMs,
    buckets,
    resetTimeoutMs,
    perMethod: f.bool('per_method', d.perMethod),
    maxMethods: f.number('max_methods', { integer: true, min: 1, max: 1_000_000 }) ?? d.maxMethods,
  };
  f.end();
  return config;
}

/**
 * The error-rate breaker a cluster's metadata configures at
 * `filter_metadata.sidelet.error_rate_breaker`, or undefined. `metadataPath` is the path of the
 * cluster's `metadata` field, for errors.
 */
export function errorRateBreakerOf(metadata: Metadata, metadataPath: ConfigPath, options: DecodeOptions): ErrorRateBreakerConfig | undefined {
  const value = metadata[ERROR_RATE_BREAKER_FILTER]?.[ERROR_RATE_BREAKER_KEY];
  if (value === undefined || value === null) return undefined;
  return decodeErrorRateBreaker(value, [...metadataPath, 'filter_metadata', ERROR_RATE_BREAKER_FILTER, ERROR_RATE_BREAKER_KEY], options);
}

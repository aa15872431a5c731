// Retry and timeout settings of a route, decoded from Envoy's config.route.v3.RetryPolicy and
// RouteAction.max_stream_duration. Immutable; read by the policy modules in src/core/policy.
import type { HeaderMatcher } from './matcher.ts';

/**
 * The retry_on conditions sidelet acts on (Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on
 * values). `http3-post-connect-failure` is accepted by the decoder and dropped: sidelet has no
 * HTTP/3 upstreams, so the condition never arises.
 */
export type RetryOn =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'reset-before-request'
  | 'connect-failure'
  | 'envoy-ratelimited'
  | 'retriable-4xx'
  | 'refused-stream'
  | 'retriable-status-codes'
  | 'retriable-headers'
  | 'cancelled'
  | 'deadline-exceeded'
  | 'internal'
  | 'resource-exhausted'
  | 'unavailable';

export const RETRY_ON_VALUES: readonly RetryOn[] = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
];

/** RetryPolicy.retry_back_off: full-jitter exponential back-off. */
export interface RetryBackOffConfig {
  /** Default 25 ms; below 1 ms is rounded up to 1 ms, as Envoy does. */
  readonly baseIntervalMs: number;
  /** Default 10 × base. */
  readonly maxIntervalMs: number;
}

/** RetryPolicy.ResetHeader: where an upstream says when to come back. */
export interface ResetHeaderConfig {
  /** Lower-cased. */
  readonly name: string;
  /** SECONDS: delta seconds (sidelet also reads an HTTP-date, as Retry-After allows); UNIX_TIMESTAMP: epoch seconds. */
  readonly format: 'SECONDS' | 'UNIX_TIMESTAMP';
}

/** RetryPolicy.RateLimitedRetryBackOff. */
export interface RateLimitedBackOffConfig {
  /** Tried in order; the first that parses to an interval within maxIntervalMs is used. */
  readonly resetHeaders: readonly ResetHeaderConfig[];
  /** Default 300 s. */
  readonly maxIntervalMs: number;
}

export interface RetryPolicyConfig {
  readonly retryOn: ReadonlySet<RetryOn>;
  /** Retries after the first attempt; default 1. */
  readonly numRetries: number;
  /** 0: none (the route timeout bounds each try). */
  readonly perTryTimeoutMs: number;
  /** 0: none. */
  readonly perTryIdleTimeoutMs: number;
  readonly backOff: RetryBackOffConfig;
  readonly rateLimitedBackOff: RateLimitedBackOffConfig | undefined;
  readonly retriableStatusCodes: ReadonlySet<number>;
  /** Any one matching the response headers makes it retriable (with retriable-headers). */
  readonly retriableHeaders: readonly HeaderMatcher[];
  /** When set, the request must match one of them for any retry to happen. */
  readonly retriableRequestHeaders: readonly HeaderMatcher[];
  /** envoy.retry_host_predicates.previous_hosts: retries avoid the hosts already tried. */
  readonly avoidPreviousHosts: boolean;
  /** host_selection_retry_max_attempts; default 1. */
  readonly hostSelectionRetryMaxAttempts: number;
}

export const DEFAULT_BASE_INTERVAL_MS = 25;
export const DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS = 300_000;

/** The policy in force when a route has none: never retries (Envoy retries only with a policy). */
export const NO_RETRY_POLICY: RetryPolicyConfig = Object.freeze({
  retryOn: new Set<RetryOn>(),
  numRetries: 0,
  perTryTimeoutMs: 0,
  perTryIdleTimeoutMs: 0,
  backOff: Object.freeze({ baseIntervalMs: DEFAULT_BASE_INTERVAL_MS, maxIntervalMs: DEFAULT_BASE_INTERVAL_MS * 10 }),
  rateLimitedBackOff: undefined,
  retriableStatusCodes: new Set<number>(),
  retriableHeaders: Object.freeze([]),
  retriableRequestHeaders: Object.freeze([]),
  avoidPreviousHosts: false,
  hostSelectionRetryMaxAttempts: 1,
});

/**
 * RouteAction.max_stream_duration. `grpcTimeoutHeaderMaxMs` undefined: the grpc-timeout header
 * is ignored; 0: honoured without a cap.
 */
export interface MaxStreamDurationConfig {
  /** 0 or undefined: no limit. */
  readonly maxStreamDurationMs: number | undefined;
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  /** Subtracted from the grpc-timeout header's value. */
  readonly grpcTimeoutHeaderOffsetMs: number | undefined;
}

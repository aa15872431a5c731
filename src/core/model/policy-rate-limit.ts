// Rate-limit settings: Envoy's local rate limit (extensions.filters.http.local_ratelimit.v3
// LocalRateLimit with its type.v3.TokenBucket) and sidelet's extension for per-caller buckets,
// priority queueing with a maximum wait, and warm-up (`sidelet.filters.http.rate_limit`).

/** type.v3.TokenBucket: `tokensPerFill` tokens every `fillIntervalMs`, never more than `maxTokens`; starts full. */
export interface TokenBucketConfig {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

/** Sentinel's WarmUp: after idle the allowed rate starts at rate / coldFactor and reaches the full rate over `periodMs`. */
export interface WarmUpConfig {
  readonly periodMs: number;
  /** Sentinel's default is 3; must be above 1. */
  readonly coldFactor: number;
}

/** The longest a request of `priority` may wait in the queue for a token. */
export interface PriorityQueueingConfig {
  readonly priority: number;
  readonly maxQueueingTimeMs: number;
}

/** One caller application (its app id as sent in `callerHeader`): its own bucket, its own default priority, or both. */
export interface CallerLimitConfig {
  readonly app: string;
  /** undefined: the caller shares the default bucket. */
  readonly tokenBucket: TokenBucketConfig | undefined;
  /** undefined: the config's `defaultPriority`. */
  readonly priority: number | undefined;
}

export interface RateLimitConfig {
  readonly statPrefix: string;
  /** The HTTP status a rate-limited request is answered with (Envoy `status`; below 400 means 429). */
  readonly status: number;
  /** The default bucket: callers without their own bucket share it. */
  readonly tokenBucket: TokenBucketConfig;
  /** filter_enabled: requests checked against the bucket, per million. */
  readonly enabledPerMillion: number;
  /** filter_enforced: checked requests actually refused when no token is left, per million. */
  readonly enforcedPerMillion: number;
  /** Lower-cased header holding the caller's app id (Dubbo/Bolt attachments arrive as headers too). */
  readonly callerHeader: string | undefined;
  readonly callers: readonly CallerLimitConfig[];
  /** Lower-cased header whose integer value sets the request's priority. */
  readonly priorityHeader: string | undefined;
  readonly defaultPriority: number;
  /** Maximum wait for priorities not listed in `priorities`; 0 means no queueing (refused at once). */
  readonly maxQueueingTimeMs: number;
  readonly priorities: readonly PriorityQueueingConfig[];
  /** Waiting requests per limiter; when reached, the lowest priority is shed. 0 means no queueing. */
  readonly maxQueueSize: number;
  readonly warmUp: WarmUpConfig | undefined;
}

/** The name sidelet's extension is carried under in `typed_per_filter_config` (and the HTTP filter's name). */
export const SIDELET_RATE_LIMIT_FILTER = 'sidelet.filters.http.rate_limit';
/** The `type_url` inside the TypedStruct that carries the extension. */
export const SIDELET_RATE_LIMIT_TYPE = 'type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit';
export const LOCAL_RATE_LIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATE_LIMIT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

export const DEFAULT_MAX_QUEUE_SIZE = 1024;

/** The maximum queueing time of a priority: its own entry, else the config's default. */
export function maxQueueingTimeFor(config: Pick<RateLimitConfig, 'priorities' | 'maxQueueingTimeMs'>, priority: number): number {
  for (const p of config.priorities) if (p.priority === priority) return p.maxQueueingTimeMs;
  return config.maxQueueingTimeMs;
}

// Decodes rate-limit filter configs: Envoy's LocalRateLimit (token bucket, filter_enabled /
// filter_enforced) and sidelet's `sidelet.filters.http.rate_limit` extension (per-caller buckets,
// priority queueing, warm-up), carried in an xds.type.v3.TypedStruct so any control plane can send it.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import {
  type CallerLimitConfig,
  DEFAULT_MAX_QUEUE_SIZE,
  LOCAL_RATE_LIMIT_TYPE,
  type PriorityQueueingConfig,
  type RateLimitConfig,
  SIDELET_RATE_LIMIT_TYPE,
  type TokenBucketConfig,
  type WarmUpConfig,
} from '../core/model/policy-rate-limit.ts';
import { durationMs, runtimeFractionPerMillion, TYPED_STRUCT_TYPES } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const PRIORITY = { integer: true, min: -1_000_000, max: 1_000_000 } as const;

/** Either form, told apart by `@type`: a LocalRateLimit, or a TypedStruct holding sidelet's RateLimit. */
export function decodeRateLimitFilterConfig(value: unknown, path: ConfigPath, options: DecodeOptions): RateLimitConfig {
  const type = new Fields(value, path, options).string('@type');
  if (type === LOCAL_RATE_LIMIT_TYPE) return decodeLocalRateLimit(value, path, options);
  if (type !== undefined && TYPED_STRUCT_TYPES.includes(type)) return decodeSideletRateLimit(value, path, options);
  throw new ConfigError([...path, '@type'], `expected ${LOCAL_RATE_LIMIT_TYPE} or a TypedStruct of ${SIDELET_RATE_LIMIT_TYPE}, got ${JSON.stringify(type ?? null)}`);
}

/**
 * extensions.filters.http.local_ratelimit.v3.LocalRateLimit as a route / virtual host
 * (per-filter) config: token_bucket is required there, as in Envoy. filter_enabled and
 * filter_enforced default to 0 %, Envoy's "for safety" default: set both to enforce.
 */
export function decodeLocalRateLimit(value: unknown, path: ConfigPath, options: DecodeOptions): RateLimitConfig {
  const f = new Fields(value, path, options);
  checkType(f, LOCAL_RATE_LIMIT_TYPE);
  const statPrefix = f.requiredString('stat_prefix');
  if (f.list('descriptors', (v) => v).length > 0) f.fail('descriptors', 'rate limit descriptors are not supported; use sidelet.filters.http.rate_limit callers');
  if (f.list('rate_limits', (v) => v).length > 0) f.fail('rate_limits', 'rate limit descriptors are not supported');
  if (f.bool('local_rate_limit_per_downstream_connection', false)) {
    f.fail('local_rate_limit_per_downstream_connection', 'per-connection buckets are not supported: sidelet limits per process');
  }
  const config: RateLimitConfig = {
    statPrefix,
    status: status(f),
    tokenBucket: tokenBucket(f.requiredMessage('token_bucket', 'required in a per-route or per-virtual-host config')),
    enabledPerMillion: fraction(f, 'filter_enabled', 0),
    enforcedPerMillion: fraction(f, 'filter_enforced', 0),
    callerHeader: undefined,
    callers: [],
    priorityHeader: undefined,
    defaultPriority: 0,
    maxQueueingTimeMs: 0,
    priorities: [],
    maxQueueSize: 0,
    warmUp: undefined,
  };
  f.end([
    'request_headers_to_add_when_not_enforced',
    'response_headers_to_add',
    'stage',
    'enable_x_ratelimit_headers',
    'vh_rate_limits',
    'always_consume_default_token_bucket',
    'rate_limited_as_resource_exhausted',
    'max_dynamic_descriptors',
  ]);
  return config;
}

/**
 * sidelet.filters.http.rate_limit.v1.RateLimit, bare or inside a TypedStruct whose type_url
 * names it. filter_enabled / filter_enforced default to 100 % here: the extension is only in
 * effect where someone placed it.
 */
export function decodeSideletRateLimit(value: unknown, path: ConfigPath, options: DecodeOptions): RateLimitConfig {
  let f = new Fields(value, path, options);
  const type = f.string('@type');
  if (type !== undefined) {
    if (!TYPED_STRUCT_TYPES.includes(type)) f.fail('@type', `expected ${TYPED_STRUCT_TYPES[0]}, got ${JSON.stringify(type)}`);
    const typeUrl = f.requiredString('type_url');
    if (typeUrl !== SIDELET_RATE_LIMIT_TYPE) f.fail('type_url', `expected ${SIDELET_RATE_LIMIT_TYPE}, got ${JSON.stringify(typeUrl)}`);
    const inner = f.requiredMessage('value');
    f.end();
    f = inner;
  }
  const defaultPriority = f.number('default_priority', PRIORITY) ?? 0;
  const callers = callerLimits(f);
  const config: RateLimitConfig = {
    statPrefix: f.string('stat_prefix') ?? 'sidelet_rate_limit',
    status: status(f),
    tokenBucket: tokenBucket(f.requiredMessage('token_bucket')),
    enabledPerMillion: fraction(f, 'filter_enabled', 1_000_000),
    enforcedPerMillion: fraction(f, 'filter_enforced', 1_000_000),
    callerHeader: headerName(f, 'caller_header'),
    callers,
    priorityHeader: headerName(f, 'priority_header'),
    defaultPriority,
    maxQueueingTimeMs: durationMs(f, 'max_queueing_time') ?? 0,
    priorities: priorityQueueing(f),
    maxQueueSize: f.number('max_queue_size', { integer: true, min: 0, max: 1_000_000 }) ?? DEFAULT_MAX_QUEUE_SIZE,
    warmUp: warmUp(f.message('warm_up')),
  };
  if (callers.length > 0 && config.callerHeader === undefined) f.fail('callers', 'caller_header is required to tell callers apart');
  f.end();
  return config;
}

function checkType(f: Fields, expected: string): void {
  const type = f.string('@type');
  if (type !== undefined && type !== expected) f.fail('@type', `expected ${expected}, got ${JSON.stringify(type)}`);
}

/** type.v3.TokenBucket. */
function tokenBucket(f: Fields): TokenBucketConfig {
  const maxTokens = f.requiredNumber('max_tokens', { integer: true, min: 1, max: 4_294_967_295 });
  const tokensPerFill = f.number('tokens_per_fill', { integer: true, min: 1, max: 4_294_967_295 }) ?? 1;
  const fillIntervalMs = durationMs(f, 'fill_interval');
  if (fillIntervalMs === undefined || fillIntervalMs <= 0) f.fail('fill_interval', 'required, a positive duration');
  f.end();
  return { maxTokens, tokensPerFill, fillIntervalMs };
}

/** config.core.v3.HttpStatus; Envoy answers 429 for a code below 400. */
/** type.v3.HttpStatus: `code` is an enum, so proto3 JSON (xDS) names it, e.g. "TooManyRequests"; config may give the number. */
function status(f: Fields): number {
  const s = f.message('status');
  if (s === undefined) return 429;
  const raw = s.raw('code');
  const code = typeof raw?.value === 'string' && raw.value in HTTP_STATUS_NAMES ? HTTP_STATUS_NAMES[raw.value]! : s.requiredNumber('code', { integer: true, min: 100, max: 599 });
  s.end();
  return code < 400 ? 429 : code;
}

/** The 4xx/5xx names of Envoy's type.v3.StatusCode that a rate limit can answer with. */
const HTTP_STATUS_NAMES: Readonly<Record<string, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  PaymentRequired: 402,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestTimeout: 408,
  Conflict: 409,
  Gone: 410,
  PreconditionFailed: 412,
  TooManyRequests: 429,
  InternalServerError: 500,
  NotImplemented: 501,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
  InsufficientStorage: 507,
};

function fraction(f: Fields, name: string, fallback: number): number {
  const m = f.message(name);
  return m === undefined ? fallback : runtimeFractionPerMillion(m);
}

function headerName(f: Fields, name: string): string | undefined {
  const value = f.string(name);
  if (value === undefined) return undefined;
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) f.fail(name, `not a valid header name: ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

function callerLimits(f: Fields): CallerLimitConfig[] {
  const seen = new Set<string>();
  return f.list('callers', (item, path) => {
    const c = new Fields(item, path, f.options);
    const app = c.requiredString('app');
    if (seen.has(app)) c.fail('app', `caller ${JSON.stringify(app)} is listed twice`);
    seen.add(app);
    const bucket = c.message('token_bucket');
    const entry: CallerLimitConfig = {
      app,
      tokenBucket: bucket === undefined ? undefined : tokenBucket(bucket),
      priority: c.number('priority', PRIORITY),
    };
    if (entry.tokenBucket === undefined && entry.priority === undefined) c.fail('app', 'a caller entry needs a token_bucket, a priority or both');
    c.end();
    return entry;
  });
}

function priorityQueueing(f: Fields): PriorityQueueingConfig[] {
  const seen = new Set<number>();
  return f.list('priorities', (item, path) => {
    const p = new Fields(item, path, f.options);
    const priority = p.requiredNumber('priority', PRIORITY);
    if (seen.has(priority)) p.fail('priority', `priority ${priority} is listed twice`);
    seen.add(priority);
    const maxQueueingTimeMs = durationMs(p, 'max_queueing_time') ?? p.fail('max_queueing_time', 'required (0s: this priority never queues)');
    p.end();
    return { priority, maxQueueingTimeMs };
  });
}

function warmUp(f: Fields | undefined): WarmUpConfig | undefined {
  if (f === undefined) return undefined;
  const periodMs = durationMs(f, 'period') ?? 0;
  if (periodMs <= 0) f.fail('period', 'required, a positive duration');
  const coldFactor = f.number('cold_factor') ?? 3;
  if (coldFactor <= 1) f.fail('cold_factor', `must be greater than 1, got ${coldFactor}`);
  f.end();
  return { periodMs, coldFactor };
}

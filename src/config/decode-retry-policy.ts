// Decodes config.route.v3.RetryPolicy (route or virtual host retry_policy) and
// RouteAction.max_stream_duration into the policy model, with precise errors.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { HeaderMatcher } from '../core/model/matcher.ts';
import {
  DEFAULT_BASE_INTERVAL_MS,
  DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS,
  type MaxStreamDurationConfig,
  RETRY_ON_VALUES,
  type RateLimitedBackOffConfig,
  type ResetHeaderConfig,
  type RetryBackOffConfig,
  type RetryOn,
  type RetryPolicyConfig,
} from '../core/model/policy-retry.ts';
import { decodeHeaderMatcher } from './decode-matchers.ts';
import { durationMs } from './decode-well-known.ts';
import { checkNumber, type DecodeOptions, Fields } from './fields.ts';

const UINT32_MAX = 4_294_967_295;
const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';
/** Known to Envoy, meaningless here (no HTTP/3 upstreams): accepted and dropped. */
const IGNORED_RETRY_ON = new Set(['http3-post-connect-failure']);

export function decodeRetryPolicy(value: unknown, path: ConfigPath, options: DecodeOptions): RetryPolicyConfig {
  const f = new Fields(value, path, options);
  if (f.has('retry_priority')) f.fail('retry_priority', 'retry priority plugins are not supported');
  if (f.list('retry_options_predicates', (v) => v).length > 0) f.fail('retry_options_predicates', 'retry options predicates are not supported');
  const policy: RetryPolicyConfig = {
    retryOn: decodeRetryOn(f),
    numRetries: f.number('num_retries', { integer: true, min: 0, max: UINT32_MAX }) ?? 1,
    perTryTimeoutMs: durationMs(f, 'per_try_timeout') ?? 0,
    perTryIdleTimeoutMs: durationMs(f, 'per_try_idle_timeout') ?? 0,
    backOff: backOff(f.message('retry_back_off')),
    rateLimitedBackOff: rateLimitedBackOff(f.message('rate_limited_retry_back_off')),
    retriableStatusCodes: new Set(f.list('retriable_status_codes', (v, p) => checkNumber(v, p, { integer: true, min: 100, max: 599 }))),
    retriableHeaders: headerMatchers(f, 'retriable_headers'),
    retriableRequestHeaders: headerMatchers(f, 'retriable_request_headers'),
    avoidPreviousHosts: hostPredicates(f),
    hostSelectionRetryMaxAttempts: f.number('host_selection_retry_max_attempts', { integer: true, min: 0 }) ?? 1,
  };
  f.end();
  return policy;
}

/** retry_on: comma-separated x-envoy-retry-on / x-envoy-retry-grpc-on values. Unknown names are refused in strict mode and skipped (as Envoy does) otherwise. */
export function decodeRetryOn(f: Fields): Set<RetryOn> {
  const out = new Set<RetryOn>();
  const text = f.string('retry_on') ?? '';
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '' || IGNORED_RETRY_ON.has(token)) continue;
    if ((RETRY_ON_VALUES as readonly string[]).includes(token)) out.add(token as RetryOn);
    else if (f.options.strict) f.fail('retry_on', `unknown retry_on condition ${JSON.stringify(token)}; expected any of ${RETRY_ON_VALUES.join(', ')}`);
  }
  return out;
}

function headerMatchers(f: Fields, name: string): HeaderMatcher[] {
  return f.list(name, (v, p) => decodeHeaderMatcher(v, p, f.options));
}

function backOff(f: Fields | undefined): RetryBackOffConfig {
  if (f === undefined) return { baseIntervalMs: DEFAULT_BASE_INTERVAL_MS, maxIntervalMs: DEFAULT_BASE_INTERVAL_MS * 10 };
  const base = durationMs(f, 'base_interval');
  if (base === undefined || base <= 0) throw new ConfigError(f.pathOf('base_interval'), 'required, a duration greater than 0');
  // Envoy rounds a base below 1 ms up to 1 ms.
  const baseIntervalMs = Math.max(1, base);
  const maxIntervalMs = durationMs(f, 'max_interval') ?? baseIntervalMs * 10;
  if (maxIntervalMs < baseIntervalMs) f.fail('max_interval', `must be at least base_interval (${baseIntervalMs} ms), got ${maxIntervalMs} ms`);
  f.end();
  return { baseIntervalMs, maxIntervalMs };
}

function rateLimitedBackOff(f: Fields | undefined): RateLimitedBackOffConfig | undefined {
  if (f === undefined) return undefined;
  const resetHeaders = f.list('reset_headers', (v, p): ResetHeaderConfig => {
    const h = new Fields(v, p, f.options);
    const header = { name: h.requiredString('name').toLowerCase(), format: h.enumOf('format', ['SECONDS', 'UNIX_TIMESTAMP'] as const, 'SECONDS') };
    h.end();
    return header;
  });
  if (resetHeaders.length === 0) f.fail('reset_headers', 'required, at least one reset header');
  const maxIntervalMs = durationMs(f, 'max_interval') ?? DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS;
  if (maxIntervalMs <= 0) f.fail('max_interval', 'must be greater than 0');
  f.end();
  return { resetHeaders, maxIntervalMs };
}

/** retry_host_predicate: only previous_hosts is supported; any other would be silently weaker. */
function hostPredicates(f: Fields): boolean {
  const predicates = f.list('retry_host_predicate', (v, p) => {
    const predicate = new Fields(v, p, f.options);
    const name = predicate.string('name');
    const type = predicate.struct('typed_config')?.['@type'];
    if (name !== PREVIOUS_HOSTS && type !== PREVIOUS_HOSTS_TYPE) {
      predicate.fail(name === undefined ? 'typed_config' : 'name', `unsupported retry host predicate ${JSON.stringify(name ?? type)}; only ${PREVIOUS_HOSTS} is supported`);
    }
    predicate.end();
    return true;
  });
  return predicates.length > 0;
}

/** RouteAction.max_stream_duration. */
export function decodeMaxStreamDuration(value: unknown, path: ConfigPath, options: DecodeOptions): MaxStreamDurationConfig {
  const f = new Fields(value, path, options);
  const config: MaxStreamDurationConfig = {
    maxStreamDurationMs: durationMs(f, 'max_stream_duration'),
    grpcTimeoutHeaderMaxMs: durationMs(f, 'grpc_timeout_header_max'),
    grpcTimeoutHeaderOffsetMs: durationMs(f, 'grpc_timeout_header_offset'),
  };
  f.end();
  return config;
}

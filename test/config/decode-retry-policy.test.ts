// config.route.v3.RetryPolicy and RouteAction.max_stream_duration decoding: defaults, every
// field, and strict errors naming the path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { decodeMaxStreamDuration, decodeRetryPolicy } from '../../src/config/decode-retry-policy.ts';

const strict = { strict: true };
const lenient = { strict: false };
const path = ['route', 'retry_policy'];

test('an empty policy: no conditions, one retry, 25 ms back-off capped at 250 ms', () => {
  const p = decodeRetryPolicy({}, path, strict);
  assert.equal(p.retryOn.size, 0);
  assert.equal(p.numRetries, 1);
  assert.deepEqual(p.backOff, { baseIntervalMs: 25, maxIntervalMs: 250 });
  assert.equal(p.perTryTimeoutMs, 0);
  assert.equal(p.perTryIdleTimeoutMs, 0);
  assert.equal(p.rateLimitedBackOff, undefined);
  assert.equal(p.avoidPreviousHosts, false);
  assert.equal(p.hostSelectionRetryMaxAttempts, 1);
});

test('the documented example decodes in full', () => {
  const p = decodeRetryPolicy(
    parse(`
retry_on: "5xx, gateway-error,reset,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable"
num_retries: 3
per_try_timeout: 0.5s
per_try_idle_timeout: 0.2s
retry_back_off: { base_interval: 0.01s, max_interval: 1s }
rate_limited_retry_back_off:
  reset_headers:
  - { name: Retry-After, format: SECONDS }
  - { name: X-RateLimit-Reset, format: UNIX_TIMESTAMP }
  max_interval: 60s
retriable_status_codes: [429, 418]
retriable_headers:
- { name: x-upstream-retry, string_match: { exact: "yes" } }
retriable_request_headers:
- { name: ":method", string_match: { exact: GET } }
retry_host_predicate:
- name: envoy.retry_host_predicates.previous_hosts
  typed_config: { "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate }
host_selection_retry_max_attempts: 3
`),
    path,
    strict,
  );
  assert.equal(p.retryOn.size, 13);
  assert.ok(p.retryOn.has('gateway-error') && p.retryOn.has('unavailable'));
  assert.equal(p.numRetries, 3);
  assert.equal(p.perTryTimeoutMs, 500);
  assert.equal(p.perTryIdleTimeoutMs, 200);
  assert.deepEqual(p.backOff, { baseIntervalMs: 10, maxIntervalMs: 1000 });
  assert.deepEqual(p.rateLimitedBackOff, {
    resetHeaders: [
      { name: 'retry-after', format: 'SECONDS' },
      { name: 'x-ratelimit-reset', format: 'UNIX_TIMESTAMP' },
    ],
    maxIntervalMs: 60_000,
  });
  assert.deepEqual([...p.retriableStatusCodes], [429, 418]);
  assert.equal(p.retriableHeaders[0]!.name, 'x-upstream-retry');
  assert.equal(p.retriableRequestHeaders[0]!.name, ':method');
  assert.equal(p.avoidPreviousHosts, true);
  assert.equal(p.hostSelectionRetryMaxAttempts, 3);
});

test('JSON names and wrappers are accepted', () => {
  const p = decodeRetryPolicy({ retryOn: '5xx', numRetries: { value: 4 }, retryBackOff: { baseInterval: '0.1s' } }, path, strict);
  assert.equal(p.numRetries, 4);
  assert.deepEqual(p.backOff, { baseIntervalMs: 100, maxIntervalMs: 1000 });
});

test('an unknown retry_on token is named with its path in strict mode and skipped otherwise', () => {
  assert.throws(() => decodeRetryPolicy({ retry_on: '5xx,5xxx' }, path, strict), {
    message: /^route\.retry_policy\.retry_on: unknown retry_on condition "5xxx"; expected any of 5xx, /,
  });
  assert.deepEqual([...decodeRetryPolicy({ retry_on: '5xx,5xxx' }, path, lenient).retryOn], ['5xx']);
  assert.deepEqual([...decodeRetryPolicy({ retry_on: 'http3-post-connect-failure,,reset' }, path, strict).retryOn], ['reset']);
});

const errors: [string, unknown, string][] = [
  ['num_retries negative', { num_retries: -1 }, 'route.retry_policy.num_retries: must be at least 0, got -1'],
  ['base_interval missing', { retry_back_off: { max_interval: '1s' } }, 'route.retry_policy.retry_back_off.base_interval: required, a duration greater than 0'],
  ['base_interval zero', { retry_back_off: { base_interval: '0s' } }, 'route.retry_policy.retry_back_off.base_interval: required, a duration greater than 0'],
  [
    'max_interval below base',
    { retry_back_off: { base_interval: '1s', max_interval: '0.5s' } },
    'route.retry_policy.retry_back_off.max_interval: must be at least base_interval (1000 ms), got 500 ms',
  ],
  ['status code out of range', { retriable_status_codes: [200, 600] }, 'route.retry_policy.retriable_status_codes[1]: must be at most 599, got 600'],
  ['reset_headers empty', { rate_limited_retry_back_off: { reset_headers: [] } }, 'route.retry_policy.rate_limited_retry_back_off.reset_headers: required, at least one reset header'],
  [
    'unknown reset header format',
    { rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After', format: 'MINUTES' }] } },
    'route.retry_policy.rate_limited_retry_back_off.reset_headers[0].format: unknown value "MINUTES"; expected one of SECONDS, UNIX_TIMESTAMP',
  ],
  [
    'an unsupported host predicate',
    { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] },
    'route.retry_policy.retry_host_predicate[0].name: unsupported retry host predicate "envoy.retry_host_predicates.omit_canary_hosts"; only envoy.retry_host_predicates.previous_hosts is supported',
  ],
  ['retry_priority', { retry_priority: { name: 'envoy.retry_priorities.previous_priorities' } }, 'route.retry_policy.retry_priority: retry priority plugins are not supported'],
  ['a bad per_try_timeout', { per_try_timeout: '5' }, 'route.retry_policy.per_try_timeout: expected a duration such as "1.5s", got "5"'],
  ['an unknown field', { retry_onn: '5xx' }, 'route.retry_policy.retry_onn: unknown field'],
  ['a bad retriable header', { retriable_headers: [{ string_match: { exact: 'x' } }] }, 'route.retry_policy.retriable_headers[0].name: required, must be a non-empty string'],
];

for (const [name, value, message] of errors) {
  test(`refused: ${name}`, () => {
    assert.throws(() => decodeRetryPolicy(value, path, strict), { message });
  });
}

test('a base interval below 1 ms is rounded up to 1 ms', () => {
  assert.equal(decodeRetryPolicy({ retry_back_off: { base_interval: '0.0001s' } }, path, strict).backOff.baseIntervalMs, 1);
});

test('max_stream_duration: all three fields, absent ones undefined', () => {
  assert.deepEqual(decodeMaxStreamDuration({ max_stream_duration: '30s', grpc_timeout_header_max: '0s', grpc_timeout_header_offset: '0.05s' }, ['msd'], strict), {
    maxStreamDurationMs: 30_000,
    grpcTimeoutHeaderMaxMs: 0,
    grpcTimeoutHeaderOffsetMs: 50,
  });
  assert.deepEqual(decodeMaxStreamDuration({}, ['msd'], strict), { maxStreamDurationMs: undefined, grpcTimeoutHeaderMaxMs: undefined, grpcTimeoutHeaderOffsetMs: undefined });
  assert.throws(() => decodeMaxStreamDuration({ grpc_timeout_max: '1s' }, ['msd'], strict), { message: 'msd.grpc_timeout_max: unknown field' });
});

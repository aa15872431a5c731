// Decoding LocalRateLimit and sidelet's rate-limit extension: defaults, TypedStruct wrapping, strict errors with paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLocalRateLimit, decodeRateLimitFilterConfig, decodeSideletRateLimit } from '../../src/config/decode-local-rate-limit.ts';

const strict = { strict: true };
const bucket = { max_tokens: 100, tokens_per_fill: 10, fill_interval: '0.1s' };

test('LocalRateLimit status: by number, or by its enum name as xDS sends it', () => {
  const status = (code: unknown) => decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: bucket, status: { code } }, ['rl'], strict).status;
  assert.equal(status(503), 503);
  assert.equal(status('ServiceUnavailable'), 503);
  assert.equal(status('TooManyRequests'), 429);
  assert.throws(() => status('Teapot'), { message: 'rl.status.code: expected a number, got the string "Teapot"' });
});

test('LocalRateLimit: token bucket, Envoy\'s 0 % enabled / enforced defaults, status below 400 means 429', () => {
  const config = decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: bucket, status: { code: 302 } }, ['rl'], strict);
  assert.deepEqual(config.tokenBucket, { maxTokens: 100, tokensPerFill: 10, fillIntervalMs: 100 });
  assert.equal(config.enabledPerMillion, 0);
  assert.equal(config.enforcedPerMillion, 0);
  assert.equal(config.status, 429);
  assert.equal(config.maxQueueingTimeMs, 0);
  const enforced = decodeLocalRateLimit(
    {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      statPrefix: 'rl',
      tokenBucket: { maxTokens: 5, fillInterval: '1s' },
      filterEnabled: { runtimeKey: 'k', defaultValue: { numerator: 100 } },
      filter_enforced: { default_value: { numerator: 50 } },
      response_headers_to_add: [],
    },
    ['rl'],
    strict,
  );
  assert.equal(enforced.tokenBucket.tokensPerFill, 1);
  assert.equal(enforced.enabledPerMillion, 1_000_000);
  assert.equal(enforced.enforcedPerMillion, 500_000);
});

test('LocalRateLimit errors name the path', () => {
  assert.throws(() => decodeLocalRateLimit({ stat_prefix: 'rl' }, ['r'], strict), { message: 'r.token_bucket: required in a per-route or per-virtual-host config' });
  assert.throws(() => decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: { max_tokens: 0, fill_interval: '1s' } }, ['r'], strict), {
    message: 'r.token_bucket.max_tokens: must be at least 1, got 0',
  });
  assert.throws(() => decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: { max_tokens: 1, fill_interval: '0s' } }, ['r'], strict), {
    message: 'r.token_bucket.fill_interval: required, a positive duration',
  });
  assert.throws(() => decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: bucket, descriptors: [{}] }, ['r'], strict), /r\.descriptors: rate limit descriptors are not supported/);
  assert.throws(() => decodeLocalRateLimit({ stat_prefix: 'rl', token_bucket: bucket, tokenbucket: 1 }, ['r'], strict), { message: 'r.tokenbucket: unknown field' });
});

const extension = {
  '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
  type_url: 'type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit',
  value: {
    token_bucket: bucket,
    caller_header: 'X-Caller-App',
    callers: [
      { app: 'checkout', token_bucket: { max_tokens: 50, tokens_per_fill: 5, fill_interval: '0.1s' }, priority: 10 },
      { app: 'batch', priority: -1 },
    ],
    priority_header: 'x-priority',
    default_priority: 1,
    max_queueing_time: '0.5s',
    priorities: [{ priority: 10, max_queueing_time: '2s' }, { priority: -1, max_queueing_time: '0s' }],
    max_queue_size: 200,
    warm_up: { period: '30s' },
  },
};

test('the sidelet extension in a TypedStruct: callers, priorities, queue and warm-up', () => {
  const config = decodeRateLimitFilterConfig(extension, ['tpfc', 'sidelet.filters.http.rate_limit'], strict);
  assert.equal(config.enabledPerMillion, 1_000_000);
  assert.equal(config.enforcedPerMillion, 1_000_000);
  assert.equal(config.callerHeader, 'x-caller-app');
  assert.deepEqual(config.callers, [
    { app: 'checkout', tokenBucket: { maxTokens: 50, tokensPerFill: 5, fillIntervalMs: 100 }, priority: 10 },
    { app: 'batch', tokenBucket: undefined, priority: -1 },
  ]);
  assert.equal(config.defaultPriority, 1);
  assert.equal(config.maxQueueingTimeMs, 500);
  assert.deepEqual(config.priorities, [{ priority: 10, maxQueueingTimeMs: 2000 }, { priority: -1, maxQueueingTimeMs: 0 }]);
  assert.equal(config.maxQueueSize, 200);
  assert.deepEqual(config.warmUp, { periodMs: 30_000, coldFactor: 3 });
  assert.equal(decodeSideletRateLimit({ token_bucket: bucket }, ['x'], strict).maxQueueSize, 1024, 'bare message, default queue size');
});

test('extension errors name the path inside the TypedStruct', () => {
  const withValue = (value: object) => ({ ...extension, value: { ...extension.value, ...value } });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ warm_up: { period: '1s', cold_factor: 1 } }), ['f'], strict), {
    message: 'f.value.warm_up.cold_factor: must be greater than 1, got 1',
  });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ callers: [{ app: 'a', priority: 1 }, { app: 'a', priority: 2 }] }), ['f'], strict), {
    message: 'f.value.callers[1].app: caller "a" is listed twice',
  });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ callers: [{ app: 'a' }] }), ['f'], strict), {
    message: 'f.value.callers[0].app: a caller entry needs a token_bucket, a priority or both',
  });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ priorities: [{ priority: 1 }] }), ['f'], strict), {
    message: 'f.value.priorities[0].max_queueing_time: required (0s: this priority never queues)',
  });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ caller_header: undefined }), ['f'], strict), { message: 'f.value.callers: caller_header is required to tell callers apart' });
  assert.throws(() => decodeRateLimitFilterConfig(withValue({ max_queue_time: '1s' }), ['f'], strict), { message: 'f.value.max_queue_time: unknown field' });
  assert.throws(() => decodeRateLimitFilterConfig({ ...extension, type_url: 'type.googleapis.com/other' }, ['f'], strict), /f\.type_url: expected type\.googleapis\.com\/sidelet/);
  assert.throws(() => decodeRateLimitFilterConfig({ token_bucket: bucket }, ['f'], strict), /f\.@type: expected/);
});

// Decoding config.cluster.v3.CircuitBreakers and the sidelet error_rate_breaker extension:
// Envoy's defaults, proto and JSON field names, wrappers, and one precise error per mistake.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCircuitBreakers, decodeErrorRateBreaker, errorRateBreakerOf } from '../../src/config/decode-circuit-breakers.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { DEFAULT_CIRCUIT_BREAKERS, DEFAULT_ERROR_RATE_BREAKER, DEFAULT_THRESHOLDS, UNLIMITED } from '../../src/core/model/policy-circuit-breakers.ts';

const PATH = ['clusters', 0, 'circuit_breakers'];
const STRICT = { strict: true };

test('an empty message gives Envoy defaults for both priorities', () => {
  assert.deepEqual(decodeCircuitBreakers({}, PATH, STRICT), DEFAULT_CIRCUIT_BREAKERS);
  assert.deepEqual(DEFAULT_THRESHOLDS, {
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    maxRetries: 3,
    maxConnectionPools: UNLIMITED,
    retryBudget: undefined,
  });
});

test('thresholds per priority; an absent priority keeps the defaults; wrappers and JSON names', () => {
  const config = decodeCircuitBreakers(
    {
      thresholds: [
        { priority: 'HIGH', max_connections: 10, maxPendingRequests: { value: 20 }, max_requests: '30', max_retries: 4, max_connection_pools: 2, track_remaining: true },
      ],
    },
    PATH,
    STRICT,
  );
  assert.deepEqual(config.thresholds.HIGH, { maxConnections: 10, maxPendingRequests: 20, maxRequests: 30, maxRetries: 4, maxConnectionPools: 2, retryBudget: undefined });
  assert.equal(config.thresholds.DEFAULT, DEFAULT_THRESHOLDS);
});

test('priority defaults to DEFAULT and may be given by number', () => {
  const config = decodeCircuitBreakers({ thresholds: [{ max_requests: 5 }, { priority: 1, max_requests: 6 }] }, PATH, STRICT);
  assert.equal(config.thresholds.DEFAULT.maxRequests, 5);
  assert.equal(config.thresholds.HIGH.maxRequests, 6);
});

test('retry_budget: Percent as {value} or a number, defaults 20% and 3', () => {
  const decode = (budget: unknown) => decodeCircuitBreakers({ thresholds: [{ retry_budget: budget }] }, PATH, STRICT).thresholds.DEFAULT.retryBudget;
  assert.deepEqual(decode({}), { budgetPercent: 20, minRetryConcurrency: 3 });
  assert.deepEqual(decode({ budget_percent: { value: 25.5 }, min_retry_concurrency: 10 }), { budgetPercent: 25.5, minRetryConcurrency: 10 });
  assert.deepEqual(decode({ budgetPercent: 50 }), { budgetPercent: 50, minRetryConcurrency: 3 });
});

test('per_host_thresholds: max_connections per priority', () => {
  const config = decodeCircuitBreakers({ per_host_thresholds: [{ priority: 'HIGH', max_connections: 8 }] }, PATH, STRICT);
  assert.deepEqual(config.perHostMaxConnections, { DEFAULT: undefined, HIGH: 8 });
});

test('a duplicate priority: refused when strict, the first one wins from xDS (as in Envoy)', () => {
  const value = { thresholds: [{ max_requests: 1 }, { priority: 'DEFAULT', max_requests: 2 }] };
  assert.equal(decodeCircuitBreakers(value, PATH, { strict: false }).thresholds.DEFAULT.maxRequests, 1);
  assert.throws(() => decodeCircuitBreakers(value, PATH, STRICT), {
    message: 'clusters[0].circuit_breakers.thresholds[1].priority: priority DEFAULT is already set by thresholds[0]; Envoy would use only the first',
  });
});

const ERRORS: { name: string; value: unknown; message: string }[] = [
  { name: 'not an object', value: [], message: 'clusters[0].circuit_breakers: expected an object, got a list' },
  { name: 'unknown field', value: { threshold: [] }, message: 'clusters[0].circuit_breakers.threshold: unknown field' },
  { name: 'thresholds not a list', value: { thresholds: {} }, message: 'clusters[0].circuit_breakers.thresholds: expected a list, got an object' },
  {
    name: 'unknown priority',
    value: { thresholds: [{ priority: 'LOW' }] },
    message: 'clusters[0].circuit_breakers.thresholds[0].priority: unknown value "LOW"; expected one of DEFAULT, HIGH',
  },
  { name: 'negative limit', value: { thresholds: [{ max_requests: -1 }] }, message: 'clusters[0].circuit_breakers.thresholds[0].max_requests: must be at least 0, got -1' },
  { name: 'fractional limit', value: { thresholds: [{ max_retries: 1.5 }] }, message: 'clusters[0].circuit_breakers.thresholds[0].max_retries: expected an integer, got 1.5' },
  {
    name: 'limit above UInt32',
    value: { thresholds: [{ max_connections: 4294967296 }] },
    message: 'clusters[0].circuit_breakers.thresholds[0].max_connections: must be at most 4294967295, got 4294967296',
  },
  {
    name: 'budget above 100%',
    value: { thresholds: [{ retry_budget: { budget_percent: { value: 120 } } }] },
    message: 'clusters[0].circuit_breakers.thresholds[0].retry_budget.budget_percent: must be at most 100, got 120',
  },
  {
    name: 'unknown budget field',
    value: { thresholds: [{ retry_budget: { percent: 1 } }] },
    message: 'clusters[0].circuit_breakers.thresholds[0].retry_budget.percent: unknown field',
  },
  {
    name: 'per-host max_requests',
    value: { per_host_thresholds: [{ max_requests: 1 }] },
    message: 'clusters[0].circuit_breakers.per_host_thresholds[0].max_requests: per-host thresholds support only max_connections, as in Envoy',
  },
];

for (const { name, value, message } of ERRORS) {
  test(`refused: ${name}`, () => {
    assert.throws(() => decodeCircuitBreakers(value, PATH, STRICT), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  });
}

const ERB_PATH = ['clusters', 0, 'metadata', 'filter_metadata', 'sidelet', 'error_rate_breaker'];

test('error_rate_breaker: defaults, and every field', () => {
  assert.deepEqual(decodeErrorRateBreaker({}, ERB_PATH, STRICT), DEFAULT_ERROR_RATE_BREAKER);
  assert.deepEqual(DEFAULT_ERROR_RATE_BREAKER, {
    errorPercent: 50,
    minRequestVolume: 20,
    windowMs: 10_000,
    buckets: 10,
    resetTimeoutMs: 30_000,
    perMethod: false,
    maxMethods: 1000,
  });
  assert.deepEqual(
    decodeErrorRateBreaker(
      { error_percent: 25.5, min_request_volume: 100, window: '30s', buckets: 30, reset_timeout: '5s', per_method: true, maxMethods: 50 },
      ERB_PATH,
      STRICT,
    ),
    { errorPercent: 25.5, minRequestVolume: 100, windowMs: 30_000, buckets: 30, resetTimeoutMs: 5_000, perMethod: true, maxMethods: 50 },
  );
});

test('error_rate_breaker is found in cluster metadata under filter_metadata.sidelet', () => {
  const metadata = { sidelet: { error_rate_breaker: { error_percent: 10, window: 'soon' } } };
  assert.equal(errorRateBreakerOf({}, ['clusters', 0, 'metadata'], STRICT), undefined);
  assert.equal(errorRateBreakerOf({ sidelet: {} }, ['clusters', 0, 'metadata'], STRICT), undefined);
  assert.throws(() => errorRateBreakerOf(metadata, ['clusters', 0, 'metadata'], STRICT), {
    message: 'clusters[0].metadata.filter_metadata.sidelet.error_rate_breaker.window: expected a duration such as "1.5s", got "soon"',
  });
});

const ERB_ERRORS: { name: string; value: unknown; message: string }[] = [
  { name: 'percent above 100', value: { error_percent: 101 }, message: 'error_percent: must be at most 100, got 101' },
  { name: 'zero window', value: { window: '0s' }, message: 'window: must be a positive duration' },
  { name: 'zero reset timeout', value: { reset_timeout: '0s' }, message: 'reset_timeout: must be a positive duration' },
  { name: 'buckets shorter than 1 ms', value: { window: '0.005s', buckets: 10 }, message: 'buckets: 10 buckets in a 5 ms window are shorter than 1 ms' },
  { name: 'zero buckets', value: { buckets: 0 }, message: 'buckets: must be at least 1, got 0' },
  { name: 'per_method not a bool', value: { per_method: 'yes' }, message: 'per_method: expected true or false, got the string "yes"' },
  { name: 'zero max_methods', value: { max_methods: 0 }, message: 'max_methods: must be at least 1, got 0' },
  { name: 'unknown field', value: { threshold: 5 }, message: 'threshold: unknown field' },
];

for (const { name, value, message } of ERB_ERRORS) {
  test(`error_rate_breaker refused: ${name}`, () => {
    assert.throws(() => decodeErrorRateBreaker(value, ERB_PATH, STRICT), { message: `clusters[0].metadata.filter_metadata.sidelet.error_rate_breaker.${message}` });
  });
}

test('error_rate_breaker from xDS (not strict) ignores unknown fields', () => {
  assert.deepEqual(decodeErrorRateBreaker({ future_field: 1 }, ERB_PATH, { strict: false }), DEFAULT_ERROR_RATE_BREAKER);
});

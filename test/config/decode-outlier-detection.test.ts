// Decoding config.cluster.v3.OutlierDetection: Envoy's defaults, the stdev factor in
// thousandths, percent and duration bounds, and one precise error per mistake.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeOutlierDetection } from '../../src/config/decode-outlier-detection.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { DEFAULT_OUTLIER_DETECTION } from '../../src/core/model/policy-outlier-detection.ts';

const PATH = ['clusters', 0, 'outlier_detection'];
const STRICT = { strict: true };

test('an empty message gives the documented Envoy defaults', () => {
  assert.deepEqual(decodeOutlierDetection({}, PATH, STRICT), {
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionTimeJitterMs: 0,
    maxEjectionPercent: 10,
    splitExternalLocalOriginErrors: false,
    consecutive5xx: 5,
    consecutiveGatewayFailure: 5,
    consecutiveLocalOriginFailure: 5,
    enforcingConsecutive5xx: 100,
    enforcingConsecutiveGatewayFailure: 0,
    enforcingConsecutiveLocalOriginFailure: 100,
    successRateMinimumHosts: 5,
    successRateRequestVolume: 100,
    successRateStdevFactor: 1.9,
    enforcingSuccessRate: 100,
    enforcingLocalOriginSuccessRate: 100,
    failurePercentageThreshold: 85,
    failurePercentageMinimumHosts: 5,
    failurePercentageRequestVolume: 50,
    enforcingFailurePercentage: 0,
    enforcingFailurePercentageLocalOrigin: 0,
  });
  assert.deepEqual(decodeOutlierDetection({}, PATH, STRICT), DEFAULT_OUTLIER_DETECTION);
});

test('every field, by proto name, JSON name, wrapper and duration', () => {
  const config = decodeOutlierDetection(
    {
      consecutive_5xx: 3,
      interval: '1s',
      baseEjectionTime: '2.5s',
      max_ejection_time: { seconds: 60 },
      max_ejection_time_jitter: '0.250s',
      max_ejection_percent: { value: 50 },
      enforcing_consecutive_5xx: 90,
      enforcing_success_rate: 80,
      success_rate_minimum_hosts: 3,
      success_rate_request_volume: 10,
      success_rate_stdev_factor: 1000,
      consecutive_gateway_failure: 2,
      enforcing_consecutive_gateway_failure: 100,
      split_external_local_origin_errors: true,
      consecutive_local_origin_failure: 4,
      enforcing_consecutive_local_origin_failure: 70,
      enforcing_local_origin_success_rate: 60,
      failure_percentage_threshold: 50,
      enforcing_failure_percentage: 40,
      enforcing_failure_percentage_local_origin: 30,
      failure_percentage_minimum_hosts: 2,
      failure_percentage_request_volume: 20,
      always_eject_one_host: true,
      successful_active_health_check_uneject_host: false,
    },
    PATH,
    STRICT,
  );
  assert.deepEqual(config, {
    intervalMs: 1_000,
    baseEjectionTimeMs: 2_500,
    maxEjectionTimeMs: 60_000,
    maxEjectionTimeJitterMs: 250,
    maxEjectionPercent: 50,
    splitExternalLocalOriginErrors: true,
    consecutive5xx: 3,
    consecutiveGatewayFailure: 2,
    consecutiveLocalOriginFailure: 4,
    enforcingConsecutive5xx: 90,
    enforcingConsecutiveGatewayFailure: 100,
    enforcingConsecutiveLocalOriginFailure: 70,
    successRateMinimumHosts: 3,
    successRateRequestVolume: 10,
    successRateStdevFactor: 1,
    enforcingSuccessRate: 80,
    enforcingLocalOriginSuccessRate: 60,
    failurePercentageThreshold: 50,
    failurePercentageMinimumHosts: 2,
    failurePercentageRequestVolume: 20,
    enforcingFailurePercentage: 40,
    enforcingFailurePercentageLocalOrigin: 30,
  });
});

test('a base_ejection_time above the default max is kept (the cap becomes the base)', () => {
  const config = decodeOutlierDetection({ base_ejection_time: '400s' }, PATH, STRICT);
  assert.equal(config.baseEjectionTimeMs, 400_000);
  assert.equal(config.maxEjectionTimeMs, 300_000);
});

const ERRORS: { name: string; value: unknown; message: string }[] = [
  { name: 'not an object', value: 'yes', message: 'clusters[0].outlier_detection: expected an object, got the string "yes"' },
  { name: 'unknown field', value: { consecutive5XX: 3 }, message: 'clusters[0].outlier_detection.consecutive5XX: unknown field' },
  { name: 'percent above 100', value: { max_ejection_percent: 101 }, message: 'clusters[0].outlier_detection.max_ejection_percent: must be at most 100, got 101' },
  { name: 'enforcing below 0', value: { enforcing_success_rate: -1 }, message: 'clusters[0].outlier_detection.enforcing_success_rate: must be at least 0, got -1' },
  { name: 'fractional count', value: { consecutive_5xx: 2.5 }, message: 'clusters[0].outlier_detection.consecutive_5xx: expected an integer, got 2.5' },
  { name: 'zero interval', value: { interval: '0s' }, message: 'clusters[0].outlier_detection.interval: must be a positive duration' },
  { name: 'zero base ejection time', value: { base_ejection_time: '0s' }, message: 'clusters[0].outlier_detection.base_ejection_time: must be a positive duration' },
  { name: 'bad duration', value: { interval: 10 }, message: 'clusters[0].outlier_detection.interval: expected a duration such as "1.5s", got number 10' },
  {
    name: 'max below base, both set',
    value: { base_ejection_time: '60s', max_ejection_time: '30s' },
    message: 'clusters[0].outlier_detection.max_ejection_time: 30000 ms is below base_ejection_time 60000 ms',
  },
  {
    name: 'monitors',
    value: { monitors: [{ name: 'x' }] },
    message: 'clusters[0].outlier_detection.monitors: outlier detection monitor extensions are not supported',
  },
  {
    name: 'both spellings',
    value: { consecutive_5xx: 1, consecutive5xx: 2 },
    message: 'clusters[0].outlier_detection: both "consecutive_5xx" and "consecutive5xx" are set; they are the same field',
  },
];

for (const { name, value, message } of ERRORS) {
  test(`refused: ${name}`, () => {
    assert.throws(() => decodeOutlierDetection(value, PATH, STRICT), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    });
  });
}

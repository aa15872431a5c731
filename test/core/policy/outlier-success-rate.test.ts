// The success-rate ejection threshold: mean − factor × population stdev (Envoy
// DetectorImpl::successRateEjectionThreshold).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { successRateEjectionThreshold } from '../../../src/core/policy/outlier-success-rate.ts';

const TABLE = [
  { rates: [100, 100, 100, 100, 50], factor: 1.9, threshold: 52 },
  { rates: [100, 98, 96, 94, 80], factor: 1.9, threshold: 93.6 - 1.9 * Math.sqrt(50.24) },
  { rates: [90, 90, 90], factor: 1.9, threshold: 90 },
  { rates: [100, 0], factor: 1, threshold: 0 },
  { rates: [70], factor: 1.9, threshold: 70 },
];

for (const { rates, factor, threshold } of TABLE) {
  test(`rates ${rates.join(', ')}, factor ${factor}: ${threshold.toFixed(2)}`, () => {
    assert.ok(Math.abs(successRateEjectionThreshold(rates, factor) - threshold) < 1e-9);
  });
}

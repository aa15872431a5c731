// When the next active health check runs (Envoy HealthCheckerImplBase::interval): the standard,
// unhealthy and edge intervals, no_traffic intervals before traffic, and both jitters in bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { HealthCheckConfig } from '../../../src/core/model/policy-health-check.ts';
import { firstCheckDelayMs, nextCheckDelayMs, withJitter } from '../../../src/core/policy/health-check-interval.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

function config(overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return {
    timeoutMs: 100,
    intervalMs: 1000,
    initialJitterMs: 0,
    intervalJitterMs: 0,
    intervalJitterPercent: 0,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
    reuseConnection: true,
    noTrafficIntervalMs: undefined,
    noTrafficHealthyIntervalMs: undefined,
    unhealthyIntervalMs: 2000,
    unhealthyEdgeIntervalMs: 300,
    healthyEdgeIntervalMs: 400,
    checker: { kind: 'tcp' },
    ...overrides,
  };
}

const NO_RANDOM = () => assert.fail('no jitter configured, so nothing is drawn');

test('the wait after each kind of result', () => {
  const c = config();
  const cases: [boolean, 'changed' | 'pending' | 'unchanged', number][] = [
    [true, 'unchanged', 1000],
    [true, 'changed', 1000],
    [true, 'pending', 400],
    [false, 'unchanged', 2000],
    [false, 'changed', 2000],
    [false, 'pending', 300],
  ];
  for (const [passed, transition, ms] of cases) assert.equal(nextCheckDelayMs(c, passed, transition, true, NO_RANDOM), ms, `${passed} ${transition}`);
});

test('before traffic, a configured no_traffic_interval wins; no_traffic_healthy_interval after a settled success', () => {
  const c = config({ noTrafficIntervalMs: 60_000, noTrafficHealthyIntervalMs: 120_000 });
  assert.equal(nextCheckDelayMs(c, true, 'unchanged', false, NO_RANDOM), 120_000);
  assert.equal(nextCheckDelayMs(c, true, 'pending', false, NO_RANDOM), 60_000);
  assert.equal(nextCheckDelayMs(c, false, 'changed', false, NO_RANDOM), 60_000);
  assert.equal(nextCheckDelayMs(c, true, 'unchanged', true, NO_RANDOM), 1000, 'traffic seen: the standard interval');
  assert.equal(nextCheckDelayMs(config(), true, 'unchanged', false, NO_RANDOM), 1000, 'not configured: the standard interval');
});

test('jitter stays within base + percent span + interval_jitter, and reaches across it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (base, percent, jitter, r) => {
      const ms = withJitter(config({ intervalJitterPercent: percent, intervalJitterMs: jitter }), base, () => r);
      assert.ok(ms >= base);
      assert.ok(ms <= base + (percent * base) / 100 + jitter);
      assert.ok(Number.isInteger(ms));
    }),
  );
  const random = seededRandom(7);
  const c = config({ intervalJitterMs: 100, intervalJitterPercent: 10 });
  const samples = Array.from({ length: 2000 }, () => withJitter(c, 1000, random));
  assert.ok(Math.min(...samples) < 1020 && Math.max(...samples) > 1180, 'the draws cover the range');
});

test('the first check runs at once, or after a random 0..initial_jitter', () => {
  assert.equal(firstCheckDelayMs(config(), NO_RANDOM), 0);
  const random = seededRandom(3);
  const delays = Array.from({ length: 1000 }, () => firstCheckDelayMs(config({ initialJitterMs: 500 }), random));
  assert.ok(delays.every((d) => d >= 0 && d < 500 && Number.isInteger(d)));
  assert.ok(Math.max(...delays) > 450 && Math.min(...delays) < 50);
});

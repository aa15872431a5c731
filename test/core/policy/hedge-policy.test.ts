// Envoy HedgePolicy: initial request count with additional_request_chance, and what a per-try
// timeout does with and without hedge_on_per_try_timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HEDGE_POLICY, type HedgePolicyConfig } from '../../../src/core/model/policy-hedge.ts';
import { NO_RETRY_POLICY, type RetryOn } from '../../../src/core/model/policy-retry.ts';
import { initialRequestCount, perTryTimeoutAction } from '../../../src/core/policy/hedge-policy.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

const hedge = (over: Partial<HedgePolicyConfig>): HedgePolicyConfig => ({ ...DEFAULT_HEDGE_POLICY, ...over });
const retry = (...on: RetryOn[]) => ({ ...NO_RETRY_POLICY, retryOn: new Set(on), numRetries: 2 });

test('initial_requests start at once; additional_request_chance adds one with that probability', () => {
  assert.equal(initialRequestCount(DEFAULT_HEDGE_POLICY, () => 0), 1);
  assert.equal(initialRequestCount(hedge({ initialRequests: 3 }), () => 0), 3);
  assert.equal(initialRequestCount(hedge({ additionalRequestChancePerMillion: 1_000_000 }), () => 0.999), 2);
  const random = seededRandom(9);
  let extra = 0;
  for (let i = 0; i < 10_000; i++) extra += initialRequestCount(hedge({ additionalRequestChancePerMillion: 250_000 }), random) - 1;
  assert.ok(extra > 2300 && extra < 2700, `${extra} extra of 10000 at 25 %`);
});

test('per-try timeout: hedge when hedge_on_per_try_timeout, whatever retry_on says', () => {
  assert.equal(perTryTimeoutAction(hedge({ hedgeOnPerTryTimeout: true }), retry()), 'hedge');
  assert.equal(perTryTimeoutAction(hedge({ hedgeOnPerTryTimeout: true }), retry('5xx')), 'hedge');
});

test('per-try timeout without hedging: retry when retry_on covers a reset, else fail', () => {
  assert.equal(perTryTimeoutAction(undefined, retry('5xx')), 'retry');
  assert.equal(perTryTimeoutAction(DEFAULT_HEDGE_POLICY, retry('gateway-error')), 'retry');
  assert.equal(perTryTimeoutAction(undefined, retry('reset')), 'retry');
  assert.equal(perTryTimeoutAction(undefined, retry('connect-failure', 'retriable-4xx')), 'fail');
  assert.equal(perTryTimeoutAction(undefined, retry()), 'fail');
});

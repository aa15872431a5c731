// The retry budget (Envoy CircuitBreakers.Thresholds.RetryBudget): the retry limit is
// budget_percent of active + pending requests, never below min_retry_concurrency, and it
// replaces max_retries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MeshError } from '../../../src/core/errors.ts';
import { DEFAULT_RETRY_BUDGET, DEFAULT_THRESHOLDS } from '../../../src/core/model/policy-circuit-breakers.ts';
import { type Release, ResourceManager } from '../../../src/core/policy/resource-manager.ts';
import { retryBudgetLimit } from '../../../src/core/policy/retry-budget.ts';

const TABLE = [
  // Envoy's example: "if there are 100 active requests and the budget_percent is set to 25, there may be 25 active retries".
  { budget: { budgetPercent: 25, minRetryConcurrency: 3 }, active: 100, pending: 0, limit: 25 },
  { budget: DEFAULT_RETRY_BUDGET, active: 0, pending: 0, limit: 3 },
  { budget: DEFAULT_RETRY_BUDGET, active: 10, pending: 0, limit: 3 },
  { budget: DEFAULT_RETRY_BUDGET, active: 40, pending: 10, limit: 10 },
  { budget: DEFAULT_RETRY_BUDGET, active: 24, pending: 0, limit: 4 },
  { budget: { budgetPercent: 0, minRetryConcurrency: 0 }, active: 500, pending: 0, limit: 0 },
  { budget: { budgetPercent: 100, minRetryConcurrency: 1 }, active: 7, pending: 2, limit: 9 },
];

for (const { budget, active, pending, limit } of TABLE) {
  test(`${budget.budgetPercent}% of ${active} active + ${pending} pending, at least ${budget.minRetryConcurrency}: ${limit} retries`, () => {
    assert.equal(retryBudgetLimit(budget, active, pending), limit);
  });
}

test('the limit never goes below min_retry_concurrency and never falls as load grows', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.nat(100), fc.nat(10_000), fc.nat(10_000), (percent, min, load, more) => {
      const budget = { budgetPercent: percent, minRetryConcurrency: min };
      const limit = retryBudgetLimit(budget, load, 0);
      assert.ok(limit >= min);
      assert.ok(retryBudgetLimit(budget, load, more) >= limit);
    }),
  );
});

function hold(manager: ResourceManager, kind: 'requests' | 'pendingRequests' | 'retries', n: number): Release[] {
  return Array.from({ length: n }, () => {
    const r = manager.tryAcquire(kind);
    assert.equal(typeof r, 'function');
    return r as Release;
  });
}

test('with a budget, max_retries is replaced: retries follow active and pending requests', () => {
  const manager = new ResourceManager('reviews', 'DEFAULT', { ...DEFAULT_THRESHOLDS, maxRetries: 1, retryBudget: DEFAULT_RETRY_BUDGET });
  hold(manager, 'retries', 3);
  const exhausted = manager.tryAcquire('retries');
  assert.ok(exhausted instanceof MeshError);
  assert.equal(exhausted.code, 'SIDELET_UPSTREAM_OVERFLOW');
  assert.equal(
    exhausted.message,
    'cluster "reviews" priority DEFAULT: retry budget exhausted: 3 concurrent retries allowed (20% of 0 active + 0 pending requests, at least min_retry_concurrency 3)',
  );
  const requests = hold(manager, 'requests', 20);
  hold(manager, 'pendingRequests', 5);
  assert.equal(manager.limit('retries'), 5);
  hold(manager, 'retries', 2);
  assert.ok(manager.tryAcquire('retries') instanceof MeshError);
  for (const release of requests.slice(0, 10)) release();
  assert.equal(manager.limit('retries'), 3);
  assert.equal(manager.remaining('retries'), 0, 'retries held above a shrunken budget leave nothing');
});

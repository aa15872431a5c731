// Envoy's retry budget (config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget): the limit on
// concurrent retries follows the cluster's load instead of a fixed max_retries.
import type { RetryBudgetConfig } from '../model/policy-circuit-breakers.ts';

/**
 * Concurrent retries allowed: budget_percent of (active requests + pending requests), rounded
 * down, and never below min_retry_concurrency — Envoy's RetryBudgetImpl::max() in
 * source/common/upstream/resource_manager_impl.h.
 */
export function retryBudgetLimit(budget: RetryBudgetConfig, activeRequests: number, pendingRequests: number): number {
  return Math.max(budget.minRetryConcurrency, Math.floor((budget.budgetPercent / 100) * (activeRequests + pendingRequests)));
}

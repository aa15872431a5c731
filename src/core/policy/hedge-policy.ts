// Envoy's HedgePolicy (config.route.v3.HedgePolicy, "HTTP request hedging" in the router
// architecture docs): how many attempts start at once, and what a per-try timeout does. Pure.
import type { HedgePolicyConfig } from '../model/policy-hedge.ts';
import type { RetryPolicyConfig } from '../model/policy-retry.ts';
import { shouldRetry } from './retry-classifier.ts';

/**
 * Attempts to start at once: initial_requests, plus one with additional_request_chance. Each
 * goes to a different host (exclude the hosts already picked). Draws `random` only when the
 * chance is between 0 and 1.
 */
export function initialRequestCount(policy: HedgePolicyConfig, random: () => number): number {
  const chance = policy.additionalRequestChancePerMillion;
  if (chance <= 0) return policy.initialRequests;
  if (chance >= 1_000_000) return policy.initialRequests + 1;
  return policy.initialRequests + (random() * 1_000_000 < chance ? 1 : 0);
}

/**
 * What the loop does when an attempt's per-try timeout fires:
 * - `hedge`: keep the timed-out attempt running and start another on a different host; the first
 *   good answer wins and the rest are cancelled. Envoy hedges whatever retry_on says, as long as
 *   retries are left (the hedge counts as one; with none left, the attempt just keeps running
 *   under the route deadline), and never retries the timed-out attempt again, even if its late
 *   answer would be retriable.
 * - `retry`: cancel the attempt and retry it through `decideRetry` (retry_on includes a reset).
 * - `fail`: cancel it and fail the request with SIDELET_TIMEOUT.
 */
export function perTryTimeoutAction(hedge: HedgePolicyConfig | undefined, retry: RetryPolicyConfig): 'hedge' | 'retry' | 'fail' {
  if (hedge?.hedgeOnPerTryTimeout) return 'hedge';
  return shouldRetry(retry, { kind: 'failure', failure: 'timeout' }) ? 'retry' : 'fail';
}

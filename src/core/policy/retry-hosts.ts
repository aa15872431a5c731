// Which hosts a retry should avoid: Envoy's previous_hosts retry host predicate
// (envoy.retry_host_predicates.previous_hosts). Pure; the set goes to the balancer as
// PickRequest.exclude. (Hedged and backup attempts always exclude every tried host.)
import type { RetryPolicyConfig } from '../model/policy-retry.ts';

const NONE: ReadonlySet<string> = new Set();

/**
 * For a retry: the ids of the hosts already tried when the policy has the previous_hosts
 * predicate, else none. The balancer avoids excluded hosts and falls back to them only when
 * nothing else is available, which is what Envoy's host_selection_retry_max_attempts
 * reselection approximates; a value of 0 turns the avoidance off.
 */
export function retryExclusions(policy: RetryPolicyConfig, tried: ReadonlySet<string>): ReadonlySet<string> {
  return policy.avoidPreviousHosts && policy.hostSelectionRetryMaxAttempts > 0 ? tried : NONE;
}


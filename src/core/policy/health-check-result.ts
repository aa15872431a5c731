// What one active health check came to, and how an HTTP status maps to it (Envoy
// HttpHealthCheck expected_statuses / retriable_statuses and HealthCheck.unhealthy_threshold).
import { type HttpHealthCheck, statusIn } from '../model/policy-health-check.ts';

/**
 * 'failure' counts toward unhealthy_threshold: network errors, timeouts and retriable statuses
 * (Envoy's FailureType NETWORK). 'immediate-failure' marks a healthy host unhealthy at once: "for
 * http health checking if a host responds with a code not in expected_statuses or
 * retriable_statuses, this threshold is ignored and the host is considered immediately unhealthy".
 */
export type CheckResult = 'success' | 'failure' | 'immediate-failure';

/** expected_statuses take precedence where they overlap retriable_statuses. */
export function httpStatusResult(check: HttpHealthCheck, status: number): CheckResult {
  if (statusIn(status, check.expectedStatuses)) return 'success';
  return statusIn(status, check.retriableStatuses) ? 'failure' : 'immediate-failure';
}

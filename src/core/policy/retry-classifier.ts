// Whether one attempt's outcome is retriable under a route's retry_on conditions, following
// Envoy's RetryStateImpl::wouldRetryFromHeaders / wouldRetryFromReset (config.route.v3.RetryPolicy,
// x-envoy-retry-on and x-envoy-retry-grpc-on in the router filter docs). Pure; any thread.
import type { RetryOn, RetryPolicyConfig } from '../model/policy-retry.ts';
import { type HeaderLookup, matchHeader } from '../router/header-matcher.ts';

/**
 * A failure found locally, before or instead of a response:
 * - `reset`: the stream or connection was reset after the attempt started (Envoy: remote/local reset);
 * - `connect-failure`: no connection could be made (Envoy: ConnectionFailure);
 * - `refused-stream`: HTTP/2 REFUSED_STREAM from the upstream;
 * - `timeout`: the per-try timeout fired (Envoy resets the stream locally, so it counts as a reset);
 * - `overflow`: a local limit (circuit breaker) refused the attempt; Envoy never retries it.
 */
export type LocalFailure = 'reset' | 'connect-failure' | 'refused-stream' | 'timeout' | 'overflow';

/** What one attempt came to. Header names are looked up lower-cased. */
export type AttemptOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: HeaderLookup;
      /** gRPC status from a trailers-only response or from trailers; when absent, read from `grpc-status` in `headers`. */
      readonly grpcStatus?: number;
    }
  | {
      readonly kind: 'failure';
      readonly failure: LocalFailure;
      /** False when the request headers never reached the upstream (reset-before-request); default true. */
      readonly requestSent?: boolean;
    };

// gRPC status codes (grpc/doc/statuscodes.md).
const GRPC_STATUS: Readonly<Record<number, RetryOn>> = { 1: 'cancelled', 4: 'deadline-exceeded', 8: 'resource-exhausted', 13: 'internal', 14: 'unavailable' };

/**
 * True when `outcome` matches one of the policy's retry_on conditions. This is the
 * classification only: whether a retry then happens is `decideRetry` (retry-decision.ts),
 * which also applies the attempt count, the request's replayability and the budget.
 */
export function shouldRetry(policy: RetryPolicyConfig, outcome: AttemptOutcome): boolean {
  const on = policy.retryOn;
  if (on.size === 0) return false;
  if (outcome.kind === 'failure') return failureIsRetriable(on, outcome.failure, outcome.requestSent ?? true);
  const { status, headers } = outcome;
  // An upstream that says it is overloaded is never retried; a rate-limited answer only with envoy-ratelimited.
  if (headers('x-envoy-overloaded') !== undefined) return false;
  if (headers('x-envoy-ratelimited') !== undefined) return on.has('envoy-ratelimited');
  if (on.has('5xx') && status >= 500 && status <= 599) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  if (on.has('retriable-status-codes') && policy.retriableStatusCodes.has(status)) return true;
  if (on.has('retriable-headers') && policy.retriableHeaders.some((m) => matchHeader(m, headers(m.name)))) return true;
  const grpc = outcome.grpcStatus ?? parseGrpcStatus(headers('grpc-status'));
  const condition = grpc === undefined ? undefined : GRPC_STATUS[grpc];
  return condition !== undefined && on.has(condition);
}

function failureIsRetriable(on: ReadonlySet<RetryOn>, failure: LocalFailure, requestSent: boolean): boolean {
  if (failure === 'overflow') return false;
  if (!requestSent && on.has('reset-before-request')) return true;
  // Envoy counts any upstream reset (a per-try timeout included) as a 5xx, since it results in one.
  if (on.has('5xx') || on.has('gateway-error') || on.has('reset')) return true;
  if (failure === 'refused-stream') return on.has('refused-stream');
  if (failure === 'connect-failure') return on.has('connect-failure');
  return false;
}

function parseGrpcStatus(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,2}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * retriable_request_headers: when the policy lists any, the request must match at least one
 * of them, or it is never retried (Envoy clears retry_on for it).
 */
export function requestAllowsRetry(policy: RetryPolicyConfig, requestHeaders: HeaderLookup): boolean {
  const matchers = policy.retriableRequestHeaders;
  return matchers.length === 0 || matchers.some((m) => matchHeader(m, requestHeaders(m.name)));
}

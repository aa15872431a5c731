// The whole retry decision for one finished attempt: the rules the attempt loop must apply on
// top of the retry_on classification, in Envoy's order (RetryStateImpl::shouldRetry). Pure.
import type { RetryPolicyConfig } from '../model/policy-retry.ts';
import { type AttemptOutcome, shouldRetry } from './retry-classifier.ts';

/** What the loop knows about the request when an attempt ends. */
export interface RetryContext {
  /** Retries already started for this request (0 after the first attempt). Hedged attempts count too. */
  readonly retriesDone: number;
  /** Any byte of a response was handed to the caller: the answer is committed, never retried. */
  readonly responseStarted: boolean;
  /** The request body can be sent again (fully buffered, or none). A streamed body cannot. */
  readonly bodyReplayable: boolean;
  /** False when retriable_request_headers rules the request out (`requestAllowsRetry`). */
  readonly requestRetriable: boolean;
  /**
   * The cluster's retry budget or max_retries breaker (owned by the circuit-breaker module):
   * asked last, only when everything else allows a retry, since saying yes may reserve a slot.
   */
  readonly canRetry: () => boolean;
}

/**
 * `retry`: back off (`nextBackoff`), then start a new attempt. Every other verdict ends the
 * request with the outcome in hand; they are told apart for stats (Envoy's
 * upstream_rq_retry_limit_exceeded and upstream_rq_retry_overflow).
 */
export type RetryVerdict =
  | 'retry'
  | 'not-retriable'
  | 'response-started'
  | 'body-not-replayable'
  | 'request-not-retriable'
  | 'limit-exceeded'
  | 'budget-exhausted';

/**
 * Applies, in order: the retry_on classification; no retry once the response has started
 * streaming to the caller; none when the body cannot be replayed; none when
 * retriable_request_headers excludes the request; none beyond num_retries; none when the
 * budget hook says no.
 */
export function decideRetry(policy: RetryPolicyConfig, outcome: AttemptOutcome, ctx: RetryContext): RetryVerdict {
  if (ctx.responseStarted) return 'response-started';
  if (!shouldRetry(policy, outcome)) return 'not-retriable';
  if (!ctx.bodyReplayable) return 'body-not-replayable';
  if (!ctx.requestRetriable) return 'request-not-retriable';
  if (ctx.retriesDone >= policy.numRetries) return 'limit-exceeded';
  if (!ctx.canRetry()) return 'budget-exhausted';
  return 'retry';
}

// How long to wait before the next retry: the rate-limited back-off when the response names a
// reset time (RetryPolicy.rate_limited_retry_back_off), else full-jitter exponential back-off
// (RetryPolicy.retry_back_off). Pure: randomness and wall-clock time are passed in.
import type { RateLimitedBackOffConfig, ResetHeaderConfig, RetryPolicyConfig } from '../model/policy-retry.ts';
import type { HeaderLookup } from '../router/header-matcher.ts';
import { fullJitterBackoff, jitteredLowerBound } from './backoff.ts';

/**
 * The delay in ms before retry number `retryIndex` (0 for the first retry).
 * `responseHeaders`: the retried response's headers, undefined after a local failure.
 * `wallNowMs`: wall-clock epoch ms (Date.now() in the runtime), for UNIX_TIMESTAMP and HTTP-date
 * reset headers; the monotonic Clock cannot answer those.
 * The loop still checks the delay against the route deadline: a retry that cannot start before
 * it is pointless.
 */
export function nextBackoff(
  policy: RetryPolicyConfig,
  retryIndex: number,
  random: () => number,
  responseHeaders: HeaderLookup | undefined,
  wallNowMs: number,
): number {
  const limited = policy.rateLimitedBackOff;
  if (limited !== undefined && responseHeaders !== undefined) {
    const interval = rateLimitedInterval(limited, responseHeaders, wallNowMs);
    if (interval !== undefined) return jitteredLowerBound(interval, random);
  }
  return fullJitterBackoff(policy.backOff.baseIntervalMs, policy.backOff.maxIntervalMs, retryIndex, random);
}

/**
 * Envoy's algorithm: reset headers are tried in order; the first that parses to an interval
 * no longer than max_interval wins; one that is longer is discarded and the next is tried.
 */
export function rateLimitedInterval(config: RateLimitedBackOffConfig, headers: HeaderLookup, wallNowMs: number): number | undefined {
  for (const header of config.resetHeaders) {
    const interval = parseResetHeader(header, headers(header.name), wallNowMs);
    if (interval !== undefined && interval <= config.maxIntervalMs) return interval;
  }
  return undefined;
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * One reset header's interval in ms, or undefined when absent, malformed or in the past.
 * A header repeated arrives joined by ","; only its first value counts (Envoy). SECONDS also
 * takes an IMF-fixdate HTTP-date, the other form Retry-After may have (RFC 9110 §10.2.3).
 */
export function parseResetHeader(header: ResetHeaderConfig, value: string | undefined, wallNowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (header.format === 'SECONDS' && IMF_FIXDATE.test(trimmed)) return untilEpochMs(Date.parse(trimmed), wallNowMs);
  const first = trimmed.split(',', 1)[0]!.trim();
  if (!/^\d{1,15}$/.test(first)) return undefined;
  const n = Number(first);
  return header.format === 'SECONDS' ? n * 1000 : untilEpochMs(n * 1000, wallNowMs);
}

function untilEpochMs(epochMs: number, wallNowMs: number): number | undefined {
  if (!Number.isFinite(epochMs) || epochMs < wallNowMs) return undefined;
  return Math.ceil(epochMs - wallNowMs);
}

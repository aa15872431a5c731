// Back-off intervals: Envoy's fully jittered exponential back-off and the jittered lower bound
// it applies to a rate-limit reset interval. Pure; randomness is injected.

/**
 * Full jitter, as Envoy's JitteredExponentialBackOffStrategy: the k-th retry (k from 0) waits a
 * whole number of ms drawn uniformly from [0, min(max, base × 2^k)).
 */
export function fullJitterBackoff(baseMs: number, maxMs: number, retryIndex: number, random: () => number): number {
  const cap = exponentialCap(baseMs, maxMs, retryIndex);
  return Math.min(Math.floor(random() * cap), cap - 1);
}

/** The exclusive upper bound of the k-th retry's interval: min(max, base × 2^k), at least 1 ms. */
export function exponentialCap(baseMs: number, maxMs: number, retryIndex: number): number {
  const base = Math.max(1, Math.ceil(baseMs));
  const max = Math.max(base, Math.floor(maxMs));
  // 2^k overflows nothing here: once base × 2^k passes max, max is the answer.
  const doublings = Math.min(retryIndex, Math.ceil(Math.log2(max / base)) + 1);
  return Math.min(max, base * 2 ** doublings);
}

/**
 * RetryPolicy.RateLimitedRetryBackOff: an interval the upstream asked for, jittered to
 * random(interval, interval × 1.5) so clients told the same instant do not all return at once.
 */
export function jitteredLowerBound(intervalMs: number, random: () => number): number {
  return Math.floor(intervalMs + random() * intervalMs * 0.5);
}

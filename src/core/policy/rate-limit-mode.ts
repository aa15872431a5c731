// Whether a request is checked against the rate limit, and whether the check is enforced:
// Envoy's local rate limit filter_enabled / filter_enforced runtime fractional percents.
import type { RateLimitConfig } from '../model/policy-rate-limit.ts';

/** 'off': not checked; 'shadow': a token is taken if there is one, but the request goes anyway; 'enforce': refused (or queued) without a token. */
export type RateLimitMode = 'off' | 'shadow' | 'enforce';

/**
 * Envoy draws filter_enabled first; a request not enabled skips the filter. An enabled request
 * is checked, and a refusal stands only if filter_enforced also draws it (else it goes on, and
 * Envoy adds request_headers_to_add_when_not_enforced).
 */
export function rateLimitMode(config: Pick<RateLimitConfig, 'enabledPerMillion' | 'enforcedPerMillion'>, random: () => number): RateLimitMode {
  if (!drawn(config.enabledPerMillion, random)) return 'off';
  return drawn(config.enforcedPerMillion, random) ? 'enforce' : 'shadow';
}

function drawn(perMillion: number, random: () => number): boolean {
  if (perMillion >= 1_000_000) return true;
  if (perMillion <= 0) return false;
  return random() * 1_000_000 < perMillion;
}

// Builds the parts of a CallPlan that come from route config: the provider's timeout layer
// (route timeout, idle timeout, and the retry policy's per-try timeouts) and the policies in
// force, the route's own over its virtual host's (Envoy: a route's retry/hedge policy replaces the virtual host's).
import type { Route, RouteAction, VirtualHost } from '../model/route.ts';
import type { HedgePolicyConfig } from '../model/policy-hedge.ts';
import { NO_RETRY_POLICY, type RetryPolicyConfig } from '../model/policy-retry.ts';
import type { TimeoutSettings } from '../policy/timeout-resolve.ts';

export function providerTimeouts(action: RouteAction | undefined, retry: RetryPolicyConfig): TimeoutSettings {
  return {
    timeoutMs: action?.timeoutMs,
    idleTimeoutMs: action?.idleTimeoutMs,
    perTryTimeoutMs: retry.perTryTimeoutMs || undefined,
    perTryIdleTimeoutMs: retry.perTryIdleTimeoutMs || undefined,
  };
}

export function retryPolicyOf(action: RouteAction, virtualHost: VirtualHost): RetryPolicyConfig {
  return action.retryPolicy ?? virtualHost.retryPolicy ?? NO_RETRY_POLICY;
}

export function hedgePolicyOf(action: RouteAction, virtualHost: VirtualHost): HedgePolicyConfig | undefined {
  return action.hedgePolicy ?? virtualHost.hedgePolicy;
}

/** A filter's settings for a request: the route's, else the virtual host's, else the listener's. */
export function filterConfigOf<K extends keyof Route['filterConfigs']>(
  key: K,
  route: Route,
  virtualHost: VirtualHost,
  listener: { readonly filterConfigs: Route['filterConfigs'] } | undefined,
): Route['filterConfigs'][K] {
  return route.filterConfigs[key] ?? virtualHost.filterConfigs[key] ?? listener?.filterConfigs[key];
}

// What the core does differently for an x-protocol RPC call (Dubbo, Bolt): no duplicate calls
// (retries of a sent request, hedges, backups) unless the route marks its methods idempotent,
// and the caller's own timeout from the frame bounds the call. Pure; any thread.
import type { Route } from '../model/route.ts';
import type { RetryOn, RetryPolicyConfig } from '../model/policy-retry.ts';
import type { EffectiveTimeouts } from '../policy/timeout-resolve.ts';

/** An RPC call as the core sees it; the request frame itself travels as the call's body. */
export interface RpcCall {
  /** The codec's registry name, e.g. `sidelet.protocol.dubbo`. */
  readonly protocol: string;
  /** A oneway request: sent, never answered. */
  readonly oneway: boolean;
  /** The caller's timeout carried in the frame (Bolt's timeout field, Dubbo's `timeout` attachment), in ms. */
  readonly timeoutMs: number | undefined;
}

/** Route metadata `filter_metadata.sidelet.idempotent: true` allows retries, hedges and backups of RPC calls. */
export const IDEMPOTENT_FILTER = 'sidelet';
export const IDEMPOTENT_KEY = 'idempotent';

export function isIdempotentRoute(route: Route): boolean {
  return route.metadata[IDEMPOTENT_FILTER]?.[IDEMPOTENT_KEY] === true;
}

/** Conditions under which the request never reached the upstream: retrying those sends no duplicate. */
const UNSENT: ReadonlySet<RetryOn> = new Set(['connect-failure', 'reset-before-request']);

/**
 * The retry policy left for a call that must not run twice: only its connect-failure and
 * reset-before-request conditions, the failures that happen before the frame is written.
 */
export function unsentOnlyRetry(policy: RetryPolicyConfig): RetryPolicyConfig {
  const retryOn = new Set([...policy.retryOn].filter((on) => UNSENT.has(on)));
  return retryOn.size === policy.retryOn.size ? policy : { ...policy, retryOn };
}

/**
 * The caller gives up after its own timeout, so no answer later than that is of use: the frame's
 * timeout bounds the total, like a client deadline (gRPC's grpc-timeout); a tighter route timeout stands.
 */
export function boundByCallerTimeout(timeouts: EffectiveTimeouts, callerTimeoutMs: number | undefined): EffectiveTimeouts {
  if (callerTimeoutMs === undefined || (timeouts.totalMs !== undefined && timeouts.totalMs <= callerTimeoutMs)) return timeouts;
  return { ...timeouts, totalMs: callerTimeoutMs, totalSource: 'rpc-timeout' };
}

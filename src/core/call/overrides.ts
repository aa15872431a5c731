// Applies sidelet's precedence to each governance setting: per-call > caller (the app's local
// override for the service) > provider (route config from xDS or static) > default.
import type { PolicyOverrides, RetryOverride } from '../model/caller-overrides.ts';
import type { BackupRequestConfig } from '../model/policy-hedge.ts';
import type { RateLimitConfig } from '../model/policy-rate-limit.ts';
import { NO_RETRY_POLICY, type MaxStreamDurationConfig, type RetryPolicyConfig } from '../model/policy-retry.ts';
import type { TimeoutLayers, TimeoutSettings } from '../policy/timeout-resolve.ts';

export interface OverrideLayers {
  readonly call?: PolicyOverrides;
  readonly caller?: PolicyOverrides;
}

/** The provider's retry policy with the caller's, then the call's, fields laid over it. */
export function effectiveRetry(provider: RetryPolicyConfig, layers: OverrideLayers): RetryPolicyConfig {
  return laid(laid(provider, layers.caller?.retry), layers.call?.retry);
}

function laid(policy: RetryPolicyConfig, layer: RetryOverride | 'off' | undefined): RetryPolicyConfig {
  if (layer === undefined) return policy;
  return layer === 'off' ? NO_RETRY_POLICY : overlay(policy, layer);
}

function overlay(policy: RetryPolicyConfig, layer: RetryOverride): RetryPolicyConfig {
  return {
    ...policy,
    numRetries: layer.numRetries ?? policy.numRetries,
    retryOn: layer.retryOn ?? policy.retryOn,
    perTryTimeoutMs: layer.perTryTimeoutMs ?? policy.perTryTimeoutMs,
  };
}

/** The first layer that sets one wins: call, caller, then the provider's filter config. */
export function effectiveBackup(provider: BackupRequestConfig | undefined, layers: OverrideLayers): BackupRequestConfig | undefined {
  return layers.call?.backupRequest ?? layers.caller?.backupRequest ?? provider;
}

export function effectiveRateLimit(provider: RateLimitConfig | undefined, layers: OverrideLayers): RateLimitConfig | undefined {
  return layers.call?.rateLimit ?? layers.caller?.rateLimit ?? provider;
}

export function effectivePriority(fromRequest: number | undefined, layers: OverrideLayers): number | undefined {
  return layers.call?.priority ?? fromRequest ?? layers.caller?.priority;
}

/** Timeout layers for resolveTimeouts: the overrides' timeouts over the provider's (route and effective retry policy). */
export function timeoutLayers(provider: TimeoutSettings, layers: OverrideLayers, maxStreamDuration?: MaxStreamDurationConfig): TimeoutLayers {
  return { call: timeoutsOf(layers.call), caller: timeoutsOf(layers.caller), provider, maxStreamDuration };
}

/** A layer's timeouts; undefined when it sets none (a layer of other options, such as a listener's errorsAsResponses). */
function timeoutsOf(layer: PolicyOverrides | undefined): TimeoutSettings | undefined {
  if (layer === undefined) return undefined;
  const retry = layer.retry === 'off' ? undefined : layer.retry;
  const perTryTimeoutMs = retry?.perTryTimeoutMs;
  if (layer.timeoutMs === undefined && layer.idleTimeoutMs === undefined && perTryTimeoutMs === undefined) return undefined;
  return { timeoutMs: layer.timeoutMs, idleTimeoutMs: layer.idleTimeoutMs, perTryTimeoutMs };
}

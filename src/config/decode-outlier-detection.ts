// Decodes config.cluster.v3.OutlierDetection with Envoy's defaults and bounds (percentages
// 0–100, positive interval and ejection times).
import type { ConfigPath } from '../core/errors.ts';
import { DEFAULT_OUTLIER_DETECTION, type OutlierDetectionConfig } from '../core/model/policy-outlier-detection.ts';
import { UNLIMITED } from '../core/model/policy-circuit-breakers.ts';
import { durationMs } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const UINT32 = { integer: true, min: 0, max: UNLIMITED } as const;
const PERCENT = { integer: true, min: 0, max: 100 } as const;

export function decodeOutlierDetection(value: unknown, path: ConfigPath, options: DecodeOptions): OutlierDetectionConfig {
  const f = new Fields(value, path, options);
  const d = DEFAULT_OUTLIER_DETECTION;
  if (f.has('monitors')) f.fail('monitors', 'outlier detection monitor extensions are not supported');
  const positive = (name: string, fallback: number): number => {
    const ms = durationMs(f, name) ?? fallback;
    if (ms <= 0) f.fail(name, 'must be a positive duration');
    return ms;
  };
  const baseEjectionTimeMs = positive('base_ejection_time', d.baseEjectionTimeMs);
  const maxEjectionTimeMs = positive('max_ejection_time', d.maxEjectionTimeMs);
  // Envoy refuses a max below the base when both are set; with one set, the cap is max(base, max).
  if (f.has('base_ejection_time') && f.has('max_ejection_time') && maxEjectionTimeMs < baseEjectionTimeMs) {
    f.fail('max_ejection_time', `${maxEjectionTimeMs} ms is below base_ejection_time ${baseEjectionTimeMs} ms`);
  }
  const config: OutlierDetectionConfig = {
    intervalMs: positive('interval', d.intervalMs),
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionTimeJitterMs: durationMs(f, 'max_ejection_time_jitter') ?? d.maxEjectionTimeJitterMs,
    maxEjectionPercent: f.number('max_ejection_percent', PERCENT) ?? d.maxEjectionPercent,
    splitExternalLocalOriginErrors: f.bool('split_external_local_origin_errors', d.splitExternalLocalOriginErrors),
    consecutive5xx: f.number('consecutive_5xx', UINT32) ?? d.consecutive5xx,
    consecutiveGatewayFailure: f.number('consecutive_gateway_failure', UINT32) ?? d.consecutiveGatewayFailure,
    consecutiveLocalOriginFailure: f.number('consecutive_local_origin_failure', UINT32) ?? d.consecutiveLocalOriginFailure,
    enforcingConsecutive5xx: f.number('enforcing_consecutive_5xx', PERCENT) ?? d.enforcingConsecutive5xx,
    enforcingConsecutiveGatewayFailure: f.number('enforcing_consecutive_gateway_failure', PERCENT) ?? d.enforcingConsecutiveGatewayFailure,
    enforcingConsecutiveLocalOriginFailure: f.number('enforcing_consecutive_local_origin_failure', PERCENT) ?? d.enforcingConsecutiveLocalOriginFailure,
    successRateMinimumHosts: f.number('success_rate_minimum_hosts', UINT32) ?? d.successRateMinimumHosts,
    successRateRequestVolume: f.number('success_rate_request_volume', UINT32) ?? d.successRateRequestVolume,
    // Envoy divides the configured value by 1000: 1900 is a factor of 1.9.
    successRateStdevFactor: (f.number('success_rate_stdev_factor', UINT32) ?? d.successRateStdevFactor * 1000) / 1000,
    enforcingSuccessRate: f.number('enforcing_success_rate', PERCENT) ?? d.enforcingSuccessRate,
    enforcingLocalOriginSuccessRate: f.number('enforcing_local_origin_success_rate', PERCENT) ?? d.enforcingLocalOriginSuccessRate,
    failurePercentageThreshold: f.number('failure_percentage_threshold', PERCENT) ?? d.failurePercentageThreshold,
    failurePercentageMinimumHosts: f.number('failure_percentage_minimum_hosts', UINT32) ?? d.failurePercentageMinimumHosts,
    failurePercentageRequestVolume: f.number('failure_percentage_request_volume', UINT32) ?? d.failurePercentageRequestVolume,
    enforcingFailurePercentage: f.number('enforcing_failure_percentage', PERCENT) ?? d.enforcingFailurePercentage,
    enforcingFailurePercentageLocalOrigin: f.number('enforcing_failure_percentage_local_origin', PERCENT) ?? d.enforcingFailurePercentageLocalOrigin,
  };
  // always_eject_one_host: sidelet always allows one ejection, as Envoy's ejection algorithm
  // documents. Active health checks are not outlier detection's to act on.
  f.end(['always_eject_one_host', 'successful_active_health_check_uneject_host']);
  return config;
}

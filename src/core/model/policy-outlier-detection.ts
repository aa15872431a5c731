// Outlier detection settings of a cluster: Envoy config.cluster.v3.OutlierDetection with
// its documented defaults (percentages 0–100, durations in ms, the stdev factor divided by 1000).

export interface OutlierDetectionConfig {
  /** Time between ejection sweeps (success rate, failure percentage, returns); default 10 s. */
  readonly intervalMs: number;
  /** Ejection time = base × times ejected, capped at maxEjectionTimeMs; default 30 s. */
  readonly baseEjectionTimeMs: number;
  /** Cap of the ejection time (raised to baseEjectionTimeMs if below it); default 300 s. */
  readonly maxEjectionTimeMs: number;
  /** A random 0..jitter ms added to each ejection; default 0. */
  readonly maxEjectionTimeJitterMs: number;
  /** Ejected hosts at most, as a percentage of the cluster's hosts (one may always be ejected); default 10. */
  readonly maxEjectionPercent: number;
  /** Count local-origin errors (connect failure, timeout, reset) apart from upstream responses; default false. */
  readonly splitExternalLocalOriginErrors: boolean;
  /** Consecutive 5xx (and, unsplit, local-origin errors mapped to 5xx) before ejection; default 5; 0 never. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504 (and, unsplit, local-origin errors) before ejection; default 5; 0 never. */
  readonly consecutiveGatewayFailure: number;
  /** Split mode: consecutive local-origin errors before ejection; default 5; 0 never. */
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  /** Hosts with enough volume needed for success-rate ejection; default 5. */
  readonly successRateMinimumHosts: number;
  /** Requests in an interval for a host to count in success-rate ejection; default 100. */
  readonly successRateRequestVolume: number;
  /** Ejection below mean − factor × stdev; Envoy's 1900 is 1.9 here. */
  readonly successRateStdevFactor: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  /** Eject a host whose failure percentage in an interval is at least this; default 85. */
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
}

/** Envoy's documented defaults (config.cluster.v3.OutlierDetection). */
export const DEFAULT_OUTLIER_DETECTION: OutlierDetectionConfig = Object.freeze({
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionTimeJitterMs: 0,
  maxEjectionPercent: 10,
  splitExternalLocalOriginErrors: false,
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  enforcingConsecutiveLocalOriginFailure: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1.9,
  enforcingSuccessRate: 100,
  enforcingLocalOriginSuccessRate: 100,
  failurePercentageThreshold: 85,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  enforcingFailurePercentage: 0,
  enforcingFailurePercentageLocalOrigin: 0,
});

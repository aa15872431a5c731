// The statistics of success-rate ejection (Envoy outlier detection, "Success Rate"): hosts whose
// success rate is below mean − stdev_factor × stdev of the cluster's hosts are outliers.

/**
 * mean − factor × population standard deviation of `rates` (percentages), as Envoy's
 * DetectorImpl::successRateEjectionThreshold computes it. `rates` must not be empty.
 */
export function successRateEjectionThreshold(rates: readonly number[], stdevFactor: number): number {
  let sum = 0;
  for (const rate of rates) sum += rate;
  const mean = sum / rates.length;
  let variance = 0;
  for (const rate of rates) variance += (rate - mean) ** 2;
  variance /= rates.length;
  return mean - stdevFactor * Math.sqrt(variance);
}

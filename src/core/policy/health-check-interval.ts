// When the next active health check of a host runs: Envoy's HealthCheckerImplBase::interval and
// intervalWithJitter, and initial_jitter for the first check.
import type { HealthCheckConfig } from '../model/policy-health-check.ts';
import type { HealthTransition } from './health-check-host.ts';

/** Delay of a host's first check: a random 0..initial_jitter, or none. */
export function firstCheckDelayMs(config: HealthCheckConfig, random: () => number): number {
  return config.initialJitterMs > 0 ? Math.floor(random() * config.initialJitterMs) : 0;
}

/**
 * The wait after a check whose result was a success (`passed`) or a failure. As Envoy's code does
 * it (the proto comments describe the edge intervals less precisely): while a change is pending,
 * the edge interval of the result's side applies; otherwise unhealthy_interval after a failure and
 * interval after a success. Before the cluster carries traffic a configured no_traffic_interval
 * wins, no_traffic_healthy_interval after a success that is not a pending change.
 */
export function nextCheckDelayMs(
  config: HealthCheckConfig,
  passed: boolean,
  transition: HealthTransition,
  trafficSeen: boolean,
  random: () => number,
): number {
  const pending = transition === 'pending';
  let base: number;
  if (!trafficSeen && config.noTrafficIntervalMs !== undefined) {
    base = passed && !pending ? (config.noTrafficHealthyIntervalMs ?? config.noTrafficIntervalMs) : config.noTrafficIntervalMs;
  } else if (passed) {
    base = pending ? config.healthyEdgeIntervalMs : config.intervalMs;
  } else {
    base = pending ? config.unhealthyEdgeIntervalMs : config.unhealthyIntervalMs;
  }
  return withJitter(config, base, random);
}

/** interval_jitter_percent adds a random 0..(base × percent / 100), interval_jitter a random 0..jitter; both may apply. */
export function withJitter(config: HealthCheckConfig, baseMs: number, random: () => number): number {
  let ms = baseMs;
  const percentSpan = (config.intervalJitterPercent * baseMs) / 100;
  if (percentSpan > 0) ms += Math.floor(random() * percentSpan);
  if (config.intervalJitterMs > 0) ms += Math.floor(random() * config.intervalJitterMs);
  return ms;
}

// Envoy's slow_start_config: a newly added host's weight ramps from minWeightPercent to its full
// weight over the window, as max(minWeightPercent, (age / window)^(1 / aggression)).
import type { SlowStartConfig } from '../model/cluster.ts';
import { type Endpoint, isHealthy } from '../model/endpoint.ts';
import type { LbContext } from './load-balancer.ts';

/** The weight multiplier for a host `ageMs` old; 1 once the window has passed. */
export function slowStartFactor(config: SlowStartConfig, ageMs: number): number {
  if (ageMs >= config.windowMs) return 1;
  // As Envoy: age counts at least 1 ms, and an aggression that is not positive means 1.
  const timeFactor = Math.max(1, ageMs) / config.windowMs;
  const aggression = config.aggression > 0 ? config.aggression : 1;
  const scaled = aggression === 1 ? timeFactor : timeFactor ** (1 / aggression);
  return Math.max(config.minWeightPercent, scaled);
}

/** A healthy host added less than a window ago is warming up; a host with no addedAt is not. */
export function isInSlowStart(host: Endpoint, config: SlowStartConfig | undefined, ctx: LbContext): boolean {
  if (config === undefined || !isHealthy(host)) return false;
  const addedAt = ctx.hostAddedAt(host);
  return addedAt !== undefined && ctx.now() - addedAt < config.windowMs;
}

/** The host's load_balancing_weight scaled by its slow-start factor at `ctx.now()`. */
export function slowStartWeight(host: Endpoint, config: SlowStartConfig | undefined, ctx: LbContext): number {
  if (!isInSlowStart(host, config, ctx)) return host.weight;
  return host.weight * slowStartFactor(config!, ctx.now() - ctx.hostAddedAt(host)!);
}

/** Whether plain rotation (or P2C) is exact: equal weights and no host warming up. */
export function weightsAreUniform(hosts: readonly Endpoint[], config: SlowStartConfig | undefined, ctx: LbContext): boolean {
  const first = hosts[0];
  if (first === undefined) return true;
  return hosts.every((h) => h.weight === first.weight && !isInSlowStart(h, config, ctx));
}

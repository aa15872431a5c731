// Priority levels (Envoy's priority load and panic threshold): how much traffic each priority
// takes given its health, and which priorities are in panic (balance over all their hosts).
import { type Endpoint, isHealthy, type LocalityEndpoints } from '../model/endpoint.ts';

/** The hosts of one priority, with its localities as the assignment lists them. */
export interface PriorityLevel {
  readonly hosts: readonly Endpoint[];
  readonly healthyHosts: readonly Endpoint[];
  readonly localities: readonly LocalityEndpoints[];
}

/** Per priority: the integer percent of traffic it takes (summing to 100) and whether it is in panic. */
export interface PriorityLoad {
  readonly load: readonly number[];
  readonly panic: readonly boolean[];
}

/** Groups an assignment's localities into levels 0..max priority; missing priorities are empty. */
export function buildPriorityLevels(localities: readonly LocalityEndpoints[]): PriorityLevel[] {
  const count = localities.reduce((max, l) => Math.max(max, l.priority + 1), 0);
  const levels = Array.from({ length: count }, () => ({ hosts: [] as Endpoint[], localities: [] as LocalityEndpoints[] }));
  for (const locality of localities) {
    const level = levels[locality.priority]!;
    level.localities.push(locality);
    level.hosts.push(...locality.endpoints);
  }
  return levels.map((l) => ({ hosts: l.hosts, healthyHosts: l.hosts.filter(isHealthy), localities: l.localities }));
}

/** A level's health: healthy share × overprovisioning factor, as a whole percent capped at 100. */
export function priorityHealth(healthy: number, total: number, overprovisioningFactor: number): number {
  return total === 0 ? 0 : Math.min(100, Math.floor((overprovisioningFactor * healthy) / total));
}

/**
 * Envoy's priority load: each level takes its health, normalised by the total health when that
 * falls under 100, until 100% is given out. Under 100 the shares are fractional and are
 * rounded by largest remainder (ties to the higher priority), which reproduces the tables in
 * Envoy's docs. Panic is only considered when the normalised total is under 100: a level is
 * in panic when its healthy percentage is under the threshold (0 disables panic); when every
 * level is, load follows host counts instead.
 */
export function computePriorityLoad(levels: readonly { readonly healthy: number; readonly total: number }[], overprovisioningFactor: number, panicThreshold: number): PriorityLoad {
  const health = levels.map((l) => priorityHealth(l.healthy, l.total, overprovisioningFactor));
  const normalizedTotal = Math.min(100, health.reduce((a, b) => a + b, 0));
  const panic = levels.map((l) => normalizedTotal < 100 && panicThreshold > 0 && (l.total === 0 ? 0 : (100 * l.healthy) / l.total) < panicThreshold);
  if (levels.length > 0 && panic.every(Boolean)) {
    const hosts = levels.map((l) => l.total);
    return { load: hosts.some((n) => n > 0) ? apportion(hosts) : levels.map((_, i) => (i === 0 ? 100 : 0)), panic };
  }
  if (normalizedTotal === 0) return { load: levels.map((_, i) => (i === 0 ? 100 : 0)), panic };
  if (normalizedTotal < 100) return { load: apportion(health), panic };
  let left = 100;
  const load = health.map((h) => {
    const take = Math.min(left, h);
    left -= take;
    return take;
  });
  return { load, panic };
}

/** Whole percentages proportional to `shares`, summing to 100 (largest remainder). */
function apportion(shares: readonly number[]): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((s) => (s * 100) / total);
  const load = exact.map(Math.floor);
  let left = 100 - load.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    load[i]!++;
    left--;
  }
  return load;
}

/** The priority whose load band holds `percent` (in [0, 100)). */
export function choosePriority(load: readonly number[], percent: number): number {
  let upTo = 0;
  for (let p = 0; p < load.length; p++) {
    upTo += load[p]!;
    if (percent < upTo) return p;
  }
  return load.length - 1;
}

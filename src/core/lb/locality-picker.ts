// Locality-weighted balancing (Envoy locality_weighted_lb_config): within a priority, pick a
// locality by EDF over weight × availability, availability being the healthy share times the
// overprovisioning factor, capped at 1.
import { isHealthy, type LocalityEndpoints } from '../model/endpoint.ts';
import { EdfScheduler } from './edf-scheduler.ts';

export function localityEffectiveWeight(locality: LocalityEndpoints, overprovisioningFactor: number): number {
  const total = locality.endpoints.length;
  if (total === 0) return 0;
  const healthy = locality.endpoints.filter(isHealthy).length;
  return locality.weight * Math.min(1, ((overprovisioningFactor / 100) * healthy) / total);
}

/** Picks locality indexes of one priority; owned by the balancer that built it. */
export class LocalityPicker {
  readonly #scheduler: EdfScheduler<number>;

  constructor(localities: readonly LocalityEndpoints[], overprovisioningFactor: number, random: () => number) {
    const weights = localities.map((l) => localityEffectiveWeight(l, overprovisioningFactor));
    this.#scheduler = new EdfScheduler(
      localities.map((_, i) => i),
      (i) => weights[i]!,
    );
    for (let k = Math.floor(random() * this.#scheduler.size); k > 0; k--) this.#scheduler.pick();
  }

  /** An index into the localities; undefined when none has a positive effective weight. */
  pick(): number | undefined {
    return this.#scheduler.pick();
  }
}

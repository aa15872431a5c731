// Endpoints as the core sees them: hosts grouped by locality and priority, from a
// ClusterLoadAssignment (EDS) or a cluster's inline load_assignment. Immutable once built.
import type { Metadata } from './metadata.ts';

/** Envoy's core.v3.HealthStatus. UNKNOWN counts as healthy, as in Envoy. */
export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

export interface Endpoint {
  /** `address:port` (IPv6 in brackets); unique within a cluster. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly hostname: string;
  /** load_balancing_weight, at least 1. */
  readonly weight: number;
  readonly health: HealthStatus;
  readonly metadata: Metadata;
  readonly locality: Locality;
  readonly priority: number;
}

export interface LocalityEndpoints {
  readonly locality: Locality;
  /** load_balancing_weight of the locality; 0 when absent (the locality gets no traffic under locality-weighted LB). */
  readonly weight: number;
  readonly priority: number;
  readonly endpoints: readonly Endpoint[];
}

export interface ClusterLoadAssignment {
  readonly clusterName: string;
  readonly localities: readonly LocalityEndpoints[];
  /** policy.overprovisioning_factor as a percentage; Envoy's default is 140. */
  readonly overprovisioningFactor: number;
}

export function localityKey(locality: Locality): string {
  return `${locality.region}/${locality.zone}/${locality.subZone}`;
}

/** Hosts that take traffic in normal operation (Envoy treats UNKNOWN as healthy). */
export function isHealthy(endpoint: Endpoint): boolean {
  return endpoint.health === 'HEALTHY' || endpoint.health === 'UNKNOWN';
}

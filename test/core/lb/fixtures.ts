// Builders for load-balancer tests: endpoints, clusters, assignments and a deterministic LbContext.
import type { Cluster } from '../../../src/core/model/cluster.ts';
import { DEFAULT_CIRCUIT_BREAKERS } from '../../../src/core/model/policy-circuit-breakers.ts';
import type { ClusterLoadAssignment, Endpoint, HealthStatus, LocalityEndpoints } from '../../../src/core/model/endpoint.ts';
import type { LbContext } from '../../../src/core/lb/load-balancer.ts';
import type { JsonObject } from '../../../src/core/model/metadata.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';

export interface EndpointOptions {
  readonly weight?: number;
  readonly health?: HealthStatus;
  readonly labels?: JsonObject;
  readonly zone?: string;
  readonly priority?: number;
}

export function endpoint(id: string, options: EndpointOptions = {}): Endpoint {
  const [address = id, port = '80'] = id.split(':');
  return {
    id,
    address,
    port: Number(port),
    hostname: '',
    weight: options.weight ?? 1,
    health: options.health ?? 'HEALTHY',
    metadata: options.labels === undefined ? {} : { 'envoy.lb': options.labels },
    locality: { region: 'r', zone: options.zone ?? 'z', subZone: '' },
    priority: options.priority ?? 0,
  };
}

/** `n` endpoints 10.0.0.<i>:80 (i from `from`), all with `options`. */
export function endpoints(n: number, options: EndpointOptions = {}, from = 0): Endpoint[] {
  return Array.from({ length: n }, (_, i) => endpoint(`10.0.${(from + i) >> 8}.${(from + i) & 255}:80`, options));
}

export function cluster(overrides: Partial<Cluster> = {}): Cluster {
  return {
    name: 'c',
    type: 'STATIC',
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    leastRequest: { choiceCount: 2, activeRequestBias: 1 },
    ringHash: { minimumRingSize: 1024, maximumRingSize: 8388608 },
    maglev: { tableSize: 65537 },
    commonLb: { healthyPanicThreshold: 50, localityWeighted: false },
    slowStart: undefined,
    subset: undefined,
    edsServiceName: 'c',
    loadAssignment: undefined,
    http2: false,
    circuitBreakers: DEFAULT_CIRCUIT_BREAKERS,
    errorRateBreaker: undefined,
    outlierDetection: undefined,
    healthChecks: [],
    metadata: {},
    ...overrides,
  };
}

export function locality(hosts: readonly Endpoint[], options: { zone?: string; weight?: number; priority?: number } = {}): LocalityEndpoints {
  const priority = options.priority ?? 0;
  return {
    locality: { region: 'r', zone: options.zone ?? 'z', subZone: '' },
    weight: options.weight ?? 1,
    priority,
    endpoints: hosts.map((h) => ({ ...h, priority, locality: { region: 'r', zone: options.zone ?? 'z', subZone: '' } })),
  };
}

export function assignment(localities: readonly LocalityEndpoints[], overprovisioningFactor = 140): ClusterLoadAssignment {
  return { clusterName: 'c', localities, overprovisioningFactor };
}

export interface TestContext extends LbContext {
  /** Requests in flight per host id (default 0). */
  readonly active: Map<string, number>;
  /** When each host id was added (default: not in slow start). */
  readonly addedAt: Map<string, number>;
  time: number;
}

export function context(seed = 1): TestContext {
  const random = seededRandom(seed);
  const ctx: TestContext = {
    active: new Map(),
    addedAt: new Map(),
    time: 0,
    random,
    now: () => ctx.time,
    activeRequests: (h) => ctx.active.get(h.id) ?? 0,
    hostAddedAt: (h) => ctx.addedAt.get(h.id),
  };
  return ctx;
}

/** Picks `n` times and counts picks per host id. */
export function tally(pick: () => Endpoint | undefined, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pick()?.id ?? 'none';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

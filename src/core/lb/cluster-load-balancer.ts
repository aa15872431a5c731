// A cluster's balancer: subset (when configured) → priority (with panic) → locality (when
// locality-weighted) → the cluster's policy from the registry. Built per cluster snapshot.
import type { Cluster, LbPolicy } from '../model/cluster.ts';
import { type ClusterLoadAssignment, type Endpoint, isHealthy, type LocalityEndpoints } from '../model/endpoint.ts';
import { LEAST_REQUEST } from './lb-least-request.ts';
import { MAGLEV } from './lb-maglev.ts';
import { RANDOM } from './lb-random.ts';
import { RING_HASH } from './lb-ring-hash.ts';
import { ROUND_ROBIN } from './lb-round-robin.ts';
import { getLoadBalancerFactory, type LbContext, type LoadBalancer, type LoadBalancerFactory, type PickRequest } from './load-balancer.ts';
import { LocalityPicker } from './locality-picker.ts';
import { buildPriorityLevels, choosePriority, computePriorityLoad, type PriorityLevel, type PriorityLoad } from './priority-set.ts';
import { createSubsetLoadBalancer } from './subset.ts';

export const LB_POLICY_TYPES: Readonly<Record<LbPolicy, string>> = {
  ROUND_ROBIN,
  LEAST_REQUEST,
  RANDOM,
  RING_HASH,
  MAGLEV,
};

/** Hash-based policies keep one table per priority: locality weight scales host weight instead. */
const HASH_POLICIES: ReadonlySet<LbPolicy> = new Set(['RING_HASH', 'MAGLEV']);

interface Build {
  readonly cluster: Cluster;
  readonly ctx: LbContext;
  readonly factory: LoadBalancerFactory;
  readonly overprovisioningFactor: number;
  readonly localityWeighted: boolean;
}

/** One priority's balancers, each built on first use. */
class Level {
  readonly #level: PriorityLevel;
  readonly #build: Build;
  readonly #localityPicker: LocalityPicker | undefined;
  readonly #byLocality: (LoadBalancer | undefined)[] = [];
  #healthy: LoadBalancer | undefined;
  #all: LoadBalancer | undefined;

  constructor(level: PriorityLevel, build: Build) {
    this.#level = level;
    this.#build = build;
    const pickLocality = build.localityWeighted && !HASH_POLICIES.has(build.cluster.lbPolicy);
    this.#localityPicker = pickLocality ? new LocalityPicker(level.localities, build.overprovisioningFactor, build.ctx.random) : undefined;
  }

  pick(req: PickRequest, panic: boolean): Endpoint | undefined {
    if (panic) return this.all().pick(req);
    const locality = this.#localityPicker?.pick();
    if (locality === undefined) return this.healthy().pick(req);
    this.#byLocality[locality] ??= this.#balancer(this.#level.localities[locality]!.endpoints.filter(isHealthy));
    return this.#byLocality[locality]!.pick(req);
  }

  healthy(): LoadBalancer {
    this.#healthy ??= this.#hashBalancer(this.#level.healthyHosts);
    return this.#healthy;
  }

  all(): LoadBalancer {
    this.#all ??= this.#hashBalancer(this.#level.hosts);
    return this.#all;
  }

  #balancer(hosts: readonly Endpoint[]): LoadBalancer {
    return this.#build.factory(hosts, this.#build.cluster, this.#build.ctx);
  }

  /**
   * As Envoy's ring hash and maglev: with locality weighting, a host counts with weight × its
   * locality's weight (0 drops it). The balancer sees scaled copies; picks map back to originals.
   */
  #hashBalancer(hosts: readonly Endpoint[]): LoadBalancer {
    if (!this.#build.localityWeighted || !HASH_POLICIES.has(this.#build.cluster.lbPolicy)) return this.#balancer(hosts);
    const included = new Set(hosts);
    const original = new Map<Endpoint, Endpoint>();
    for (const locality of this.#level.localities) {
      if (locality.weight <= 0) continue;
      for (const e of locality.endpoints) if (included.has(e)) original.set({ ...e, weight: e.weight * locality.weight }, e);
    }
    const inner = this.#balancer([...original.keys()]);
    return {
      pick: (req) => {
        const host = inner.pick(req);
        return host === undefined ? undefined : original.get(host);
      },
    };
  }
}

class PriorityBalancer implements LoadBalancer {
  readonly #levels: readonly Level[];
  readonly #load: PriorityLoad;
  readonly #random: () => number;

  constructor(localities: readonly LocalityEndpoints[], build: Build) {
    const levels = buildPriorityLevels(localities);
    this.#levels = levels.map((l) => new Level(l, build));
    const counts = levels.map((l) => ({ healthy: l.healthyHosts.length, total: l.hosts.length }));
    this.#load = computePriorityLoad(counts, build.overprovisioningFactor, build.cluster.commonLb.healthyPanicThreshold);
    this.#random = build.ctx.random;
  }

  pick(req: PickRequest): Endpoint | undefined {
    if (this.#levels.length === 0) return undefined;
    // As Envoy's hash-based balancers: a hashed request picks its priority from the hash too.
    const percent = req.hash === undefined ? this.#random() * 100 : Number(req.hash % 100n);
    const p = choosePriority(this.#load.load, percent);
    const host = this.#levels[p]!.pick(req, this.#load.panic[p]!);
    if (host === undefined || req.exclude?.has(host.id) !== true) return host;
    // Every host of that choice is excluded: look for any other, priority by priority.
    for (let q = 0; q < this.#levels.length; q++) {
      const level = this.#levels[q]!;
      const other = (this.#load.panic[q] ? level.all() : level.healthy()).pick(req);
      if (other !== undefined && !req.exclude.has(other.id)) return other;
    }
    return host;
  }
}

/**
 * The balancer for one cluster snapshot; see LoadBalancer for who owns and calls it. With a
 * subset config, every request goes through the subset balancer (no metadata_match means its
 * fallback policy, as in Envoy); subsets do not apply locality weights (Envoy's default,
 * locality_weight_aware unset).
 */
export function createClusterLoadBalancer(cluster: Cluster, assignment: ClusterLoadAssignment, ctx: LbContext): LoadBalancer {
  const name = LB_POLICY_TYPES[cluster.lbPolicy];
  const factory = getLoadBalancerFactory(name);
  if (factory === undefined) throw new Error(`load balancer type ${name} is not registered`);
  const build: Build = { cluster, ctx, factory, overprovisioningFactor: assignment.overprovisioningFactor, localityWeighted: cluster.commonLb.localityWeighted };
  if (cluster.subset === undefined) return new PriorityBalancer(assignment.localities, build);
  const subsetBuild: Build = { ...build, localityWeighted: false };
  return createSubsetLoadBalancer(cluster.subset, assignment.localities, (localities) => new PriorityBalancer(localities, subsetBuild));
}

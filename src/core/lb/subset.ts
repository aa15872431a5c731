// The subset load balancer (Envoy lb_subset_config): endpoints grouped by the values of their
// `envoy.lb` labels for each selector's keys; a request's metadata_match picks the subset whose
// keys are exactly a selector's and whose values match; otherwise the fallback policy applies.
import type { LbSubsetConfig } from '../model/cluster.ts';
import type { Endpoint, LocalityEndpoints } from '../model/endpoint.ts';
import { type JsonObject, type JsonValue, LB_METADATA_FILTER } from '../model/metadata.ts';
import type { LoadBalancer, PickRequest } from './load-balancer.ts';

/** Builds the balancer of one subset (priority, locality and policy over its endpoints). */
export type SubsetBalancerBuilder = (localities: readonly LocalityEndpoints[]) => LoadBalancer;

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as JsonObject;
  return `{${Object.keys(object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`)
    .join(',')}}`;
}

const selectorKey = (keys: readonly string[]) => JSON.stringify([...keys].sort());
const valuesKey = (keys: readonly string[], labels: JsonObject) => [...keys].sort().map((k) => canonicalJson(labels[k])).join('\u0000');

function labelsOf(endpoint: Endpoint): JsonObject {
  return endpoint.metadata[LB_METADATA_FILTER] ?? {};
}

/** Endpoints whose labels equal `match` on every key of `match`, localities kept. */
export function filterLocalities(localities: readonly LocalityEndpoints[], match: JsonObject): LocalityEndpoints[] {
  const keys = Object.keys(match);
  const wanted = valuesKey(keys, match);
  const out: LocalityEndpoints[] = [];
  for (const locality of localities) {
    const endpoints = locality.endpoints.filter((e) => valuesKey(keys, labelsOf(e)) === wanted);
    if (endpoints.length > 0) out.push({ ...locality, endpoints });
  }
  return out;
}

class Subset {
  readonly #localities: readonly LocalityEndpoints[];
  readonly #build: SubsetBalancerBuilder;
  #balancer: LoadBalancer | undefined;

  constructor(localities: readonly LocalityEndpoints[], build: SubsetBalancerBuilder) {
    this.#localities = localities;
    this.#build = build;
  }

  /** Built on first use: most subsets of a large cluster may never be asked for. */
  get balancer(): LoadBalancer {
    this.#balancer ??= this.#build(this.#localities);
    return this.#balancer;
  }
}

class SubsetLoadBalancer implements LoadBalancer {
  /** selector key → (label values → subset) */
  readonly #subsets: ReadonlyMap<string, ReadonlyMap<string, Subset>>;
  readonly #fallback: Subset | undefined;

  constructor(config: LbSubsetConfig, localities: readonly LocalityEndpoints[], build: SubsetBalancerBuilder) {
    const subsets = new Map<string, Map<string, Subset>>();
    for (const keys of config.subsetSelectors) {
      const byValues = new Map<string, Subset>();
      subsets.set(selectorKey(keys), byValues);
      const seen = new Set<string>();
      for (const locality of localities) {
        for (const endpoint of locality.endpoints) {
          const labels = labelsOf(endpoint);
          if (!keys.every((k) => labels[k] !== undefined)) continue;
          const values = valuesKey(keys, labels);
          if (seen.has(values)) continue;
          seen.add(values);
          const match = Object.fromEntries(keys.map((k) => [k, labels[k]!]));
          byValues.set(values, new Subset(filterLocalities(localities, match), build));
        }
      }
    }
    this.#subsets = subsets;
    this.#fallback =
      config.fallbackPolicy === 'ANY_ENDPOINT'
        ? new Subset(localities, build)
        : config.fallbackPolicy === 'DEFAULT_SUBSET'
          ? new Subset(filterLocalities(localities, config.defaultSubset), build)
          : undefined;
  }

  pick(req: PickRequest): Endpoint | undefined {
    const subset = this.#find(req.metadataMatch) ?? this.#fallback;
    return subset?.balancer.pick(req);
  }

  #find(match: JsonObject | undefined): Subset | undefined {
    if (match === undefined) return undefined;
    const keys = Object.keys(match);
    if (keys.length === 0) return undefined;
    return this.#subsets.get(selectorKey(keys))?.get(valuesKey(keys, match));
  }
}

/**
 * A request without metadata_match, or whose match names no selector's keys or no existing
 * subset, takes the fallback: NO_FALLBACK picks nothing, ANY_ENDPOINT the whole cluster,
 * DEFAULT_SUBSET the endpoints matching `defaultSubset` (all of them when it is empty).
 */
export function createSubsetLoadBalancer(config: LbSubsetConfig, localities: readonly LocalityEndpoints[], build: SubsetBalancerBuilder): LoadBalancer {
  return new SubsetLoadBalancer(config, localities, build);
}

// Load-balancer contracts and the registry of balancer types by dotted name
// (`sidelet.lb.round_robin`, ...). Interfaces only: implementations live in `lb-*.ts`.
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { JsonObject } from '../model/metadata.ts';

/**
 * What a balancer may ask of the world: randomness, time and live host state, all injected
 * so a balancer is deterministic under a seeded `random` and a fake clock.
 */
export interface LbContext {
  /** Uniform in [0, 1). */
  random(): number;
  /** Milliseconds, monotonic. */
  now(): number;
  /** Requests in flight to `host` from this process (least request). */
  activeRequests(host: Endpoint): number;
  /** When `host` joined the cluster, in `now()` milliseconds (slow start); undefined: not warming up. */
  hostAddedAt(host: Endpoint): number | undefined;
}

export interface PickRequest {
  /** The request hash (request-hash.ts); hash-based balancers use a random one without it. */
  readonly hash?: bigint;
  /** Host ids to avoid (e.g. a hedge's first endpoint); picked only if nothing else is available. */
  readonly exclude?: ReadonlySet<string>;
  /** The route's `envoy.lb` metadata_match, for the subset balancer. */
  readonly metadataMatch?: JsonObject;
}

/**
 * Picks an endpoint for one attempt. A balancer is built from one cluster snapshot and holds
 * mutable pick state (rotation index, EDF deadlines): it is owned by the thread that serves
 * the cluster's requests and only that thread may call it. It is never shared across threads;
 * each thread builds its own from the same snapshot. A new snapshot means a new balancer.
 */
export interface LoadBalancer {
  /** undefined when no host can be picked. */
  pick(req: PickRequest): Endpoint | undefined;
}

/**
 * Builds a balancer over a flat host list (already narrowed by subset, priority, locality and
 * health); reads its settings from `cluster`. Called on the owning thread at snapshot time.
 */
export type LoadBalancerFactory = (hosts: readonly Endpoint[], cluster: Cluster, ctx: LbContext) => LoadBalancer;

// The registry is filled as each module loads (every thread loads its own copy) and is only
// read afterwards.
const factories = new Map<string, LoadBalancerFactory>();

/** Registers a balancer type under a dotted name; a name can be registered once. */
export function registerLoadBalancerType(name: string, factory: LoadBalancerFactory): void {
  if (factories.has(name)) throw new Error(`load balancer type ${name} is already registered`);
  factories.set(name, factory);
}

export function getLoadBalancerFactory(name: string): LoadBalancerFactory | undefined {
  return factories.get(name);
}

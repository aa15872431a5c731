// Envoy's circuit-breaking thresholds for one cluster and priority: counters of connections,
// pending requests, requests, retries and connection pools, each acquired against its limit;
// overflow fails fast with SIDELET_UPSTREAM_OVERFLOW (Envoy's "UO" response flag).
import { MeshError } from '../errors.ts';
import type { RoutingPriority, ThresholdsConfig } from '../model/policy-circuit-breakers.ts';
import { retryBudgetLimit } from './retry-budget.ts';

export type ResourceKind = 'connections' | 'pendingRequests' | 'requests' | 'retries' | 'connectionPools';

/** Slot of each counter inside one manager's part of the counters array. */
export const kConnections = 0;
export const kPendingRequests = 1;
export const kRequests = 2;
export const kRetries = 3;
export const kConnectionPools = 4;
/** Int32 slots one manager uses. */
export const RESOURCE_SLOTS = 5;

const SLOTS: { readonly [K in ResourceKind]: number } = {
  connections: kConnections,
  pendingRequests: kPendingRequests,
  requests: kRequests,
  retries: kRetries,
  connectionPools: kConnectionPools,
};

/** The Envoy field each resource is limited by, for error details. */
const FIELDS: { readonly [K in ResourceKind]: string } = {
  connections: 'max_connections',
  pendingRequests: 'max_pending_requests',
  requests: 'max_requests',
  retries: 'max_retries',
  connectionPools: 'max_connection_pools',
};

/** Gives back what tryAcquire took. Calling it more than once releases only once. */
export type Release = () => void;

/** A counter cannot go past Int32 max, so a larger limit is the same as no limit. */
const INT32_MAX = 2_147_483_647;

/**
 * The thresholds of one cluster at one priority.
 *
 * Threads: the counts live in `counters` (slots `offset + k…`), not in the object. The runtime
 * backs them with a SharedArrayBuffer and gives each thread a manager over the same slots, so
 * the limit holds for the whole process; any thread may acquire and release. Updates are
 * Atomics compare-and-swap, so concurrent acquirers never push a count past its limit. The
 * same slots are handed to the manager of the next snapshot, so requests in flight stay counted
 * across config updates.
 */
export class ResourceManager {
  readonly cluster: string;
  readonly priority: RoutingPriority;
  readonly thresholds: ThresholdsConfig;
  readonly #counters: Int32Array<ArrayBufferLike>;
  readonly #offset: number;
  readonly #budget: ThresholdsConfig['retryBudget'];
  // Limits as fields, not an array: one object to touch per decision.
  readonly #maxConnections: number;
  readonly #maxPendingRequests: number;
  readonly #maxRequests: number;
  readonly #maxRetries: number;
  readonly #maxConnectionPools: number;

  constructor(cluster: string, priority: RoutingPriority, thresholds: ThresholdsConfig, counters: Int32Array<ArrayBufferLike> = new Int32Array(RESOURCE_SLOTS), offset = 0) {
    if (offset < 0 || offset + RESOURCE_SLOTS > counters.length) {
      throw new RangeError(`counters hold ${counters.length} slots; a resource manager needs ${RESOURCE_SLOTS} from offset ${offset}`);
    }
    this.cluster = cluster;
    this.priority = priority;
    this.thresholds = thresholds;
    this.#counters = counters;
    this.#offset = offset;
    this.#budget = thresholds.retryBudget;
    this.#maxConnections = clamp(thresholds.maxConnections);
    this.#maxPendingRequests = clamp(thresholds.maxPendingRequests);
    this.#maxRequests = clamp(thresholds.maxRequests);
    this.#maxRetries = clamp(thresholds.maxRetries);
    this.#maxConnectionPools = clamp(thresholds.maxConnectionPools);
  }

  /** Takes one unit of `kind`, or returns the overflow error when its limit is reached (Envoy: count < max). */
  tryAcquire(kind: ResourceKind): Release | MeshError {
    const slot = this.#offset + SLOTS[kind];
    const limit = this.limit(kind);
    const counters = this.#counters;
    for (;;) {
      const current = Atomics.load(counters, slot);
      if (current >= limit) return this.#overflow(kind, limit);
      if (Atomics.compareExchange(counters, slot, current, current + 1) === current) break;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      Atomics.sub(counters, slot, 1);
    };
  }

  /** Units of `kind` held now, across every thread sharing the counters. */
  count(kind: ResourceKind): number {
    return Atomics.load(this.#counters, this.#offset + SLOTS[kind]);
  }

  /** The limit of `kind` now; under a retry budget the retry limit follows active and pending requests. */
  limit(kind: ResourceKind): number {
    switch (kind) {
      case 'connections':
        return this.#maxConnections;
      case 'pendingRequests':
        return this.#maxPendingRequests;
      case 'requests':
        return this.#maxRequests;
      case 'retries':
        return this.#budget === undefined ? this.#maxRetries : clamp(retryBudgetLimit(this.#budget, this.count('requests'), this.count('pendingRequests')));
      case 'connectionPools':
        return this.#maxConnectionPools;
    }
  }

  /** Units of `kind` that can still be acquired (Envoy's track_remaining gauges). */
  remaining(kind: ResourceKind): number {
    return Math.max(0, this.limit(kind) - this.count(kind));
  }

  #overflow(kind: ResourceKind, limit: number): MeshError {
    const where = `cluster ${JSON.stringify(this.cluster)} priority ${this.priority}`;
    const budget = this.#budget;
    if (kind === 'retries' && budget !== undefined) {
      return new MeshError(
        'SIDELET_UPSTREAM_OVERFLOW',
        `${where}: retry budget exhausted: ${limit} concurrent retries allowed (${budget.budgetPercent}% of ${this.count('requests')} active + ${this.count('pendingRequests')} pending requests, at least min_retry_concurrency ${budget.minRetryConcurrency})`,
      );
    }
    return new MeshError('SIDELET_UPSTREAM_OVERFLOW', `${where}: ${FIELDS[kind]} ${limit} reached`);
  }
}

function clamp(limit: number): number {
  return Math.min(limit, INT32_MAX);
}

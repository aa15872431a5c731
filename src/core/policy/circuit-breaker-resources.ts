// The circuit-breaking resource managers of one cluster, one per routing priority (Envoy keeps
// separate thresholds and counters for DEFAULT and HIGH), over one shareable counters array.
import type { CircuitBreakersConfig, RoutingPriority } from '../model/policy-circuit-breakers.ts';
import { RESOURCE_SLOTS, ResourceManager } from './resource-manager.ts';

/** Int32 slots a cluster's managers use: DEFAULT's from `offset`, HIGH's from `offset + RESOURCE_SLOTS`. */
export const CLUSTER_RESOURCE_SLOTS = 2 * RESOURCE_SLOTS;

/**
 * Threads: as ResourceManager — the counts live in `counters` from `offset`, which the runtime
 * allocates once (one SharedArrayBuffer for every cluster in worker mode) and passes to every thread and every snapshot's
 * ClusterResources, so max_requests holds for the process and across config updates.
 */
export class ClusterResources {
  readonly default: ResourceManager;
  readonly high: ResourceManager;

  constructor(cluster: string, config: CircuitBreakersConfig, counters: Int32Array<ArrayBufferLike> = new Int32Array(CLUSTER_RESOURCE_SLOTS), offset = 0) {
    this.default = new ResourceManager(cluster, 'DEFAULT', config.thresholds.DEFAULT, counters, offset);
    this.high = new ResourceManager(cluster, 'HIGH', config.thresholds.HIGH, counters, offset + RESOURCE_SLOTS);
  }

  forPriority(priority: RoutingPriority): ResourceManager {
    return priority === 'HIGH' ? this.high : this.default;
  }
}

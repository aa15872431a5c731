// The immutable snapshot of the whole model. A new snapshot replaces the old one atomically;
// a request reads one snapshot from start to end.
import type { Cluster } from './cluster.ts';
import type { ClusterLoadAssignment } from './endpoint.ts';
import type { Listener } from './listener.ts';
import type { RouteConfiguration } from './route.ts';

export interface Snapshot {
  readonly version: number;
  readonly listeners: ReadonlyMap<string, Listener>;
  readonly routeConfigurations: ReadonlyMap<string, RouteConfiguration>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** Keyed by cluster name (the EDS service name resolved to its cluster). */
  readonly endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
}

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  version: 0,
  listeners: new Map(),
  routeConfigurations: new Map(),
  clusters: new Map(),
  endpoints: new Map(),
});

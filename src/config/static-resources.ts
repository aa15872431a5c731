// Decodes static_resources (listeners, route_configurations, clusters, endpoints) with the same
// decoders xDS uses, and checks every reference, so a bootstrap is applied whole or not at all.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Cluster } from '../core/model/cluster.ts';
import type { ClusterLoadAssignment } from '../core/model/endpoint.ts';
import type { Listener } from '../core/model/listener.ts';
import type { RouteConfiguration } from '../core/model/route.ts';
import type { SnapshotParts } from '../core/model/snapshot-store.ts';
import { decodeCluster } from './decode-cluster.ts';
import { decodeClusterLoadAssignment } from './decode-endpoints.ts';
import { connectionManagerPath, decodeListener } from './decode-listener.ts';
import { decodeRouteConfiguration } from './decode-route-configuration.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const STRICT: DecodeOptions = { strict: true };
const ROOT: ConfigPath = ['static_resources'];

/**
 * @param dynamic whether an xDS server can supply what static_resources leaves out; without
 *   one, every route configuration, cluster and endpoint set referenced must be here.
 */
export function decodeStaticResources(value: unknown, dynamic: boolean): SnapshotParts {
  if (value === undefined) return { listeners: new Map(), routeConfigurations: new Map(), clusters: new Map(), endpoints: new Map() };
  const f = new Fields(value, ROOT, STRICT);
  const listeners = byName(f, 'listeners', (v, p) => decodeListener(v, p, STRICT), (l: Listener) => l.name);
  const routeConfigurations = byName(f, 'route_configurations', (v, p) => decodeRouteConfiguration(v, p, STRICT), (r: RouteConfiguration) => r.name);
  const clusters = byName(f, 'clusters', (v, p) => decodeCluster(v, p, STRICT), (c: Cluster) => c.name);
  const assignments = byName(f, 'endpoints', (v, p) => decodeClusterLoadAssignment(v, p, STRICT), (a: ClusterLoadAssignment) => a.clusterName);
  f.end(['secrets']);

  const endpoints = new Map<string, ClusterLoadAssignment>();
  const edsNames = new Map<string, string>();
  for (const { value: cluster, path } of clusters.values()) {
    if (cluster.loadAssignment !== undefined) endpoints.set(cluster.name, cluster.loadAssignment);
    if (cluster.type !== 'EDS') continue;
    edsNames.set(cluster.edsServiceName, cluster.name);
    const assignment = assignments.get(cluster.edsServiceName)?.value;
    if (assignment !== undefined) endpoints.set(cluster.name, assignment);
    else if (!dynamic) {
      throw new ConfigError([...path, 'name'], `EDS cluster "${cluster.name}" has no endpoints: no static_resources.endpoints entry with cluster_name "${cluster.edsServiceName}" and no xds_servers to fetch them from`);
    }
  }
  for (const { value: assignment, path } of assignments.values()) {
    if (!edsNames.has(assignment.clusterName)) {
      throw new ConfigError([...path, 'cluster_name'], `no EDS cluster takes endpoints named "${assignment.clusterName}"`);
    }
  }

  const routeConfigs = new Map([...routeConfigurations].map(([name, { value }]) => [name, value]));
  for (const { value: listener, path: listenerPath } of listeners.values()) {
    const path = [...listenerPath, ...connectionManagerPath(listener)];
    if (listener.routeSource.kind === 'rds') {
      const name = listener.routeSource.routeConfigName;
      if (!routeConfigs.has(name) && !dynamic) {
        throw new ConfigError([...path, 'rds', 'route_config_name'], `route configuration "${name}" is not in static_resources.route_configurations and there are no xds_servers to fetch it from`);
      }
    } else {
      checkClusters(listener.routeSource.routeConfig, [...path, 'route_config'], clusters, dynamic);
    }
  }
  for (const { value: config, path } of routeConfigurations.values()) checkClusters(config, path, clusters, dynamic);

  return {
    listeners: new Map([...listeners].map(([name, { value }]) => [name, value])),
    routeConfigurations: routeConfigs,
    clusters: new Map([...clusters].map(([name, { value }]) => [name, value])),
    endpoints,
  };
}

type Located<T> = { value: T; path: ConfigPath };

function byName<T>(f: Fields, field: string, decode: (v: unknown, p: ConfigPath) => T, nameOf: (t: T) => string): Map<string, Located<T>> {
  const out = new Map<string, Located<T>>();
  f.list(field, (v, p) => {
    const value = decode(v, p);
    const name = nameOf(value);
    const before = out.get(name);
    if (before !== undefined) {
      throw new ConfigError(p, `duplicate name "${name}" (also at ${[...before.path].slice(-1).map((i) => `[${String(i)}]`).join('')})`);
    }
    out.set(name, { value, path: p });
    return value;
  });
  return out;
}

/** A route naming a cluster that exists nowhere is refused (Envoy's validate_clusters for static routes). */
function checkClusters(config: RouteConfiguration, path: ConfigPath, clusters: ReadonlyMap<string, unknown>, dynamic: boolean): void {
  if (dynamic) return;
  config.virtualHosts.forEach((host, i) => {
    host.routes.forEach((route, j) => {
      if (route.action.kind !== 'route') return;
      const spec = route.action.cluster;
      const names = spec.kind === 'cluster' ? [spec.name] : spec.kind === 'weighted_clusters' ? spec.clusters.map((c) => c.name) : [];
      for (const name of names) {
        if (!clusters.has(name)) {
          throw new ConfigError([...path, 'virtual_hosts', i, 'routes', j, 'route'], `cluster "${name}" is not defined in static_resources.clusters`);
        }
      }
    });
  });
}

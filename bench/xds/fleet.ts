// The fleet the xDS benchmarks serve: one listener whose route configuration has a virtual host
// per cluster (so on-demand subscription follows every cluster), EDS clusters, and their endpoints.
import { assignment, edsCluster, listener, RDS } from '../../test/xds/fixtures/resources.ts';

export const LISTENER_NAME = 'mesh:80';
export const ROUTE_CONFIG_NAME = 'mesh-routes';

export interface Fleet {
  readonly listeners: readonly Record<string, unknown>[];
  readonly routeConfigurations: readonly Record<string, unknown>[];
  readonly clusters: readonly Record<string, unknown>[];
  readonly assignments: readonly Record<string, unknown>[];
}

export function clusterName(i: number): string {
  return `svc-${i}`;
}

/** `clusters` EDS clusters of `endpointsPerCluster` endpoints each; virtual host `svc-i` routes `/` to cluster `svc-i`. */
export function fleet(clusters: number, endpointsPerCluster = 10): Fleet {
  const names = Array.from({ length: clusters }, (_, i) => clusterName(i));
  const ports = Array.from({ length: endpointsPerCluster }, (_, k) => 10_000 + k);
  return {
    listeners: [listener(LISTENER_NAME, ROUTE_CONFIG_NAME)],
    routeConfigurations: [
      {
        '@type': RDS,
        name: ROUTE_CONFIG_NAME,
        virtual_hosts: names.map((n) => ({ name: n, domains: [n], routes: [{ match: { prefix: '/' }, route: { cluster: n } }] })),
      },
    ],
    clusters: names.map((n) => edsCluster(n)),
    assignments: names.map((n) => assignment(`${n}-eds`, ports)),
  };
}

// The xDS resources both clients of the interop test get: Listener `echo:50051` → RDS with a
// header-matched route to echo-canary and a 70/30 weighted default over echo-a / echo-b; three
// EDS clusters, each with one endpoint. Written as gRPC requires them (gRPC A27/A28).
import { CDS, EDS, HCM, LDS, RDS } from '../fixtures/resources.ts';

export const ECHO_LISTENER = 'echo:50051';
export const ECHO_ROUTES = 'echo-routes';
export const CANARY = { header: 'x-variant', value: 'canary', cluster: 'echo-canary' } as const;
export const WEIGHTS: Readonly<Record<string, number>> = { 'echo-a': 70, 'echo-b': 30 };
export const ECHO_CLUSTERS = [...Object.keys(WEIGHTS), CANARY.cluster];

const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

export function echoListener(): Record<string, unknown> {
  return {
    '@type': LDS,
    name: ECHO_LISTENER,
    api_listener: {
      // gRPC A27: rds.config_source must name ADS (or self); the router filter comes last.
      api_listener: { '@type': HCM, rds: { route_config_name: ECHO_ROUTES, config_source: { ads: {} } }, http_filters: [ROUTER] },
    },
  };
}

export function echoRoutes(): Record<string, unknown> {
  return {
    '@type': RDS,
    name: ECHO_ROUTES,
    virtual_hosts: [
      {
        name: 'echo',
        domains: [ECHO_LISTENER],
        routes: [
          {
            match: { prefix: '/', headers: [{ name: CANARY.header, string_match: { exact: CANARY.value } }] },
            route: { cluster: CANARY.cluster },
          },
          {
            match: { prefix: '/' },
            route: { weighted_clusters: { clusters: Object.entries(WEIGHTS).map(([name, weight]) => ({ name, weight: { value: weight } })) } },
          },
        ],
      },
    ],
  };
}

export function echoCluster(name: string): Record<string, unknown> {
  // gRPC A27: an EDS cluster's eds_config must name ADS (or self).
  return { '@type': CDS, name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: `${name}-eds` }, lb_policy: 'ROUND_ROBIN' };
}

export function echoAssignment(cluster: string, port: number): Record<string, unknown> {
  return {
    '@type': EDS,
    cluster_name: `${cluster}-eds`,
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1' },
        // gRPC drops a locality without a weight.
        load_balancing_weight: { value: 1 },
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, health_status: 'HEALTHY' }],
      },
    ],
  };
}

// Builders for bootstrap objects in tests: one outbound API listener with an inline route
// configuration, and clusters of 127.0.0.1 endpoints.

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** A single-virtual-host mesh: listener `name`, the routes under `domains`, and the clusters given. */
export function meshBootstrap(name: string, domains: readonly string[], routes: readonly object[], clusters: readonly object[]): object {
  return {
    static_resources: {
      listeners: [{ name, api_listener: { api_listener: { '@type': HCM_TYPE, route_config: { name, virtual_hosts: [{ name, domains, routes }] } } } }],
      clusters,
    },
  };
}

/** A STATIC cluster of 127.0.0.1 endpoints on `ports`, with any other Cluster fields in `extra`. */
export function localCluster(name: string, ports: readonly number[], extra: object = {}): object {
  const lbEndpoints = ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }));
  return { name, ...extra, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: lbEndpoints }] } };
}

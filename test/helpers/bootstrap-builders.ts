// Builders for bootstrap objects in tests: outbound API listeners and bound listeners with an
// inline single-virtual-host route configuration, and clusters of 127.0.0.1 endpoints.

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** A single-virtual-host mesh: listener `name`, the routes under `domains`, and the clusters given. */
export function meshBootstrap(name: string, domains: readonly string[], routes: readonly object[], clusters: readonly object[]): object {
  return { static_resources: { listeners: [apiListener(name, domains, routes)], clusters } };
}

/** An outbound (API) listener `name` with one virtual host: `routes` under `domains`. */
export function apiListener(name: string, domains: readonly string[], routes: readonly object[]): object {
  return { name, api_listener: { api_listener: { '@type': HCM_TYPE, route_config: { name, virtual_hosts: [{ name, domains, routes }] } } } };
}

/** A listener bound to `address` (Envoy's inbound listener) with one filter chain: the HCM with `routes` under `domains`. */
export function boundListener(name: string, address: object, domains: readonly string[], routes: readonly object[]): object {
  const hcm = { '@type': HCM_TYPE, stat_prefix: name, route_config: { name, virtual_hosts: [{ name, domains, routes }] }, http_filters: [{ name: 'envoy.filters.http.router' }] };
  return { name, address, filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] };
}

/** A STATIC cluster of 127.0.0.1 endpoints on `ports`, with any other Cluster fields in `extra`. */
export function localCluster(name: string, ports: readonly number[], extra: object = {}): object {
  const lbEndpoints = ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }));
  return { name, ...extra, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: lbEndpoints }] } };
}

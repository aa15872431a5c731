// Decoding Listener: the API listener for outbound calls, and a listener bound to an address
// with one HttpConnectionManager filter chain (codec_type, pipe addresses); strict errors name
// the path, and static_resources checks a bound listener's routes at their own path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeListener } from '../../src/config/decode-listener.ts';
import { decodeStaticResources } from '../../src/config/static-resources.ts';

const strict = { strict: true };
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTES = { name: 'inbound', virtual_hosts: [{ name: 'app', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'app' } }] }] };

function bound(overrides: Record<string, unknown> = {}, hcm: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'inbound|8080',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, stat_prefix: 'in', route_config: ROUTES, ...hcm } }] }],
    ...overrides,
  };
}

test('an API listener has no socket; a bound one has its address and codec (AUTO by default)', () => {
  const api = decodeListener({ name: 'reviews:80', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, api_listener: { api_listener: { '@type': HCM, route_config: ROUTES } } }, ['l'], strict);
  assert.equal(api.socket, undefined);
  assert.equal(api.routeSource.kind, 'inline');

  const tcp = decodeListener(bound({ traffic_direction: 'INBOUND' }), ['l'], strict);
  assert.deepEqual(tcp.socket, { address: { kind: 'tcp', host: '0.0.0.0', port: 15006 }, codec: 'AUTO' });
  assert.equal(tcp.name, 'inbound|8080');
  assert.equal(tcp.routeSource.kind, 'inline');

  const h1 = decodeListener(bound({}, { codec_type: 'HTTP1' }), ['l'], strict);
  assert.equal(h1.socket?.codec, 'HTTP1');
  const pipe = decodeListener(bound({ address: { pipe: { path: '/run/app.sock', mode: 420 } } }, { codecType: 'HTTP2' }), ['l'], strict);
  assert.deepEqual(pipe.socket, { address: { kind: 'unix', path: '/run/app.sock' }, codec: 'HTTP2' });
});

test('what a bound listener cannot honour is refused with the path and the reason', () => {
  const cases: [Record<string, unknown>, string][] = [
    [bound({ address: undefined }), 'l.address: required: the address the listener accepts connections on'],
    [bound({ api_listener: { api_listener: { '@type': HCM, route_config: ROUTES } } }), 'l: only one listener kind may be set, found api_listener and filter_chains'],
    [{ name: 'x' }, 'l: one of api_listener (outbound calls) or address with filter_chains (a listener that accepts connections) is required'],
    [bound({ filter_chains: [] }), 'l.filter_chains: expected one filter chain holding the HttpConnectionManager, got none'],
    [bound({ filter_chains: [{ filters: [] }, { filters: [] }] }), 'l.filter_chains: expected one filter chain, got 2: filter_chain_match is not supported, so one chain takes every connection'],
    [bound({ filter_chains: [{ filter_chain_match: { destination_port: 80 }, filters: [] }] }), 'l.filter_chains[0].filter_chain_match: filter_chain_match is not supported: the one filter chain takes every connection'],
    [bound({ filter_chains: [{ transport_socket: { name: 'tls' }, filters: [] }] }), 'l.filter_chains[0].transport_socket: TLS (transport_socket) is not supported on listeners yet'],
    [bound({ filter_chains: [{ filters: [] }] }), 'l.filter_chains[0].filters: expected exactly one network filter, the HttpConnectionManager; got 0'],
    [bound({ filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy' } }] }] }), `l.filter_chains[0].filters[0].typed_config.@type: expected "${HCM}", got "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"`],
    [bound({ listener_filters: [{ name: 'envoy.filters.listener.tls_inspector' }] }), 'l.listener_filters: listener_filters are not supported (sidelet tells HTTP/1.1 from HTTP/2 itself with codec_type AUTO)'],
    [bound({ bind_to_port: false }), 'l.bind_to_port: false is not supported: a listener with filter_chains binds its address'],
    [bound({ address: { socket_address: { address: '0.0.0.0', port_value: 53, protocol: 'UDP' } } }), 'l.address.socket_address.protocol: UDP listeners are not supported'],
    [bound({ address: { socket_address: { address: '0.0.0.0', named_port: 'http' } } }), 'l.address.socket_address.named_port: named ports are not supported; use port_value'],
    [bound({ address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } }), 'l.address.socket_address.port_value: must be at most 65535, got 70000'],
    [bound({ address: { pipe: { path: '@abstract' } } }), 'l.address.pipe.path: abstract unix sockets ("@…") are not supported; give a file path'],
    [bound({}, { codec_type: 'HTTP3' }), 'l.filter_chains[0].filters[0].typed_config.codec_type: HTTP3 is not supported; use AUTO, HTTP1 or HTTP2'],
    [bound({ per_connection_buffer_limit_bytes: 1024, stat_prefx: 'typo' }), 'l.stat_prefx: unknown field'],
  ];
  for (const [value, message] of cases) assert.throws(() => decodeListener(value, ['l'], strict), { message });
});

test('static_resources checks a bound listener’s routes and rds name at the connection manager’s own path', () => {
  const cluster = { name: 'app', load_assignment: { cluster_name: 'app', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } }] }] } };
  const parts = decodeStaticResources({ listeners: [bound()], clusters: [cluster] }, false);
  assert.equal(parts.listeners.get('inbound|8080')?.socket?.address.kind, 'tcp');
  assert.throws(() => decodeStaticResources({ listeners: [bound()], clusters: [] }, false), {
    message: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route: cluster "app" is not defined in static_resources.clusters',
  });
  const rds = bound({}, { route_config: undefined, rds: { route_config_name: 'missing' } });
  assert.throws(() => decodeStaticResources({ listeners: [rds], clusters: [cluster] }, false), {
    message: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.rds.route_config_name: route configuration "missing" is not in static_resources.route_configurations and there are no xds_servers to fetch it from',
  });
});

// Decodes config.listener.v3.Listener in the two forms sidelet serves: an api_listener holding an
// HttpConnectionManager (outbound calls, as gRPC proxyless has it), or an `address` with one
// filter chain whose only network filter is the HttpConnectionManager (Envoy's listener shape).
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Listener, ListenerAddress, ListenerCodec, RouteSource } from '../core/model/listener.ts';
import { decodeHttpFilters } from './decode-filter-configs.ts';
import { decodeRouteConfiguration } from './decode-route-configuration.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export const HTTP_CONNECTION_MANAGER_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Listener fields sidelet accepts and does not act on (statistics names, kernel tuning, access logs). */
const LISTENER_ACCEPTED = [
  'stat_prefix',
  'traffic_direction',
  'metadata',
  'per_connection_buffer_limit_bytes',
  'drain_type',
  'tcp_backlog_size',
  'enable_reuse_port',
  'access_log',
  'connection_balance_config',
];
/** Listener fields whose meaning sidelet cannot honour: refused rather than ignored. */
const LISTENER_REFUSED: Readonly<Record<string, string>> = {
  listener_filters: 'listener_filters are not supported (sidelet tells HTTP/1.1 from HTTP/2 itself with codec_type AUTO)',
  default_filter_chain: 'default_filter_chain is not supported; give the one filter chain in filter_chains',
  additional_addresses: 'additional_addresses are not supported; declare one listener per address',
  udp_listener_config: 'UDP listeners are not supported',
  internal_listener: 'internal listeners are not supported',
};

export function decodeListener(value: unknown, path: ConfigPath, options: DecodeOptions): Listener {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name');
  for (const [field, reason] of Object.entries(LISTENER_REFUSED)) if (f.has(field)) f.fail(field, reason);
  const kind = f.oneof(['api_listener', 'filter_chains'], 'listener kind');
  if (kind === undefined) {
    throw new ConfigError(path, 'one of api_listener (outbound calls) or address with filter_chains (a listener that accepts connections) is required');
  }
  if (kind === 'api_listener') {
    const api = f.requiredMessage('api_listener');
    const hcm = api.requiredMessage('api_listener', 'required: an HttpConnectionManager');
    api.end();
    const listener: Listener = { name, ...decodeHttpConnectionManager(hcm).config };
    f.end(['address', ...LISTENER_ACCEPTED]);
    return listener;
  }
  if (f.bool('bind_to_port', true) === false) f.fail('bind_to_port', 'false is not supported: a listener with filter_chains binds its address');
  const address = decodeAddress(f.requiredMessage('address', 'required: the address the listener accepts connections on'));
  const chains = f.list('filter_chains', (v, p) => new Fields(v, p, f.options));
  if (chains.length === 0) f.fail('filter_chains', 'expected one filter chain holding the HttpConnectionManager, got none');
  if (chains.length > 1) f.fail('filter_chains', `expected one filter chain, got ${chains.length}: filter_chain_match is not supported, so one chain takes every connection`);
  const { codec, config } = decodeFilterChain(chains[0]!);
  const listener: Listener = { name, ...config, socket: { address, codec } };
  f.end(LISTENER_ACCEPTED);
  return listener;
}

/** Where the listener's HttpConnectionManager sits, relative to the listener, for error messages about its routes. */
export function connectionManagerPath(listener: Listener): ConfigPath {
  return listener.socket === undefined ? ['api_listener', 'api_listener'] : ['filter_chains', 0, 'filters', 0, 'typed_config'];
}

function decodeAddress(a: Fields): ListenerAddress {
  const kind = a.oneof(['socket_address', 'pipe', 'envoy_internal_address'], 'address');
  if (kind === 'envoy_internal_address') a.fail(kind, 'internal addresses are not supported');
  if (kind === 'pipe') {
    const pipe = a.message('pipe')!;
    const path = pipe.requiredString('path');
    if (path.startsWith('@')) pipe.fail('path', 'abstract unix sockets ("@…") are not supported; give a file path');
    pipe.end(['mode']);
    a.end();
    return { kind: 'unix', path };
  }
  if (kind === undefined) throw new ConfigError(a.path, 'one of socket_address or pipe is required');
  const s = a.message('socket_address')!;
  const host = s.requiredString('address');
  if (s.has('named_port')) s.fail('named_port', 'named ports are not supported; use port_value');
  const port = s.requiredNumber('port_value', { integer: true, min: 0, max: 65535 });
  if (s.enumOf('protocol', ['TCP', 'UDP'] as const, 'TCP') === 'UDP') s.fail('protocol', 'UDP listeners are not supported');
  if (s.has('resolver_name')) s.fail('resolver_name', 'custom resolvers are not supported; give an IP address');
  s.end(['ipv4_compat', 'network_namespace_filepath']);
  a.end();
  return { kind: 'tcp', host, port };
}

/** One filter chain: no match criteria, no TLS, and the HttpConnectionManager as its only network filter. */
function decodeFilterChain(chain: Fields): { codec: ListenerCodec; config: Omit<Listener, 'name' | 'socket'> } {
  if (chain.has('filter_chain_match')) chain.fail('filter_chain_match', 'filter_chain_match is not supported: the one filter chain takes every connection');
  if (chain.has('transport_socket')) chain.fail('transport_socket', 'TLS (transport_socket) is not supported on listeners yet');
  const filters = chain.list('filters', (v, p) => new Fields(v, p, chain.options));
  if (filters.length !== 1) chain.fail('filters', `expected exactly one network filter, the HttpConnectionManager; got ${filters.length}`);
  const filter = filters[0]!;
  if (filter.has('config_discovery')) filter.fail('config_discovery', 'filter config discovery (ECDS) is not supported; give typed_config');
  const decoded = decodeHttpConnectionManager(filter.requiredMessage('typed_config', 'required: an HttpConnectionManager'));
  filter.end(['name']);
  chain.end(['name', 'metadata', 'transport_socket_connect_timeout']);
  return decoded;
}

function decodeHttpConnectionManager(f: Fields): { codec: ListenerCodec; config: Omit<Listener, 'name' | 'socket'> } {
  const type = f.string('@type');
  if (type !== HTTP_CONNECTION_MANAGER_TYPE) {
    throw new ConfigError([...f.path, '@type'], `expected "${HTTP_CONNECTION_MANAGER_TYPE}", got ${JSON.stringify(type ?? null)}`);
  }
  const kind = f.oneof(['rds', 'route_config', 'scoped_routes'], 'route specifier');
  let routeSource: RouteSource;
  if (kind === 'rds') {
    const rds = f.message('rds')!;
    routeSource = { kind: 'rds', routeConfigName: rds.requiredString('route_config_name') };
    rds.end(['config_source']);
  } else if (kind === 'route_config') {
    const raw = f.raw('route_config')!;
    routeSource = { kind: 'inline', routeConfig: decodeRouteConfiguration(raw.value, raw.path, f.options) };
  } else if (kind === undefined) {
    throw new ConfigError(f.path, 'one of rds or route_config is required');
  } else {
    f.fail(kind, 'scoped_routes is not supported; use rds or route_config');
  }
  const codec = f.enumOf('codec_type', ['AUTO', 'HTTP1', 'HTTP2', 'HTTP3'] as const, 'AUTO');
  if (codec === 'HTTP3') f.fail('codec_type', 'HTTP3 is not supported; use AUTO, HTTP1 or HTTP2');
  const filters = decodeHttpFilters(f);
  f.end(['stat_prefix', 'common_http_protocol_options', 'http_protocol_options', 'http2_protocol_options', 'upgrade_configs', 'stream_idle_timeout']);
  return { codec, config: { routeSource, httpFilters: filters.names, filterConfigs: filters.configs } };
}

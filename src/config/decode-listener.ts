// Decodes config.listener.v3.Listener in the form gRPC proxyless and sidelet use for outbound
// calls: an api_listener holding an HttpConnectionManager with rds or an inline route_config.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Listener, RouteSource } from '../core/model/listener.ts';
import { decodeHttpFilters } from './decode-filter-configs.ts';
import { decodeRouteConfiguration } from './decode-route-configuration.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export const HTTP_CONNECTION_MANAGER_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export function decodeListener(value: unknown, path: ConfigPath, options: DecodeOptions): Listener {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name');
  const api = f.requiredMessage('api_listener', 'required: sidelet serves outbound calls through API listeners');
  const hcm = api.requiredMessage('api_listener', 'required: an HttpConnectionManager');
  api.end();
  const listener: Listener = { name, ...decodeHttpConnectionManager(hcm) };
  f.end(['address', 'stat_prefix', 'traffic_direction']);
  return listener;
}

function decodeHttpConnectionManager(f: Fields): Omit<Listener, 'name'> {
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
  const filters = decodeHttpFilters(f);
  f.end(['stat_prefix', 'codec_type', 'common_http_protocol_options', 'http_protocol_options', 'http2_protocol_options', 'upgrade_configs', 'stream_idle_timeout']);
  return { routeSource, httpFilters: filters.names, filterConfigs: filters.configs };
}

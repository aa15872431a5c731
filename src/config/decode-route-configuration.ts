// Decodes config.route.v3.RouteConfiguration and its virtual hosts into the core model,
// refusing duplicate virtual host names and domains as Envoy does.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { RouteConfiguration, VirtualHost } from '../core/model/route.ts';
import { decodeRoute } from './decode-route.ts';
import { decodeTypedPerFilterConfig } from './decode-filter-configs.ts';
import { decodeHeaderMutations, RESPONSE_HEADER_FIELDS } from './decode-headers.ts';
import { decodeHedgePolicy } from './decode-hedge-policy.ts';
import { decodeRetryPolicy } from './decode-retry-policy.ts';
import { type DecodeOptions, Fields, optional } from './fields.ts';

export function decodeRouteConfiguration(value: unknown, path: ConfigPath, options: DecodeOptions): RouteConfiguration {
  const f = new Fields(value, path, options);
  const name = f.string('name') ?? '';
  const virtualHosts = f.list('virtual_hosts', (v, p) => decodeVirtualHost(v, p, options));
  checkUnique(virtualHosts, f.pathOf('virtual_hosts'));
  const config: RouteConfiguration = { name, virtualHosts, headers: decodeHeaderMutations(f) };
  f.end([...RESPONSE_HEADER_FIELDS, 'validate_clusters', 'most_specific_header_mutations_wins', 'internal_only_headers']);
  return config;
}

function decodeVirtualHost(value: unknown, path: ConfigPath, options: DecodeOptions): VirtualHost {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name');
  const domains = f.list('domains', (v, p) => {
    if (typeof v !== 'string' || v === '') throw new ConfigError(p, 'must be a non-empty string');
    if (v !== '*' && (v.indexOf('*') !== v.lastIndexOf('*') || (v.includes('*') && !v.startsWith('*') && !v.endsWith('*')))) {
      throw new ConfigError(p, `invalid domain ${JSON.stringify(v)}: a wildcard may only start or end it`);
    }
    return v.toLowerCase();
  });
  if (domains.length === 0) f.fail('domains', 'required, at least one domain');
  const host: VirtualHost = {
    name,
    domains,
    routes: f.list('routes', (v, p) => decodeRoute(v, p, options)),
    headers: decodeHeaderMutations(f),
    retryPolicy: optional(f, 'retry_policy', decodeRetryPolicy),
    hedgePolicy: optional(f, 'hedge_policy', decodeHedgePolicy),
    filterConfigs: decodeTypedPerFilterConfig(f),
  };
  f.end([...RESPONSE_HEADER_FIELDS, 'require_tls', 'include_request_attempt_count', 'include_attempt_count_in_response']);
  return host;
}

function checkUnique(hosts: readonly VirtualHost[], path: ConfigPath): void {
  const names = new Map<string, number>();
  const domains = new Map<string, string>();
  hosts.forEach((host, i) => {
    const before = names.get(host.name);
    if (before !== undefined) throw new ConfigError([...path, i, 'name'], `duplicate virtual host name "${host.name}" (also at [${before}])`);
    names.set(host.name, i);
    host.domains.forEach((domain, j) => {
      const owner = domains.get(domain);
      if (owner !== undefined) {
        throw new ConfigError([...path, i, 'domains', j], `duplicate domain "${domain}": already served by virtual host "${owner}"`);
      }
      domains.set(domain, host.name);
    });
  });
}

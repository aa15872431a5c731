// Decodes config.endpoint.v3.ClusterLoadAssignment: localities with their priority and
// weight, and each endpoint's socket address, weight, health status and metadata.
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { ClusterLoadAssignment, Endpoint, HealthStatus, Locality, LocalityEndpoints } from '../core/model/endpoint.ts';
import { metadata } from './decode-well-known.ts';
import { type DecodeOptions, Fields } from './fields.ts';

const HEALTH: readonly HealthStatus[] = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];

export function decodeClusterLoadAssignment(value: unknown, path: ConfigPath, options: DecodeOptions, clusterName?: string): ClusterLoadAssignment {
  const f = new Fields(value, path, options);
  const name = clusterName ?? f.requiredString('cluster_name');
  if (clusterName !== undefined) f.string('cluster_name');
  const localities = f.list('endpoints', (v, p) => decodeLocalityEndpoints(v, p, options));
  const seen = new Map<string, ConfigPath>();
  for (const [i, group] of localities.entries()) {
    for (const [j, endpoint] of group.endpoints.entries()) {
      const at: ConfigPath = [...f.pathOf('endpoints'), i, 'lb_endpoints', j];
      const before = seen.get(endpoint.id);
      if (before !== undefined) throw new ConfigError(at, `duplicate endpoint ${endpoint.id}`);
      seen.set(endpoint.id, at);
    }
  }
  const policy = f.message('policy');
  const overprovisioningFactor = policy?.number('overprovisioning_factor', { integer: true, min: 1 }) ?? 140;
  policy?.end(['drop_overloads', 'endpoint_stale_after', 'weighted_priority_health']);
  f.end(['named_endpoints']);
  return { clusterName: name, localities, overprovisioningFactor };
}

function decodeLocalityEndpoints(value: unknown, path: ConfigPath, options: DecodeOptions): LocalityEndpoints {
  const f = new Fields(value, path, options);
  const l = f.message('locality');
  const locality: Locality = {
    region: l?.string('region') ?? '',
    zone: l?.string('zone') ?? '',
    subZone: l?.string('sub_zone') ?? '',
  };
  l?.end();
  const priority = f.number('priority', { integer: true, min: 0, max: 127 }) ?? 0;
  const weight = f.number('load_balancing_weight', { integer: true, min: 1 }) ?? 0;
  const endpoints = f.list('lb_endpoints', (v, p) => decodeLbEndpoint(v, p, options, locality, priority));
  f.end(['proximity', 'metadata', 'leds_cluster_locality_config']);
  return { locality, weight, priority, endpoints };
}

function decodeLbEndpoint(value: unknown, path: ConfigPath, options: DecodeOptions, locality: Locality, priority: number): Endpoint {
  const f = new Fields(value, path, options);
  const e = f.requiredMessage('endpoint', f.has('endpoint_name') ? 'endpoint_name (named endpoints) is not supported' : 'required');
  const a = e.requiredMessage('address');
  const s = a.requiredMessage('socket_address', a.has('pipe') ? 'pipe addresses are not supported for endpoints' : 'required');
  const address = s.requiredString('address');
  const port = s.requiredNumber('port_value', { integer: true, min: 1, max: 65535 });
  if (s.enumOf('protocol', ['TCP', 'UDP'] as const, 'TCP') === 'UDP') s.fail('protocol', 'UDP endpoints are not supported');
  s.end(['resolver_name', 'ipv4_compat']);
  a.end();
  const hostname = e.string('hostname') ?? '';
  e.end(['health_check_config', 'additional_addresses']);
  const endpoint: Endpoint = {
    id: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`,
    address,
    port,
    hostname,
    weight: f.number('load_balancing_weight', { integer: true, min: 1 }) ?? 1,
    health: f.enumOf('health_status', HEALTH, 'UNKNOWN'),
    metadata: metadata(f, 'metadata'),
    locality,
    priority,
  };
  f.end();
  return endpoint;
}

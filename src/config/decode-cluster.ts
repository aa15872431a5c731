// Decodes config.cluster.v3.Cluster: discovery type, LB policy and its settings (least
// request, ring hash, maglev, slow start, panic threshold, locality weighting, subsets), and the
// upstream transport socket (TLS).
import { isIP } from 'node:net';
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { Cluster, DiscoveryType, LbPolicy, LbSubsetConfig, SlowStartConfig } from '../core/model/cluster.ts';
import { DEFAULT_CIRCUIT_BREAKERS } from '../core/model/policy-circuit-breakers.ts';
import { decodeCircuitBreakers, errorRateBreakerOf } from './decode-circuit-breakers.ts';
import { decodeClusterLoadAssignment } from './decode-endpoints.ts';
import { decodeHealthChecks } from './decode-health-checks.ts';
import { decodeOutlierDetection } from './decode-outlier-detection.ts';
import { decodeTransportSocket } from './decode-tls.ts';
import { durationMs, metadata } from './decode-well-known.ts';
import { type DecodeOptions, Fields, optional } from './fields.ts';

const TYPES: readonly DiscoveryType[] = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS'];
const LB_POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RING_HASH', 'RANDOM', 'MAGLEV'];
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function decodeCluster(value: unknown, path: ConfigPath, options: DecodeOptions): Cluster {
  const f = new Fields(value, path, options);
  const name = f.requiredString('name');
  if (f.has('cluster_type')) f.fail('cluster_type', 'custom cluster types are not supported');
  const type = f.enumOf('type', TYPES, 'STATIC');
  const lbPolicy = f.enumOf('lb_policy', LB_POLICIES, 'ROUND_ROBIN');
  const eds = f.message('eds_cluster_config');
  const edsServiceName = eds?.string('service_name') || name;
  eds?.end(['eds_config']);
  if (eds !== undefined && type !== 'EDS') f.fail('eds_cluster_config', `only valid for type EDS, the cluster's type is ${type}`);

  const assignmentField = f.raw('load_assignment');
  const loadAssignment = assignmentField && decodeClusterLoadAssignment(assignmentField.value, assignmentField.path, options, name);
  if (type === 'EDS' && loadAssignment !== undefined) f.fail('load_assignment', 'an EDS cluster takes its endpoints from EDS, not load_assignment');
  if (type !== 'EDS' && loadAssignment === undefined) f.fail('load_assignment', `required for a ${type} cluster`);
  if (type === 'STATIC') checkStaticAddresses(loadAssignment!, f.pathOf('load_assignment'));
  if (type === 'LOGICAL_DNS' && loadAssignment!.localities.flatMap((l) => l.endpoints).length !== 1) {
    f.fail('load_assignment', 'a LOGICAL_DNS cluster takes exactly one endpoint');
  }

  const lr = f.message('least_request_lb_config');
  const rr = f.message('round_robin_lb_config');
  const ring = f.message('ring_hash_lb_config');
  const maglev = f.message('maglev_lb_config');
  const policyConfigs = { LEAST_REQUEST: lr, ROUND_ROBIN: rr, RING_HASH: ring, MAGLEV: maglev } as const;
  for (const [policy, config] of Object.entries(policyConfigs)) {
    if (config !== undefined && policy !== lbPolicy) f.fail(config.path.at(-1) as string, `set, but lb_policy is ${lbPolicy}`);
  }

  const minimumRingSize = ring?.number('minimum_ring_size', { integer: true, min: 1, max: 8_388_608 }) ?? 1024;
  const maximumRingSize = ring?.number('maximum_ring_size', { integer: true, min: 1, max: 8_388_608 }) ?? 8_388_608;
  if (ring !== undefined && minimumRingSize > maximumRingSize) ring.fail('minimum_ring_size', `${minimumRingSize} is above maximum_ring_size ${maximumRingSize}`);
  if (ring?.enumOf('hash_function', ['XX_HASH', 'MURMUR_HASH_2'] as const, 'XX_HASH') === 'MURMUR_HASH_2') ring.fail('hash_function', 'only XX_HASH is supported');
  ring?.end();
  const tableSize = maglev?.number('table_size', { integer: true, min: 2, max: 5_000_011 }) ?? 65537;
  if (!isPrime(tableSize)) maglev!.fail('table_size', `must be a prime number, got ${tableSize}`);
  maglev?.end();

  const common = f.message('common_lb_config');
  const panic = common?.message('healthy_panic_threshold');
  const healthyPanicThreshold = panic?.number('value', { min: 0, max: 100 }) ?? 50;
  panic?.end();
  const localityWeighted = common?.has('locality_weighted_lb_config') ?? false;
  if (common?.has('zone_aware_lb_config')) common.fail('zone_aware_lb_config', 'zone-aware routing is not supported; use locality_weighted_lb_config');
  common?.end(['locality_weighted_lb_config', 'update_merge_window', 'ignore_new_hosts_until_first_hc', 'close_connections_on_host_set_change']);

  // Hand-written config is refused; from xDS the matches are dropped (the proto subset leaves them
  // out) and the cluster's transport_socket applies, so Istio's clusters still decode.
  if (f.options.strict && f.has('transport_socket_matches')) {
    f.fail('transport_socket_matches', 'is not supported; set one transport_socket for the whole cluster');
  }
  const http2 = usesHttp2(f);
  const tls = optional(f, 'transport_socket', decodeTransportSocket);
  if (tls !== undefined && http2 && tls.alpnProtocols.length > 0 && !tls.alpnProtocols.includes('h2')) {
    f.fail('transport_socket', `the cluster speaks HTTP/2, but alpn_protocols (${tls.alpnProtocols.join(', ')}) does not offer h2`);
  }

  const cluster: Cluster = {
    name,
    type,
    connectTimeoutMs: durationMs(f, 'connect_timeout') ?? 5000,
    lbPolicy,
    leastRequest: {
      choiceCount: lr?.number('choice_count', { integer: true, min: 2 }) ?? 2,
      activeRequestBias: lr?.message('active_request_bias')?.number('default_value', { min: 0 }) ?? 1,
    },
    ringHash: { minimumRingSize, maximumRingSize },
    maglev: { tableSize },
    commonLb: { healthyPanicThreshold, localityWeighted },
    slowStart: slowStart(lr) ?? slowStart(rr),
    subset: subsetConfig(f.message('lb_subset_config')),
    edsServiceName,
    loadAssignment,
    http2,
    ...(tls === undefined ? {} : { tls }),
    circuitBreakers: optional(f, 'circuit_breakers', decodeCircuitBreakers) ?? DEFAULT_CIRCUIT_BREAKERS,
    outlierDetection: optional(f, 'outlier_detection', decodeOutlierDetection),
    healthChecks: optional(f, 'health_checks', decodeHealthChecks) ?? [],
    errorRateBreaker: undefined,
    metadata: metadata(f, 'metadata'),
  };
  const withBreaker: Cluster = { ...cluster, errorRateBreaker: errorRateBreakerOf(cluster.metadata, f.pathOf('metadata'), options) };
  lr?.end(['active_request_bias']);
  rr?.end();
  f.end(['dns_lookup_family', 'dns_refresh_rate', 'respect_dns_ttl', 'per_connection_buffer_limit_bytes', 'alt_stat_name']);
  return withBreaker;
}

function slowStart(policy: Fields | undefined): SlowStartConfig | undefined {
  const s = policy?.message('slow_start_config');
  if (s === undefined) return undefined;
  const windowMs = durationMs(s, 'slow_start_window') ?? 0;
  if (windowMs <= 0) s.fail('slow_start_window', 'required, a positive duration');
  const aggressionFields = s.message('aggression');
  const aggression = aggressionFields?.number('default_value') ?? 1;
  if (aggression <= 0) aggressionFields!.fail('default_value', `must be greater than 0, got ${aggression}`);
  aggressionFields?.end(['runtime_key']);
  const min = s.message('min_weight_percent');
  const minWeightPercent = (min?.number('value', { min: 0, max: 100 }) ?? 10) / 100;
  min?.end();
  s.end();
  return { windowMs, aggression, minWeightPercent };
}

function subsetConfig(f: Fields | undefined): LbSubsetConfig | undefined {
  if (f === undefined) return undefined;
  const config: LbSubsetConfig = {
    fallbackPolicy: f.enumOf('fallback_policy', ['NO_FALLBACK', 'ANY_ENDPOINT', 'DEFAULT_SUBSET'] as const, 'NO_FALLBACK'),
    defaultSubset: f.struct('default_subset') ?? {},
    subsetSelectors: f.list('subset_selectors', (v, p) => {
      const selector = new Fields(v, p, f.options);
      const keys = selector.list('keys', (k, kp) => {
        if (typeof k !== 'string' || k === '') throw new ConfigError(kp, 'must be a non-empty string');
        return k;
      });
      if (keys.length === 0) selector.fail('keys', 'required, at least one key');
      selector.end(['single_host_per_subset', 'fallback_policy', 'fallback_keys_subset']);
      return keys;
    }),
  };
  f.end(['locality_weight_aware', 'scale_locality_weight', 'panic_mode_any', 'list_as_any', 'metadata_fallback_policy']);
  return config;
}

/** HTTP/2 upstream: the deprecated http2_protocol_options, or HttpProtocolOptions with explicit http2 config. */
function usesHttp2(f: Fields): boolean {
  if (f.has('http2_protocol_options')) {
    f.struct('http2_protocol_options');
    return true;
  }
  const typed = f.struct('typed_extension_protocol_options');
  const options = typed?.[HTTP_PROTOCOL_OPTIONS];
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) return false;
  const explicit = (options as Record<string, unknown>).explicit_http_config ?? (options as Record<string, unknown>).explicitHttpConfig;
  return typeof explicit === 'object' && explicit !== null && ('http2_protocol_options' in explicit || 'http2ProtocolOptions' in explicit);
}

function checkStaticAddresses(assignment: NonNullable<Cluster['loadAssignment']>, path: ConfigPath): void {
  assignment.localities.forEach((locality, i) => {
    locality.endpoints.forEach((endpoint, j) => {
      if (isIP(endpoint.address) === 0) {
        throw new ConfigError(
          [...path, 'endpoints', i, 'lb_endpoints', j, 'endpoint', 'address', 'socket_address', 'address'],
          `a STATIC cluster needs IP addresses, got ${JSON.stringify(endpoint.address)}; use type STRICT_DNS or LOGICAL_DNS for host names`,
        );
      }
    });
  });
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

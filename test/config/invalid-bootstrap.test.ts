// Invalid bootstrap files: each is refused whole with one precise message naming the file,
// the line, the path and the reason. The table pins every message.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** A valid bootstrap with one listener, one route configuration and one cluster; cases replace parts of it. */
function mesh(parts: { listener?: string; routes?: string; clusters?: string; top?: string } = {}): string {
  return `${parts.top ?? 'node: { id: app-1 }'}
static_resources:
  listeners:
${parts.listener ?? `    - name: reviews:80
      api_listener:
        api_listener:
          "@type": ${HCM}
          rds: { route_config_name: reviews }`}
  route_configurations:
    - name: reviews
      virtual_hosts:
        - name: reviews
          domains: [reviews]
          routes:
${parts.routes ?? `            - match: { prefix: / }
              route: { cluster: reviews }`}
  clusters:
${parts.clusters ?? CLUSTER('')}
`;
}

function CLUSTER(extra: string): string {
  return `    - name: reviews
      load_assignment:
        cluster_name: reviews
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9001 } } } }] }]
${extra}`;
}

const cases: { kind: string; text: string; message: string }[] = [
  {
    kind: 'unknown enum value',
    text: mesh({ clusters: CLUSTER('      lb_policy: ROUND_ROBBIN') }),
    message:
      'static_resources.clusters[0].lb_policy: unknown value "ROUND_ROBBIN"; expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV',
  },
  {
    kind: 'wrong type',
    text: mesh({ clusters: CLUSTER('      connect_timeout: [1s]') }),
    message: 'static_resources.clusters[0].connect_timeout: expected a duration such as "1.5s", got a list',
  },
  {
    kind: 'missing cluster referenced by a route',
    text: mesh({ routes: '            - match: { prefix: / }\n              route: { cluster: reviewz }' }),
    message: 'static_resources.route_configurations[0].virtual_hosts[0].routes[0].route: cluster "reviewz" is not defined in static_resources.clusters',
  },
  {
    kind: 'bad regex',
    text: mesh({ routes: '            - match: { safe_regex: { regex: "/items/([0-9]+" } }\n              route: { cluster: reviews }' }),
    message: 'static_resources.route_configurations[0].virtual_hosts[0].routes[0].match.safe_regex.regex: invalid regex "/items/([0-9]+": Unterminated group',
  },
  {
    kind: 'duplicate cluster names',
    text: mesh({ clusters: `${CLUSTER('')}${CLUSTER('').trimEnd()}` }),
    message: 'static_resources.clusters[1]: duplicate name "reviews" (also at [0])',
  },
  {
    kind: 'unknown field (a typo)',
    text: mesh({ clusters: CLUSTER('      lb_polcy: RANDOM') }),
    message: 'static_resources.clusters[0].lb_polcy: unknown field',
  },
  {
    kind: 'missing required field',
    text: mesh({ routes: '            - route: { cluster: reviews }' }),
    message: 'static_resources.route_configurations[0].virtual_hosts[0].routes[0].match: required',
  },
  {
    kind: 'weights that do not add up',
    text: mesh({
      routes: `            - match: { prefix: / }
              route:
                weighted_clusters:
                  total_weight: 100
                  clusters: [{ name: reviews, weight: 60 }, { name: reviews, weight: 30 }]`,
    }),
    message: 'static_resources.route_configurations[0].virtual_hosts[0].routes[0].route.weighted_clusters.total_weight: the weights add up to 90, not the declared total_weight 100',
  },
  {
    kind: 'out-of-range port',
    text: mesh({
      clusters: `    - name: reviews
      load_assignment:
        cluster_name: reviews
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 70000 } } } }] }]`,
    }),
    message:
      'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be at most 65535, got 70000',
  },
  {
    kind: 'listener naming a route configuration that does not exist',
    text: mesh({
      listener: `    - name: reviews:80
      api_listener:
        api_listener:
          "@type": ${HCM}
          rds: { route_config_name: reviewz }`,
    }),
    message:
      'static_resources.listeners[0].api_listener.api_listener.rds.route_config_name: route configuration "reviewz" is not in static_resources.route_configurations and there are no xds_servers to fetch it from',
  },
  {
    kind: 'EDS cluster with no endpoints and no xDS server',
    text: mesh({ clusters: `${CLUSTER('')}    - name: ratings\n      type: EDS` }),
    message:
      'static_resources.clusters[1].name: EDS cluster "ratings" has no endpoints: no static_resources.endpoints entry with cluster_name "ratings" and no xds_servers to fetch them from',
  },
  {
    kind: 'duplicate domain across virtual hosts',
    text: mesh().replace(
      '          domains: [reviews]\n',
      '          domains: [reviews]\n          routes: []\n        - name: reviews-2\n          domains: [REVIEWS]\n',
    ),
    message: 'static_resources.route_configurations[0].virtual_hosts[1].domains[0]: duplicate domain "reviews": already served by virtual host "reviews"',
  },
  {
    kind: 'STATIC cluster with a host name',
    text: mesh({
      clusters: `    - name: reviews
      load_assignment:
        cluster_name: reviews
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: reviews.local, port_value: 80 } } } }] }]`,
    }),
    message:
      'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: a STATIC cluster needs IP addresses, got "reviews.local"; use type STRICT_DNS or LOGICAL_DNS for host names',
  },
  {
    kind: 'xDS server without a supported channel credential',
    text: mesh({ top: 'xds_servers: [{ server_uri: "127.0.0.1:15010", channel_creds: [{ type: magic }] }]' }),
    message: 'xds_servers[0].channel_creds: no supported type among "magic"; supported: insecure, tls, google_default',
  },
  {
    kind: 'maglev table size not prime',
    text: mesh({ clusters: CLUSTER('      lb_policy: MAGLEV\n      maglev_lb_config: { table_size: 65536 }') }),
    message: 'static_resources.clusters[0].maglev_lb_config.table_size: must be a prime number, got 65536',
  },
  {
    kind: 'LB settings for another policy',
    text: mesh({ clusters: CLUSTER('      ring_hash_lb_config: { minimum_ring_size: 64 }') }),
    message: 'static_resources.clusters[0].ring_hash_lb_config: set, but lb_policy is ROUND_ROBIN',
  },
  {
    kind: 'a pseudo-header in request_headers_to_add',
    text: mesh({
      routes: `            - match: { prefix: / }
              route: { cluster: reviews }
              request_headers_to_add: [{ header: { key: ":authority", value: x } }]`,
    }),
    message:
      'static_resources.route_configurations[0].virtual_hosts[0].routes[0].request_headers_to_add[0].header.key: ":authority" cannot be set by request_headers_to_add; use a host rewrite',
  },
  {
    kind: 'path_separated_prefix "/"',
    text: mesh({ routes: '            - match: { path_separated_prefix: / }\n              route: { cluster: reviews }' }),
    message:
      'static_resources.route_configurations[0].virtual_hosts[0].routes[0].match.path_separated_prefix: must start with "/", not end with "/" (so not be "/" alone) and hold no "?" or "#", got "/"',
  },
  {
    kind: 'an unknown retry_on condition',
    text: mesh({ routes: '            - match: { prefix: / }\n              route: { cluster: reviews, retry_policy: { retry_on: "5xx,gateway-eror" } }' }),
    message:
      'static_resources.route_configurations[0].virtual_hosts[0].routes[0].route.retry_policy.retry_on: unknown retry_on condition "gateway-eror"; expected any of 5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable',
  },
  {
    kind: 'typed_per_filter_config for a filter sidelet does not know',
    text: mesh({ routes: '            - match: { prefix: / }\n              route: { cluster: reviews }\n              typed_per_filter_config: { envoy.filters.http.cors: {} }' }),
    message:
      'static_resources.route_configurations[0].virtual_hosts[0].routes[0].typed_per_filter_config.envoy.filters.http.cors: unknown filter "envoy.filters.http.cors"; sidelet knows envoy.filters.http.fault, envoy.filters.http.local_ratelimit, sidelet.filters.http.rate_limit, sidelet.filters.http.backup_request',
  },
  {
    kind: 'malformed YAML',
    text: 'static_resources:\n  clusters: [\n',
    message: 'not valid YAML or JSON',
  },
];

test('every kind of invalid bootstrap is refused with its precise message', async () => {
  assert.ok(cases.length >= 10);
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-invalid-'));
  for (const [i, c] of cases.entries()) {
    const file = join(dir, `case-${i}.yaml`);
    await writeFile(file, c.text);
    const error = await loadBootstrap(file).then(
      () => assert.fail(`${c.kind}: accepted`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError, `${c.kind}: ${String(error)}`);
    assert.equal(error.code, 'SIDELET_CONFIG_INVALID');
    const prefix = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `);
    assert.match(error.message, prefix, `${c.kind}: names the file and line`);
    if (c.kind === 'malformed YAML') assert.match(error.message, /not valid YAML or JSON/);
    else assert.equal(error.message.replace(prefix, ''), c.message, c.kind);
  }
});

test('the line points at the offending field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-line-'));
  const file = join(dir, 'mesh.yaml');
  const text = mesh({ clusters: CLUSTER('      lb_policy: ROUND_ROBBIN') });
  await writeFile(file, text);
  const line = text.split('\n').findIndex((l) => l.includes('ROUND_ROBBIN')) + 1;
  await assert.rejects(loadBootstrap(file), (e: Error) => e.message.startsWith(`${file}:${line}:7: static_resources.clusters[0].lb_policy`));
});

test('a missing file names the file and the reason', async () => {
  await assert.rejects(loadBootstrap('/nonexistent/mesh.yaml'), { message: '/nonexistent/mesh.yaml: (root): cannot read the bootstrap file: ENOENT' });
});

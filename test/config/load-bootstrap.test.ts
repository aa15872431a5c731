// Loading valid bootstraps: the static example in YAML, the same as JSON with camelCase names,
// an Istio-written gRPC bootstrap, the environment variables, and the listener name template.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { applyListenerTemplate, authorityOf, listenerNameFor } from '../../src/config/listener-name.ts';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

test('a static YAML bootstrap decodes into frozen model objects', async () => {
  const { bootstrap, staticResources, source } = await loadBootstrap(fixture('static-mesh.yaml'));
  assert.equal(source, fixture('static-mesh.yaml'));
  assert.equal(bootstrap.node.locality.zone, 'cn-north-1a');
  assert.deepEqual([...staticResources.listeners.keys()], ['reviews:80', 'ratings:9080']);
  assert.deepEqual(staticResources.listeners.get('reviews:80')?.routeSource, { kind: 'rds', routeConfigName: 'reviews-routes' });

  const routes = staticResources.routeConfigurations.get('reviews-routes')!.virtualHosts[0]!.routes;
  assert.equal(routes.length, 3);
  const [first, second, third] = routes;
  assert.deepEqual(first!.match.headers[0]!.rule, { kind: 'string', matcher: { kind: 'exact', value: 'qunar', ignoreCase: false } });
  assert.equal(first!.action.kind === 'route' && first!.action.metadataMatch?.version, 'v2');
  assert.ok(second!.match.path.kind === 'safe_regex' && second!.match.path.regex.test('/items/42'));
  assert.ok(second!.match.path.kind === 'safe_regex' && !second!.match.path.regex.test('/items/42/x'), 'safe_regex is a full match');
  assert.equal(second!.action.kind === 'route' && second!.action.timeoutMs, 1500);
  assert.deepEqual(second!.action.kind === 'route' && second!.action.cluster.kind === 'weighted_clusters' && second!.action.cluster.totalWeight, 100);
  assert.deepEqual(third!.action, { kind: 'direct_response', status: 200, body: 'ok' });
  assert.ok(second!.action.kind === 'route');
  assert.deepEqual([second!.action.retryPolicy?.numRetries, second!.action.retryPolicy?.perTryTimeoutMs], [2, 500]);
  assert.deepEqual(second!.action.requestMirrorPolicies.map((m) => m.cluster), [{ kind: 'cluster', name: 'ratings' }]);
  assert.equal(second!.filterConfigs.fault, 'disabled');
  assert.equal(second!.filterConfigs.backupRequest?.mode, 'dynamic');

  const reviews = staticResources.clusters.get('reviews')!;
  assert.equal(reviews.lbPolicy, 'LEAST_REQUEST');
  assert.deepEqual(reviews.leastRequest, { choiceCount: 3, activeRequestBias: 1 });
  assert.deepEqual(reviews.slowStart, { windowMs: 30_000, aggression: 2, minWeightPercent: 0.2 });
  assert.equal(reviews.circuitBreakers.thresholds.DEFAULT.maxRequests, 50);
  assert.equal(reviews.circuitBreakers.thresholds.DEFAULT.retryBudget?.budgetPercent, 25);
  assert.equal(reviews.circuitBreakers.thresholds.HIGH.maxRequests, 1024, 'Envoy defaults for a priority not listed');
  assert.equal(reviews.outlierDetection?.consecutive5xx, 3);
  assert.equal(reviews.errorRateBreaker?.errorPercent, 60);
  assert.equal(staticResources.clusters.get('ratings')!.outlierDetection, undefined);
  assert.deepEqual(reviews.subset, { fallbackPolicy: 'ANY_ENDPOINT', defaultSubset: {}, subsetSelectors: [['version']] });

  const endpoints = staticResources.endpoints.get('reviews')!;
  assert.equal(endpoints.overprovisioningFactor, 140);
  assert.deepEqual(endpoints.localities.map((l) => [l.locality.zone, l.priority, l.weight]), [['cn-north-1a', 0, 3], ['cn-north-1b', 1, 0]]);
  const hosts = endpoints.localities.flatMap((l) => l.endpoints);
  assert.deepEqual(hosts.map((h) => [h.id, h.weight, h.health, h.priority]), [
    ['127.0.0.1:9001', 1, 'UNKNOWN', 0],
    ['127.0.0.1:9002', 2, 'UNKNOWN', 0],
    ['[::1]:9003', 1, 'DEGRADED', 1],
  ]);
  assert.equal(staticResources.endpoints.get('reviews-canary')?.localities[0]?.endpoints[0]?.id, '127.0.0.1:9201', 'EDS endpoints found by service name');

  const ratings = staticResources.clusters.get('ratings')!;
  assert.equal(ratings.connectTimeoutMs, 250);
  assert.equal(ratings.lbPolicy, 'MAGLEV');
  assert.equal(ratings.maglev.tableSize, 65537);

  assert.ok(Object.isFrozen(reviews) && Object.isFrozen(hosts[0]) && Object.isFrozen(staticResources.listeners));
  assert.throws(() => (staticResources.listeners as Map<string, unknown>).set('x', {}), TypeError, 'maps are frozen too');
});

test('the same bootstrap as JSON with lowerCamelCase names decodes to the same model', async () => {
  const yamlLoaded = await loadBootstrap(fixture('static-mesh.yaml'));
  const camel = toCamel(parse(await readFile(fixture('static-mesh.yaml'), 'utf8')));
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-'));
  await writeFile(join(dir, 'mesh.json'), JSON.stringify(camel));
  const jsonLoaded = await loadBootstrap(join(dir, 'mesh.json'));
  assert.deepEqual(comparable(jsonLoaded.staticResources), comparable(yamlLoaded.staticResources));
});

test('an Istio gRPC bootstrap is accepted unchanged', async () => {
  const { bootstrap, staticResources } = await loadBootstrap(fixture('istio-grpc-bootstrap.json'));
  assert.equal(bootstrap.xdsServers[0]!.serverUri, 'unix:///etc/istio/proxy/XDS');
  assert.deepEqual(bootstrap.xdsServers[0]!.serverFeatures, ['xds_v3']);
  assert.equal(bootstrap.node.metadata.GENERATOR, 'grpc');
  assert.equal(bootstrap.clientDefaultListenerResourceNameTemplate, '%s');
  assert.equal(bootstrap.serverListenerResourceNameTemplate, 'xds.istio.io/grpc/lds/inbound/%s');
  assert.equal(staticResources.listeners.size, 0);
});

test('the environment: SIDELET_BOOTSTRAP, then GRPC_XDS_BOOTSTRAP, then GRPC_XDS_BOOTSTRAP_CONFIG', async () => {
  const grpc = fixture('istio-grpc-bootstrap.json');
  const mesh = fixture('static-mesh.yaml');
  assert.equal((await loadBootstrap(undefined, { SIDELET_BOOTSTRAP: mesh, GRPC_XDS_BOOTSTRAP: grpc })).source, mesh);
  assert.equal((await loadBootstrap(undefined, { GRPC_XDS_BOOTSTRAP: grpc })).source, grpc);
  const inline = await loadBootstrap(undefined, { GRPC_XDS_BOOTSTRAP_CONFIG: await readFile(grpc, 'utf8') });
  assert.equal(inline.source, 'GRPC_XDS_BOOTSTRAP_CONFIG');
  assert.equal(inline.bootstrap.xdsServers.length, 1);
  await assert.rejects(loadBootstrap(undefined, {}), { code: 'SIDELET_CONFIG_INVALID', message: /no bootstrap given/ });
});

test('a bootstrap object is decoded without touching the caller\'s object', async () => {
  const object = { node: { id: 'a' }, static_resources: { clusters: [] } };
  const loaded = await loadBootstrap(object);
  assert.equal(loaded.source, 'bootstrap object');
  assert.equal(loaded.bootstrap.node.id, 'a');
  assert.ok(!Object.isFrozen(object));
});

test('listener names follow gRPC: authority host:port through the template', () => {
  const cases: [string, string, string][] = [
    ['http://reviews/api', '%s', 'reviews:80'],
    ['https://reviews/api', '%s', 'reviews:443'],
    ['http://reviews:9080/api', '%s', 'reviews:9080'],
    ['http://[::1]:8080/', '%s', '[::1]:8080'],
    ['http://reviews.default.svc.cluster.local/', 'outbound|%s', 'outbound|reviews.default.svc.cluster.local:80'],
  ];
  for (const [url, template, name] of cases) {
    assert.equal(listenerNameFor({ clientDefaultListenerResourceNameTemplate: template }, new URL(url)), name, url);
  }
  assert.equal(authorityOf(new URL('grpc://echo')), 'echo:80');
  assert.equal(
    applyListenerTemplate('xdstp://mesh.example/envoy.config.listener.v3.Listener/%s', 'a b/c:80'),
    'xdstp://mesh.example/envoy.config.listener.v3.Listener/a%20b%2Fc:80',
  );
});

/** Proto field names to lowerCamelCase; map keys (filter names) and Struct contents stay as written. */
function toCamel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCamel);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const name = k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      if (k === 'filter_metadata') return [name, v];
      if (k === 'typed_per_filter_config') return [name, Object.fromEntries(Object.entries(v as object).map(([f, c]) => [f, toCamel(c)]))];
      return [name, toCamel(v)];
    }),
  );
}

/** Regexes compare by source. */
function comparable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v instanceof RegExp ? `/${v.source}/${v.flags}` : v)));
}

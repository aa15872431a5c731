// Checks the hand-written proto subset against Envoy's published protos (shipped with
// @grpc/grpc-js-xds): every declared field has Envoy's number, type and label; every enum value its
// number; and resources Envoy's protos encode decode with the subset.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { anyToJson } from '../../src/xds/proto-json.ts';
import { DESCRIPTOR_PATH, PROTO_DIR, PROTO_FILES, loadProtoRoot } from '../../src/xds/proto-root.ts';
import { CLUSTER, decodeResource, LISTENER } from '../../src/xds/resource-types.ts';

const DEPS = join(import.meta.dirname, '..', '..', 'node_modules', '@grpc', 'grpc-js-xds', 'deps');
const INCLUDES = [
  join(import.meta.dirname, '..', '..', 'node_modules', 'protobufjs'),
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d)),
];

function loadEnvoy(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => INCLUDES.map((dir) => join(dir, target)).find((p) => existsSync(p)) ?? target;
  // Envoy defines the ADS service in ads.proto; the subset keeps it beside the messages in discovery.proto.
  root.loadSync(PROTO_FILES.map((f) => f.replace('discovery/v3/discovery.proto', 'discovery/v3/ads.proto')), { keepCase: true });
  root.resolveAll();
  return root;
}

function collect(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[] = []): protobuf.ReflectionObject[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Service) out.push(nested);
    if (nested instanceof protobuf.Namespace) collect(nested, out);
  }
  return out;
}

function typeName(field: protobuf.Field): string {
  const resolved = field.resolvedType;
  return resolved === null ? field.type : resolved.fullName;
}

const ours = loadProtoRoot(PROTO_DIR);
const envoy = loadEnvoy();

test('every message field in proto/ has the number, type and label Envoy publishes', () => {
  let checked = 0;
  for (const item of collect(ours)) {
    if (!(item instanceof protobuf.Type) || item.fullName.startsWith('.google.protobuf.')) continue;
    const theirs = envoy.lookup(item.fullName);
    assert.ok(theirs instanceof protobuf.Type, `${item.fullName} is not an Envoy message`);
    for (const field of item.fieldsArray) {
      const other: protobuf.Field | undefined = theirs.fields[field.name];
      assert.ok(other !== undefined, `${item.fullName}.${field.name} is not in Envoy's proto`);
      const where: string = `${item.fullName}.${field.name}`;
      assert.equal(field.id, other.id, `${where}: number`);
      assert.equal(typeName(field), typeName(other), `${where}: type`);
      assert.equal(field.repeated, other.repeated, `${where}: repeated`);
      assert.equal(field instanceof protobuf.MapField, other instanceof protobuf.MapField, `${where}: map`);
      if (field instanceof protobuf.MapField) assert.equal(field.keyType, (other as unknown as protobuf.MapField).keyType, `${where}: map key`);
      assert.equal(field.partOf?.name, other.partOf?.name, `${where}: oneof`);
      checked++;
    }
  }
  assert.ok(checked > 300, `checked ${checked} fields`);
});

test('every enum value in proto/ has the number Envoy publishes', () => {
  for (const item of collect(ours)) {
    if (!(item instanceof protobuf.Enum) || item.fullName.startsWith('.google.protobuf.')) continue;
    const theirs = envoy.lookup(item.fullName);
    assert.ok(theirs instanceof protobuf.Enum, `${item.fullName} is not an Envoy enum`);
    for (const [name, id] of Object.entries(item.values)) assert.equal(theirs.values[name], id, `${item.fullName}.${name}`);
  }
});

test('the ADS method matches Envoy: a bidirectional stream of DiscoveryRequest to DiscoveryResponse', () => {
  const path = '.envoy.service.discovery.v3.AggregatedDiscoveryService';
  const method = (ours.lookup(path) as protobuf.Service).methods.StreamAggregatedResources!;
  const other = (envoy.lookup(path) as protobuf.Service).methods.StreamAggregatedResources!;
  assert.equal(method.resolvedRequestType!.fullName, other.resolvedRequestType!.fullName);
  assert.equal(method.resolvedResponseType!.fullName, other.resolvedResponseType!.fullName);
  assert.equal(method.requestStream, true);
  assert.equal(method.responseStream, true);
  assert.equal(other.requestStream && other.responseStream, true);
});

test('proto/xds-descriptor.json is the JSON form of proto/*.proto (rewrite it with node src/xds/write-descriptor.ts)', () => {
  const written: unknown = JSON.parse(readFileSync(DESCRIPTOR_PATH, 'utf8'));
  assert.deepEqual(written, JSON.parse(JSON.stringify(ours.toJSON())));
});

test('resources encoded with Envoy protos decode with the subset into the model (unknown fields skipped)', () => {
  const any = envoy.lookupType('google.protobuf.Any');
  const encode = (object: Record<string, unknown>): { type_url: string; value: Uint8Array } =>
    any.toObject(any.fromObject(object)) as { type_url: string; value: Uint8Array };
  const listener = encode({
    '@type': LISTENER.typeUrl,
    name: 'reviews:80',
    listener_filters_timeout: { seconds: 1 },
    api_listener: {
      api_listener: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        rds: { route_config_name: 'r', config_source: { ads: {} } },
        server_name: 'ignored',
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
    },
  });
  const decoded = decodeResource(LISTENER, anyToJson(ours, listener.type_url, listener.value), 0);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  assert.deepEqual(decoded.value.routeSource, { kind: 'rds', routeConfigName: 'r' });
  assert.deepEqual(decoded.value.httpFilters, ['envoy.filters.http.router']);
  const cluster = encode({
    '@type': CLUSTER.typeUrl,
    name: 'c',
    type: 'EDS',
    eds_cluster_config: { service_name: 's', eds_config: { ads: {} } },
    lb_policy: 'RING_HASH',
    ring_hash_lb_config: { minimum_ring_size: { value: 2048 } },
    circuit_breakers: { thresholds: [{ priority: 'HIGH', max_requests: { value: 7 } }] },
    outlier_detection: { consecutive_5xx: { value: 3 }, base_ejection_time: { seconds: 10 } },
  });
  const c = decodeResource(CLUSTER, anyToJson(ours, cluster.type_url, cluster.value), 0);
  assert.ok(c.ok, c.ok ? '' : c.error);
  assert.equal(c.value.ringHash.minimumRingSize, 2048);
  assert.equal(c.value.edsServiceName, 's');
  assert.equal(c.value.outlierDetection?.baseEjectionTimeMs, 10_000);
});

// Decoding Any-typed resources with the proto subset into the proto3 JSON the config decoders
// read: nested Any expanded, TypedStruct values as plain JSON, enums by name, Durations as strings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../src/xds/backoff.ts';
import { anyToJson } from '../../src/xds/proto-json.ts';
import { protoRoot } from '../../src/xds/proto-root.ts';
import { CLUSTER, decodeResource, ROUTE_CONFIGURATION } from '../../src/xds/resource-types.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { CDS, edsCluster, routeConfig } from './fixtures/resources.ts';

const root = protoRoot();

function roundTrip(resource: Record<string, unknown>): { typeUrl: string; json: Record<string, unknown> } {
  const any = root.lookupType('google.protobuf.Any');
  const encoded = any.toObject(any.fromObject(resource)) as { type_url: string; value: Uint8Array };
  return { typeUrl: encoded.type_url, json: anyToJson(root, encoded.type_url, encoded.value) };
}

test('a route configuration: durations as strings, TypedStruct per-filter config as plain JSON', () => {
  const resource = routeConfig('r', 'reviews', ['reviews']);
  const vh = (resource.virtual_hosts as Record<string, unknown>[])[0]!;
  vh.typed_per_filter_config = {
    'sidelet.filters.http.rate_limit': {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit',
      value: { fields: { token_bucket: { structValue: { fields: { max_tokens: { numberValue: 10 }, fill_interval: { stringValue: '1s' } } } } } },
    },
  };
  const { json } = roundTrip(resource);
  const host = (json.virtual_hosts as unknown as Record<string, unknown>[])[0]!;
  assert.deepEqual(host.typed_per_filter_config, {
    'sidelet.filters.http.rate_limit': {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/sidelet.filters.http.rate_limit.v1.RateLimit',
      value: { token_bucket: { max_tokens: 10, fill_interval: '1s' } },
    },
  });
  assert.deepEqual((host.routes as Record<string, unknown>[])[0]!.route, { cluster: 'reviews', timeout: '2.500000000s' });
  const decoded = decodeResource(ROUTE_CONFIGURATION, json, 0);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  const route = decoded.value.virtualHosts[0]!.routes[0]!;
  assert.equal(route.action.kind === 'route' && route.action.timeoutMs, 2500);
  const limit = decoded.value.virtualHosts[0]!.filterConfigs.rateLimit;
  assert.equal(limit !== undefined && limit !== 'disabled' && limit.tokenBucket.maxTokens, 10);
});

test('a cluster: enums by name, wrappers bare, typed_extension_protocol_options expanded, metadata as JSON', () => {
  const { typeUrl, json } = roundTrip(
    edsCluster('c', {
      lb_policy: 'MAGLEV',
      maglev_lb_config: { table_size: { value: 65537 } },
      metadata: { filter_metadata: { sidelet: { fields: { team: { stringValue: 'a' } } } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    }),
  );
  assert.equal(typeUrl, CDS);
  assert.equal(json.lb_policy, 'MAGLEV');
  assert.deepEqual(json.maglev_lb_config, { table_size: '65537' });
  const decoded = decodeResource(CLUSTER, json, 0);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  assert.equal(decoded.value.maglev.tableSize, 65537);
  assert.equal(decoded.value.http2, true);
  assert.deepEqual(decoded.value.metadata, { sidelet: { team: 'a' } });
});

test('an Any of a type the subset does not hold keeps only its @type', () => {
  assert.deepEqual(anyToJson(root, 'type.googleapis.com/example.Unknown', new Uint8Array([8, 1])), { '@type': 'type.googleapis.com/example.Unknown' });
});

test('back-off: grows by the multiplier within the jitter, caps at the maximum, and resets', () => {
  const backoff = new Backoff({ initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 5000 }, seededRandom(3));
  const delays = Array.from({ length: 8 }, () => backoff.next());
  const bases = [1000, 1600, 2560, 4096, 5000, 5000, 5000, 5000];
  delays.forEach((d, i) => assert.ok(d >= bases[i]! * 0.8 && d <= bases[i]! * 1.2, `delay ${i}: ${d}`));
  backoff.reset();
  assert.ok(backoff.next() <= 1200);
});

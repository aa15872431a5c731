// Encodes xDS resources with Envoy's full published protos (shipped in @grpc/grpc-js-xds/deps),
// so fields sidelet's proto subset leaves out (eds_config, rds.config_source), which gRPC
// requires (gRPC A27), reach the wire; the ADS fixture then serves the bytes as they are.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { AdsFixture } from '../fixtures/ads-server.ts';

const NODE_MODULES = join(import.meta.dirname, '..', '..', '..', 'node_modules');
const DEPS = join(NODE_MODULES, '@grpc', 'grpc-js-xds', 'deps');
const INCLUDES = [join(NODE_MODULES, 'protobufjs'), ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d))];
const FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
];

let root: protobuf.Root | undefined;

function envoyRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => INCLUDES.map((dir) => join(dir, target)).find((p) => existsSync(p)) ?? target;
  loaded.loadSync(FILES, { keepCase: true });
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

/** A resource given as a proto3 object with "@type" (nested Anys too), encoded as an Any with its name beside it. */
export function envoyAny(resource: Record<string, unknown>): { name: string; type_url: string; value: Uint8Array } {
  const typeUrl = String(resource['@type']);
  const type = envoyRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  const { '@type': _url, ...fields } = resource;
  return { name: String(resource.name ?? resource.cluster_name), type_url: typeUrl, value: type.encode(type.fromObject(fields)).finish() };
}

/** Serves a type's resources encoded with Envoy's protos (the fixture passes an Any without "@type" through). */
export function serveEnvoy(fixture: AdsFixture, typeUrl: string, version: string, resources: readonly Record<string, unknown>[]): void {
  fixture.setResources(typeUrl, version, resources.map(envoyAny));
}

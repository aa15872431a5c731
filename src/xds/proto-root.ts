// Loads sidelet's own xDS proto subset (proto/) into one protobufjs Root, once per thread, from
// the pre-built JSON descriptor (faster than parsing the .proto files: ~27 ms against ~36 ms cold,
// 2.3x warm; bench/xds-proto-load.bench.ts). The google.protobuf well-known types are protobufjs's copies.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The package's proto/ folder: two levels up from src/xds, three from the built dist/src/xds. */
export const PROTO_DIR = [join(HERE, '..', '..', 'proto'), join(HERE, '..', '..', '..', 'proto')].find((d) => existsSync(join(d, 'xds-descriptor.json'))) ?? join(HERE, '..', '..', 'proto');
/** Written from the .proto files by `node src/xds/write-descriptor.ts`; a test keeps the two in step. */
export const DESCRIPTOR_PATH = join(PROTO_DIR, 'xds-descriptor.json');

/** The files that, with their imports, hold every message the xDS client decodes. */
export const PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'xds/type/v3/typed_struct.proto',
];

/** Parses the .proto files under `dir` (keeping proto field names) into a resolved Root. */
export function loadProtoRoot(dir: string = PROTO_DIR, files: readonly string[] = PROTO_FILES): protobuf.Root {
  const root = new protobuf.Root();
  // google/protobuf/*.proto resolve to protobufjs's bundled definitions when not under `dir`.
  root.resolvePath = (_origin, target) => {
    const local = join(dir, target);
    return existsSync(local) || !target.startsWith('google/protobuf/') ? local : target;
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

let shared: protobuf.Root | undefined;

/** The thread's Root, built from the JSON descriptor on first use. */
export function protoRoot(): protobuf.Root {
  if (shared === undefined) {
    shared = protobuf.Root.fromJSON(JSON.parse(readFileSync(DESCRIPTOR_PATH, 'utf8')) as protobuf.INamespace);
    shared.resolveAll();
  }
  return shared;
}

// Decoding a cluster's transport_socket (UpstreamTlsContext): every DataSource kind, client
// certificates, ALPN, SAN matchers and protocol versions; one precise error per mistake, with its
// JSON path; the same context delivered over xDS (encoded with Envoy's own protos).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { decodeCluster } from '../../src/config/decode-cluster.ts';
import { UPSTREAM_TLS_CONTEXT, decodeTransportSocket } from '../../src/config/decode-tls.ts';
import { loadBootstrap } from '../../src/config/load-bootstrap.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { anyToJson } from '../../src/xds/proto-json.ts';
import { PROTO_FILES, loadProtoRoot } from '../../src/xds/proto-root.ts';
import { CLUSTER, decodeResource } from '../../src/xds/resource-types.ts';
import { localCluster, meshBootstrap } from '../helpers/bootstrap-builders.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tls');
const file = (name: string) => join(FIXTURES, name);
const pem = (name: string) => readFileSync(file(name), 'utf8');
const STRICT = { strict: true };
const PATH = ['clusters', 0, 'transport_socket'];

function socket(context: object): object {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT, ...context } };
}

function decode(context: object) {
  return decodeTransportSocket(socket(context), PATH, STRICT);
}

function refusal(context: object, options = STRICT): string {
  try {
    decodeTransportSocket(socket(context), PATH, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('decoded without an error');
}

test('a full UpstreamTlsContext: SNI, CA file, client certificate, ALPN, SAN matchers, versions', () => {
  const tls = decode({
    sni: 'orders.internal',
    common_tls_context: {
      tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
      tls_certificates: [{ certificate_chain: { filename: file('client.pem') }, private_key: { filename: file('client.key') } }],
      alpn_protocols: ['h2', 'http/1.1'],
      validation_context: {
        trusted_ca: { filename: file('ca.pem') },
        match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://sidelet.test/ns/default/sa/server' } }],
        match_subject_alt_names: [{ suffix: '.internal' }],
      },
    },
  });
  assert.deepEqual(tls, {
    sni: 'orders.internal',
    trustedCa: pem('ca.pem'),
    verifyChain: true,
    clientCertificate: { certificateChain: pem('client.pem'), privateKey: pem('client.key'), password: undefined },
    alpnProtocols: ['h2', 'http/1.1'],
    subjectAltNames: [
      { sanType: 'URI', matcher: { kind: 'exact', value: 'spiffe://sidelet.test/ns/default/sa/server', ignoreCase: false } },
      { sanType: 'ANY', matcher: { kind: 'suffix', value: '.internal', ignoreCase: false } },
    ],
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  });
});

test('an empty context verifies against the default roots; raw_buffer and no socket mean plaintext', () => {
  assert.deepEqual(decode({}), { sni: undefined, trustedCa: undefined, verifyChain: true, clientCertificate: undefined, alpnProtocols: [], subjectAltNames: [], minVersion: undefined, maxVersion: undefined });
  assert.equal(decodeTransportSocket({ name: 'envoy.transport_sockets.raw_buffer' }, PATH, STRICT), undefined);
  const raw = { name: 'raw', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };
  assert.equal(decodeTransportSocket(raw, PATH, STRICT), undefined);
  assert.equal(decodeCluster(localCluster('c', [1]), ['clusters', 0], STRICT).tls, undefined);
});

test('DataSource kinds: inline_string, inline_bytes (base64), environment_variable, JSON names', () => {
  const ca = pem('ca.pem');
  assert.equal(decode({ common_tls_context: { validation_context: { trusted_ca: { inline_string: ca } } } })?.trustedCa, ca);
  assert.equal(decode({ commonTlsContext: { validationContext: { trustedCa: { inlineBytes: Buffer.from(ca).toString('base64') } } } })?.trustedCa, ca);
  process.env.SIDELET_TEST_CA = ca;
  try {
    assert.equal(decode({ common_tls_context: { validation_context: { trusted_ca: { environment_variable: 'SIDELET_TEST_CA' } } } })?.trustedCa, ca);
  } finally {
    delete process.env.SIDELET_TEST_CA;
  }
  const encrypted = decode({
    common_tls_context: {
      tls_certificates: [{ certificate_chain: { filename: file('client.pem') }, private_key: { filename: file('client-encrypted.key') }, password: { inline_string: 'sidelet' } }],
    },
  });
  assert.equal(encrypted?.clientCertificate?.password, 'sidelet');
});

const CTX = 'clusters[0].transport_socket.typed_config.common_tls_context';

test('each mistake is refused with its path and the reason', () => {
  const cases: [object, string][] = [
    [{ common_tls_context: { validation_context: { trusted_ca: { filename: '/nonexistent/ca.pem' } } } }, `${CTX}.validation_context.trusted_ca.filename: cannot read the file "/nonexistent/ca.pem": ENOENT`],
    [{ common_tls_context: { validation_context: { trusted_ca: { inline_string: 'not a certificate' } } } }, `${CTX}.validation_context.trusted_ca: holds no PEM certificate`],
    [{ common_tls_context: { validation_context: { trusted_ca: { inline_bytes: '-----BEGIN CERTIFICATE-----\n' } } } }, `${CTX}.validation_context.trusted_ca.inline_bytes: expected base64`],
    [{ common_tls_context: { validation_context: { trusted_ca: { environment_variable: 'SIDELET_TEST_UNSET_VARIABLE' } } } }, 'trusted_ca.environment_variable: the environment variable SIDELET_TEST_UNSET_VARIABLE is not set'],
    [{ common_tls_context: { validation_context: { trusted_ca: {} } } }, `${CTX}.validation_context.trusted_ca: one of filename, inline_string, inline_bytes, environment_variable is required`],
    [{ common_tls_context: { validation_context: { trusted_ca: { filename: 'a', inline_string: 'b' } } } }, 'only one data source may be set, found filename and inline_string'],
    [{ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: file('client.pem') }, private_key: { filename: file('server.key') } }] } }, `${CTX}.tls_certificates[0]: the certificate chain and private key do not load: `],
    [{ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: file('client.pem') } }] } }, `${CTX}.tls_certificates[0].private_key: required (PEM)`],
    [{ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: file('client.pem') }, private_key: { filename: file('client-encrypted.key') }, password: { inline_string: 'wrong' } }] } }, 'do not load'],
    [{ common_tls_context: { tls_certificates: [{ pkcs12: { filename: 'x.p12' } }] } }, `${CTX}.tls_certificates[0].pkcs12: is not supported`],
    [{ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }] } }, `${CTX}.tls_certificate_sds_secret_configs: SDS and certificate providers are not supported`],
    [{ common_tls_context: { combined_validation_context: { default_validation_context: {} } } }, `${CTX}.combined_validation_context: SDS and certificate providers are not supported`],
    [{ common_tls_context: { validation_context: { verify_certificate_hash: ['ab'] } } }, 'verify_certificate_hash: certificate pinning is not supported'],
    [{ common_tls_context: { validation_context: { allow_expired_certificate: true } } }, 'allow_expired_certificate: is not supported'],
    [{ common_tls_context: { validation_context: { match_typed_subject_alt_names: [{ matcher: { exact: 'a' } }] } } }, 'match_typed_subject_alt_names[0].san_type: required'],
    [{ common_tls_context: { validation_context: { match_typed_subject_alt_names: [{ san_type: 'OTHER_NAME', matcher: { exact: 'a' } }] } } }, 'OTHER_NAME is not supported'],
    [{ common_tls_context: { tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2' } } }, `${CTX}.tls_params.tls_minimum_protocol_version: TLSv1_3 is above tls_maximum_protocol_version TLSv1_2`],
    [{ common_tls_context: { tls_params: { cipher_suites: ['ECDHE-RSA-AES128-GCM-SHA256'] } } }, `${CTX}.tls_params.cipher_suites: is not supported`],
    [{ common_tls_context: { alpn_protocols: [''] } }, `${CTX}.alpn_protocols[0]: expected a protocol name`],
    [{ common_tls_context: { alpn_protocol: ['h2'] } }, `${CTX}.alpn_protocol: unknown field`],
    [{ snii: 'x' }, 'clusters[0].transport_socket.typed_config.snii: unknown field'],
  ];
  for (const [context, expected] of cases) assert.ok(refusal(context).includes(expected), `${JSON.stringify(context)}\n  gave: ${refusal(context)}\n  wanted: ${expected}`);
});

test('transport socket types other than TLS and raw_buffer are refused, naming the type', () => {
  const alts = { name: 'envoy.transport_sockets.alts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts' } };
  assert.throws(() => decodeTransportSocket(alts, PATH, STRICT), /transport_socket\.typed_config\.@type: transport socket type "type\.googleapis\.com\/envoy\.extensions\.transport_sockets\.alts\.v3\.Alts" is not supported/);
  assert.throws(() => decodeTransportSocket({ name: 'envoy.transport_sockets.tls' }, PATH, STRICT), /transport_socket\.typed_config: required for transport socket "envoy\.transport_sockets\.tls"/);
});

test('the cluster: transport_socket_matches is refused in strict mode; HTTP/2 needs an ALPN offer with h2', () => {
  const matches = localCluster('c', [1], { transport_socket_matches: [{ name: 'tls', match: {}, transport_socket: socket({}) }] });
  assert.throws(() => decodeCluster(matches, ['clusters', 0], STRICT), /clusters\[0\]\.transport_socket_matches: is not supported; set one transport_socket/);
  assert.equal(decodeCluster(matches, ['clusters', 0], { strict: false }).tls, undefined);
  const h1Only = localCluster('c', [1], { http2_protocol_options: {}, transport_socket: socket({ common_tls_context: { alpn_protocols: ['http/1.1'] } }) });
  assert.throws(() => decodeCluster(h1Only, ['clusters', 0], STRICT), /clusters\[0\]\.transport_socket: the cluster speaks HTTP\/2, but alpn_protocols \(http\/1\.1\) does not offer h2/);
});

test('a bootstrap file naming an unreadable certificate is refused with the file, line and path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sidelet-tls-'));
  const path = join(dir, 'mesh.json');
  const cluster = localCluster('orders', [9001], { transport_socket: socket({ common_tls_context: { validation_context: { trusted_ca: { filename: join(dir, 'missing-ca.pem') } } } }) });
  await writeFile(path, JSON.stringify(meshBootstrap('orders:80', ['orders'], [{ match: { prefix: '/' }, route: { cluster: 'orders' } }], [cluster]), null, 1));
  await assert.rejects(loadBootstrap(path), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /mesh\.json:\d+:\d+: static_resources\.clusters\[0\]\.transport_socket\.typed_config\.common_tls_context\.validation_context\.trusted_ca\.filename: cannot read the file ".*missing-ca\.pem"/);
    return true;
  });
});

/** Envoy's published protos (shipped with @grpc/grpc-js-xds), as a control plane would encode with them. */
function envoyRoot(): protobuf.Root {
  const deps = join(import.meta.dirname, '..', '..', 'node_modules', '@grpc', 'grpc-js-xds', 'deps');
  const includes = [join(import.meta.dirname, '..', '..', 'node_modules', 'protobufjs'), ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => includes.map((dir) => join(dir, target)).find((p) => existsSync(p)) ?? target;
  root.loadSync(PROTO_FILES.map((f) => f.replace('discovery/v3/discovery.proto', 'discovery/v3/ads.proto')), { keepCase: true });
  root.resolveAll();
  return root;
}

test('over xDS: a Cluster with an UpstreamTlsContext encoded by Envoy protos decodes to the same TLS settings; SDS is NACKed', () => {
  const envoy = envoyRoot();
  const ours = loadProtoRoot();
  const any = envoy.lookupType('google.protobuf.Any');
  const encode = (object: Record<string, unknown>) => any.toObject(any.fromObject(object)) as { type_url: string; value: Uint8Array };
  const cluster = (context: object) => {
    const encoded = encode({ '@type': CLUSTER.typeUrl, ...(localCluster('c', [8443], { transport_socket: socket(context) }) as Record<string, unknown>) });
    return decodeResource(CLUSTER, anyToJson(ours, encoded.type_url, encoded.value), 0);
  };
  const context = {
    sni: 'orders.internal',
    common_tls_context: {
      alpn_protocols: ['h2'],
      tls_certificates: [{ certificate_chain: { filename: file('client.pem') }, private_key: { inline_bytes: Buffer.from(pem('client.key')).toString('base64') } }],
      validation_context: { trusted_ca: { filename: file('ca.pem') }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'localhost' } }] },
    },
  };
  const decoded = cluster(context);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  assert.deepEqual(decoded.value.tls, decode(context));

  const sds = cluster({ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }] } });
  assert.ok(!sds.ok);
  assert.match(sds.error, /tls_certificate_sds_secret_configs: SDS and certificate providers are not supported/);
});

// Decodes a cluster's transport_socket: envoy.transport_sockets.tls with a tls.v3.UpstreamTlsContext
// (SNI, trusted CA, client certificate, ALPN, SAN matchers, protocol versions), or raw_buffer
// (plaintext). Certificates and keys are read and loaded now, so bad PEM fails with the config.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import type { SubjectAltNameMatcher, TlsVersion, UpstreamTlsConfig } from '../core/model/cluster.ts';
import { readDataSource } from './decode-data-source.ts';
import { decodeStringMatcher } from './decode-matchers.ts';
import { type DecodeOptions, Fields } from './fields.ts';

export const UPSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const RAW_BUFFER = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const RAW_BUFFER_NAMES: ReadonlySet<string> = new Set(['envoy.transport_sockets.raw_buffer', 'raw_buffer']);

const PROTOCOLS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'] as const;
const NODE_VERSIONS: Readonly<Record<(typeof PROTOCOLS)[number], TlsVersion | undefined>> = {
  TLS_AUTO: undefined,
  TLSv1_0: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
};
const SAN_TYPES = ['SAN_TYPE_UNSPECIFIED', 'EMAIL', 'DNS', 'URI', 'IP_ADDRESS', 'OTHER_NAME'] as const;
const NO_SDS = 'SDS and certificate providers are not supported; give the certificates in tls_certificates and validation_context (files or inline)';

/** config.core.v3.TransportSocket: TLS settings, or undefined for plaintext (raw_buffer). */
export function decodeTransportSocket(value: unknown, path: ConfigPath, options: DecodeOptions): UpstreamTlsConfig | undefined {
  const f = new Fields(value, path, options);
  const name = f.string('name') ?? '';
  const typed = f.message('typed_config');
  f.end();
  if (typed === undefined) {
    if (RAW_BUFFER_NAMES.has(name)) return undefined;
    return f.fail('typed_config', `required for transport socket ${JSON.stringify(name)}: an ${UPSTREAM_TLS_CONTEXT}`);
  }
  const typeUrl = typed.string('@type');
  if (typeUrl === RAW_BUFFER) {
    typed.end();
    return undefined;
  }
  if (typeUrl !== UPSTREAM_TLS_CONTEXT) {
    return typed.fail('@type', `transport socket type ${JSON.stringify(typeUrl ?? '')} is not supported; use ${UPSTREAM_TLS_CONTEXT} (envoy.transport_sockets.tls) or raw_buffer`);
  }
  return upstreamTlsContext(typed);
}

function upstreamTlsContext(f: Fields): UpstreamTlsConfig {
  const sni = f.string('sni') || undefined;
  if (sni !== undefined && Buffer.byteLength(sni) > 255) f.fail('sni', 'must be at most 255 bytes');
  const common = f.message('common_tls_context');
  // Session keys are cached one per connection pool; renegotiation and RSA key usage follow Node's defaults.
  f.end(['allow_renegotiation', 'max_session_keys', 'enforce_rsa_key_usage']);
  const none: UpstreamTlsConfig = { sni, trustedCa: undefined, verifyChain: true, clientCertificate: undefined, alpnProtocols: [], subjectAltNames: [], minVersion: undefined, maxVersion: undefined };
  if (common === undefined) return none;

  for (const field of [
    'tls_certificate_sds_secret_configs',
    'tls_certificate_provider_instance',
    'tls_certificate_certificate_provider',
    'tls_certificate_certificate_provider_instance',
    'validation_context_sds_secret_config',
    'combined_validation_context',
    'validation_context_certificate_provider',
    'validation_context_certificate_provider_instance',
  ]) {
    if (common.has(field)) common.fail(field, NO_SDS);
  }
  if (common.has('custom_handshaker')) common.fail('custom_handshaker', 'custom handshakers are not supported');
  const versions = tlsParams(common.message('tls_params'));
  const certificates = common.list('tls_certificates', (item, path) => clientCertificate(new Fields(item, path, common.options)));
  if (certificates.length > 1) common.fail('tls_certificates', 'only one client certificate is supported');
  const alpnProtocols = common.list('alpn_protocols', (item, path) => {
    if (typeof item !== 'string' || item === '' || Buffer.byteLength(item) > 255) throw new ConfigError(path, 'expected a protocol name of 1 to 255 bytes, such as "h2" or "http/1.1"');
    return item;
  });
  const validation = validationContext(common.message('validation_context'));
  common.end();
  return { ...none, ...versions, ...validation, clientCertificate: certificates[0], alpnProtocols };
}

function tlsParams(f: Fields | undefined): Pick<UpstreamTlsConfig, 'minVersion' | 'maxVersion'> {
  if (f === undefined) return { minVersion: undefined, maxVersion: undefined };
  const min = f.enumOf('tls_minimum_protocol_version', PROTOCOLS, 'TLS_AUTO');
  const max = f.enumOf('tls_maximum_protocol_version', PROTOCOLS, 'TLS_AUTO');
  if (min !== 'TLS_AUTO' && max !== 'TLS_AUTO' && PROTOCOLS.indexOf(min) > PROTOCOLS.indexOf(max)) {
    f.fail('tls_minimum_protocol_version', `${min} is above tls_maximum_protocol_version ${max}`);
  }
  for (const field of ['cipher_suites', 'ecdh_curves', 'signature_algorithms']) {
    if (f.list(field, (v) => v).length > 0) f.fail(field, "is not supported; Node's defaults apply");
  }
  f.end();
  return { minVersion: NODE_VERSIONS[min], maxVersion: NODE_VERSIONS[max] };
}

function clientCertificate(f: Fields): NonNullable<UpstreamTlsConfig['clientCertificate']> {
  if (f.has('pkcs12')) f.fail('pkcs12', 'is not supported; give certificate_chain and private_key (PEM)');
  if (f.has('private_key_provider')) f.fail('private_key_provider', 'private key providers are not supported');
  const certificateChain = readDataSource(f, 'certificate_chain');
  const privateKey = readDataSource(f, 'private_key');
  if (certificateChain === undefined) f.fail('certificate_chain', 'required (PEM)');
  if (privateKey === undefined) f.fail('private_key', 'required (PEM)');
  const password = readDataSource(f, 'password');
  // OCSP staples and SCTs are what a server presents; a client has no use for them.
  f.end(['watched_directory', 'ocsp_staple', 'signed_certificate_timestamp']);
  try {
    createSecureContext({ cert: certificateChain, key: privateKey, ...(password === undefined ? {} : { passphrase: password }) });
  } catch (error) {
    throw new ConfigError(f.path, `the certificate chain and private key do not load: ${(error as Error).message}`);
  }
  return { certificateChain, privateKey, password };
}

function validationContext(f: Fields | undefined): Pick<UpstreamTlsConfig, 'trustedCa' | 'verifyChain' | 'subjectAltNames'> {
  if (f === undefined) return { trustedCa: undefined, verifyChain: true, subjectAltNames: [] };
  for (const field of ['verify_certificate_spki', 'verify_certificate_hash']) {
    if (f.list(field, (v) => v).length > 0) f.fail(field, 'certificate pinning is not supported; use match_typed_subject_alt_names');
  }
  if (f.has('crl')) f.fail('crl', 'certificate revocation lists are not supported');
  if (f.has('custom_validator_config')) f.fail('custom_validator_config', 'custom certificate validators are not supported');
  if (f.has('ca_certificate_provider_instance')) f.fail('ca_certificate_provider_instance', NO_SDS);
  if (f.has('max_verify_depth')) f.fail('max_verify_depth', 'is not supported');
  if (f.bool('allow_expired_certificate', false)) f.fail('allow_expired_certificate', 'is not supported: expired certificates are refused');
  if (f.bool('require_signed_certificate_timestamp', false)) f.fail('require_signed_certificate_timestamp', 'is not supported');
  const trustedCa = readDataSource(f, 'trusted_ca');
  if (trustedCa !== undefined) checkCertificates(trustedCa, f.pathOf('trusted_ca'));
  const verifyChain = f.enumOf('trust_chain_verification', ['VERIFY_TRUST_CHAIN', 'ACCEPT_UNTRUSTED'] as const, 'VERIFY_TRUST_CHAIN') === 'VERIFY_TRUST_CHAIN';
  const typed = f.list('match_typed_subject_alt_names', (item, path) => typedSanMatcher(new Fields(item, path, f.options)));
  const untyped = f.list('match_subject_alt_names', (item, path): SubjectAltNameMatcher => ({ sanType: 'ANY', matcher: decodeStringMatcher(item, path, f.options) }));
  // system_root_certs asks for the default roots, which is what applies without trusted_ca anyway.
  f.end(['system_root_certs', 'watched_directory', 'only_verify_leaf_cert_crl']);
  return { trustedCa, verifyChain, subjectAltNames: [...typed, ...untyped] };
}

function typedSanMatcher(f: Fields): SubjectAltNameMatcher {
  const type = f.enumOf('san_type', SAN_TYPES, 'SAN_TYPE_UNSPECIFIED');
  if (type === 'SAN_TYPE_UNSPECIFIED') f.fail('san_type', 'required: one of EMAIL, DNS, URI, IP_ADDRESS');
  if (type === 'OTHER_NAME') f.fail('san_type', 'OTHER_NAME is not supported');
  const raw = f.raw('matcher');
  if (raw === undefined) f.fail('matcher', 'required');
  const matcher = decodeStringMatcher(raw.value, raw.path, f.options);
  f.end(['oid']);
  return { sanType: type, matcher };
}

/** A trusted_ca must hold at least one PEM certificate, each of which parses. */
function checkCertificates(pem: string, path: ConfigPath): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(path, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new ConfigError(path, `certificate ${i + 1} does not parse: ${(error as Error).message}`);
    }
  });
}

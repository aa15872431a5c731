// What a cluster's UpstreamTlsContext turns into, once per cluster: one secure context, SNI, the
// ALPN offer, the identity check and the HTTP version. Apart from the undici connector
// (tls-connector.ts), so health checks use it without loading undici.
import { type SecureContext, createSecureContext } from 'node:tls';
import type { UpstreamTlsConfig } from '../../core/model/cluster.ts';
import { type IdentityCheck, identityCheck } from './tls-identity.ts';

/**
 * - `h2`: HTTP/2 over TLS. The cluster is HTTP/2, or its ALPN offers h2 and not http/1.1.
 * - `http/1.1`: ALPN does not offer h2.
 * - `negotiated`: ALPN offers both; each connection speaks what the upstream picks.
 */
export type TlsHttpVersion = 'h2' | 'http/1.1' | 'negotiated';

/** Built once per cluster TLS config; shared by every pool of the cluster, on the transport's thread. */
export interface TlsClient {
  readonly context: SecureContext;
  readonly servername: string | undefined;
  readonly alpn: readonly string[];
  readonly version: TlsHttpVersion;
  readonly verifyChain: boolean;
  readonly checkIdentity: IdentityCheck;
}

/** Throws when the certificates or keys do not load (the config decoder has checked them already). */
export function tlsClient(tls: UpstreamTlsConfig, http2: boolean): TlsClient {
  const certificate = tls.clientCertificate;
  const context = createSecureContext({
    ...(tls.trustedCa === undefined ? {} : { ca: tls.trustedCa }),
    ...(certificate === undefined ? {} : { cert: certificate.certificateChain, key: certificate.privateKey }),
    ...(certificate?.password === undefined ? {} : { passphrase: certificate.password }),
    ...(tls.minVersion === undefined ? {} : { minVersion: tls.minVersion }),
    ...(tls.maxVersion === undefined ? {} : { maxVersion: tls.maxVersion }),
  });
  const offered = tls.alpnProtocols;
  const version: TlsHttpVersion = http2 || (offered.includes('h2') && !offered.includes('http/1.1')) ? 'h2' : offered.includes('h2') ? 'negotiated' : 'http/1.1';
  // An HTTP/2 cluster offers h2 even when alpn_protocols is empty, as Envoy's HTTP/2 pools do.
  const alpn = offered.length > 0 ? offered : version === 'h2' ? ['h2'] : ['http/1.1'];
  return { context, servername: tls.sni, alpn, version, verifyChain: tls.verifyChain, checkIdentity: identityCheck(tls.subjectAltNames) };
}

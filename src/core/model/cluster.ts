// Upstream clusters: discovery type, load-balancing policy and its settings, the governance
// settings the policy layer applies per cluster (breakers, outlier detection), and upstream TLS.
import type { ClusterLoadAssignment } from './endpoint.ts';
import type { StringMatcher } from './matcher.ts';
import type { JsonObject, Metadata } from './metadata.ts';
import type { CircuitBreakersConfig, ErrorRateBreakerConfig } from './policy-circuit-breakers.ts';
import type { HealthCheckConfig } from './policy-health-check.ts';
import type { OutlierDetectionConfig } from './policy-outlier-detection.ts';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RING_HASH' | 'RANDOM' | 'MAGLEV';

/** Envoy common.v3.SlowStartConfig, the warm-up of newly added hosts. */
export interface SlowStartConfig {
  readonly windowMs: number;
  /** Aggression > 0; 1 makes weight grow linearly over the window. */
  readonly aggression: number;
  /** Lower bound of the scaled weight, as a fraction in (0, 1]; Envoy's default is 10%. */
  readonly minWeightPercent: number;
}

export interface LeastRequestConfig {
  /** Hosts sampled per pick (power of N choices); default 2. */
  readonly choiceCount: number;
  /** Exponent of active requests in the weight formula when weights differ; default 1. */
  readonly activeRequestBias: number;
}

export interface RingHashConfig {
  readonly minimumRingSize: number;
  readonly maximumRingSize: number;
}

export interface MaglevConfig {
  /** A prime; Envoy's default is 65537. */
  readonly tableSize: number;
}

export interface CommonLbConfig {
  /** healthy_panic_threshold in percent (0–100); default 50. 0 disables panic mode. */
  readonly healthyPanicThreshold: number;
  /** locality_weighted_lb_config present. */
  readonly localityWeighted: boolean;
}

export type SubsetFallbackPolicy = 'NO_FALLBACK' | 'ANY_ENDPOINT' | 'DEFAULT_SUBSET';

/** Envoy cluster.v3.Cluster.LbSubsetConfig (the subset load balancer). */
export interface LbSubsetConfig {
  readonly fallbackPolicy: SubsetFallbackPolicy;
  readonly defaultSubset: JsonObject;
  /** Each selector lists the metadata keys a subset is built on. */
  readonly subsetSelectors: readonly (readonly string[])[];
}

/** The SAN kinds of tls.v3.SubjectAltNameMatcher; `ANY` for the untyped match_subject_alt_names. */
export type SanType = 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS' | 'ANY';

export interface SubjectAltNameMatcher {
  readonly sanType: SanType;
  readonly matcher: StringMatcher;
}

/** Node's names of TlsParameters' protocol versions. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/**
 * The cluster's transport_socket `envoy.transport_sockets.tls` (tls.v3.UpstreamTlsContext), with
 * every DataSource already read. Certificates and keys are PEM text.
 */
export interface UpstreamTlsConfig {
  /** Server name to send (SNI); undefined: none, as in Envoy. */
  readonly sni: string | undefined;
  /** validation_context.trusted_ca; undefined: Node's default root store. */
  readonly trustedCa: string | undefined;
  /** False for trust_chain_verification ACCEPT_UNTRUSTED: the chain is not checked. */
  readonly verifyChain: boolean;
  /** The client certificate (common_tls_context.tls_certificates[0]), for mTLS. */
  readonly clientCertificate: { readonly certificateChain: string; readonly privateKey: string; readonly password: string | undefined } | undefined;
  /** ALPN protocols offered, as configured (may be empty). */
  readonly alpnProtocols: readonly string[];
  /**
   * match_typed_subject_alt_names (or match_subject_alt_names): the certificate must carry a SAN
   * one of them matches. Empty: the standard host name check against `sni`, else the endpoint's address.
   */
  readonly subjectAltNames: readonly SubjectAltNameMatcher[];
  /** tls_params; undefined: Node's defaults (TLS 1.2 to 1.3). */
  readonly minVersion: TlsVersion | undefined;
  readonly maxVersion: TlsVersion | undefined;
}

export interface Cluster {
  readonly name: string;
  readonly type: DiscoveryType;
  readonly connectTimeoutMs: number;
  readonly lbPolicy: LbPolicy;
  readonly leastRequest: LeastRequestConfig;
  readonly ringHash: RingHashConfig;
  readonly maglev: MaglevConfig;
  readonly commonLb: CommonLbConfig;
  readonly slowStart: SlowStartConfig | undefined;
  readonly subset: LbSubsetConfig | undefined;
  /** EDS: the name to request (eds_cluster_config.service_name, else the cluster name). */
  readonly edsServiceName: string;
  /** STATIC / DNS clusters: the inline load_assignment. */
  readonly loadAssignment: ClusterLoadAssignment | undefined;
  /** Upstream speaks HTTP/2 (http2_protocol_options or typed protocol options). */
  readonly http2: boolean;
  /** transport_socket with UpstreamTlsContext: connections use TLS. Absent: plaintext. */
  readonly tls?: UpstreamTlsConfig;
  /** circuit_breakers, Envoy's defaults when absent. */
  readonly circuitBreakers: CircuitBreakersConfig;
  /** outlier_detection; undefined turns ejection off, as in Envoy. */
  readonly outlierDetection: OutlierDetectionConfig | undefined;
  /** health_checks; every one must pass for a host to take traffic. Empty turns active checking off. */
  readonly healthChecks: readonly HealthCheckConfig[];
  /** sidelet's error-rate breaker, from metadata.filter_metadata.sidelet.error_rate_breaker. */
  readonly errorRateBreaker: ErrorRateBreakerConfig | undefined;
  readonly metadata: Metadata;
}

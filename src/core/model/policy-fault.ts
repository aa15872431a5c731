// Fault-injection settings: Envoy's extensions.filters.http.fault.v3.HTTPFault (delay, abort,
// header-controlled faults, upstream_cluster / headers / downstream_nodes scoping, max_active_faults).
import type { HeaderMatcher } from './matcher.ts';

/** type.v3.FractionalPercent kept as numerator and denominator: header-set percentages reuse the denominator. */
export interface FractionalPercent {
  readonly numerator: number;
  /** 100, 10 000 or 1 000 000. */
  readonly denominator: number;
}

/** fixed_delay, or header_delay (the delay comes from `x-envoy-fault-delay-request`). */
export type FaultDelaySource = { readonly kind: 'fixed'; readonly ms: number } | { readonly kind: 'header' };

/** http_status, grpc_status, or header_abort (`x-envoy-fault-abort-request` / `x-envoy-fault-abort-grpc-request`). */
export type FaultAbortSource =
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'grpc'; readonly grpcStatus: number }
  | { readonly kind: 'header' };

export interface FaultDelayConfig {
  readonly source: FaultDelaySource;
  readonly percentage: FractionalPercent;
}

export interface FaultAbortConfig {
  readonly source: FaultAbortSource;
  readonly percentage: FractionalPercent;
}

export interface HttpFaultConfig {
  readonly delay: FaultDelayConfig | undefined;
  readonly abort: FaultAbortConfig | undefined;
  /** Faults apply only to requests bound to this cluster. */
  readonly upstreamCluster: string | undefined;
  /** Faults apply only when every matcher matches. */
  readonly headers: readonly HeaderMatcher[];
  /** Faults apply only when `x-envoy-downstream-service-node` is one of these (empty: any). */
  readonly downstreamNodes: readonly string[];
  /** undefined: unlimited. */
  readonly maxActiveFaults: number | undefined;
}

export const FAULT_FILTER = 'envoy.filters.http.fault';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** The request headers Envoy's fault filter reads when header_delay / header_abort are configured. */
export const FAULT_HEADERS = {
  delay: 'x-envoy-fault-delay-request',
  delayPercentage: 'x-envoy-fault-delay-request-percentage',
  abort: 'x-envoy-fault-abort-request',
  abortGrpc: 'x-envoy-fault-abort-grpc-request',
  abortPercentage: 'x-envoy-fault-abort-request-percentage',
  downstreamNode: 'x-envoy-downstream-service-node',
} as const;

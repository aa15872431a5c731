// Listeners: an API listener whose HTTP connection manager names a route configuration (rds) or
// carries one inline, as gRPC proxyless and sidelet use them for outbound calls; or a listener
// bound to an address (Envoy's `address` + filter chain), which routes every request it accepts.
import type { FilterConfigs } from './filter-configs.ts';
import type { RouteConfiguration } from './route.ts';

export type RouteSource =
  | { readonly kind: 'rds'; readonly routeConfigName: string }
  | { readonly kind: 'inline'; readonly routeConfig: RouteConfiguration };

/** Envoy `address`: a TCP `socket_address`, or a unix socket (`pipe`). */
export type ListenerAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** HttpConnectionManager codec_type: AUTO tells HTTP/1.1 from HTTP/2 (h2c) by the connection preface. */
export type ListenerCodec = 'AUTO' | 'HTTP1' | 'HTTP2';

/** What a listener that accepts connections itself listens on and speaks. */
export interface ListenerSocket {
  readonly address: ListenerAddress;
  readonly codec: ListenerCodec;
}

export interface Listener {
  /** For outbound calls, the authority through the name template, e.g. `reviews:80`; any name for a bound listener. */
  readonly name: string;
  readonly routeSource: RouteSource;
  /** Names of the HTTP filters in order (e.g. envoy.filters.http.fault, envoy.filters.http.router). */
  readonly httpFilters: readonly string[];
  /** Filter-level settings from http_filters[].typed_config; routes and virtual hosts override them. */
  readonly filterConfigs: FilterConfigs;
  /**
   * Set for a listener with an address and a filter chain: every request it accepts is routed
   * by this listener's route table, whatever its Host. Absent for an API listener.
   */
  readonly socket?: ListenerSocket;
}

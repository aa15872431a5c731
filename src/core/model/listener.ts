// Listeners: an API listener whose HTTP connection manager names a route configuration
// (rds) or carries one inline, as gRPC proxyless and sidelet use them for outbound calls.
import type { FilterConfigs } from './filter-configs.ts';
import type { RouteConfiguration } from './route.ts';

export type RouteSource =
  | { readonly kind: 'rds'; readonly routeConfigName: string }
  | { readonly kind: 'inline'; readonly routeConfig: RouteConfiguration };

export interface Listener {
  /** For outbound calls, the authority through the name template, e.g. `reviews:80`. */
  readonly name: string;
  readonly routeSource: RouteSource;
  /** Names of the HTTP filters in order (e.g. envoy.filters.http.fault, envoy.filters.http.router). */
  readonly httpFilters: readonly string[];
  /** Filter-level settings from http_filters[].typed_config; routes and virtual hosts override them. */
  readonly filterConfigs: FilterConfigs;
}

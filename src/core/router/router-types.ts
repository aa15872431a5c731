// The router's request and answer: what a protocol tells it about a request (RouteContext)
// and where the request goes (RouteDecision, a tagged union).
import type { JsonObject } from '../model/metadata.ts';
import type { Route, RouteAction, VirtualHost } from '../model/route.ts';

/**
 * `headers` holds regular headers only, keyed by lower-cased name, repeated headers' values
 * joined by ","; the pseudo-headers `:authority`, `:path` and `:method` that header matchers
 * may name come from the fields beside it (a `:`-name in `headers` is never consulted). A
 * ReadonlyMap rather than a plain object: no prototype keys, and Node's header objects convert
 * with `new Map(Object.entries(h))` once array values are joined.
 */
export interface RouteContext {
  readonly authority: string;
  /** The :path, query string included. */
  readonly path: string;
  readonly method: string;
  readonly headers: ReadonlyMap<string, string>;
  /** Uniform in [0, 1): runtime_fraction draws and weighted cluster picks. */
  readonly random: () => number;
}

export interface ForwardDecision {
  readonly kind: 'forward';
  readonly virtualHost: VirtualHost;
  readonly route: Route;
  /** `route.action`, narrowed. */
  readonly action: RouteAction;
  readonly cluster: string;
  /** The route's metadata_match labels merged with the picked weighted cluster's, the cluster's winning per key. */
  readonly metadataMatch: JsonObject | undefined;
  /** The :path after prefix_rewrite or regex_rewrite, query string kept. */
  readonly path: string;
  /** The authority after host_rewrite_literal or host_rewrite_header. */
  readonly authority: string;
  /** The request's headers after the request header mutations (the same map when none apply). */
  readonly headers: ReadonlyMap<string, string>;
}

export interface DirectResponseDecision {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body: string | undefined;
  readonly virtualHost: VirtualHost;
  readonly route: Route;
}

export type NoRouteReason = 'no_virtual_host' | 'no_route_match' | 'no_cluster';

export interface NoRouteDecision {
  readonly kind: 'no_route';
  readonly reason: NoRouteReason;
  /** For logs and error messages: what was looked for and where. */
  readonly detail: string;
}

export type RouteDecision = ForwardDecision | DirectResponseDecision | NoRouteDecision;

// Route table compilation and request routing: virtual host by authority, then the first
// route whose match holds, then its action turned into a decision (forward, direct response).
import type { ConfigPath } from '../errors.ts';
import type { HeaderMatcher, QueryParameterMatcher } from '../model/matcher.ts';
import type { JsonObject } from '../model/metadata.ts';
import type { HeaderMutations, Route, RouteAction, RouteConfiguration, VirtualHost, WeightedCluster } from '../model/route.ts';
import { compileClusterPicker } from './cluster-picker.ts';
import { DomainIndex } from './domain-index.ts';
import { matchHeaders } from './header-matcher.ts';
import { applyHeaderMutations, mutationOrder } from './header-mutation.ts';
import { type CompiledPathMatch, compilePathMatch, matchPath } from './path-matcher.ts';
import { matchQueryParameters } from './query-matcher.ts';
import { RequestView } from './request-view.ts';
import { compileHostRewrite, compilePathRewrite } from './rewrite.ts';
import type { RouteContext, RouteDecision } from './router-types.ts';

/** A route configuration with everything a request needs precomputed. Immutable; share it freely. */
export interface RouteTable {
  readonly config: RouteConfiguration;
  readonly hosts: DomainIndex<CompiledVirtualHost>;
}

/** Internal to the router; exported only so RouteTable's declaration can name it. */
export interface CompiledVirtualHost {
  readonly virtualHost: VirtualHost;
  readonly routes: readonly CompiledRoute[];
}

/** Flat, so trying a route touches as few objects as possible; empty matcher lists are undefined. */
export interface CompiledRoute extends CompiledPathMatch {
  readonly headers: readonly HeaderMatcher[] | undefined;
  readonly queryParameters: readonly QueryParameterMatcher[] | undefined;
  readonly perMillion: number | undefined;
  readonly decide: (request: RequestView) => RouteDecision;
}

/** Throws a ConfigError for a regex_rewrite substitution RE2 would refuse. */
export function compileRouteTable(config: RouteConfiguration): RouteTable {
  const hosts = config.virtualHosts.map((virtualHost, i) => ({
    domains: virtualHost.domains,
    value: {
      virtualHost,
      routes: virtualHost.routes.map((r, j) => compileRoute(config, virtualHost, r, ['virtual_hosts', i, 'routes', j, 'route'])),
    },
  }));
  return { config, hosts: new DomainIndex(hosts) };
}

/**
 * Routes one request. runtime_fraction: after a route's other conditions hold, one draw of
 * `random()`; the route matches only if `random() * 1e6 < perMillion`. Envoy draws one value
 * per request (from the stream id) and tests it before the other conditions; drawing per route,
 * and only when needed, gives each route the same chance and spends no randomness on routes
 * that fail anyway. Two fractional routes matching one request are independent here, where
 * Envoy's would be correlated.
 */
export function route(table: RouteTable, ctx: RouteContext): RouteDecision {
  const host = table.hosts.find(ctx.authority);
  if (host === undefined) {
    return { kind: 'no_route', reason: 'no_virtual_host', detail: `no virtual host of route configuration "${table.config.name}" serves authority "${ctx.authority}"` };
  }
  const request = new RequestView(ctx);
  for (const candidate of host.routes) {
    if (!matchPath(candidate, request)) continue;
    if (candidate.headers !== undefined && !matchHeaders(candidate.headers, request.header)) continue;
    if (candidate.queryParameters !== undefined && !matchQueryParameters(candidate.queryParameters, request.query)) continue;
    if (candidate.perMillion !== undefined && !(ctx.random() * 1_000_000 < candidate.perMillion)) continue;
    return candidate.decide(request);
  }
  return {
    kind: 'no_route',
    reason: 'no_route_match',
    detail: `no route of virtual host "${host.virtualHost.name}" matches ${ctx.method} ${ctx.path}`,
  };
}

function compileRoute(config: RouteConfiguration, virtualHost: VirtualHost, route: Route, where: ConfigPath): CompiledRoute {
  const { match, action } = route;
  let decide: CompiledRoute['decide'];
  if (action.kind === 'direct_response') {
    const decision: RouteDecision = Object.freeze({ kind: 'direct_response', status: action.status, body: action.body, virtualHost, route });
    decide = () => decision;
  } else {
    decide = compileForward(config, virtualHost, route, action, where);
  }
  return {
    ...compilePathMatch(match.path, match.caseSensitive),
    headers: match.headers.length === 0 ? undefined : match.headers,
    queryParameters: match.queryParameters.length === 0 ? undefined : match.queryParameters,
    perMillion: match.runtimeFraction?.perMillion,
    decide,
  };
}

/** What depends on the picked cluster: the header levels to apply and the subset labels. */
interface ClusterExtras {
  readonly mutations: readonly HeaderMutations[];
  readonly metadataMatch: JsonObject | undefined;
}

function compileForward(config: RouteConfiguration, virtualHost: VirtualHost, route: Route, action: RouteAction, where: ConfigPath): CompiledRoute['decide'] {
  const pick = compileClusterPicker(action.cluster);
  const rewritePath = compilePathRewrite(route.match.path, action, where);
  const rewriteHost = compileHostRewrite(action);
  const routeExtras: ClusterExtras = { mutations: mutationOrder(undefined, route.headers, virtualHost.headers, config.headers), metadataMatch: action.metadataMatch };
  const weighted = new Map<WeightedCluster, ClusterExtras>();
  if (action.cluster.kind === 'weighted_clusters') {
    for (const cluster of action.cluster.clusters) {
      weighted.set(cluster, {
        mutations: mutationOrder(cluster.headers, route.headers, virtualHost.headers, config.headers),
        metadataMatch: mergeMetadataMatch(action.metadataMatch, cluster.metadataMatch),
      });
    }
  }
  return (request) => {
    const { ctx } = request;
    const picked = pick(() => request.header, ctx.random);
    if (picked.kind === 'none') {
      return { kind: 'no_route', reason: 'no_cluster', detail: `${picked.detail} (route "${route.name}" of virtual host "${virtualHost.name}")` };
    }
    const extras = (picked.weighted && weighted.get(picked.weighted)) || routeExtras;
    const headers = applyHeaderMutations(ctx.headers, extras.mutations);
    return {
      kind: 'forward',
      virtualHost,
      route,
      action,
      cluster: picked.name,
      metadataMatch: extras.metadataMatch,
      path: rewritePath === undefined ? ctx.path : rewritePath(ctx.path),
      authority: rewriteHost === undefined ? ctx.authority : rewriteHost(ctx.authority, (name) => (name.charCodeAt(0) === 58 /* : */ ? request.header(name) : headers.get(name))),
      headers,
    };
  };
}

/** Envoy's MetadataMatchCriteria merge: the weighted cluster's labels override the route's per key. */
function mergeMetadataMatch(routeLabels: JsonObject | undefined, clusterLabels: JsonObject | undefined): JsonObject | undefined {
  if (clusterLabels === undefined) return routeLabels;
  if (routeLabels === undefined) return clusterLabels;
  return Object.freeze({ ...routeLabels, ...clusterLabels });
}

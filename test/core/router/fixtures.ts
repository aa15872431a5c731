// Builders for route configurations with Envoy's defaults filled in, so router tests state only
// what they exercise (the decoders that produce the model are tested elsewhere).
import type { HeaderMatcher, HeaderMatchRule, QueryParameterMatcher, StringMatcher } from '../../../src/core/model/matcher.ts';
import type {
  DirectResponseAction,
  HeaderMutations,
  HeaderValueOption,
  PathMatch,
  Route,
  RouteAction,
  RouteConfiguration,
  RouteMatch,
  VirtualHost,
  WeightedCluster,
} from '../../../src/core/model/route.ts';
import type { RouteContext } from '../../../src/core/router/router-types.ts';

export const NO_MUTATIONS: HeaderMutations = { add: [], remove: [] };

/** A safe_regex as the decoder compiles it: anchored for a full match. */
export function fullRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

export const prefix = (value: string): PathMatch => ({ kind: 'prefix', value });
export const exactPath = (value: string): PathMatch => ({ kind: 'path', value });
export const regexPath = (pattern: string): PathMatch => ({ kind: 'safe_regex', regex: fullRegex(pattern) });
export const separatedPrefix = (value: string): PathMatch => ({ kind: 'path_separated_prefix', value });

export function exact(value: string, ignoreCase = false): StringMatcher {
  return { kind: 'exact', value: ignoreCase ? value.toLowerCase() : value, ignoreCase };
}

export function headerMatcher(name: string, rule: HeaderMatchRule, options: { invert?: boolean; treatMissingAsEmpty?: boolean } = {}): HeaderMatcher {
  return { name, rule, invertMatch: options.invert ?? false, treatMissingHeaderAsEmpty: options.treatMissingAsEmpty ?? false };
}

export const stringRule = (matcher: StringMatcher): HeaderMatchRule => ({ kind: 'string', matcher });

export function queryMatcher(name: string, matcher: StringMatcher | undefined, present = true): QueryParameterMatcher {
  return { name, matcher, present };
}

export function routeMatch(path: PathMatch, overrides: Partial<RouteMatch> = {}): RouteMatch {
  return { path, caseSensitive: true, headers: [], queryParameters: [], runtimeFraction: undefined, ...overrides };
}

export function toCluster(name: string, overrides: Partial<RouteAction> = {}): RouteAction {
  return {
    kind: 'route',
    cluster: { kind: 'cluster', name },
    metadataMatch: undefined,
    prefixRewrite: undefined,
    regexRewrite: undefined,
    hostRewriteLiteral: undefined,
    hostRewriteHeader: undefined,
    hashPolicy: [],
    timeoutMs: undefined,
    retryPolicy: undefined,
    hedgePolicy: undefined,
    requestMirrorPolicies: [],
    maxStreamDuration: undefined,
    idleTimeoutMs: undefined,
    ...overrides,
  };
}

export function weightedCluster(name: string, weight: number, overrides: Partial<WeightedCluster> = {}): WeightedCluster {
  return { name, weight, metadataMatch: undefined, headers: NO_MUTATIONS, ...overrides };
}

export function toWeighted(clusters: readonly WeightedCluster[], overrides: Partial<RouteAction> = {}): RouteAction {
  const totalWeight = clusters.reduce((sum, c) => sum + c.weight, 0);
  return toCluster('', { cluster: { kind: 'weighted_clusters', clusters, totalWeight }, ...overrides });
}

export function directResponse(status: number, body?: string): DirectResponseAction {
  return { kind: 'direct_response', status, body };
}

export function makeRoute(name: string, match: RouteMatch, action: RouteAction | DirectResponseAction, overrides: Partial<Route> = {}): Route {
  return { name, match, action, headers: NO_MUTATIONS, filterConfigs: {}, metadata: {}, ...overrides };
}

export function makeVirtualHost(name: string, domains: readonly string[], routes: readonly Route[], overrides: Partial<VirtualHost> = {}): VirtualHost {
  return { name, domains, routes, headers: NO_MUTATIONS, retryPolicy: undefined, hedgePolicy: undefined, filterConfigs: {}, ...overrides };
}

export function makeConfig(virtualHosts: readonly VirtualHost[], overrides: Partial<RouteConfiguration> = {}): RouteConfiguration {
  return { name: 'test-routes', virtualHosts, headers: NO_MUTATIONS, ...overrides };
}

export function add(key: string, value: string, appendAction: HeaderValueOption['appendAction'] = 'APPEND_IF_EXISTS_OR_ADD'): HeaderValueOption {
  return { key, value, appendAction };
}

export function mutations(addList: readonly HeaderValueOption[], remove: readonly string[] = []): HeaderMutations {
  return { add: addList, remove };
}

/** A request; `random` throws unless given, so a test that draws unexpectedly fails. */
export function request(overrides: Partial<Omit<RouteContext, 'headers'>> & { headers?: Record<string, string> } = {}): RouteContext {
  return {
    authority: overrides.authority ?? 'example.com',
    path: overrides.path ?? '/',
    method: overrides.method ?? 'GET',
    headers: new Map(Object.entries(overrides.headers ?? {})),
    random:
      overrides.random ??
      (() => {
        throw new Error('unexpected random() draw');
      }),
  };
}

/** Replays the given values in turn (for runtime_fraction and weighted picks). */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('random() drawn more often than expected');
    return values[i++]!;
  };
}

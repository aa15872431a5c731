// Route configurations: virtual hosts, routes, their match and action, with the policy
// settings (retry, hedge, timeouts, mirrors, per-filter configs) decoded for the policy layer.
import type { FilterConfigs } from './filter-configs.ts';
import type { HeaderMatcher, QueryParameterMatcher } from './matcher.ts';
import type { JsonObject, Metadata } from './metadata.ts';
import type { HedgePolicyConfig } from './policy-hedge.ts';
import type { MirrorPolicy } from './policy-mirror.ts';
import type { MaxStreamDurationConfig, RetryPolicyConfig } from './policy-retry.ts';

export interface HeaderValueOption {
  readonly key: string;
  readonly value: string;
  /** APPEND_IF_EXISTS_OR_ADD (Envoy's default), ADD_IF_ABSENT, OVERWRITE_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS. */
  readonly appendAction: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
}

export interface HeaderMutations {
  readonly add: readonly HeaderValueOption[];
  /** Lower-cased names. */
  readonly remove: readonly string[];
}

export type PathMatch =
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'path'; readonly value: string }
  | { readonly kind: 'safe_regex'; readonly regex: RegExp }
  | { readonly kind: 'path_separated_prefix'; readonly value: string };

/** A runtime_fraction without a runtime: the default_value as a fraction of a million. */
export interface RuntimeFraction {
  readonly perMillion: number;
}

export interface RouteMatch {
  readonly path: PathMatch;
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatcher[];
  readonly queryParameters: readonly QueryParameterMatcher[];
  readonly runtimeFraction: RuntimeFraction | undefined;
}

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly metadataMatch: JsonObject | undefined;
  readonly headers: HeaderMutations;
}

export type ClusterSpecifier =
  | { readonly kind: 'cluster'; readonly name: string }
  | { readonly kind: 'weighted_clusters'; readonly clusters: readonly WeightedCluster[]; readonly totalWeight: number }
  | { readonly kind: 'cluster_header'; readonly header: string };

/** config.route.v3.RouteAction.HashPolicy, one of header, cookie, source IP or query parameter. */
export type HashPolicy =
  | { readonly kind: 'header'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'cookie'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'source_ip'; readonly terminal: boolean }
  | { readonly kind: 'query_parameter'; readonly name: string; readonly terminal: boolean };

export interface RegexRewrite {
  readonly regex: RegExp;
  readonly substitution: string;
}

export interface RouteAction {
  readonly kind: 'route';
  readonly cluster: ClusterSpecifier;
  /** filter_metadata['envoy.lb'] of metadata_match: endpoint labels the subset LB selects on. */
  readonly metadataMatch: JsonObject | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: RegexRewrite | undefined;
  readonly hostRewriteLiteral: string | undefined;
  readonly hostRewriteHeader: string | undefined;
  readonly hashPolicy: readonly HashPolicy[];
  /** Route timeout in ms; undefined means Envoy's default of 15 s applies in the policy layer. */
  readonly timeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  /** The route's retry and hedge policies; undefined defers to the virtual host's. */
  readonly retryPolicy: RetryPolicyConfig | undefined;
  readonly hedgePolicy: HedgePolicyConfig | undefined;
  readonly requestMirrorPolicies: readonly MirrorPolicy[];
  readonly maxStreamDuration: MaxStreamDurationConfig | undefined;
}

export interface DirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body: string | undefined;
}

export interface Route {
  readonly name: string;
  readonly match: RouteMatch;
  readonly action: RouteAction | DirectResponseAction;
  readonly headers: HeaderMutations;
  /** typed_per_filter_config, decoded; overrides the virtual host's and the listener's per filter. */
  readonly filterConfigs: FilterConfigs;
  readonly metadata: Metadata;
}

export interface VirtualHost {
  readonly name: string;
  /** Lower-cased domains: exact, `*.suffix`, `prefix.*`, `*`; may carry a port. */
  readonly domains: readonly string[];
  readonly routes: readonly Route[];
  readonly headers: HeaderMutations;
  readonly retryPolicy: RetryPolicyConfig | undefined;
  readonly hedgePolicy: HedgePolicyConfig | undefined;
  readonly filterConfigs: FilterConfigs;
}

export interface RouteConfiguration {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHost[];
  readonly headers: HeaderMutations;
}

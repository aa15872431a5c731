// Decodes config.route.v3.Route: its match (path, headers, query parameters, runtime
// fraction) and its action (route to a cluster, weighted clusters or cluster header, or a direct response).
import { IDEMPOTENT_FILTER, IDEMPOTENT_KEY } from '../core/call/rpc-call.ts';
import { ConfigError, type ConfigPath } from '../core/errors.ts';
import { LB_METADATA_FILTER, type JsonObject } from '../core/model/metadata.ts';
import type {
  ClusterSpecifier,
  DirectResponseAction,
  HashPolicy,
  PathMatch,
  Route,
  RouteAction,
  RouteMatch,
  WeightedCluster,
} from '../core/model/route.ts';
import { decodeTypedPerFilterConfig } from './decode-filter-configs.ts';
import { decodeHeaderMutations, RESPONSE_HEADER_FIELDS } from './decode-headers.ts';
import { decodeHedgePolicy } from './decode-hedge-policy.ts';
import { decodeMirrorPolicy } from './decode-mirror.ts';
import { decodeMaxStreamDuration, decodeRetryPolicy } from './decode-retry-policy.ts';
import { decodeHeaderMatcher, decodeQueryParameterMatcher } from './decode-matchers.ts';
import { compileRe2, durationMs, metadata, regexMatcher, runtimeFractionPerMillion } from './decode-well-known.ts';
import { type DecodeOptions, Fields, isPlainObject, optional } from './fields.ts';

export function decodeRoute(value: unknown, path: ConfigPath, options: DecodeOptions): Route {
  const f = new Fields(value, path, options);
  const matchFields = f.requiredMessage('match');
  const actionKind = f.oneof(['route', 'direct_response', 'redirect', 'filter_action', 'non_forwarding_action'], 'action');
  if (actionKind === undefined) throw new ConfigError(path, 'one of route or direct_response is required');
  if (actionKind !== 'route' && actionKind !== 'direct_response') f.fail(actionKind, `action "${actionKind}" is not supported; use route or direct_response`);
  const route: Route = {
    name: f.string('name') ?? '',
    match: decodeRouteMatch(matchFields),
    action: actionKind === 'route' ? decodeRouteAction(f.message('route')!) : decodeDirectResponse(f.message('direct_response')!),
    headers: decodeHeaderMutations(f),
    filterConfigs: decodeTypedPerFilterConfig(f),
    metadata: routeMetadata(f),
  };
  f.end([...RESPONSE_HEADER_FIELDS, 'decorator']);
  return route;
}

/** Route metadata; sidelet's `filter_metadata.sidelet.idempotent` (RPC calls may be retried) must be a boolean. */
function routeMetadata(f: Fields): Route['metadata'] {
  const value = metadata(f, 'metadata');
  const idempotent = value[IDEMPOTENT_FILTER]?.[IDEMPOTENT_KEY];
  if (idempotent !== undefined && idempotent !== null && typeof idempotent !== 'boolean') {
    throw new ConfigError([...f.pathOf('metadata'), 'filter_metadata', IDEMPOTENT_FILTER, IDEMPOTENT_KEY], `expected true or false, got ${JSON.stringify(idempotent)}`);
  }
  return value;
}

const PATH_KINDS = ['prefix', 'path', 'safe_regex', 'path_separated_prefix'] as const;

function decodeRouteMatch(f: Fields): RouteMatch {
  const kind = f.oneof([...PATH_KINDS, 'connect_matcher', 'path_match_policy'], 'path specifier');
  if (kind === undefined) throw new ConfigError(f.path, `one of ${PATH_KINDS.join(', ')} is required`);
  let path: PathMatch;
  if (kind === 'safe_regex') {
    path = { kind, regex: regexMatcher(f.message(kind)!) };
  } else if (kind === 'prefix' || kind === 'path' || kind === 'path_separated_prefix') {
    const text = f.string(kind) ?? '';
    if (kind === 'path_separated_prefix' && (!text.startsWith('/') || text.endsWith('/') || /[?#]/.test(text))) {
      f.fail(kind, `must start with "/", not end with "/" (so not be "/" alone) and hold no "?" or "#", got ${JSON.stringify(text)}`);
    }
    path = { kind, value: text };
  } else {
    f.fail(kind, `path specifier "${kind}" is not supported`);
  }
  const runtime = f.message('runtime_fraction');
  const match: RouteMatch = {
    path,
    caseSensitive: f.bool('case_sensitive', true),
    headers: f.list('headers', (v, p) => decodeHeaderMatcher(v, p, f.options)),
    queryParameters: f.list('query_parameters', (v, p) => decodeQueryParameterMatcher(v, p, f.options)),
    runtimeFraction: runtime === undefined ? undefined : { perMillion: runtimeFractionPerMillion(runtime) },
  };
  f.end();
  return match;
}

const CLUSTER_KINDS = ['cluster', 'cluster_header', 'weighted_clusters', 'cluster_specifier_plugin', 'inline_cluster_specifier_plugin'] as const;

function decodeRouteAction(f: Fields): RouteAction {
  const kind = f.oneof(CLUSTER_KINDS, 'cluster specifier');
  let cluster: ClusterSpecifier;
  if (kind === 'cluster') cluster = { kind, name: f.requiredString(kind) };
  else if (kind === 'cluster_header') cluster = { kind, header: f.requiredString(kind).toLowerCase() };
  else if (kind === 'weighted_clusters') cluster = decodeWeightedClusters(f.message(kind)!);
  else if (kind === undefined) throw new ConfigError(f.path, 'one of cluster, cluster_header or weighted_clusters is required');
  else f.fail(kind, `cluster specifier "${kind}" is not supported`);
  const regexRewrite = f.message('regex_rewrite');
  let rewrite: RouteAction['regexRewrite'];
  if (regexRewrite !== undefined) {
    const pattern = regexRewrite.requiredMessage('pattern');
    const regex = compileRe2(pattern.requiredString('regex'), pattern.pathOf('regex'), 'global');
    pattern.end(['google_re2']);
    rewrite = { regex, substitution: regexRewrite.string('substitution') ?? '' };
    regexRewrite.end();
  }
  if (f.has('prefix_rewrite') && regexRewrite !== undefined) f.fail('prefix_rewrite', 'prefix_rewrite and regex_rewrite cannot both be set');
  f.oneof(['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'], 'host rewrite');
  if (f.has('host_rewrite_path_regex')) f.fail('host_rewrite_path_regex', 'not supported');
  const action: RouteAction = {
    kind: 'route',
    cluster,
    metadataMatch: lbMetadata(f),
    prefixRewrite: f.string('prefix_rewrite'),
    regexRewrite: rewrite,
    hostRewriteLiteral: f.string('host_rewrite_literal'),
    hostRewriteHeader: f.string('host_rewrite_header')?.toLowerCase(),
    hashPolicy: f.list('hash_policy', (v, p) => decodeHashPolicy(new Fields(v, p, f.options))),
    timeoutMs: durationMs(f, 'timeout'),
    idleTimeoutMs: durationMs(f, 'idle_timeout'),
    retryPolicy: optional(f, 'retry_policy', decodeRetryPolicy),
    hedgePolicy: optional(f, 'hedge_policy', decodeHedgePolicy),
    requestMirrorPolicies: f.list('request_mirror_policies', (v, p) => decodeMirrorPolicy(v, p, f.options)),
    maxStreamDuration: optional(f, 'max_stream_duration', decodeMaxStreamDuration),
  };
  f.end(['auto_host_rewrite', 'priority', 'cluster_not_found_response_code']);
  return action;
}

function lbMetadata(f: Fields): JsonObject | undefined {
  const m = f.message('metadata_match');
  if (m === undefined) return undefined;
  const filters = m.struct('filter_metadata') ?? {};
  m.end();
  const lb = filters[LB_METADATA_FILTER];
  if (lb !== undefined && !isPlainObject(lb)) {
    throw new ConfigError([...m.pathOf('filter_metadata'), LB_METADATA_FILTER], 'expected an object of labels');
  }
  return lb as JsonObject | undefined;
}

function decodeWeightedClusters(f: Fields): ClusterSpecifier {
  const clusters = f.list('clusters', (v, p): WeightedCluster => {
    const c = new Fields(v, p, f.options);
    const cluster: WeightedCluster = {
      name: c.requiredString('name'),
      weight: c.number('weight', { integer: true, min: 0 }) ?? 0,
      metadataMatch: lbMetadata(c),
      headers: decodeHeaderMutations(c),
    };
    c.end([...RESPONSE_HEADER_FIELDS, 'typed_per_filter_config']);
    return cluster;
  });
  if (clusters.length === 0) f.fail('clusters', 'required, at least one cluster');
  const sum = clusters.reduce((total, c) => total + c.weight, 0);
  if (sum <= 0) f.fail('clusters', 'the weights add up to 0; at least one cluster needs a positive weight');
  if (sum > 0xffffffff) f.fail('clusters', `the weights add up to ${sum}, more than the maximum 4294967295`);
  const declared = f.number('total_weight', { integer: true, min: 1 });
  if (declared !== undefined && declared !== sum) f.fail('total_weight', `the weights add up to ${sum}, not the declared total_weight ${declared}`);
  f.end(['runtime_key_prefix']);
  return { kind: 'weighted_clusters', clusters, totalWeight: sum };
}

function decodeHashPolicy(f: Fields): HashPolicy {
  const kind = f.oneof(['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'], 'hash policy');
  const terminal = f.bool('terminal', false);
  let policy: HashPolicy;
  if (kind === 'header') {
    const h = f.message(kind)!;
    policy = { kind, name: h.requiredString('header_name').toLowerCase(), terminal };
    h.end();
  } else if (kind === 'cookie') {
    const c = f.message(kind)!;
    policy = { kind, name: c.requiredString('name'), terminal };
    c.end(['ttl', 'path', 'attributes']);
  } else if (kind === 'connection_properties') {
    const c = f.message(kind)!;
    if (!c.bool('source_ip', false)) c.fail('source_ip', 'must be true');
    c.end();
    policy = { kind: 'source_ip', terminal };
  } else if (kind === 'query_parameter') {
    const q = f.message(kind)!;
    policy = { kind, name: q.requiredString('name'), terminal };
    q.end();
  } else if (kind === undefined) {
    throw new ConfigError(f.path, 'one of header, cookie, connection_properties or query_parameter is required');
  } else {
    f.fail(kind, `hash policy "${kind}" is not supported`);
  }
  f.end();
  return policy;
}

function decodeDirectResponse(f: Fields): DirectResponseAction {
  const status = f.requiredNumber('status', { integer: true, min: 200, max: 599 });
  const body = f.message('body');
  let text: string | undefined;
  if (body !== undefined) {
    const kind = body.oneof(['inline_string', 'inline_bytes', 'filename', 'environment_variable'], 'data source');
    if (kind === 'inline_string') text = body.string(kind);
    else if (kind === 'inline_bytes') text = Buffer.from(body.string(kind) ?? '', 'base64').toString('utf8');
    else if (kind !== undefined) body.fail(kind, `data source "${kind}" is not supported in direct_response; use inline_string`);
    body.end();
  }
  f.end();
  return { kind: 'direct_response', status, body: text };
}

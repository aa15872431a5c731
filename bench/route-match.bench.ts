// Route matching over 1,000 virtual hosts × 10 routes (prefix, exact path, header matchers,
// regexes), against a baseline of one Map lookup of the host and one startsWith.
import { performance } from 'node:perf_hooks';
import type { HeaderMatcher } from '../src/core/model/matcher.ts';
import type { HeaderMutations, PathMatch, Route, RouteConfiguration, VirtualHost } from '../src/core/model/route.ts';
import { compileRouteTable, type RouteContext, route } from '../src/core/router/index.ts';
import { makeRoute, routeMatch, toCluster } from '../test/core/router/fixtures.ts';
import { report, timeOps } from './harness.ts';

const HOSTS = 1000;
const NONE: HeaderMutations = { add: [], remove: [] };

function routeTo(name: string, path: PathMatch, cluster: string, headers: readonly HeaderMatcher[] = []): Route {
  return makeRoute(name, routeMatch(path, { headers }), toCluster(cluster));
}

const exactHeader = (name: string, value: string): HeaderMatcher => ({
  name,
  rule: { kind: 'string', matcher: { kind: 'exact', value, ignoreCase: false } },
  invertMatch: false,
  treatMissingHeaderAsEmpty: false,
});

function virtualHost(i: number): VirtualHost {
  const svc = `svc${i}`;
  const domains = [`${svc}.ns${i % 10}.svc.cluster.local`, svc, `${svc}:80`];
  if (i % 10 === 0) domains.push(`*.zone${i}.example`);
  if (i % 10 === 5) domains.push(`edge${i}.*`);
  const routes = [
    routeTo('status', { kind: 'path', value: `/v1/${svc}/status` }, `${svc}-status`),
    routeTo('users-canary', { kind: 'prefix', value: '/v1/users' }, `${svc}-canary`, [exactHeader('x-canary', 'true')]),
    routeTo('item-by-id', { kind: 'safe_regex', regex: /^(?:\/v1\/items\/[0-9]+)$/ }, `${svc}-item`),
    routeTo('items', { kind: 'prefix', value: '/v1/items' }, `${svc}-items`),
    routeTo('orders-gold', { kind: 'prefix', value: '/v1/orders' }, `${svc}-gold`, [
      { name: 'x-tenant', rule: { kind: 'string', matcher: { kind: 'prefix', value: 'gold', ignoreCase: false } }, invertMatch: false, treatMissingHeaderAsEmpty: false },
    ]),
    routeTo('orders', { kind: 'prefix', value: '/v1/orders' }, `${svc}-orders`),
    routeTo('v2-entity', { kind: 'safe_regex', regex: /^(?:\/v2\/(users|items)\/[a-z0-9-]+)$/ }, `${svc}-v2-entity`),
    routeTo('v2', { kind: 'path_separated_prefix', value: '/v2' }, `${svc}-v2`),
    routeTo('metrics', { kind: 'path', value: '/metrics' }, `${svc}-metrics`),
    routeTo('default', { kind: 'prefix', value: '/' }, svc),
  ];
  return { name: svc, domains, routes, headers: NONE, retryPolicy: undefined, hedgePolicy: undefined, filterConfigs: {} };
}

const config: RouteConfiguration = { name: 'bench', virtualHosts: Array.from({ length: HOSTS }, (_, i) => virtualHost(i)), headers: NONE };
const compileStart = performance.now();
const table = compileRouteTable(config);
const compileMs = performance.now() - compileStart;

// Varied requests, spread over hosts (exact, with port, wildcard) and over every route.
const REQUESTS = 4096;
const none = new Map<string, string>();
const canary = new Map([['x-canary', 'true']]);
const gold = new Map([['x-tenant', 'gold-42']]);
let seed = 42;
const next = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
};
const requests: RouteContext[] = [];
for (let r = 0; r < REQUESTS; r++) {
  const i = next() % HOSTS;
  const hostForms = [`svc${i}.ns${i % 10}.svc.cluster.local`, `svc${i}`, `svc${i}:80`, `svc${i}.ns${i % 10}.svc.cluster.local:8080`];
  if (i % 10 === 0) hostForms.push(`a.zone${i}.example`);
  if (i % 10 === 5) hostForms.push(`edge${i}.io`);
  const paths: [string, ReadonlyMap<string, string>][] = [
    [`/v1/svc${i}/status`, none],
    ['/v1/users/7', canary],
    ['/v1/items/123', none],
    ['/v1/items?page=2', none],
    ['/v1/orders/9', gold],
    ['/v1/orders/9', none],
    ['/v2/users/ab-12', none],
    ['/v2/other', none],
    ['/metrics', none],
    ['/index.html', none],
  ];
  const [path, headers] = paths[next() % paths.length]!;
  requests.push({ authority: hostForms[next() % hostForms.length]!, path, method: 'GET', headers, random: Math.random });
}
const mask = REQUESTS - 1;

// Baseline: the least work any router does — a hash lookup of the host and one prefix test.
const baselineHosts = new Map(config.virtualHosts.flatMap((vh) => vh.domains.map((d) => [d, vh] as const)));
const baseline = timeOps('baseline: Map.get(host) + startsWith', (n) => {
  const req = requests[n & mask]!;
  const vh = baselineHosts.get(req.authority);
  return vh !== undefined && req.path.startsWith('/v1');
});

// What the timed requests resolve to, so the figures are known to cover real matches.
const routesHit = new Set<string>();
let forwards = 0;
for (const req of requests) {
  const decision = route(table, req);
  if (decision.kind === 'forward') {
    forwards++;
    routesHit.add(decision.route.name);
  }
}

const matched = timeOps('route() over 1,000 vhosts × 10 routes', (n) => route(table, requests[n & mask]!));

// The same table with requests over 8 hosts only, as a service calling a handful of peers
// sees it: the difference to the run above is mostly cache misses over 1,000 virtual hosts.
const hotHosts = new Set(requests.slice(0, 8).map((r) => r.authority));
const hot = requests.filter((r) => hotHosts.has(r.authority));
const warm = timeOps('route(), same table, requests over 8 hosts', (n) => route(table, hot[n % hot.length]!));

report('route matching', baseline, [matched, warm], [
  `compileRouteTable for ${HOSTS} virtual hosts × 10 routes: ${compileMs.toFixed(1)} ms`,
  `${forwards} of ${REQUESTS} requests forwarded; together they reach ${routesHit.size} of the 10 routes (by name)`,
  `target (not asserted): route() p50 < 2000 ns — measured ${matched.p50Ns.toFixed(0)} ns`,
]);
